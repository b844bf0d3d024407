// PUBLISH (section 3.3): an application message; the payload is a view, never a copy.
#pragma once

#include <cstdint>
#include <string_view>

#include "mqtt/codec/properties.hpp"
#include "mqtt/codec/types.hpp"

namespace mqtt::codec {

struct publish {
  bool dup = false;
  codec::qos qos = qos::at_most_once;
  bool retain = false;
  std::string_view topic;       // may be empty in 5.0 when props.topic_alias is set
  std::uint16_t packet_id = 0;  // present on the wire only for QoS 1 and 2
  properties props;
  binary payload;

  friend bool operator==(const publish&, const publish&) = default;
};

}  // namespace mqtt::codec
