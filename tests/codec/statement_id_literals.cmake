# Compiles statement_id_literals.cpp once per case and checks that the good case compiles and
# each wrong literal is refused for its own reason. Run as
# cmake -DCXX=<compiler> -DINCLUDE=<reference-impl/include> -DSOURCE=<file> -P statement_id_literals.cmake
set(expected
  "literal_is_not_a_statement_of_mqtt_3_1_1_or_5_0"
  "literal_is_not_spelled_like_mqtt_3_1_2_10"
  "literal_is_not_spelled_like_mqtt_3_1_2_10"
  "literal_is_not_a_section_like_section_sign_2_2_1"
  "statement_id")
function(compile case result output)
  execute_process(COMMAND "${CXX}" -std=c++20 -fsyntax-only -I${INCLUDE} -DCASE=${case} ${SOURCE}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(${result} ${rc} PARENT_SCOPE)
  set(${output} "${out}${err}" PARENT_SCOPE)
endfunction()

compile(0 rc out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the valid literals do not compile:\n${out}")
endif()
set(case 1)
foreach(diagnostic IN LISTS expected)
  compile(${case} rc out)
  if(rc EQUAL 0)
    message(FATAL_ERROR "case ${case} of ${SOURCE} compiled; it must be refused")
  endif()
  string(FIND "${out}" "${diagnostic}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "case ${case} was refused without naming ${diagnostic}:\n${out}")
  endif()
  math(EXPR case "${case} + 1")
endforeach()
list(LENGTH expected refused)
message(STATUS "the valid literals compile; the ${refused} wrong ones do not")
