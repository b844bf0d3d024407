# Writes OUT: the statement IDs named in the broker sources (string literals outside // comments,
# whether passed as statement_id("MQTT-...") or converted from a bare literal), as a C++ array
# of spec::statement_id for mqtt/broker/enforced.hpp, so each is checked against the standards
# again. Sections (spec::section) are not IDs and not listed. Run at build time whenever a
# broker source changes.
file(GLOB sources ${SOURCE_DIR}/src/broker/*.cpp ${SOURCE_DIR}/src/broker/*.hpp)
set(ids "")
foreach(f ${sources})
  file(STRINGS ${f} lines)
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "//.*$" "" code "${line}")
    string(REGEX MATCHALL "\"MQTT-[0-9.]+-[0-9]+\"" found "${code}")
    list(APPEND ids ${found})
  endforeach()
endforeach()
list(REMOVE_DUPLICATES ids)
list(SORT ids)
list(JOIN ids ",\n    " body)
file(WRITE ${OUT}.tmp "// Generated from reference-impl/src/broker by broker_statements.cmake.\n#include <cstddef>\n#include \"mqtt/spec/statement_id.hpp\"\nnamespace mqtt::broker::detail {\nextern const spec::statement_id named_statements[];\nextern const std::size_t named_statements_count;\nconst spec::statement_id named_statements[] = {\n    ${body}};\nconst std::size_t named_statements_count = sizeof named_statements / sizeof named_statements[0];\n}\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
