// Deterministic generator of valid MQTT packets (3.1, 3.1.1 and 5.0) for round-trip tests,
// fuzz seed corpora and benchmarks: one seed always yields the same packets, on any platform.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <string>
#include <string_view>

#include "mqtt/codec/packet.hpp"
#include "mqtt/codec/properties.hpp"
#include "mqtt/codec/types.hpp"

namespace mqtt::test {

// One step of splitmix64 (Steele, Lea and Flood): advances `state` and returns the next output.
std::uint64_t splitmix64(std::uint64_t& state);

// xoshiro256** (Blackman and Vigna), its four words seeded from splitmix64. Bounded integers
// come from rejection sampling on the raw 64-bit output, never from std::*_distribution,
// whose output differs between standard libraries.
class prng {
 public:
  explicit prng(std::uint64_t seed);

  std::uint64_t next_u64();
  // Uniform in [0, bound); `bound` must be positive.
  std::uint64_t below(std::uint64_t bound);
  // Uniform in [lo, hi]; `lo` <= `hi`.
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi);
  // True with probability numerator / denominator.
  bool chance(std::uint64_t numerator, std::uint64_t denominator);

 private:
  std::array<std::uint64_t, 4> state_{};
};

// Produces packets that are valid for the requested protocol version: `encode` accepts them
// and decoding their encoding gives them back unchanged. Every field and every property a
// packet type allows is present or absent at random; strings are random well-formed UTF-8
// (multibyte characters and U+FEFF included, U+0000, controls and non-characters left out),
// sometimes empty where the standard allows an empty string.
//
// Storage: packet fields are std::string_view, so the generator owns the bytes behind every
// string, binary field and payload it hands out, in an arena of std::string kept in a
// std::deque (whose elements never move). Views stay valid until `reset()` or the
// generator's destruction; call `reset()` between batches to release the memory.
class packet_generator {
 public:
  // Bound on the strings the arena holds before `reset()` must be called.
  static constexpr std::size_t arena_strings_max = 1'000'000;
  // Bounds on the variable parts of generated packets.
  static constexpr std::size_t string_code_points_max = 12;
  static constexpr std::size_t binary_bytes_max = 40;
  static constexpr std::size_t payload_bytes_max = 300;
  // Large payloads straddle the step from a two- to a three-byte Remaining Length (16,383).
  static constexpr std::size_t large_payload_bytes_min = 16'000;
  static constexpr std::size_t large_payload_bytes_max = 20'000;
  static constexpr std::size_t list_entries_max = 5;  // subscriptions, filters, codes
  static constexpr std::size_t user_properties_max = 3;
  static constexpr std::size_t publish_subscription_identifiers_max = 3;

  explicit packet_generator(std::uint64_t seed);

  // A valid packet of a type that exists in `v` (every type; AUTH only in 5.0).
  codec::packet next(codec::protocol_version v);
  // A valid packet of type `t`, which must exist in `v` (throws std::invalid_argument if not).
  codec::packet next(codec::protocol_version v, codec::packet_type t);

  // Releases the storage of every packet generated so far; their views dangle afterwards.
  void reset();
  std::size_t arena_strings() const { return arena_.size(); }

  // The generator's random source, for callers that need further choices from the same seed.
  prng& random() { return random_; }

 private:
  std::string_view keep(std::string s);

  // Values.
  std::uint16_t u16_value();
  std::uint32_t u32_value();
  std::uint16_t packet_id();
  std::uint32_t subscription_identifier();
  std::uint8_t flag_value() { return static_cast<std::uint8_t>(random_.below(2)); }
  std::uint8_t pick(std::initializer_list<std::uint8_t> codes);
  std::size_t count(std::size_t min, std::size_t max);

  // Strings.
  char32_t code_point(bool topic_level);
  void append_utf8(std::string& out, char32_t cp);
  std::string text(std::size_t max_code_points, bool topic_level);
  std::string_view utf8_string();
  std::string_view non_empty_utf8_string();
  std::string_view binary_data(std::size_t max_bytes);
  std::string_view payload(bool utf8);
  std::string_view topic_name();
  std::string_view topic_filter(codec::protocol_version v);
  std::string_view client_id(codec::protocol_version v, bool clean_start);

  // Properties of one packet (or of a will), each allowed one present or absent at random.
  codec::properties properties_for(codec::property_context where);

  // One builder per packet type.
  codec::connect make_connect(codec::protocol_version v);
  codec::connack make_connack(codec::protocol_version v);
  codec::publish make_publish(codec::protocol_version v);
  template <class Ack>
  Ack make_pub_ack(codec::protocol_version v, codec::property_context where);
  codec::subscribe make_subscribe(codec::protocol_version v);
  codec::suback make_suback(codec::protocol_version v);
  codec::unsubscribe make_unsubscribe(codec::protocol_version v);
  codec::unsuback make_unsuback(codec::protocol_version v);
  codec::disconnect make_disconnect(codec::protocol_version v);
  codec::auth make_auth();

  prng random_;
  std::deque<std::string> arena_;
};

}  // namespace mqtt::test
