// How the codec fuzz target reads its input: the first byte selects the decoder's settings,
// the rest is the byte stream. Shared by the target and the seed corpus generator.
#pragma once

#include <array>
#include <cstdint>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/types.hpp"

namespace mqtt::fuzz {

// Selector byte layout:
//   bits 0-1  protocol version: 0 = 3.1, 1 = 3.1.1, 2 and 3 = 5.0
//   bits 2-4  maximum packet size: an index into maximum_packet_sizes (0 = protocol maximum)
//   bit  5    receiver role: 0 = server, 1 = client
//   bit  6    set: do not adopt the protocol level of a leading CONNECT
//   bit  7    stream check: 0 = the whole stream in one feed, 1 = in chunks whose sizes derive
//             from a hash of the input
inline constexpr std::array<std::uint32_t, 8> maximum_packet_sizes = {
    codec::remaining_length_max + codec::fixed_header_size_max, 2, 4, 16, 64, 128, 1024, 16384};

inline codec::decode_options options_from_selector(std::uint8_t selector) {
  codec::decode_options options;
  switch (selector & 0x03U) {
    case 0: options.version = codec::protocol_version::v3_1; break;
    case 1: options.version = codec::protocol_version::v3_1_1; break;
    default: options.version = codec::protocol_version::v5; break;
  }
  options.maximum_packet_size = maximum_packet_sizes[(selector >> 2U) & 0x07U];
  options.receiver = (selector & 0x20U) != 0 ? codec::receiver_role::client : codec::receiver_role::server;
  options.adopt_connect_version = (selector & 0x40U) == 0;
  return options;
}

inline bool chunked_from_selector(std::uint8_t selector) { return (selector & 0x80U) != 0; }

// The selector that decodes a valid stream of `version` with no size limit, as a server that
// adopts a leading CONNECT's level.
inline std::uint8_t selector_for(codec::protocol_version version) {
  switch (version) {
    case codec::protocol_version::v3_1: return 0;
    case codec::protocol_version::v3_1_1: return 1;
    case codec::protocol_version::v5: return 2;
  }
  return 1;
}

}  // namespace mqtt::fuzz
