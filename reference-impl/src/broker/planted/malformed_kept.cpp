// The planted bugs that leave a connection open after a malformed packet (QoS 3, a wildcard in
// a Topic Name, Packet Identifier 0, SUBSCRIBE flags other than 0010). Compiled only into
// mqtt_broker_planted.
#include "broker/state.hpp"

namespace mqtt::broker {

bool broker::state::planted_keeps_malformed(codec::rule r) const {
  switch (r) {
    case codec::rule::flags_publish_qos3: return MQTT_PLANTED(*this, qos3_publish_kept);
    case codec::rule::topic_name_wildcard: return MQTT_PLANTED(*this, wildcard_topic_kept);
    case codec::rule::packet_id_zero:
    case codec::rule::subscribe_ack_packet_id_zero: return MQTT_PLANTED(*this, zero_packet_id_kept);
    case codec::rule::flags_subscribe: return MQTT_PLANTED(*this, subscribe_flags_kept);
    default: return false;
  }
}

}  // namespace mqtt::broker
