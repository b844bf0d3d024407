// An application message as the broker stores it: owned bytes, independent of the packet
// it arrived in, shared between every queue that holds it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mqtt/codec/packets/connect.hpp"
#include "mqtt/codec/packets/publish.hpp"

namespace mqtt::broker {

using clock_ms = std::uint64_t;  // "now": milliseconds on the driver's monotonic clock

struct message {
  std::string topic;
  std::string payload;
  codec::qos qos = codec::qos::at_most_once;
  bool retain = false;
  // 5.0 properties forwarded unaltered (MQTT-3.3.2-4, -15, -16, -17, -20).
  std::optional<std::uint8_t> payload_format_indicator;
  std::optional<std::uint32_t> message_expiry_interval_s;
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;
  std::vector<std::pair<std::string, std::string>> user_properties;
  std::string publisher_client_id;  // for No Local
  clock_ms received_at_ms = 0;      // for Message Expiry Interval

  // Owned copy of a decoded PUBLISH (topic already resolved from any Topic Alias).
  static message from_publish(const codec::publish& p, std::string_view topic,
                              std::string_view publisher, clock_ms now);
  // Owned copy of a CONNECT's will, published later in the client's name.
  static message from_will(const codec::will_message& w, std::string_view publisher, clock_ms now);
  std::size_t memory_size() const;
  // True when the Message Expiry Interval has passed at `now` (MQTT-3.3.2-5).
  bool expired(clock_ms now) const;
  // Seconds left of the Message Expiry Interval at `now` (MQTT-3.3.2-6).
  std::optional<std::uint32_t> remaining_expiry_s(clock_ms now) const;
};

using message_ptr = std::shared_ptr<const message>;

}  // namespace mqtt::broker
