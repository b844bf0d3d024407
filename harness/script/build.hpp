// Turns a `send` or `connect` step's fields into a packet and its bytes, with the client's
// defaults (protocol version, generated client id, next packet identifier).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mqtt/codec/packet.hpp"
#include "script/scenario.hpp"
#include "script/values.hpp"

namespace harness::script {

struct build_error : std::runtime_error {
  source_pos pos;
  build_error(source_pos p, const std::string& m) : std::runtime_error(m), pos(p) {}
};

struct client_defaults {
  protocol_version version = protocol_version::v3_1_1;
  std::string client_id;
  std::uint16_t next_packet_id = 1;
  // User name and password of a CONNECT that writes neither, when the broker has no anonymous access.
  std::optional<std::pair<std::string, std::string>> credentials;
};

struct built_packet {
  std::vector<std::uint8_t> bytes;
  // CONNECT only: what the rest of the connection is decoded with.
  protocol_version version = protocol_version::v3_1_1;
  std::optional<std::uint32_t> maximum_packet_size;
};

// Fields not written keep the defaults: CONNECT has Clean Start 1, keep alive 60 s, the
// client's generated id and, when it writes neither user name nor password, the client's
// default credentials if it has any; QoS 1/2 PUBLISH, SUBSCRIBE and UNSUBSCRIBE get the next packet id.
// `encode` refuses a packet that breaks a rule unless `unchecked`; the error says which rule.
built_packet build_packet(packet_type type, const std::vector<field_setting>& fields, const bindings& b,
                          client_defaults& client, bool unchecked, source_pos at);

}  // namespace harness::script
