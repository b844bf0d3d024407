// Marks the places where a planted bug changes the broker core. Only the mqtt_broker_planted
// library defines MQTT_PLANTED_BUGS; everywhere else each site is a constant false. Sites that
// call the larger bugs in planted/*.cpp also sit in #ifdef MQTT_PLANTED_BUGS, so mqtt_broker
// holds none of their code.
#pragma once

#include "mqtt/broker/message.hpp"
#include "mqtt/broker/planted.hpp"

#ifdef MQTT_PLANTED_BUGS
#define MQTT_PLANTED(st, bug) ((st).planted == ::mqtt::broker::planted_bug::bug)
#else
#define MQTT_PLANTED(st, bug) false
#endif

namespace mqtt::broker {

// reorder_topic: how long a held-back message waits for the next one on its topic before it
// is sent anyway, so the bug reorders without also losing the last message of a stream.
inline constexpr clock_ms planted_reorder_hold_ms = 5'000;

}  // namespace mqtt::broker
