// SUBSCRIBE (section 3.8): topic filters with their subscription options.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "mqtt/codec/properties.hpp"
#include "mqtt/codec/types.hpp"

namespace mqtt::codec {

struct subscription_options {
  codec::qos max_qos = qos::at_most_once;
  bool no_local = false;             // 5.0 only
  bool retain_as_published = false;  // 5.0 only
  std::uint8_t retain_handling = 0;  // 5.0 only, 0..2

  friend bool operator==(const subscription_options&, const subscription_options&) = default;
};

struct subscription {
  std::string_view filter;
  subscription_options options;

  friend bool operator==(const subscription&, const subscription&) = default;
};

struct subscribe {
  std::uint16_t packet_id = 0;
  properties props;
  std::vector<subscription> subscriptions;

  friend bool operator==(const subscribe&, const subscribe&) = default;
};

}  // namespace mqtt::codec
