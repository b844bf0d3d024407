// Owned application messages and the Message Expiry Interval arithmetic (section 3.3.2.3.3).
#include "mqtt/broker/message.hpp"

namespace mqtt::broker {
namespace {

// The fields a PUBLISH and a will share, with the properties forwarded unaltered.
message owned(std::string_view topic, std::string_view payload, codec::qos qos, bool retain,
              const codec::properties& props, std::string_view publisher, clock_ms now) {
  message m;
  m.topic = topic;
  m.payload = payload;
  m.qos = qos;
  m.retain = retain;
  m.payload_format_indicator = props.payload_format_indicator;
  m.message_expiry_interval_s = props.message_expiry_interval_s;
  if (props.content_type) m.content_type = std::string(*props.content_type);
  if (props.response_topic) m.response_topic = std::string(*props.response_topic);
  if (props.correlation_data) m.correlation_data = std::string(*props.correlation_data);
  m.user_properties.reserve(props.user_properties.size());
  for (const auto& [k, v] : props.user_properties) m.user_properties.emplace_back(k, v);
  m.publisher_client_id = publisher;
  m.received_at_ms = now;
  return m;
}

}  // namespace

message message::from_publish(const codec::publish& p, std::string_view topic,
                              std::string_view publisher, clock_ms now) {
  return owned(topic, p.payload, p.qos, p.retain, p.props, publisher, now);
}

message message::from_will(const codec::will_message& w, std::string_view publisher, clock_ms now) {
  return owned(w.topic, w.payload, w.qos, w.retain, w.props, publisher, now);
}

std::size_t message::memory_size() const {
  std::size_t n = sizeof(message) + topic.size() + payload.size() + publisher_client_id.size();
  if (content_type) n += content_type->size();
  if (response_topic) n += response_topic->size();
  if (correlation_data) n += correlation_data->size();
  for (const auto& [k, v] : user_properties) n += k.size() + v.size() + sizeof(k) * 2;
  return n;
}

bool message::expired(clock_ms now) const {
  if (!message_expiry_interval_s) return false;
  return now >= received_at_ms + std::uint64_t{*message_expiry_interval_s} * 1000;
}

std::optional<std::uint32_t> message::remaining_expiry_s(clock_ms now) const {
  if (!message_expiry_interval_s) return std::nullopt;
  std::uint64_t waited_s = (now - received_at_ms) / 1000;
  std::uint64_t interval = *message_expiry_interval_s;
  return static_cast<std::uint32_t>(waited_s >= interval ? 0 : interval - waited_s);
}

}  // namespace mqtt::broker
