// Seed material from the scenario suite's traffic: every case of the suite run once on the
// simulated reference broker, with what its clients wrote recorded per connection. Cases of
// the malformed-packet catalogue (scenarios that name a `malformed` rule) are kept apart, with
// the rule and statements they cite.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "netfuzz/fuzz_case.hpp"

namespace harness::netfuzz {

// The tag the suite runs with while its traffic is recorded; a case puts its own in its place.
inline constexpr std::string_view seed_marker_tag = "Zq9Xk2Vw7P";

struct seed_session {
  std::string scenario;  // its id
  mqtt::codec::protocol_version version = mqtt::codec::protocol_version::v3_1_1;
  std::string malformed_rule;           // the catalogue's rule, or empty
  std::vector<std::string> statements;  // the scenario's
  std::vector<step> steps;              // its client writes, in order, on up to case_connections_max connections
};

struct seed_store {
  std::vector<seed_session> sessions;
  std::vector<std::size_t> catalogue;  // indexes of sessions with a malformed rule
  std::vector<std::string> errors;     // scenario files that did not parse
  std::size_t skipped = 0;             // cases the recording left out (too many connections or bytes)
};

// Runs the suite under `scenario_paths` (files or folders) for the given versions and keeps
// its traffic. Takes well under a second for the whole suite.
seed_store harvest_seeds(const std::vector<std::string>& scenario_paths,
                         const std::vector<mqtt::codec::protocol_version>& versions);

// Puts `tag` (case_tag_size characters) wherever the marker tag is in `bytes`.
void retag(byte_vector& bytes, std::string_view tag);

}  // namespace harness::netfuzz
