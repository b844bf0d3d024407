// A network fuzz case: what one test of a broker sends, on which connection and when, as a
// value that the generator makes from a seed, the executor plays, the shrinker cuts down and a
// replay file keeps. No sockets here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/codec/types.hpp"

namespace harness::netfuzz {

using byte_vector = std::vector<std::uint8_t>;

// Connections of one case, at most (a session, its takeover, its reconnection).
inline constexpr std::size_t case_connections_max = 4;
// Steps of one case, at most; writes of one packet split at random points count one each.
inline constexpr std::size_t case_steps_max = 512;
// Bytes one case sends, at most (a catalogue entry or a seed may carry a large packet).
inline constexpr std::size_t case_bytes_max = 256 * 1024;
// Pause before a step, at most.
inline constexpr std::uint32_t step_delay_max_ms = 50;

// Every tag of a case has this many letters and digits: seed traffic is recorded with a marker
// tag of the same length, so putting the case's tag in its place keeps every length right.
inline constexpr std::size_t case_tag_size = 10;

struct step {
  enum class kind : std::uint8_t {
    write,  // write `bytes` on `conn` (opening it first when it is not open yet)
    close,  // close `conn` as a client that vanishes: FIN, no DISCONNECT
  };
  kind k = kind::write;
  std::uint8_t conn = 0;       // 0 .. case_connections_max - 1
  std::uint32_t delay_ms = 0;  // wait this long after the previous step
  byte_vector bytes;
  bool operator==(const step&) const = default;
};

struct fuzz_case {
  std::uint64_t number = 0;  // in the campaign: the case is a function of (seed, number)
  mqtt::codec::protocol_version version = mqtt::codec::protocol_version::v3_1_1;
  std::string tag;       // case_tag_size letters and digits in its client ids and topics
  std::string origin;    // where it came from: "model", "seed <scenario id>", "catalogue <rule>"
  std::string mutation;  // what was changed, in words; "none"
  std::vector<std::string> edges;  // the protocol state model's transitions it walks
  bool auto_ack = true;  // answer the broker's QoS 1/2 PUBLISH and PUBREL as a client must
  // Connections the broker has to end itself (bit k: connection k), such as one whose client
  // id a later connection of the case takes over: the case waits for that end.
  std::uint8_t expect_end_mask = 0;
  std::vector<step> steps;

  std::size_t byte_count() const;
  std::size_t connection_count() const;  // highest connection index used, plus one
};

std::string_view to_string(step::kind k);  // "write", "close"

}  // namespace harness::netfuzz

#include <boost/json/object.hpp>

namespace harness::netfuzz {

// A case as JSON (the replay file's "cases" entries): writes as hex, pauses in milliseconds.
boost::json::object to_json(const fuzz_case& c);
// The inverse; nullopt and `error` set when the object is not a case.
std::optional<fuzz_case> case_from_json(const boost::json::object& o, std::string& error);

}  // namespace harness::netfuzz
