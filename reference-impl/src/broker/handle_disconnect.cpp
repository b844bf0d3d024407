// DISCONNECT (section 3.14) and PINGREQ (3.12) from a client.
#include "state.hpp"

namespace mqtt::broker {

void broker::state::handle_disconnect(connection& c, const codec::disconnect& p, clock_ms now) {
  if (c.at == connection::phase::authenticating) {
    // A client may give up an enhanced authentication with DISCONNECT (MQTT-3.1.2-30): there
    // is no session yet, so nothing else to do.
    log(log_level::info, &c, "DISCONNECT during enhanced authentication");
    return close(c, close_reason::normal_disconnect, now);
  }
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

}  // namespace mqtt::broker
