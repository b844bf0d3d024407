// DISCONNECT (section 3.14), PINGREQ (3.12) and AUTH (3.15) from a client.
#include "state.hpp"

namespace mqtt::broker {

void broker::state::handle_disconnect(connection& c, const codec::disconnect& p, clock_ms now) {
  if (is_v5(c) && p.props.session_expiry_interval_s) {
    if (c.session_expiry_was_zero && *p.props.session_expiry_interval_s != 0) {
      // Raising the expiry from 0 at DISCONNECT is a Protocol Error (section 3.14.2.2.2).
      return disconnect_with(c, codec::reason::protocol_error, section("§3.14.2.2.2"),
                             "DISCONNECT sets a Session Expiry Interval after CONNECT had 0",
                             close_reason::protocol_violation, now);
    }
    c.sess->expiry_interval_s = std::min(*p.props.session_expiry_interval_s, opts.limits.session_expiry_max_s);
  }
  bool with_will = is_v5(c) && p.reason_code == codec::reason::disconnect_with_will &&
                   !MQTT_PLANTED(*this, will_with_will_reason_dropped);
  close(c, with_will ? close_reason::disconnect_with_will : close_reason::normal_disconnect, now);
}

void broker::state::handle_pingreq(connection& c, clock_ms) {
  enforce("MQTT-3.12.4-1");  // PINGRESP for every PINGREQ
  if (!MQTT_PLANTED(*this, no_pingresp)) send(c, codec::pingresp{});
}

void broker::state::handle_auth(connection& c, const codec::auth&, clock_ms now) {
  // Without an Authentication Method in CONNECT a client must not send AUTH (MQTT-4.12.0-7).
  enforce("MQTT-4.12.0-7");
  disconnect_with(c, codec::reason::protocol_error, "MQTT-4.12.0-7",
                  "AUTH without extended authentication", close_reason::protocol_violation, now);
}

}  // namespace mqtt::broker
