// Compiled by statement_id_literals.cmake once per CASE: case 0 must compile, every other case
// must be refused with the diagnostic named in the script. Not part of any executable.
#include "mqtt/spec/statement_id.hpp"

using mqtt::spec::section;
using mqtt::spec::statement_id;

void cite(statement_id id);

void cases() {
#if CASE == 0
  cite("MQTT-3.8.3-1");
  cite(section("§3.3.2.3.4"));
  cite({});
#elif CASE == 1
  cite("MQTT-3.8.3-99");  // spelled right, in neither standard
#elif CASE == 2
  cite("MQTT-3.8.3");  // no statement number
#elif CASE == 3
  cite("§3.8.3");  // a section is written section(...)
#elif CASE == 4
  cite(section("3.8.3"));  // no section sign
#elif CASE == 5
  const char* parsed = "MQTT-3.8.3-1";
  cite(parsed);  // text known only at run time goes through statement_id::lookup
#endif
}
