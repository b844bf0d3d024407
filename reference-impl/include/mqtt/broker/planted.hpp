// Bugs that can be planted in the broker core, so the simulator and the tests can show that
// their checkers catch a broken broker. Only the mqtt_broker_planted library can plant them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

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
};

// Kebab-case names ("drop-offline-qos1"), for command lines and reports.
std::string_view to_string(planted_bug bug);
std::optional<planted_bug> planted_bug_from_string(std::string_view name);
// One line on what the bug does, for listings.
std::string_view describe(planted_bug bug);
// Every value but none, in declaration order.
std::span<const planted_bug> all_planted_bugs();

class broker;
// Plants one bug in this broker (none removes it). Defined only in the mqtt_broker_planted
// library, so a program linked against mqtt_broker (like mqtt-ref-broker) cannot call it: it
// fails to link. Everything declared in this header lives in that library.
void plant_bug(broker& b, planted_bug bug);

}  // namespace mqtt::broker
