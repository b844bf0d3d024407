// Values in a running scenario: $references resolved against the run (topic prefix, client
// ids, captured packets, profile settings), and matching of a decoded packet, seen as the JSON
// that `mqtt-harness decode` prints, against the fields a pattern writes.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <stdexcept>
#include <string>

#include "script/scenario.hpp"

namespace harness::script {

struct bindings {
  std::string topic_prefix;                             // $t
  std::map<std::string, std::string> client_ids;        // $id.NAME
  std::map<std::string, boost::json::object> captures;  // $NAME.field.path
  std::map<std::string, std::string> profile;           // $profile.KEY
};

// A value that cannot be resolved (unknown reference, missing captured field).
struct resolve_error : std::runtime_error {
  source_pos pos;
  resolve_error(source_pos p, const std::string& m) : std::runtime_error(m), pos(p) {}
};

// Words become numbers (decimal or 0x hex), booleans (true, false) or text; quoted strings stay
// text; lists become arrays. A word that is exactly one reference to a captured field takes
// that field's JSON value.
boost::json::value resolve(const term& t, const bindings& b);
// The resolved value as text (numbers in decimal).
std::string resolve_text(const term& t, const bindings& b);

// The value of `field` in a decoded packet, with the language's aliases (`id`, `reason`,
// `clean`, properties by bare name); null when absent.
const boost::json::value* find_field(const boost::json::object& packet, std::string_view field);

// Does the decoded packet satisfy every matcher of the pattern (its type included)?
bool matches(const packet_pattern& p, const boost::json::object& packet, const bindings& b);

// The pattern with its values resolved, for messages: "PUBLISH topic=mh/1a2b/a qos=1".
std::string describe(const packet_pattern& p, const bindings& b);

// Equality of JSON values as the language compares them: booleans equal 0 and 1, numbers by
// value, arrays element by element.
bool same_value(const boost::json::value& a, const boost::json::value& b);

}  // namespace harness::script
