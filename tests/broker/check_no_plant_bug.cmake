# Checks that an executable holds no planted-bug code (plant_bug and its helpers): run as
# cmake -DNM=<nm> -DBINARY=<executable> -P check_no_plant_bug.cmake
if(NOT EXISTS "${BINARY}")
  message(FATAL_ERROR "${BINARY} not built")
endif()
execute_process(COMMAND "${NM}" -C "${BINARY}" RESULT_VARIABLE rc OUTPUT_VARIABLE symbols ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -C ${BINARY} failed (${rc}): ${err}")
endif()
# A function every broker build has: without it the symbol table says nothing (stripped?).
if(NOT symbols MATCHES "mqtt::broker::broker::on_bytes\\(")
  message(FATAL_ERROR "${BINARY} has no broker symbols to check; is it stripped?")
endif()
if(symbols MATCHES "mqtt::broker::(plant_bug|planted_bug_from_string|all_planted_bugs)\\(")
  message(FATAL_ERROR "${BINARY} contains ${CMAKE_MATCH_0}: it is linked against mqtt_broker_planted")
endif()
# The larger bugs' helpers (planted/*.cpp) are compiled into mqtt_broker_planted only.
if(symbols MATCHES "mqtt::broker::broker::state::(reorder_planted|release_held_back|release_held_timer|restart_released_qos2|planted_deliver_to_group|planted_keeps_malformed|plant_property_bugs)\\(")
  message(FATAL_ERROR "${BINARY} contains the planted helper ${CMAKE_MATCH_0}")
endif()
message(STATUS "${BINARY}: no planted-bug code")
