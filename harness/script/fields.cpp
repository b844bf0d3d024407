// Field tables for the scenario language: what each packet type carries.
#include "script/fields.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>

namespace harness::script {
namespace {

using mqtt::codec::packet_type;

constexpr std::array<std::string_view, 27> property_names{
    "payload_format_indicator", "message_expiry_interval", "content_type", "response_topic",
    "correlation_data", "subscription_identifier", "session_expiry_interval",
    "assigned_client_identifier", "server_keep_alive", "authentication_method",
    "authentication_data", "request_problem_information", "will_delay_interval",
    "request_response_information", "response_information", "server_reference", "reason_string",
    "receive_maximum", "topic_alias_maximum", "topic_alias", "maximum_qos", "retain_available",
    "user_property", "maximum_packet_size", "wildcard_subscription_available",
    "subscription_identifier_available", "shared_subscription_available"};

// Names that only exist as the list forms decode prints, or as hex twins.
constexpr std::array<std::string_view, 4> property_extra{"subscription_identifiers", "user_properties",
                                                         "correlation_data_hex", "authentication_data_hex"};

bool in(std::initializer_list<std::string_view> list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// Fields that are neither properties nor common to every packet.
bool body_field(packet_type t, std::string_view n, bool sending) {
  switch (t) {
    case packet_type::connect:
      if (sending && is_scram_field(n)) return true;
      return in({"version", "protocol_level", "protocol_name", "clean_start", "clean", "keep_alive", "client_id",
                 "user_name", "password", "password_hex", "will", "will.topic", "will.payload",
                 "will.payload_hex", "will.qos", "will.retain"},
                n) ||
             (n.starts_with("will.") && is_property_name(n.substr(5)));
    case packet_type::connack:
      return in({"session_present", "reason_code", "return_code", "reason"}, n) || (!sending && n == "scram");
    case packet_type::publish:
      return in({"dup", "qos", "retain", "topic", "packet_id", "id", "payload", "payload_hex"}, n);
    case packet_type::puback:
    case packet_type::pubrec:
    case packet_type::pubrel:
    case packet_type::pubcomp:
      return in({"packet_id", "id", "reason_code", "reason"}, n);
    case packet_type::subscribe:
      if (sending) return in({"packet_id", "id", "filter", "qos", "no_local", "retain_as_published", "retain_handling"}, n);
      return in({"packet_id", "id", "subscriptions"}, n);
    case packet_type::suback:
    case packet_type::unsuback:
      return in({"packet_id", "id", "reason_codes"}, n);
    case packet_type::unsubscribe:
      if (sending) return in({"packet_id", "id", "filter"}, n);
      return in({"packet_id", "id", "filters"}, n);
    case packet_type::pingreq:
    case packet_type::pingresp:
      return false;
    case packet_type::disconnect:
      return in({"reason_code", "reason"}, n);
    case packet_type::auth:
      if (sending && is_scram_field(n)) return true;
      return in({"reason_code", "reason"}, n) || (!sending && n == "scram");
  }
  return false;
}

}  // namespace

std::optional<packet_type> packet_type_from(std::string_view name) {
  for (int i = 1; i <= 15; ++i) {
    auto t = static_cast<packet_type>(i);
    if (mqtt::codec::to_string(t) == name) return t;
  }
  return std::nullopt;
}

bool is_scram_field(std::string_view name) {
  return name == "scram.user" || name == "scram.password" || name == "scram.proof";
}

bool is_property_name(std::string_view name) {
  return std::find(property_names.begin(), property_names.end(), name) != property_names.end() ||
         std::find(property_extra.begin(), property_extra.end(), name) != property_extra.end();
}

bool sendable_field(packet_type t, std::string_view name) {
  if (t == packet_type::pingreq || t == packet_type::pingresp) return false;
  return body_field(t, name, true) || is_property_name(name);
}

bool matchable_field(packet_type t, std::string_view name) {
  std::string_view head = name.substr(0, name.find('.'));
  if (head == "flags" || head == "properties") return true;
  if (head == "will" || t == packet_type::connect) return body_field(t, name, false) || body_field(t, head, false);
  return body_field(t, head, false) || is_property_name(head);
}

}  // namespace harness::script
