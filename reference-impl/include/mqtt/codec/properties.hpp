// MQTT 5.0 properties (section 2.2.2): one optional member per single-valued property, in
// identifier order, and ordered lists for the two that may repeat. Strings and binary data
// are views into the decoded buffer (or into the caller's data when encoding).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace mqtt::codec {

// Binary Data (section 1.5.6) seen as raw bytes; UTF-8 strings use std::string_view too.
using binary = std::string_view;

using user_property = std::pair<std::string_view, std::string_view>;

enum class property_id : std::uint8_t {
  payload_format_indicator = 0x01,
  message_expiry_interval = 0x02,
  content_type = 0x03,
  response_topic = 0x08,
  correlation_data = 0x09,
  subscription_identifier = 0x0B,
  session_expiry_interval = 0x11,
  assigned_client_identifier = 0x12,
  server_keep_alive = 0x13,
  authentication_method = 0x15,
  authentication_data = 0x16,
  request_problem_information = 0x17,
  will_delay_interval = 0x18,
  request_response_information = 0x19,
  response_information = 0x1A,
  server_reference = 0x1C,
  reason_string = 0x1F,
  receive_maximum = 0x21,
  topic_alias_maximum = 0x22,
  topic_alias = 0x23,
  maximum_qos = 0x24,
  retain_available = 0x25,
  user_property = 0x26,
  maximum_packet_size = 0x27,
  wildcard_subscription_available = 0x28,
  subscription_identifier_available = 0x29,
  shared_subscription_available = 0x2A,
};

struct properties {
  std::optional<std::uint8_t> payload_format_indicator;
  std::optional<std::uint32_t> message_expiry_interval_s;
  std::optional<std::string_view> content_type;
  std::optional<std::string_view> response_topic;
  std::optional<binary> correlation_data;
  std::vector<std::uint32_t> subscription_identifiers;
  std::optional<std::uint32_t> session_expiry_interval_s;
  std::optional<std::string_view> assigned_client_identifier;
  std::optional<std::uint16_t> server_keep_alive_s;
  std::optional<std::string_view> authentication_method;
  std::optional<binary> authentication_data;
  std::optional<std::uint8_t> request_problem_information;
  std::optional<std::uint32_t> will_delay_interval_s;
  std::optional<std::uint8_t> request_response_information;
  std::optional<std::string_view> response_information;
  std::optional<std::string_view> server_reference;
  std::optional<std::string_view> reason_string;
  std::optional<std::uint16_t> receive_maximum;
  std::optional<std::uint16_t> topic_alias_maximum;
  std::optional<std::uint16_t> topic_alias;
  std::optional<std::uint8_t> maximum_qos;
  std::optional<std::uint8_t> retain_available;
  std::vector<user_property> user_properties;  // order is significant (MQTT-3.3.2-18)
  std::optional<std::uint32_t> maximum_packet_size;
  std::optional<std::uint8_t> wildcard_subscription_available;
  std::optional<std::uint8_t> subscription_identifier_available;
  std::optional<std::uint8_t> shared_subscription_available;

  bool empty() const;
  friend bool operator==(const properties&, const properties&) = default;
};

// Which packet (or the CONNECT's Will Properties) a property set belongs to; decides which
// identifiers are allowed (5.0 Table 2-4).
enum class property_context : std::uint8_t {
  connect,
  will,
  connack,
  publish,
  puback,
  pubrec,
  pubrel,
  pubcomp,
  subscribe,
  suback,
  unsubscribe,
  unsuback,
  disconnect,
  auth,
};

bool property_allowed(property_id id, property_context where);
std::string_view to_string(property_id id);  // snake_case name, "" when unknown

}  // namespace mqtt::codec
