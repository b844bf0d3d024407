// The table of wire-level rules: for each, the normative statement it enforces in 3.1.1 and
// in 5.0, the 5.0 reason code a receiver answers with, and a sentence for logs and reports.
#include <array>

#include "mqtt/codec/error.hpp"

namespace mqtt::codec {
namespace {

using namespace reason;
using spec::section;

// Statements without a numbered ID are cited by section (section("§x.y.z")); {}: none.
constexpr std::array<rule_info, static_cast<std::size_t>(rule::count_)> table{{
    {rule::packet_type_reserved, "packet_type_reserved", section("§2.2.1"), section("§2.1.2"),
     malformed_packet, "control packet type is reserved for this protocol version"},
    {rule::flags_publish_qos3, "flags_publish_qos3", "MQTT-3.3.1-4", "MQTT-3.3.1-4",
     malformed_packet, "PUBLISH has both QoS bits set"},
    {rule::flags_publish_dup_qos0, "flags_publish_dup_qos0", "MQTT-3.3.1-2", "MQTT-3.3.1-2",
     malformed_packet, "PUBLISH with QoS 0 has the DUP flag set"},
    {rule::flags_pubrel, "flags_pubrel", "MQTT-3.6.1-1", "MQTT-3.6.1-1", malformed_packet,
     "PUBREL fixed header flags are not 0010"},
    {rule::flags_subscribe, "flags_subscribe", "MQTT-3.8.1-1", "MQTT-3.8.1-1", malformed_packet,
     "SUBSCRIBE fixed header flags are not 0010"},
    {rule::flags_unsubscribe, "flags_unsubscribe", "MQTT-3.10.1-1", "MQTT-3.10.1-1",
     malformed_packet, "UNSUBSCRIBE fixed header flags are not 0010"},
    {rule::flags_disconnect, "flags_disconnect", "MQTT-3.14.1-1", "MQTT-3.14.1-1",
     malformed_packet, "DISCONNECT fixed header flags are not 0000"},
    {rule::flags_auth, "flags_auth", {}, "MQTT-3.15.1-1", malformed_packet,
     "AUTH fixed header flags are not 0000"},
    {rule::flags_reserved, "flags_reserved", "MQTT-2.2.2-1", "MQTT-2.1.3-1", malformed_packet,
     "reserved fixed header flags are not 0000 (a 3.1 CONNECT's are unused, not reserved)"},
    {rule::remaining_length_overlong, "remaining_length_overlong", section("§2.2.3"),
     section("§1.5.5"), malformed_packet, "Remaining Length uses more than four bytes"},
    {rule::remaining_length_not_minimal, "remaining_length_not_minimal", {}, "MQTT-1.5.5-1",
     malformed_packet, "Remaining Length is not encoded in the minimum number of bytes"},
    {rule::variable_integer_overlong, "variable_integer_overlong", {}, section("§1.5.5"),
     malformed_packet, "Variable Byte Integer uses more than four bytes"},
    {rule::variable_integer_not_minimal, "variable_integer_not_minimal", {}, "MQTT-1.5.5-1",
     malformed_packet, "Variable Byte Integer is not encoded in the minimum number of bytes"},
    {rule::packet_too_large_to_server, "packet_too_large_to_server", {}, "MQTT-3.2.2-15",
     packet_too_large, "packet exceeds the Maximum Packet Size of the server"},
    {rule::packet_too_large_to_client, "packet_too_large_to_client", {}, "MQTT-3.1.2-24",
     packet_too_large, "packet exceeds the Maximum Packet Size of the client"},
    {rule::truncated, "truncated", section("§2.2.3"), section("§2.1.4"), malformed_packet,
     "packet ends before a field it must contain"},
    {rule::trailing_bytes, "trailing_bytes", section("§2.2.3"), section("§2.1.4"), malformed_packet,
     "Remaining Length covers bytes after the last field of the packet"},
    {rule::utf8_ill_formed, "utf8_ill_formed", "MQTT-1.5.3-1", "MQTT-1.5.4-1", malformed_packet,
     "UTF-8 string is not well-formed"},
    {rule::utf8_surrogate, "utf8_surrogate", "MQTT-1.5.3-1", "MQTT-1.5.4-1", malformed_packet,
     "UTF-8 string encodes a surrogate code point (U+D800..U+DFFF)"},
    {rule::utf8_null, "utf8_null", "MQTT-1.5.3-2", "MQTT-1.5.4-2", malformed_packet,
     "UTF-8 string contains U+0000"},
    {rule::packet_id_zero, "packet_id_zero", "MQTT-2.3.1-1", "MQTT-2.2.1-3", malformed_packet,
     "Packet Identifier is zero"},
    {rule::ack_packet_id_zero, "ack_packet_id_zero", "MQTT-2.3.1-6", "MQTT-2.2.1-5",
     malformed_packet, "PUBLISH acknowledgement carries Packet Identifier zero, which no PUBLISH has"},
    {rule::subscribe_ack_packet_id_zero, "subscribe_ack_packet_id_zero", "MQTT-2.3.1-7",
     "MQTT-2.2.1-6", malformed_packet,
     "SUBACK or UNSUBACK carries Packet Identifier zero, which no SUBSCRIBE or UNSUBSCRIBE has"},
    {rule::topic_name_wildcard, "topic_name_wildcard", "MQTT-3.3.2-2", "MQTT-3.3.2-2",
     malformed_packet, "Topic Name contains a wildcard character"},
    {rule::topic_name_empty, "topic_name_empty", "MQTT-4.7.3-1", "MQTT-4.7.3-1", protocol_error,
     "Topic Name is empty (and, in 5.0, no Topic Alias is given)"},
    {rule::topic_filter_empty, "topic_filter_empty", "MQTT-4.7.3-1", "MQTT-4.7.3-1",
     malformed_packet, "Topic Filter is empty"},
    {rule::topic_filter_multi_level, "topic_filter_multi_level", "MQTT-4.7.1-2", "MQTT-4.7.1-1",
     malformed_packet, "'#' is not alone in the last level of the Topic Filter"},
    {rule::topic_filter_single_level, "topic_filter_single_level", "MQTT-4.7.1-3",
     "MQTT-4.7.1-2", malformed_packet, "'+' does not occupy a whole level of the Topic Filter"},
    {rule::share_name_empty, "share_name_empty", {}, "MQTT-4.8.2-1", malformed_packet,
     "shared subscription has an empty ShareName"},
    {rule::share_name_invalid, "share_name_invalid", {}, "MQTT-4.8.2-2", malformed_packet,
     "ShareName contains '+' or '#', or is not followed by '/' and a Topic Filter"},
    {rule::protocol_name, "protocol_name", "MQTT-3.1.2-1", "MQTT-3.1.2-1",
     unsupported_protocol_version, "CONNECT protocol name is neither \"MQTT\" nor \"MQIsdp\""},
    {rule::protocol_level, "protocol_level", "MQTT-3.1.2-2", "MQTT-3.1.2-2",
     unsupported_protocol_version,
     "CONNECT protocol level is not supported or does not match the protocol name"},
    {rule::connect_reserved_flag, "connect_reserved_flag", "MQTT-3.1.2-3", "MQTT-3.1.2-3",
     malformed_packet, "CONNECT reserved flag is set (3.1.1 and 5.0; unused in 3.1)"},
    {rule::will_qos_without_will, "will_qos_without_will", "MQTT-3.1.2-13", "MQTT-3.1.2-11",
     malformed_packet, "Will QoS is not 0 while the Will Flag is 0"},
    {rule::will_retain_without_will, "will_retain_without_will", "MQTT-3.1.2-15",
     "MQTT-3.1.2-13", malformed_packet, "Will Retain is set while the Will Flag is 0"},
    {rule::will_qos3, "will_qos3", "MQTT-3.1.2-14", "MQTT-3.1.2-12", malformed_packet,
     "Will QoS is 3"},
    {rule::will_fields_missing, "will_fields_missing", "MQTT-3.1.2-9", "MQTT-3.1.2-9",
     malformed_packet, "Will Flag is set but the will fields are missing"},
    {rule::password_without_user_name, "password_without_user_name", "MQTT-3.1.2-22", {},
     malformed_packet, "Password Flag is set while the User Name Flag is 0"},
    {rule::user_name_missing, "user_name_missing", "MQTT-3.1.2-19", "MQTT-3.1.2-17",
     malformed_packet, "User Name Flag is set but the user name is missing"},
    {rule::password_missing, "password_missing", "MQTT-3.1.2-21", "MQTT-3.1.2-19",
     malformed_packet, "Password Flag is set but the password is missing"},
    {rule::client_id_missing, "client_id_missing", "MQTT-3.1.3-3", "MQTT-3.1.3-3",
     malformed_packet, "CONNECT payload lacks the Client Identifier"},
    {rule::auth_data_without_method, "auth_data_without_method", {}, section("§3.1.2.11.10"),
     protocol_error, "Authentication Data is present without an Authentication Method"},
    {rule::connack_flags_reserved, "connack_flags_reserved", section("§3.2.2.1"), "MQTT-3.2.2-1",
     malformed_packet, "CONNACK reserved acknowledge flags are set"},
    {rule::connack_code_invalid, "connack_code_invalid", section("§3.2.2.3"), "MQTT-3.2.2-8",
     malformed_packet, "CONNACK return code is not one of the defined values"},
    {rule::connack_session_present_on_error, "connack_session_present_on_error", "MQTT-3.2.2-4",
     "MQTT-3.2.2-6", protocol_error, "CONNACK refuses the connection but sets Session Present"},
    {rule::subscribe_empty, "subscribe_empty", "MQTT-3.8.3-3", "MQTT-3.8.3-2", protocol_error,
     "SUBSCRIBE contains no Topic Filter"},
    {rule::subscribe_options_reserved, "subscribe_options_reserved", "MQTT-3.8.3-4",
     "MQTT-3.8.3-5", malformed_packet, "reserved bits of the subscription options are set"},
    {rule::subscribe_qos3, "subscribe_qos3", "MQTT-3.8.3-4", section("§3.8.3.1"), protocol_error,
     "requested QoS is 3"},
    {rule::subscribe_retain_handling3, "subscribe_retain_handling3", {}, section("§3.8.3.1"),
     protocol_error, "Retain Handling is 3"},
    {rule::subscribe_no_local_shared, "subscribe_no_local_shared", {}, "MQTT-3.8.3-4",
     protocol_error, "No Local is set on a shared subscription"},
    {rule::unsubscribe_empty, "unsubscribe_empty", "MQTT-3.10.3-2", "MQTT-3.10.3-2",
     protocol_error, "UNSUBSCRIBE contains no Topic Filter"},
    {rule::suback_code_invalid, "suback_code_invalid", "MQTT-3.9.3-2", "MQTT-3.9.3-2",
     malformed_packet, "SUBACK is empty or holds a code that is not a Subscribe Reason Code"},
    {rule::unsuback_code_invalid, "unsuback_code_invalid", {}, "MQTT-3.11.3-2", malformed_packet,
     "UNSUBACK is empty or holds a code that is not an Unsubscribe Reason Code"},
    {rule::puback_code_invalid, "puback_code_invalid", {}, "MQTT-3.4.2-1", malformed_packet,
     "PUBACK reason code is not a PUBACK Reason Code"},
    {rule::pubrec_code_invalid, "pubrec_code_invalid", {}, "MQTT-3.5.2-1", malformed_packet,
     "PUBREC reason code is not a PUBREC Reason Code"},
    {rule::pubrel_code_invalid, "pubrel_code_invalid", {}, "MQTT-3.6.2-1", malformed_packet,
     "PUBREL reason code is not a PUBREL Reason Code"},
    {rule::pubcomp_code_invalid, "pubcomp_code_invalid", {}, "MQTT-3.7.2-1", malformed_packet,
     "PUBCOMP reason code is not a PUBCOMP Reason Code"},
    {rule::disconnect_code_invalid, "disconnect_code_invalid", {}, "MQTT-3.14.2-1",
     malformed_packet, "DISCONNECT reason code is not a Disconnect Reason Code"},
    {rule::auth_code_invalid, "auth_code_invalid", {}, "MQTT-3.15.2-1", malformed_packet,
     "AUTH reason code is not an Authenticate Reason Code"},
    {rule::property_not_allowed, "property_not_allowed", {}, section("§2.2.2.2"), malformed_packet,
     "property identifier is unknown or not valid in this packet"},
    {rule::property_duplicate, "property_duplicate", {}, section("§2.2.2.2"), protocol_error,
     "property that may appear once appears more than once"},
    {rule::property_boolean_value, "property_boolean_value", {}, section("§3.1.2.11"),
     protocol_error, "property that takes 0 or 1 has another value"},
    {rule::property_receive_maximum_zero, "property_receive_maximum_zero", {},
     section("§3.1.2.11.3"), protocol_error, "Receive Maximum is 0"},
    {rule::property_maximum_packet_size_zero, "property_maximum_packet_size_zero", {},
     section("§3.1.2.11.4"), protocol_error, "Maximum Packet Size is 0"},
    {rule::property_topic_alias_zero, "property_topic_alias_zero", {}, "MQTT-3.3.2-8",
     topic_alias_invalid, "Topic Alias is 0"},
    {rule::property_subscription_identifier_zero, "property_subscription_identifier_zero", {},
     section("§3.8.2.1.2"), protocol_error, "Subscription Identifier is 0"},
    {rule::property_response_topic_wildcard, "property_response_topic_wildcard", {},
     "MQTT-3.3.2-14", malformed_packet, "Response Topic contains a wildcard character"},
    {rule::publish_qos0_packet_id, "publish_qos0_packet_id", "MQTT-2.3.1-5", "MQTT-2.2.1-2",
     protocol_error, "PUBLISH with QoS 0 has a Packet Identifier"},
    {rule::string_too_long, "string_too_long", section("§1.5.3"), section("§1.5.4"),
     malformed_packet, "string or binary field is longer than 65,535 bytes"},
    {rule::packet_too_large_to_encode, "packet_too_large_to_encode", section("§2.2.3"),
     section("§2.1.4"), packet_too_large, "Remaining Length would exceed 268,435,455 bytes"},
    {rule::not_representable, "not_representable", section("§2"), section("§2"), malformed_packet,
     "packet has a field this protocol version cannot carry"},
}};

constexpr bool table_in_order() {
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (static_cast<std::size_t>(table[i].id) != i) return false;
  }
  return true;
}
static_assert(table_in_order(), "rule table must list rules in enum order");

}  // namespace

const rule_info& info(rule r) {
  auto i = static_cast<std::size_t>(r);
  MQTT_ASSERT(i < table.size());
  return table[i];
}

std::span<const rule_info> all_rules() { return table; }

spec::statement_id error::statement() const {
  const rule_info& d = details();
  spec::statement_id s = version == protocol_version::v5 ? d.statement_v5 : d.statement_v311;
  return s.empty() ? (d.statement_v5.empty() ? d.statement_v311 : d.statement_v5) : s;
}

}  // namespace mqtt::codec
