// Routing of application messages to sessions (section 4.5 and 4.7), shared subscriptions
// (4.8.2), retained messages (3.3.1.3), the offline queue and the inflight window (4.9).
#include <algorithm>

#include "mqtt/assert.hpp"
#include "mqtt/codec/encoder.hpp"
#include "state.hpp"

namespace mqtt::broker {
namespace {

// What one session receives from one message: the copy for its best matching subscription.
struct target {
  session* s = nullptr;
  codec::qos qos = codec::qos::at_most_once;
  bool retain_as_published = false;
  std::vector<std::uint32_t> subscription_ids;
};

codec::publish to_packet(const outgoing& out, std::uint16_t packet_id, bool dup, clock_ms now,
                         bool v5) {
  const message& m = *out.msg;
  codec::publish p;
  p.dup = dup;
  p.qos = out.qos;
  p.retain = out.retain;
  p.topic = m.topic;
  p.packet_id = out.qos == codec::qos::at_most_once ? 0 : packet_id;
  p.payload = m.payload;
  if (!v5) return p;  // older clients get no properties
  // 5.0 properties travel unaltered (MQTT-3.3.2-4, -15, -16, -17, -18, -20), but for the
  // expiry interval, which counts down (MQTT-3.3.2-6).
  p.props.payload_format_indicator = m.payload_format_indicator;
  p.props.message_expiry_interval_s = m.remaining_expiry_s(now);
  if (m.content_type) p.props.content_type = *m.content_type;
  if (m.response_topic) p.props.response_topic = *m.response_topic;
  if (m.correlation_data) p.props.correlation_data = *m.correlation_data;
  for (const auto& [k, v] : m.user_properties) p.props.user_properties.emplace_back(k, v);
  p.props.subscription_identifiers = out.subscription_ids;
  return p;
}

}  // namespace

std::size_t broker::state::window(const session& s) const {
  std::size_t w = opts.limits.inflight_max;
  auto c = connections.find(s.conn);
  // Planted receive_maximum_ignored: the client's Receive Maximum is never looked at.
  if (c != connections.end() && !MQTT_PLANTED(*this, receive_maximum_ignored)) {
    w = std::min<std::size_t>(w, c->second->client_receive_maximum);
  }
  return std::max<std::size_t>(w, 1);
}

std::uint16_t broker::state::allocate_packet_id(session& s) {
  // A non-zero identifier not in use (MQTT-2.2.1-4; 3.1.1 MQTT-2.3.1-2). The window is at most
  // 65,535, so a free one exists within one lap.
  for (std::uint32_t tries = 0; tries < 65'536; ++tries) {
    std::uint16_t id = s.next_packet_id;
    s.next_packet_id = static_cast<std::uint16_t>(id == 65'535 ? 1 : id + 1);
    if (!s.inflight_by_id.contains(id)) return id;
  }
  MQTT_ASSERT(false && "no free packet identifier");
  return 0;
}

bool broker::state::send_publish(connection& c, const outgoing& out, std::uint16_t packet_id,
                                 bool dup, clock_ms now) {
  codec::publish p = to_packet(out, packet_id, dup, now, is_v5(c));
#ifdef MQTT_PLANTED_BUGS  // the helper exists only in mqtt_broker_planted
  if (is_v5(c)) plant_property_bugs(p, out);
#endif
  if (c.client_topic_alias_maximum != 0) {
    // Broker-to-client Topic Alias (section 3.3.2.3.4): a topic already mapped on this
    // connection goes as an empty name plus its alias; new topics take the next free alias
    // until the client's Topic Alias Maximum is used up (MQTT-3.3.2-11, MQTT-3.2.2-26).
    const auto& sent_aliases = c.aliases().outgoing;
    auto it = sent_aliases.find(out.msg->topic);
    if (it != sent_aliases.end()) {
      p.topic = {};
      p.props.topic_alias = it->second;
      enforce("MQTT-3.3.2-11");
    } else if (sent_aliases.size() < c.client_topic_alias_maximum) {
      p.props.topic_alias = static_cast<std::uint16_t>(sent_aliases.size() + 1);
    }
  }
  if (codec::encoded_size(p, c.version) > c.client_maximum_packet_size) {
    // Too large for the client: discard as if sent (MQTT-3.1.2-24, -25).
    enforce("MQTT-3.1.2-25");
    log(log_level::debug, &c, "message on '" + out.msg->topic + "' exceeds the client's Maximum Packet Size; dropped",
        "MQTT-3.1.2-25");
    return false;
  }
  if (p.props.topic_alias && !p.topic.empty()) c.aliases().outgoing.emplace(p.topic, *p.props.topic_alias);
  return send(c, p);
}

void broker::state::enqueue(session& s, outgoing out, clock_ms now) {
  bool online = s.conn != 0;
  if (out.qos == codec::qos::at_most_once && !online && !opts.queue_qos0_when_offline) return;
  // Planted: QoS 1 treated like QoS 0 for an offline session, so it is lost.
  if (MQTT_PLANTED(*this, drop_offline_qos1) && out.qos == codec::qos::at_least_once && !online) return;
#ifdef MQTT_PLANTED_BUGS  // the helper exists only in mqtt_broker_planted
  if (MQTT_PLANTED(*this, reorder_topic) && online && out.qos != codec::qos::at_most_once &&
      reorder_planted(s, out, now)) {
    return;
  }
#endif
  if (online && s.queue.empty()) {
    connection& c = *connections.at(s.conn);
    if (out.qos == codec::qos::at_most_once) {
      send_publish(c, out, 0, false, now);
      return;
    }
    if (s.inflight.size() < window(s)) {
      s.queue.push_back(std::move(out));
      drain(s, now);
      return;
    }
  }
  if (s.queue.size() >= opts.limits.queued_messages_max) {
    log(log_level::info, nullptr,
        "queue of " + s.client_id() + " full (max_queued_messages); message on '" + out.msg->topic + "' dropped");
    return;
  }
  s.queue.push_back(std::move(out));
}

void broker::state::drain(session& s, clock_ms now) {
  if (s.conn == 0) return;
  connection& c = *connections.at(s.conn);
  // Bounded by the queue length: every pass removes one entry.
  while (!s.queue.empty()) {
    outgoing& front = s.queue.front();
    if (front.msg->expired(now) && !MQTT_PLANTED(*this, expired_message_delivered)) {
      enforce("MQTT-3.3.2-5");  // expired before onward delivery started: deleted
      s.queue.pop_front();
      continue;
    }
    if (front.qos == codec::qos::at_most_once) {
      send_publish(c, front, 0, false, now);
      s.queue.pop_front();
      continue;
    }
    if (s.inflight.size() >= window(s)) {
      // No more than the client's Receive Maximum unacknowledged (MQTT-3.3.4-9).
      if (is_v5(c)) enforce("MQTT-3.3.4-9");
      return;
    }
    std::uint16_t id = allocate_packet_id(s);
    enforce(is_v5(c) ? statement_id("MQTT-2.2.1-4") : statement_id("MQTT-2.3.1-2"));
    auto stage = front.qos == codec::qos::at_least_once ? inflight_message::stage::awaiting_puback
                                                        : inflight_message::stage::awaiting_pubrec;
    inflight_message m{std::move(front), id, stage};
    s.queue.pop_front();
    std::uint64_t seq = s.inflight_seq++;
    auto [pos, inserted] = s.inflight.emplace(seq, std::move(m));
    MQTT_ASSERT(inserted);
    s.inflight_by_id.emplace(id, seq);
    if (!send_publish(c, pos->second.out, id, false, now)) {
      // Discarded as too large: its delivery counts as complete (MQTT-3.1.2-25), so it
      // neither holds a place in the window nor waits to be sent again.
      s.inflight.erase(pos);
      s.inflight_by_id.erase(id);
    }
  }
}

void broker::state::resend_inflight(session& s, clock_ms now) {
  if (s.conn == 0 || s.inflight.empty()) return;
#ifdef MQTT_PLANTED_BUGS
  if (MQTT_PLANTED(*this, qos2_duplicate_on_reconnect)) restart_released_qos2(s);
#endif
  connection& c = *connections.at(s.conn);
  // In the original order (section 4.6), PUBLISH with DUP until PUBREC, then PUBREL
  // (MQTT-4.4.0-1; 3.1.1 MQTT-4.4.0-1; DUP: MQTT-3.3.1-1).
  enforce("MQTT-4.4.0-1");
  for (auto it = s.inflight.begin(); it != s.inflight.end();) {
    inflight_message& m = it->second;
    if (m.at == inflight_message::stage::awaiting_pubcomp) {
      codec::pubrel rel;
      rel.packet_id = m.packet_id;
      send(c, rel);
    } else {
      enforce("MQTT-3.3.1-1");
      if (!send_publish(c, m.out, m.packet_id, !MQTT_PLANTED(*this, dup_not_set_on_resend), now)) {
        // Too large for this connection's Maximum Packet Size: discarded as if its delivery
        // had completed (MQTT-3.1.2-25).
        s.inflight_by_id.erase(m.packet_id);
        it = s.inflight.erase(it);
        continue;
      }
    }
    ++it;
  }
}

std::size_t broker::state::route(const message_ptr& msg, clock_ms now) {
  std::size_t delivered = 0;
  std::unordered_map<std::uint64_t, target> targets;
  std::vector<std::string> groups;  // matching shared subscriptions, by full filter
  subscriptions.match(msg->topic, [&](const subscription_entry& e) {
    if (!e.share_name.empty()) {
      if (std::find(groups.begin(), groups.end(), e.filter) == groups.end()) groups.push_back(e.filter);
      return;
    }
    session* s = sessions_by_serial.at(e.session_serial);
    if (e.options.no_local && s->client_id() == msg->publisher_client_id && !MQTT_PLANTED(*this, no_local_ignored)) {
      enforce("MQTT-3.8.3-3");
      return;
    }
    target& t = targets[e.session_serial];
    if (t.s != nullptr) {
      enforce(s->version == codec::protocol_version::v5 ? statement_id("MQTT-3.3.4-2")
                                                        : statement_id("MQTT-3.3.5-1"));
    }
    t.s = s;
    // Overlapping subscriptions: one copy at the highest granted QoS (MQTT-3.3.4-2), with
    // every matching Subscription Identifier (MQTT-3.3.4-4).
    t.qos = std::max(t.qos, e.options.max_qos);
    t.retain_as_published = t.retain_as_published || e.options.retain_as_published;
    if (e.subscription_id) t.subscription_ids.push_back(*e.subscription_id);
  }, !MQTT_PLANTED(*this, dollar_topic_matched));
  for (const std::string& filter : groups) {
    // One member of the group gets the message, round robin, preferring connected members.
    auto& members = share_groups.at(filter);
    MQTT_ASSERT(!members.empty());
#ifdef MQTT_PLANTED_BUGS  // the helper exists only in mqtt_broker_planted
    if (MQTT_PLANTED(*this, shared_to_every_member)) {
      delivered += planted_deliver_to_group(members, filter, msg, now);
      continue;
    }
#endif
    std::size_t& rotor = share_rotor[filter];
    std::size_t pick = rotor % members.size();
    for (std::size_t k = 0; k < members.size(); ++k) {
      std::size_t i = (rotor + k) % members.size();
      if (sessions_by_serial.at(members[i])->conn != 0) {
        pick = i;
        break;
      }
    }
    rotor = pick + 1;
    session* s = sessions_by_serial.at(members[pick]);
    const subscription_entry& e = s->subscriptions.at(filter);
    outgoing out{msg, std::min(msg->qos, e.options.max_qos), false, {}};
    if (e.subscription_id) out.subscription_ids.push_back(*e.subscription_id);
    if (authz && !authz->may_read_topic(s->identity, msg->topic)) continue;
    enforce("MQTT-4.8.2-3");
    enqueue(*s, std::move(out), now);
    ++delivered;
  }
  for (auto& [serial, t] : targets) {
    if (authz && !authz->may_read_topic(t.s->identity, msg->topic)) continue;
    outgoing out;
    out.msg = msg;
    // Downgrade to the granted QoS (MQTT-3.8.4-8; 3.1.1 MQTT-3.8.4-6).
    out.qos = MQTT_PLANTED(*this, qos_not_downgraded) ? msg->qos : std::min(msg->qos, t.qos);
    enforce(t.s->version == codec::protocol_version::v5 ? statement_id("MQTT-3.8.4-8")
                                                        : statement_id("MQTT-3.8.4-6"));
    // RETAIN on forwarded messages: kept only under Retain As Published (MQTT-3.3.1-12, -13);
    // 3.1.1 clears it (MQTT-3.3.1-9).
    out.retain = t.s->version == codec::protocol_version::v5 && t.retain_as_published && msg->retain &&
                 !MQTT_PLANTED(*this, retain_as_published_ignored);
    if (MQTT_PLANTED(*this, retain_kept_on_established)) out.retain = msg->retain;
    out.subscription_ids = std::move(t.subscription_ids);
    enqueue(*t.s, std::move(out), now);
    ++delivered;
  }
  return delivered;
}

void broker::state::store_retained(const message_ptr& msg) {
  if (msg->payload.empty()) {
    // An empty retained message clears the topic and is not stored (MQTT-3.3.1-6, -7;
    // 3.1.1 MQTT-3.3.1-10, -11).
    enforce("MQTT-3.3.1-6");
    if (MQTT_PLANTED(*this, retained_not_cleared)) return;  // planted: the old one stays
    retained.erase(msg->topic);
    return;
  }
  if (MQTT_PLANTED(*this, forget_retained)) return;  // planted: forwarded but never stored
  auto it = retained.find(msg->topic);
  if (it == retained.end() && retained.size() >= opts.limits.retained_messages_max) {
    log(log_level::warning, nullptr, "retained_messages_max reached; not retaining '" + msg->topic + "'");
    return;
  }
  // Replaces any earlier retained message on the topic (MQTT-3.3.1-5).
  enforce("MQTT-3.3.1-5");
  retained[msg->topic] = msg;
}

void broker::state::send_retained(session& s, const subscription_entry& sub, clock_ms now) {
  for (auto it = retained.begin(); it != retained.end();) {
    const message_ptr& msg = it->second;
    if (msg->expired(now)) {
      it = retained.erase(it);
      continue;
    }
    if (topic_matches(sub.filter, msg->topic) &&
        (!authz || authz->may_read_topic(s.identity, msg->topic))) {
      // Sent because of a new subscription: RETAIN stays 1 (3.1.1 MQTT-3.3.1-8; 5.0 3.3.1.3).
      outgoing out{msg, std::min(msg->qos, sub.options.max_qos), true, {}};
      if (sub.subscription_id) out.subscription_ids.push_back(*sub.subscription_id);
      enqueue(s, std::move(out), now);
    }
    ++it;
  }
}

}  // namespace mqtt::broker
