// A peer's protocol violation as a value: which rule of the standard it breaks (with the
// normative statement ID for each version), the 5.0 reason code a receiver must answer
// with, and where in the input it was found. Wire input never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <variant>

#include "mqtt/assert.hpp"
#include "mqtt/codec/types.hpp"
#include "mqtt/spec/statement_id.hpp"

namespace mqtt::codec {

// Every wire-level rule the codec enforces. The table in rules.cpp gives each one its
// statement IDs, reason code and sentence; `all_rules()` lists them for reports and tests.
enum class rule : std::uint8_t {
  packet_type_reserved,
  flags_publish_qos3,
  flags_publish_dup_qos0,
  flags_pubrel,
  flags_subscribe,
  flags_unsubscribe,
  flags_disconnect,
  flags_auth,
  flags_reserved,
  remaining_length_overlong,
  remaining_length_not_minimal,
  variable_integer_overlong,
  variable_integer_not_minimal,
  packet_too_large_to_server,
  packet_too_large_to_client,
  truncated,
  trailing_bytes,
  utf8_ill_formed,
  utf8_surrogate,
  utf8_null,
  packet_id_zero,
  ack_packet_id_zero,
  subscribe_ack_packet_id_zero,
  topic_name_wildcard,
  topic_name_empty,
  topic_filter_empty,
  topic_filter_multi_level,
  topic_filter_single_level,
  share_name_empty,
  share_name_invalid,
  protocol_name,
  protocol_level,
  connect_reserved_flag,
  will_qos_without_will,
  will_retain_without_will,
  will_qos3,
  will_fields_missing,
  password_without_user_name,
  user_name_missing,
  password_missing,
  client_id_missing,
  auth_data_without_method,
  connack_flags_reserved,
  connack_code_invalid,
  connack_session_present_on_error,
  subscribe_empty,
  subscribe_options_reserved,
  subscribe_qos3,
  subscribe_retain_handling3,
  subscribe_no_local_shared,
  unsubscribe_empty,
  suback_code_invalid,
  unsuback_code_invalid,
  puback_code_invalid,
  pubrec_code_invalid,
  pubrel_code_invalid,
  pubcomp_code_invalid,
  disconnect_code_invalid,
  auth_code_invalid,
  property_not_allowed,
  property_duplicate,
  property_boolean_value,
  property_receive_maximum_zero,
  property_maximum_packet_size_zero,
  property_topic_alias_zero,
  property_subscription_identifier_zero,
  property_response_topic_wildcard,
  // Found only when encoding: packets the normal API must not put on the wire.
  publish_qos0_packet_id,
  string_too_long,
  packet_too_large_to_encode,
  not_representable,
  count_,
};

struct rule_info {
  rule id;
  std::string_view name;           // stable snake_case name, e.g. "utf8_null"
  spec::statement_id statement_v311;  // used for 3.1 and 3.1.1; empty where the rule is 5.0 only
  spec::statement_id statement_v5;    // empty where the rule is 3.1.1 only
  std::uint8_t reason_code;         // what a 5.0 receiver answers (CONNACK or DISCONNECT)
  std::string_view message;         // one human sentence
};

// Statements are normative statement IDs ("MQTT-1.5.4-2"). Where the standard states a rule
// without numbering it, the statement is the section that states it (spec::section("§2.2.2.2")).
const rule_info& info(rule r);
std::span<const rule_info> all_rules();

struct error {
  rule id = rule::truncated;
  protocol_version version = protocol_version::v3_1_1;
  std::size_t offset = 0;  // byte offset of the offending field, from the start of the input

  const rule_info& details() const { return info(id); }
  spec::statement_id statement() const;  // the statement ID for `version`
  std::uint8_t reason_code() const { return details().reason_code; }
  std::string_view message() const { return details().message; }
};

// A small expected-like result: a value or a codec error.
template <class T>
class result {
 public:
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  result(error e) : state_(std::in_place_index<1>, e) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { MQTT_ASSERT(ok()); return *std::get_if<0>(&state_); }
  const T& value() const& { MQTT_ASSERT(ok()); return *std::get_if<0>(&state_); }
  T&& value() && { MQTT_ASSERT(ok()); return std::move(*std::get_if<0>(&state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const error& err() const { MQTT_ASSERT(!ok()); return *std::get_if<1>(&state_); }

 private:
  std::variant<T, error> state_;
};

}  // namespace mqtt::codec
