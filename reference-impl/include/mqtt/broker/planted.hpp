// Bugs that can be planted in the broker core, so the simulator and the tests can show that
// their checkers catch a broken broker. Only the mqtt_broker_planted library can plant them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "mqtt/codec/types.hpp"
#include "mqtt/spec/statement_id.hpp"

namespace mqtt::broker {

enum class planted_bug : std::uint8_t {
  none,
  drop_offline_qos1,            // QoS 1 messages queued for an offline (persistent) session are silently dropped
  qos2_duplicate_on_reconnect,  // on session resume, a QoS 2 message already released (PUBREC received, PUBREL
                                // sent) is sent again as a new message (fresh packet id, DUP 0)
  will_after_normal_disconnect, // the will is published even after a normal DISCONNECT (reason 0x00)
  no_will_on_keepalive_timeout, // the will is not published when the keep alive (1.5 x) runs out
  forget_retained,              // retained messages are not stored (a new subscriber gets none)
  reorder_topic,                // of two consecutive QoS 1/2 messages on one topic to one session, the
                                // later is sent first
  deliver_after_unsubscribe,    // UNSUBSCRIBE is acknowledged but the subscription is kept
  // Each of the following breaks one statement the conformance suite checks on the simulator
  // (broken_statements says which); planted/plant_bug.cpp has their names and descriptions.
  second_connect_accepted,
  first_packet_not_connect_kept,
  no_pingresp,
  keep_alive_not_enforced,
  session_present_always_0,
  wrong_code_for_bad_level,
  assigned_client_id_not_sent,
  clean_start_ignored,
  bad_password_accepted,
  will_retain_ignored,
  qos_not_downgraded,
  retain_kept_on_established,
  retain_as_published_ignored,
  retained_not_cleared,
  retain_handling_2_ignored,
  retain_handling_1_ignored,
  no_local_ignored,
  subscription_id_not_sent,
  shared_to_every_member,
  dollar_topic_matched,
  unsuback_codes_reversed,
  suback_wrong_packet_id,
  puback_wrong_packet_id,
  message_expiry_not_decremented,
  expired_message_delivered,
  user_properties_dropped,
  content_type_dropped,
  payload_format_dropped,
  response_topic_dropped,
  correlation_data_dropped,
  topic_alias_not_stored,
  topic_alias_above_maximum_accepted,
  receive_maximum_ignored,
  qos2_duplicate_delivered,
  dup_not_set_on_resend,
  session_expiry_ignored,
  will_delay_ignored,
  will_with_will_reason_dropped,
  qos3_publish_kept,
  wildcard_topic_kept,
  zero_packet_id_kept,
  subscribe_flags_kept,
  // Bugs that crash or leak the broker process, modelled on mosquitto CVEs, for the network
  // fuzzer's known-bug benchmark. Only a real process takes them (mqtt-ref-broker-planted
  // --planted-bug NAME): planted_bug_from_string and all_planted_bugs leave them out, so the
  // simulator and the suite's mutation runs never plant one.
  zero_length_topic_crash,   // CVE-2021-34432: a PUBLISH with a zero-length Topic Name crashes the broker
  client_connack_crash,      // CVE-2021-28166: a CONNACK from a 5.0 client crashes the broker
  first_packet_allocation,   // CVE-2023-0809: a first packet other than CONNECT gets a buffer of its whole
                             // declared Remaining Length at once, held until that many bytes arrive
  qos2_reused_id_leak,       // CVE-2023-28366: a QoS 2 PUBLISH reusing an id still awaiting PUBREL leaks a copy
};

// Kebab-case names ("drop-offline-qos1"), for command lines and reports.
std::string_view to_string(planted_bug bug);
std::optional<planted_bug> planted_bug_from_string(std::string_view name);
// One line on what the bug does, for listings.
std::string_view describe(planted_bug bug);
// The normative statements the bug breaks, as `version`'s standard numbers them (3.1 as
// 3.1.1); empty for none and for a version the bug does not touch. A suite that catches the
// bug fails a case that cites one of them.
std::vector<spec::statement_id> broken_statements(planted_bug bug, codec::protocol_version version);
// Every value but none and the process bugs, in declaration order.
std::span<const planted_bug> all_planted_bugs();
// The bugs that crash or leak the process, and their names.
std::span<const planted_bug> process_planted_bugs();
std::optional<planted_bug> process_planted_bug_from_string(std::string_view name);
bool is_process_bug(planted_bug bug);

class broker;
// Plants one bug in this broker (none removes it). Defined only in the mqtt_broker_planted
// library, so a program linked against mqtt_broker (like mqtt-ref-broker) cannot call it: it
// fails to link. Everything declared in this header lives in that library.
void plant_bug(broker& b, planted_bug bug);

}  // namespace mqtt::broker
