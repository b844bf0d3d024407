# Nothing in a simulated run may read the wall clock, real randomness or other threads: the
# protocol cores (reference-impl, but for its net/ transport) and the simulator and checkers
# (harness/sim, harness/check) must not name them. The seed sweep (harness/sim/sweep.cpp) runs
# whole runs side by side on threads, so it alone may name threads; clocks and randomness are
# barred there too. Run with -DROOT=<source dir>.
set(clock_or_random "steady_clock|system_clock|high_resolution_clock|random_device|std::rand[^a-z_]|[^a-z_]rand\\(|srand|time\\(nullptr\\)|time\\(NULL\\)|gettimeofday|clock_gettime|getrandom|#include <chrono>|#include <random>|#include <ctime>")
set(threads "#include <thread>")
set(thread_user ${ROOT}/harness/sim/sweep.cpp)
file(GLOB_RECURSE sources
  ${ROOT}/reference-impl/src/*.cpp ${ROOT}/reference-impl/src/*.hpp
  ${ROOT}/reference-impl/include/*.hpp
  ${ROOT}/harness/sim/*.cpp ${ROOT}/harness/sim/*.hpp
  ${ROOT}/harness/check/*.cpp ${ROOT}/harness/check/*.hpp)
list(LENGTH sources count)
if(count LESS 20)
  message(FATAL_ERROR "only ${count} sources found under ${ROOT}: wrong ROOT?")
endif()
if(NOT EXISTS ${thread_user})
  message(FATAL_ERROR "${thread_user} is gone: update the exemption")
endif()
set(found "")
foreach(f ${sources})
  if(f STREQUAL thread_user)
    set(forbidden "${clock_or_random}")
  else()
    set(forbidden "${clock_or_random}|${threads}")
  endif()
  file(STRINGS ${f} hits REGEX "${forbidden}")
  foreach(h ${hits})
    string(APPEND found "${f}: ${h}\n")
  endforeach()
endforeach()
if(found)
  message(FATAL_ERROR "wall clock or real randomness in deterministic code:\n${found}")
endif()
message(STATUS "${count} deterministic sources checked: no clock, no real randomness, no threads (but the sweep's)")
