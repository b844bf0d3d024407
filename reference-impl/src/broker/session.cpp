// Session lifetime (section 4.1): creation, the end of a connection, wills with their delay
// (3.1.3.2.2), session expiry, and the timers that drive them.
#include "mqtt/assert.hpp"
#include "mqtt/codec/validate.hpp"
#include "state.hpp"

namespace mqtt::broker {

session& broker::state::create_session(std::string client_id, codec::protocol_version v) {
  auto s = std::make_unique<session>();
  s->serial = next_session_serial++;
  s->identity.client_id = client_id;
  s->version = v;
  session& ref = *s;
  sessions_by_serial.emplace(ref.serial, &ref);
  sessions.emplace(std::string_view(ref.client_id()), std::move(s));
  return ref;
}

void broker::state::remove_subscription(session& s, const std::string& filter) {
  auto it = s.subscriptions.find(filter);
  if (it == s.subscriptions.end()) return;
  const subscription_entry& e = it->second;
  std::string_view tree_filter = filter;
  if (!e.share_name.empty()) {
    auto shared = codec::parse_shared_filter(filter);
    MQTT_ASSERT(shared.has_value());
    tree_filter = shared->filter;
    auto group = share_groups.find(filter);
    if (group != share_groups.end()) {
      std::erase(group->second, s.serial);
      if (group->second.empty()) {
        share_groups.erase(group);
        share_rotor.erase(filter);
      }
    }
  }
  bool erased = subscriptions.erase(tree_filter, s.serial, e.share_name);
  MQTT_ASSERT(erased);
  s.subscriptions.erase(it);
}

void broker::state::end_session(session& s, clock_ms now) {
  // A will still waiting for its delay is sent when the session ends (MQTT-3.1.2-8).
  if (s.pending_will) {
    will_message w = std::move(*s.pending_will);
    s.pending_will.reset();
    enforce("MQTT-3.1.2-8");
    publish_will(w, now);
  }
  while (!s.subscriptions.empty()) {
    std::string filter = s.subscriptions.begin()->first;
    remove_subscription(s, filter);
  }
  sessions_by_serial.erase(s.serial);
  std::string id = s.client_id();
  sessions.erase(id);  // destroys s
}

void broker::state::connection_ended(connection& c, close_reason why, clock_ms now) {
  if (c.at != connection::phase::connected || c.sess == nullptr) return;
  session& s = *c.sess;
  MQTT_ASSERT(s.conn == c.id);
  s.conn = 0;
  s.offline_since = now;
  c.alias_maps.reset();  // aliases never outlive the connection (MQTT-3.3.2-7)
#ifdef MQTT_PLANTED_BUGS
  if (MQTT_PLANTED(*this, reorder_topic)) release_held_back(s, now);  // kept in the queue
#endif
  bool graceful = why == close_reason::normal_disconnect;
  // Planted: the will is kept whatever the reason, as if DISCONNECT were never looked at.
  bool discard_will = graceful && !MQTT_PLANTED(*this, will_after_normal_disconnect);
  log(log_level::info, &c,
      "client " + s.client_id() + " disconnected" + (graceful ? "" : " ungracefully"));
  std::unique_ptr<will_message> will = std::move(c.will);
  c.will.reset();
  if (will && !discard_will) {
    // Published when the connection ends without a normal DISCONNECT (MQTT-3.1.2-8;
    // 3.1.1 MQTT-3.1.2-8, -10), after the Will Delay Interval unless the session ends first.
    if (will->delay_s == 0 || s.expiry_interval_s == 0 || MQTT_PLANTED(*this, will_delay_ignored)) {
      enforce("MQTT-3.1.2-8");
      publish_will(*will, now);
    } else {
      s.pending_will = std::move(will);
      arm({now + std::uint64_t{s.pending_will->delay_s} * 1000, timer_entry::kind::will_delay,
           s.serial, s.timer_generation});
    }
  } else if (will) {
    // Normal DISCONNECT: the will is discarded (MQTT-3.14.4-3; 3.1.1 MQTT-3.1.2-10).
    enforce(c.version == codec::protocol_version::v5 ? statement_id("MQTT-3.14.4-3")
                                                     : statement_id("MQTT-3.1.2-10"));
  }
  if (s.expiry_interval_s == 0) {
    // Clean session / expiry 0: the session ends with the connection (MQTT-4.1.0-2).
    end_session(s, now);
    return;
  }
  if (s.expiry_interval_s != session_never_expires) {
    arm({now + std::uint64_t{s.expiry_interval_s} * 1000, timer_entry::kind::session_expiry,
         s.serial, s.timer_generation});
  }
}

void broker::state::publish_will(const will_message& w, clock_ms now) {
  // RETAIN as the will asked (MQTT-3.1.2-14, -15; 3.1.1 MQTT-3.1.2-16, -17).
  auto msg = std::make_shared<message>(*w.msg);
  msg->received_at_ms = now;
  if (msg->retain && !MQTT_PLANTED(*this, will_retain_ignored)) store_retained(msg);
  route(msg, now);
}

void broker::state::run_timer(const timer_entry& t, clock_ms now) {
  switch (t.what) {
    case timer_entry::kind::connect_timeout: {
      auto it = connections.find(t.id);
      // The timeout also bounds an enhanced authentication the client leaves unfinished.
      if (it == connections.end() || it->second->at == connection::phase::connected) return;
      log(log_level::info, it->second.get(), it->second->at == connection::phase::authenticating
                                                 ? "enhanced authentication not finished within the connect timeout"
                                                 : "no CONNECT within the connect timeout");
      close(*it->second, close_reason::protocol_violation, now);
      return;
    }
    case timer_entry::kind::keep_alive: {
      auto it = connections.find(t.id);
      if (it == connections.end()) return;
      connection& c = *it->second;
      clock_ms due = c.last_received + std::uint64_t{c.keep_alive_s} * 1500;
      if (due > now) {
        arm({due, timer_entry::kind::keep_alive, c.id, 0});
        return;
      }
      // Nothing heard for 1.5 x Keep Alive: close as if the network failed (MQTT-3.1.2-22;
      // 3.1.1 MQTT-3.1.2-24), which publishes the will.
      if (MQTT_PLANTED(*this, keep_alive_not_enforced)) return;  // planted: never re-armed, never closed
      const statement_id keep_alive =
          is_v5(c) ? statement_id("MQTT-3.1.2-22") : statement_id("MQTT-3.1.2-24");
      enforce(keep_alive);
      log(log_level::info, &c, "keep alive timeout", keep_alive);
      // Planted: the broker ends the connection as if the client had said DISCONNECT, which
      // discards the will.
      close(c, MQTT_PLANTED(*this, no_will_on_keepalive_timeout) ? close_reason::normal_disconnect
                                                                 : close_reason::keep_alive_timeout,
            now);
      return;
    }
    case timer_entry::kind::will_delay: {
      auto it = sessions_by_serial.find(t.id);
      if (it == sessions_by_serial.end() || it->second->timer_generation != t.generation) return;
      session& s = *it->second;
      if (!s.pending_will) return;
      will_message w = std::move(*s.pending_will);
      s.pending_will.reset();
      enforce("MQTT-3.1.2-8");
      publish_will(w, now);
      return;
    }
    case timer_entry::kind::session_expiry: {
      auto it = sessions_by_serial.find(t.id);
      if (it == sessions_by_serial.end() || it->second->timer_generation != t.generation) return;
      if (it->second->conn != 0 || MQTT_PLANTED(*this, session_expiry_ignored)) return;
      // The session expired after its Session Expiry Interval (MQTT-4.1.0-2).
      enforce("MQTT-4.1.0-2");
      end_session(*it->second, now);
      return;
    }
    case timer_entry::kind::release_held:  // armed only by the planted reorder_topic
#ifdef MQTT_PLANTED_BUGS
      release_held_timer(t, now);
#endif
      return;
  }
}

}  // namespace mqtt::broker
