// Planting a bug in a broker, and the bugs' names. Compiled only into mqtt_broker_planted,
// so the default broker library has no way to switch a bug on.
#include "mqtt/broker/planted.hpp"

#include <array>

#include "broker/state.hpp"

namespace mqtt::broker {
namespace {

// A bug breaks one rule, which may carry several IDs where the standard states it twice.
constexpr std::size_t statements_per_bug_max = 2;

// A bug, its name, what it does, and the statements it breaks in each version's numbering.
struct named_bug {
  planted_bug bug;
  std::string_view name;
  std::string_view description;
  std::array<statement_id, statements_per_bug_max> v3_1_1;  // empty entries unused
  std::array<statement_id, statements_per_bug_max> v5;
};

constexpr std::array<named_bug, 54> names{{
    {planted_bug::none, "none",
     "no bug",
     {}, {}},
    {planted_bug::drop_offline_qos1, "drop-offline-qos1",
     "QoS 1 messages queued for an offline persistent session are silently dropped (3.1.1 MQTT-3.1.2-5, 5.0 MQTT-3.1.2-23)",
     {"MQTT-3.1.2-5"}, {"MQTT-3.1.2-23"}},
    {planted_bug::qos2_duplicate_on_reconnect, "qos2-duplicate-on-reconnect",
     "on session resume, a QoS 2 message already released is sent again as a new message (MQTT-4.4.0-1)",
     {"MQTT-4.4.0-1"}, {"MQTT-4.4.0-1"}},
    {planted_bug::will_after_normal_disconnect, "will-after-normal-disconnect",
     "the will is published even after a normal DISCONNECT (3.1.1 MQTT-3.1.2-10, 5.0 MQTT-3.14.4-3)",
     {"MQTT-3.1.2-10"}, {"MQTT-3.14.4-3"}},
    {planted_bug::no_will_on_keepalive_timeout, "no-will-on-keepalive-timeout",
     "the will is not published when the keep alive runs out (MQTT-3.1.2-8)",
     {"MQTT-3.1.2-8"}, {"MQTT-3.1.2-8"}},
    {planted_bug::forget_retained, "forget-retained",
     "retained messages are not stored, so a new subscriber gets none (MQTT-3.3.1-5)",
     {"MQTT-3.3.1-5"}, {"MQTT-3.3.1-5"}},
    {planted_bug::reorder_topic, "reorder-topic",
     "of two consecutive QoS 1/2 messages on one topic to one session, the later is sent first (MQTT-4.6.0-5)",
     {"MQTT-4.6.0-5"}, {"MQTT-4.6.0-5"}},
    {planted_bug::deliver_after_unsubscribe, "deliver-after-unsubscribe",
     "UNSUBSCRIBE is acknowledged but the subscription is kept (MQTT-3.10.4-2)",
     {"MQTT-3.10.4-2"}, {"MQTT-3.10.4-2"}},
    {planted_bug::second_connect_accepted, "second-connect-accepted",
     "a second CONNECT on a connection is ignored and the connection kept (MQTT-3.1.0-2)",
     {"MQTT-3.1.0-2"}, {"MQTT-3.1.0-2"}},
    {planted_bug::first_packet_not_connect_kept, "first-packet-not-connect-kept",
     "a first packet other than CONNECT is ignored and the connection kept (MQTT-3.1.0-1)",
     {"MQTT-3.1.0-1"}, {"MQTT-3.1.0-1"}},
    {planted_bug::no_pingresp, "no-pingresp",
     "PINGREQ is not answered with PINGRESP (MQTT-3.12.4-1)",
     {"MQTT-3.12.4-1"}, {"MQTT-3.12.4-1"}},
    {planted_bug::keep_alive_not_enforced, "keep-alive-not-enforced",
     "a client silent for 1.5 x its Keep Alive stays connected (3.1.1 MQTT-3.1.2-24, 5.0 MQTT-3.1.2-22)",
     {"MQTT-3.1.2-24"}, {"MQTT-3.1.2-22"}},
    {planted_bug::session_present_always_0, "session-present-always-0",
     "CONNACK carries Session Present 0 when a stored session resumes (3.1.1 MQTT-3.2.2-2, 5.0 MQTT-3.2.2-3)",
     {"MQTT-3.2.2-2"}, {"MQTT-3.2.2-3"}},
    {planted_bug::wrong_code_for_bad_level, "wrong-code-for-bad-level",
     "3.1.1: an unsupported protocol level gets CONNACK 0x02, not 0x01 (MQTT-3.1.2-2)",
     {"MQTT-3.1.2-2"}, {}},
    {planted_bug::assigned_client_id_not_sent, "assigned-client-id-not-sent",
     "5.0: a client id the broker generates is not returned as Assigned Client Identifier (MQTT-3.2.2-16)",
     {}, {"MQTT-3.2.2-16"}},
    {planted_bug::clean_start_ignored, "clean-start-ignored",
     "Clean Start (3.1.1: Clean Session) 1 resumes the stored session instead of discarding it (3.1.1 MQTT-3.1.2-6, 5.0 MQTT-3.1.2-4)",
     {"MQTT-3.1.2-6"}, {"MQTT-3.1.2-4"}},
    {planted_bug::bad_password_accepted, "bad-password-accepted",
     "5.0: a CONNECT with a wrong password is accepted (MQTT-3.1.4-2)",
     {}, {"MQTT-3.1.4-2"}},
    {planted_bug::will_retain_ignored, "will-retain-ignored",
     "a will with Will Retain 1 is not stored as a retained message (3.1.1 MQTT-3.1.2-17, 5.0 MQTT-3.1.2-15)",
     {"MQTT-3.1.2-17"}, {"MQTT-3.1.2-15"}},
    {planted_bug::qos_not_downgraded, "qos-not-downgraded",
     "messages are delivered at their own QoS, above the QoS granted (3.1.1 MQTT-3.8.4-6, 5.0 MQTT-3.8.4-8)",
     {"MQTT-3.8.4-6"}, {"MQTT-3.8.4-8"}},
    {planted_bug::retain_kept_on_established, "retain-kept-on-established",
     "RETAIN is not cleared on delivery to an existing subscription (3.1.1 MQTT-3.3.1-9, 5.0 MQTT-3.3.1-12)",
     {"MQTT-3.3.1-9"}, {"MQTT-3.3.1-12"}},
    {planted_bug::retain_as_published_ignored, "retain-as-published-ignored",
     "5.0: RETAIN is cleared on forwarded messages despite Retain As Published (MQTT-3.3.1-13)",
     {}, {"MQTT-3.3.1-13"}},
    {planted_bug::retained_not_cleared, "retained-not-cleared",
     "a retained message with an empty payload does not remove the retained message (3.1.1 MQTT-3.3.1-10, 5.0 MQTT-3.3.1-6)",
     {"MQTT-3.3.1-10"}, {"MQTT-3.3.1-6"}},
    {planted_bug::retain_handling_2_ignored, "retain-handling-2-ignored",
     "5.0: a subscription with Retain Handling 2 still gets the retained messages (MQTT-3.3.1-11)",
     {}, {"MQTT-3.3.1-11"}},
    {planted_bug::retain_handling_1_ignored, "retain-handling-1-ignored",
     "5.0: Retain Handling 1 sends the retained messages again when a subscription is replaced (MQTT-3.3.1-10)",
     {}, {"MQTT-3.3.1-10"}},
    {planted_bug::no_local_ignored, "no-local-ignored",
     "5.0: a No Local subscription gets the client's own messages (MQTT-3.8.3-3)",
     {}, {"MQTT-3.8.3-3"}},
    {planted_bug::subscription_id_not_sent, "subscription-id-not-sent",
     "5.0: delivered messages carry no Subscription Identifier (MQTT-3.3.4-3)",
     {}, {"MQTT-3.3.4-3"}},
    {planted_bug::shared_to_every_member, "shared-to-every-member",
     "5.0: a message on a shared subscription goes to every member of the group, not one (MQTT-4.8.2-3)",
     {}, {"MQTT-4.8.2-3"}},
    {planted_bug::dollar_topic_matched, "dollar-topic-matched",
     "filters starting with '#' or '+' match topic names starting with '$' (MQTT-4.7.2-1)",
     {"MQTT-4.7.2-1"}, {"MQTT-4.7.2-1"}},
    {planted_bug::unsuback_codes_reversed, "unsuback-codes-reversed",
     "5.0: UNSUBACK reason codes come in the reverse order of the Topic Filters (MQTT-3.11.3-1)",
     {}, {"MQTT-3.11.3-1"}},
    {planted_bug::suback_wrong_packet_id, "suback-wrong-packet-id",
     "SUBACK carries a packet identifier other than the SUBSCRIBE's (MQTT-3.8.4-2)",
     {"MQTT-3.8.4-2"}, {"MQTT-3.8.4-2"}},
    {planted_bug::puback_wrong_packet_id, "puback-wrong-packet-id",
     "PUBACK carries a packet identifier other than the PUBLISH's (3.1.1 MQTT-2.3.1-6, 5.0 MQTT-2.2.1-5)",
     {"MQTT-2.3.1-6"}, {"MQTT-2.2.1-5"}},
    {planted_bug::message_expiry_not_decremented, "message-expiry-not-decremented",
     "5.0: Message Expiry Interval is forwarded without the time the message waited (MQTT-3.3.2-6)",
     {}, {"MQTT-3.3.2-6"}},
    {planted_bug::expired_message_delivered, "expired-message-delivered",
     "5.0: a queued message past its Message Expiry Interval is still delivered (MQTT-3.3.2-5)",
     {}, {"MQTT-3.3.2-5"}},
    {planted_bug::user_properties_dropped, "user-properties-dropped",
     "5.0: User Properties are not forwarded to subscribers (MQTT-3.3.2-17)",
     {}, {"MQTT-3.3.2-17"}},
    {planted_bug::content_type_dropped, "content-type-dropped",
     "5.0: Content Type is not forwarded to subscribers (MQTT-3.3.2-20)",
     {}, {"MQTT-3.3.2-20"}},
    {planted_bug::payload_format_dropped, "payload-format-dropped",
     "5.0: Payload Format Indicator is not forwarded to subscribers (MQTT-3.3.2-4)",
     {}, {"MQTT-3.3.2-4"}},
    {planted_bug::response_topic_dropped, "response-topic-dropped",
     "5.0: Response Topic is not forwarded to subscribers (MQTT-3.3.2-15)",
     {}, {"MQTT-3.3.2-15"}},
    {planted_bug::correlation_data_dropped, "correlation-data-dropped",
     "5.0: Correlation Data is not forwarded to subscribers (MQTT-3.3.2-16)",
     {}, {"MQTT-3.3.2-16"}},
    {planted_bug::topic_alias_not_stored, "topic-alias-not-stored",
     "5.0: a PUBLISH with a Topic Name and a Topic Alias does not map the alias (MQTT-3.3.2-12)",
     {}, {"MQTT-3.3.2-12"}},
    {planted_bug::topic_alias_above_maximum_accepted, "topic-alias-above-maximum-accepted",
     "5.0: a Topic Alias above the broker's Topic Alias Maximum is accepted (MQTT-3.3.2-9)",
     {}, {"MQTT-3.3.2-9"}},
    {planted_bug::receive_maximum_ignored, "receive-maximum-ignored",
     "5.0: more QoS 1 and 2 messages unacknowledged than the client's Receive Maximum (MQTT-3.3.4-9)",
     {}, {"MQTT-3.3.4-9"}},
    {planted_bug::qos2_duplicate_delivered, "qos2-duplicate-delivered",
     "a QoS 2 PUBLISH sent again before its PUBREL is delivered again (3.1.1 MQTT-4.3.3-2, 5.0 MQTT-4.3.3-10)",
     {"MQTT-4.3.3-2"}, {"MQTT-4.3.3-10"}},
    {planted_bug::dup_not_set_on_resend, "dup-not-set-on-resend",
     "a PUBLISH re-sent when a session resumes has DUP 0 (MQTT-3.3.1-1)",
     {"MQTT-3.3.1-1"}, {"MQTT-3.3.1-1"}},
    {planted_bug::session_expiry_ignored, "session-expiry-ignored",
     "5.0: a session outlives its Session Expiry Interval (MQTT-4.1.0-2)",
     {}, {"MQTT-4.1.0-2"}},
    {planted_bug::will_delay_ignored, "will-delay-ignored",
     "5.0: the will is published at once, before its Will Delay Interval has passed (MQTT-3.1.2-8)",
     {}, {"MQTT-3.1.2-8"}},
    {planted_bug::will_with_will_reason_dropped, "will-with-will-reason-dropped",
     "5.0: DISCONNECT 0x04 (Disconnect with Will Message) discards the will (MQTT-3.1.2-8)",
     {}, {"MQTT-3.1.2-8"}},
    {planted_bug::qos3_publish_kept, "qos3-publish-kept",
     "a PUBLISH with QoS 3 does not close the connection (MQTT-3.3.1-4)",
     {"MQTT-3.3.1-4"}, {"MQTT-3.3.1-4"}},
    {planted_bug::wildcard_topic_kept, "wildcard-topic-kept",
     "a PUBLISH whose Topic Name holds a wildcard does not close the connection (MQTT-3.3.2-2)",
     {"MQTT-3.3.2-2"}, {"MQTT-3.3.2-2"}},
    {planted_bug::zero_packet_id_kept, "zero-packet-id-kept",
     "a PUBLISH, SUBSCRIBE or UNSUBSCRIBE with Packet Identifier 0 does not close the connection (3.1.1 MQTT-2.3.1-1, 5.0 MQTT-2.2.1-3)",
     {"MQTT-2.3.1-1"}, {"MQTT-2.2.1-3"}},
    {planted_bug::subscribe_flags_kept, "subscribe-flags-kept",
     "a SUBSCRIBE whose fixed-header flags are not 0010 does not close the connection (3.1.1 MQTT-2.2.2-2, 5.0 MQTT-3.8.1-1)",
     {"MQTT-2.2.2-2"}, {"MQTT-3.8.1-1"}},
    {planted_bug::zero_length_topic_crash, "zero-length-topic-crash",
     "process bug (CVE-2021-34432): a PUBLISH whose Topic Name is empty crashes the broker instead of closing the connection (MQTT-4.7.3-1)",
     {"MQTT-4.7.3-1"}, {"MQTT-4.7.3-1"}},
    {planted_bug::client_connack_crash, "client-connack-crash",
     "process bug (CVE-2021-28166): a CONNACK sent by a 5.0 client crashes the broker instead of closing the connection (5.0 MQTT-4.13.1-1)",
     {}, {"MQTT-4.13.1-1"}},
    {planted_bug::first_packet_allocation, "first-packet-allocation",
     "process bug (CVE-2023-0809): a first packet other than CONNECT gets a buffer of its declared Remaining Length before any body byte, held until the packet is whole (MQTT-3.1.0-1)",
     {"MQTT-3.1.0-1"}, {"MQTT-3.1.0-1"}},
    {planted_bug::qos2_reused_id_leak, "qos2-reused-id-leak",
     "process bug (CVE-2023-28366): each QoS 2 PUBLISH that reuses a Packet Identifier still awaiting PUBREL leaks a copy of its payload (MQTT-4.3.3-8)",
     {"MQTT-4.3.3-8"}, {"MQTT-4.3.3-8"}},
}};

// The first process bug: the table's tail from here on crashes or leaks the process.
constexpr std::size_t first_process_bug = static_cast<std::size_t>(planted_bug::zero_length_topic_crash);

constexpr std::array<planted_bug, first_process_bug - 1> every_bug = [] {
  std::array<planted_bug, first_process_bug - 1> out{};
  for (std::size_t i = 1; i < first_process_bug; ++i) out[i - 1] = names[i].bug;
  return out;
}();

constexpr std::array<planted_bug, names.size() - first_process_bug> process_bugs = [] {
  std::array<planted_bug, names.size() - first_process_bug> out{};
  for (std::size_t i = first_process_bug; i < names.size(); ++i) out[i - first_process_bug] = names[i].bug;
  return out;
}();

// The table is indexed by the enum's value: a new bug must be added in the same position.
constexpr bool names_in_order = [] {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (static_cast<std::size_t>(names[i].bug) != i) return false;
  }
  return true;
}();
static_assert(names_in_order);

// Every bug but none names at least one statement it breaks, so a catch can be checked.
constexpr bool every_bug_breaks_a_statement = [] {
  for (std::size_t i = 1; i < names.size(); ++i) {
    if (names[i].v3_1_1[0].empty() && names[i].v5[0].empty()) return false;
  }
  return true;
}();
static_assert(every_bug_breaks_a_statement);

}  // namespace

std::string_view to_string(planted_bug bug) {
  auto i = static_cast<std::size_t>(bug);
  return i < names.size() ? names[i].name : std::string_view("unknown");
}

std::string_view describe(planted_bug bug) {
  auto i = static_cast<std::size_t>(bug);
  return i < names.size() ? names[i].description : std::string_view();
}

std::optional<planted_bug> planted_bug_from_string(std::string_view name) {
  for (std::size_t i = 0; i < first_process_bug; ++i) {
    if (names[i].name == name) return names[i].bug;
  }
  return std::nullopt;
}

std::optional<planted_bug> process_planted_bug_from_string(std::string_view name) {
  for (std::size_t i = first_process_bug; i < names.size(); ++i) {
    if (names[i].name == name) return names[i].bug;
  }
  return std::nullopt;
}

bool is_process_bug(planted_bug bug) { return static_cast<std::size_t>(bug) >= first_process_bug; }

std::span<const planted_bug> process_planted_bugs() { return process_bugs; }

std::vector<statement_id> broken_statements(planted_bug bug, codec::protocol_version version) {
  auto i = static_cast<std::size_t>(bug);
  std::vector<statement_id> out;
  if (i >= names.size()) return out;
  const auto& ids = version == codec::protocol_version::v5 ? names[i].v5 : names[i].v3_1_1;
  for (statement_id id : ids) {
    if (!id.empty()) out.push_back(id);
  }
  return out;
}

std::span<const planted_bug> all_planted_bugs() { return every_bug; }

void plant_bug(broker& b, planted_bug bug) { b.state_->planted = bug; }

}  // namespace mqtt::broker
