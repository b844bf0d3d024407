# CTest driver for a libFuzzer target (cmake -P). Two modes:
# - SEEDS=dir: fuzz for MAX_TOTAL_TIME_S seconds on a scratch copy of the seed corpus, inside
#   WORK_DIR, so new inputs and crash files land in the build tree, not in the sources;
# - REPLAY_DIR=dir: run each saved input once (regressions must stay fixed).
# Either fails when the fuzzer exits non-zero (crash, sanitizer report, oracle violation,
# leak, timeout or out-of-memory).
foreach(var FUZZER DICT WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "smoke.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

if(DEFINED REPLAY_DIR)
  file(GLOB inputs LIST_DIRECTORIES false "${REPLAY_DIR}/*")
  list(FILTER inputs EXCLUDE REGEX "/(README[^/]*|\\.[^/]*)$")
  list(LENGTH inputs count)
  if(count EQUAL 0)
    message(STATUS "no saved inputs in ${REPLAY_DIR}")
    return()
  endif()
  set(args -rss_limit_mb=2048 -timeout=10 ${inputs})
else()
  file(MAKE_DIRECTORY "${WORK_DIR}/corpus")
  file(GLOB seeds LIST_DIRECTORIES false "${SEEDS}/*")
  if(seeds)
    file(COPY ${seeds} DESTINATION "${WORK_DIR}/corpus")
  endif()
  set(args -max_total_time=${MAX_TOTAL_TIME_S} -rss_limit_mb=2048 -timeout=10
           -dict=${DICT} -print_final_stats=1 "${WORK_DIR}/corpus")
endif()

execute_process(
  COMMAND "${FUZZER}" -artifact_prefix=${WORK_DIR}/ ${args}
  WORKING_DIRECTORY "${WORK_DIR}"
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE log
  ERROR_VARIABLE log)
file(WRITE "${WORK_DIR}/fuzzer.log" "${log}")

# Keep CTest's output short: the tail holds the crash report or the final statistics.
string(LENGTH "${log}" size)
set(keep 6000)
if(size GREATER keep)
  math(EXPR start "${size} - ${keep}")
  string(SUBSTRING "${log}" ${start} ${keep} log)
  set(log "[... full log in ${WORK_DIR}/fuzzer.log]\n${log}")
endif()
message("${log}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} exited with ${rc}; full log and any crash file in ${WORK_DIR}")
endif()
