// Planting a bug in a broker, and the bugs' names. Compiled only into mqtt_broker_planted,
// so the default broker library has no way to switch a bug on.
#include "mqtt/broker/planted.hpp"

#include <array>

#include "broker/state.hpp"

namespace mqtt::broker {
namespace {

struct named_bug {
  planted_bug bug;
  std::string_view name;
  std::string_view description;
};

constexpr std::array<named_bug, 8> names{{
    {planted_bug::none, "none", "no bug"},
    {planted_bug::drop_offline_qos1, "drop-offline-qos1",
     "QoS 1 messages queued for an offline persistent session are silently dropped"},
    {planted_bug::qos2_duplicate_on_reconnect, "qos2-duplicate-on-reconnect",
     "on session resume, a QoS 2 message already released is sent again as a new message"},
    {planted_bug::will_after_normal_disconnect, "will-after-normal-disconnect",
     "the will is published even after a normal DISCONNECT"},
    {planted_bug::no_will_on_keepalive_timeout, "no-will-on-keepalive-timeout",
     "the will is not published when the keep alive runs out"},
    {planted_bug::forget_retained, "forget-retained",
     "retained messages are not stored (a new subscriber gets none)"},
    {planted_bug::reorder_topic, "reorder-topic",
     "of two consecutive QoS 1/2 messages on one topic to one session, the later is sent first"},
    {planted_bug::deliver_after_unsubscribe, "deliver-after-unsubscribe",
     "UNSUBSCRIBE is acknowledged but the subscription is kept"},
}};

constexpr std::array<planted_bug, names.size() - 1> every_bug = [] {
  std::array<planted_bug, names.size() - 1> out{};
  for (std::size_t i = 1; i < names.size(); ++i) out[i - 1] = names[i].bug;
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
  for (const named_bug& n : names) {
    if (n.name == name) return n.bug;
  }
  return std::nullopt;
}

std::span<const planted_bug> all_planted_bugs() { return every_bug; }

void plant_bug(broker& b, planted_bug bug) { b.state_->planted = bug; }

}  // namespace mqtt::broker
