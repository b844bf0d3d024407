// The planted bugs that drop or alter a forwarded 5.0 PUBLISH's properties (User Properties,
// Content Type, Payload Format Indicator, Response Topic, Correlation Data, Subscription
// Identifiers, the Message Expiry Interval's count-down). Compiled only into mqtt_broker_planted.
#include "broker/state.hpp"

namespace mqtt::broker {

void broker::state::plant_property_bugs(codec::publish& p, const outgoing& out) const {
  if (MQTT_PLANTED(*this, message_expiry_not_decremented)) {
    p.props.message_expiry_interval_s = out.msg->message_expiry_interval_s;
  }
  if (MQTT_PLANTED(*this, user_properties_dropped)) p.props.user_properties.clear();
  if (MQTT_PLANTED(*this, content_type_dropped)) p.props.content_type.reset();
  if (MQTT_PLANTED(*this, payload_format_dropped)) p.props.payload_format_indicator.reset();
  if (MQTT_PLANTED(*this, response_topic_dropped)) p.props.response_topic.reset();
  if (MQTT_PLANTED(*this, correlation_data_dropped)) p.props.correlation_data.reset();
  if (MQTT_PLANTED(*this, subscription_id_not_sent)) p.props.subscription_identifiers.clear();
}

}  // namespace mqtt::broker
