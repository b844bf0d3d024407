// Golden byte vectors: canonical encodings of every control packet in every protocol version
// (3.1, 3.1.1, 5.0), written out by hand from the standards' tables, each paired with the
// packet it must decode to. Shared by the codec tests, the fuzz corpus and the benchmarks.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/error.hpp"
#include "mqtt/codec/packet.hpp"
#include "mqtt/codec/types.hpp"

namespace mqtt::test {

struct golden_vector {
  std::string_view name;  // unique, usable as a file name, e.g. "v5-publish-qos1-props"
  mqtt::codec::protocol_version version;
  std::vector<std::uint8_t> bytes;  // the whole packet, fixed header included
  mqtt::codec::packet expected;
  std::string_view source;  // where the bytes come from in the standard
};

// Every vector, 3.1 first, then 3.1.1, then 5.0; built on first use, never changes.
const std::vector<golden_vector>& golden_vectors();

// "10 0d 00 04" -> {0x10, 0x0d, 0x00, 0x04}; whitespace is ignored anywhere. Throws
// std::invalid_argument on a non-hex character or an odd number of digits.
std::vector<std::uint8_t> from_hex(std::string_view hex);

// Lower-case hex, one space between bytes, for failure messages.
std::string hex_dump(std::span<const std::uint8_t> bytes);

// One-line text of a packet's fields (properties only when present), for failure messages:
// PUBLISH dup=0 qos=1 retain=0 topic="a/b" packet_id=10 payload(5)="hello"
std::string describe_packet(const mqtt::codec::packet& p);

// "utf8_null (MQTT-1.5.4-2) at offset 12, reason 0x81".
std::string describe_error(const mqtt::codec::error& e);

}  // namespace mqtt::test
