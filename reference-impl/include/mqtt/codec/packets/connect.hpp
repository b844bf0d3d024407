// CONNECT (section 3.1): the first packet a client sends.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "mqtt/codec/properties.hpp"
#include "mqtt/codec/types.hpp"

namespace mqtt::codec {

struct will_message {
  std::string_view topic;
  binary payload;
  codec::qos qos = qos::at_most_once;
  bool retain = false;
  properties props;  // Will Properties, 5.0 only

  friend bool operator==(const will_message&, const will_message&) = default;
};

struct connect {
  // The protocol name follows from the level: "MQIsdp" for 3, "MQTT" for 4 and 5.
  protocol_version version = protocol_version::v3_1_1;
  bool clean_start = true;  // Clean Session in 3.1 and 3.1.1
  std::uint16_t keep_alive_s = 0;
  std::string_view client_id;
  std::optional<will_message> will;
  std::optional<std::string_view> user_name;
  std::optional<binary> password;
  properties props;

  friend bool operator==(const connect&, const connect&) = default;
};

}  // namespace mqtt::codec
