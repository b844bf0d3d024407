// Our application messages: the queue behind the send quota, the QoS 1 and QoS 2 sender
// flows (PUBACK; PUBREC, PUBREL, PUBCOMP), and what happens to them across reconnects.
//
// Choices the standard leaves open:
// - publish() accepts messages of every QoS while disconnected or while the send quota is
//   used up and queues them in order (at most pending_max); QoS 0 included, so a message
//   published just before a reconnect is not lost silently.
// - The queue is strictly first in, first out: a QoS 0 message never overtakes a QoS 1 or 2
//   message waiting for quota, so messages leave in the order they were published.
// - A message a 5.0 broker cannot take is completed locally instead of being sent:
//   publish_completed with 0x9B (QoS above the broker's Maximum QoS, MQTT-3.2.2-11), 0x9A
//   (RETAIN while Retain Available is 0, MQTT-3.2.2-14) or 0x95 (beyond the broker's Maximum
//   Packet Size, MQTT-3.2.2-15). A QoS 0 message in that situation is dropped.
// - When the broker has no session for us (Session Present 0 while we held one, 5.0
//   MQTT-3.2.2-5, or a clean start) the session state is discarded, but not the messages the
//   application gave us: a PUBLISH not yet acknowledged is sent again as a new message (DUP=0,
//   same packet identifier, so publish_completed still matches what publish() returned).
//   QoS 1 may then arrive twice, as it may anyway. A QoS 2 message already past PUBREC is
//   owned by the broker (MQTT-4.3.3-8), so it completes with its PUBREC reason code instead
//   of being sent again. Exactly once therefore holds across resumed sessions only.
#include <stdexcept>
#include <string>
#include <utility>

#include "mqtt/codec/encoder.hpp"
#include "state.hpp"

namespace mqtt::client {
namespace detail {

codec::publish to_codec(const message& m, std::uint16_t packet_id, bool dup,
                        codec::protocol_version v) {
  codec::publish p;
  p.dup = dup;
  p.qos = m.qos;
  p.retain = m.retain;
  p.topic = m.topic;
  p.packet_id = m.qos == codec::qos::at_most_once ? std::uint16_t{0} : packet_id;
  p.payload = m.payload;
  if (v != codec::protocol_version::v5) return p;  // 3.1 and 3.1.1 have no properties
  codec::properties& pr = p.props;
  pr.payload_format_indicator = m.payload_format_indicator;
  pr.message_expiry_interval_s = m.message_expiry_interval_s;
  if (m.content_type) pr.content_type = *m.content_type;
  if (m.response_topic) pr.response_topic = *m.response_topic;
  if (m.correlation_data) pr.correlation_data = *m.correlation_data;
  pr.user_properties.reserve(m.user_properties.size());
  for (const user_property& u : m.user_properties) pr.user_properties.emplace_back(u.key, u.value);
  // MQTT-3.3.4-6: subscription_identifiers are never sent by a client.
  return p;
}

}  // namespace detail

namespace {

constexpr std::uint8_t qos_value(codec::qos q) { return static_cast<std::uint8_t>(q); }

// Why the broker cannot take a message sent for the first time in this session; 0 if it can.
std::uint8_t refusal(const message& m, codec::qos broker_max_qos, bool retain_available) {
  if (qos_value(m.qos) > qos_value(broker_max_qos)) return codec::reason::qos_not_supported;
  if (m.retain && !retain_available) return codec::reason::retain_not_supported;
  return 0;
}

}  // namespace

std::optional<std::uint16_t> client::state::publish(message msg) {
  if (qos_value(msg.qos) > 2) throw std::invalid_argument("publish: QoS must be 0, 1 or 2");
  const bool qos0 = msg.qos == codec::qos::at_most_once;
  const bool send_now = ph == phase::connected && pending.empty() && unsent_inflight == 0 &&
                        (qos0 || quota_used < send_window);
  if (!send_now && pending.size() >= opts.pending_max) return std::nullopt;
  std::uint16_t id = 0;
  if (!qos0) {
    // 5.0 MQTT-2.2.1-3 / 3.1.1 MQTT-2.3.1-1: a non-zero identifier not in use.
    std::optional<std::uint16_t> free_id = ids.allocate();
    if (!free_id) return std::nullopt;
    id = *free_id;
  }
  if (std::optional<codec::error> e = encode_error(detail::to_codec(msg, id, false, version))) {
    if (id != 0) ids.erase(id);
    throw std::invalid_argument("publish: the message cannot be encoded: " +
                                std::string(e->message()));
  }
  detail::queued_message q{std::move(msg), id};
  if (send_now) {
    transmit_new(std::move(q));
  } else {
    pending.push_back(std::move(q));
  }
  return id;
}

void client::state::transmit_new(detail::queued_message q) {
  MQTT_ASSERT(ph == phase::connected);
  const std::uint8_t refused = refusal(q.msg, broker_max_qos, broker_retain_available);
  if (q.msg.qos == codec::qos::at_most_once) {
    // Nothing to report for QoS 0: refused or too large, it is dropped.
    if (refused == 0) send(detail::to_codec(q.msg, 0, false, version));
    return;
  }
  if (refused != 0) {
    events.emplace_back(publish_completed{q.packet_id, refused});
    ids.erase(q.packet_id);
    return;
  }
  detail::outgoing_message m;
  m.msg = std::move(q.msg);
  m.packet_id = q.packet_id;
  m.sent_in_session = true;
  m.sent_on_connection = true;
  inflight.push_back(std::move(m));
  auto it = std::prev(inflight.end());
  inflight_index.emplace(it->packet_id, it);
  ++quota_used;
  MQTT_ASSERT(quota_used <= send_window);  // MQTT-3.3.4-7
  // MQTT-4.3.2-2, MQTT-4.3.3-2: the first PUBLISH of a message has DUP=0.
  if (!send(detail::to_codec(it->msg, it->packet_id, false, version))) {
    complete(it, codec::reason::packet_too_large);
  }
}

void client::state::resend_inflight() {
  for (auto it = inflight.begin(); it != inflight.end() && unsent_inflight > 0;) {
    if (ph != phase::connected) return;
    auto next = std::next(it);
    detail::outgoing_message& m = *it;
    if (m.sent_on_connection) {
      it = next;
      continue;
    }
    if (m.stage == detail::out_stage::released) {
      // MQTT-4.4.0-1: PUBREL again, with its identifier. MQTT-3.3.4-8: not held back by
      // the send quota, though it still occupies a slot until PUBCOMP.
      m.sent_on_connection = true;
      --unsent_inflight;
      ++quota_used;
      codec::pubrel r;
      r.packet_id = m.packet_id;
      send_or_lose(r);
    } else if (quota_used < send_window) {
      // A message of a discarded session goes out as new and meets the new broker's limits.
      const std::uint8_t refused =
          m.sent_in_session ? 0 : refusal(m.msg, broker_max_qos, broker_retain_available);
      if (refused != 0) {
        complete(it, refused);
        it = next;
        continue;
      }
      m.sent_on_connection = true;
      --unsent_inflight;
      ++quota_used;
      // MQTT-3.3.1-1: a re-delivery has DUP=1; MQTT-4.4.0-1: same packet identifier.
      const bool dup = m.sent_in_session;
      m.sent_in_session = true;
      if (!send(detail::to_codec(m.msg, m.packet_id, dup, version))) {
        complete(it, codec::reason::packet_too_large);
      }
    }
    it = next;
  }
}

void client::state::pump() {
  if (ph != phase::connected) return;
  if (unsent_inflight > 0) resend_inflight();
  // New messages only after every re-sent one (MQTT-4.6.0-1), within the quota (MQTT-3.3.4-7).
  // Each turn removes one queued message, so the loop ends.
  while (ph == phase::connected && unsent_inflight == 0 && !pending.empty()) {
    if (pending.front().msg.qos != codec::qos::at_most_once && quota_used >= send_window) break;
    detail::queued_message q = std::move(pending.front());
    pending.pop_front();
    transmit_new(std::move(q));
  }
}

void client::state::complete(std::list<detail::outgoing_message>::iterator it,
                             std::uint8_t reason_code) {
  events.emplace_back(publish_completed{it->packet_id, reason_code});
  if (it->sent_on_connection) {
    MQTT_ASSERT(quota_used > 0);
    --quota_used;
  } else {
    MQTT_ASSERT(unsent_inflight > 0);
    --unsent_inflight;
  }
  ids.erase(it->packet_id);
  inflight_index.erase(it->packet_id);
  inflight.erase(it);
}

void client::state::start_new_session() {
  // 5.0 MQTT-3.2.2-5 / 3.1.1 MQTT-3.1.2-6: the old session's state is not carried over.
  for (auto it = inflight.begin(); it != inflight.end();) {
    auto next = std::next(it);
    if (it->stage == detail::out_stage::released) {
      complete(it, it->pubrec_reason);
    } else {
      it->sent_in_session = false;
    }
    it = next;
  }
  incoming_qos2.clear();
}

void client::state::handle_puback(const codec::puback& a) {
  // An acknowledgement for an identifier we do not have in flight at QoS 1 is tolerated and
  // ignored: after a reconnect the broker may acknowledge what was already completed.
  auto found = inflight_index.find(a.packet_id);
  if (found == inflight_index.end() || found->second->msg.qos != codec::qos::at_least_once) return;
  complete(found->second, a.reason_code);  // MQTT-4.3.2-3: acknowledged now
  pump();
}

void client::state::handle_pubrec(const codec::pubrec& r) {
  auto found = inflight_index.find(r.packet_id);
  if (found == inflight_index.end() || found->second->msg.qos != codec::qos::exactly_once) return;
  auto it = found->second;
  if (r.reason_code >= 0x80) {
    // MQTT-4.4.0-2: acknowledged, not to be sent again, and no PUBREL (MQTT-4.3.3-4).
    if (it->stage == detail::out_stage::published) {
      complete(it, r.reason_code);
      pump();
    }
    return;
  }
  if (it->stage == detail::out_stage::published) {
    it->stage = detail::out_stage::released;  // MQTT-4.3.3-6: the PUBLISH is never sent again
    it->pubrec_reason = r.reason_code;
  }
  if (!it->sent_on_connection) {
    // A PUBREC for a message the broker received before this connection: answer it now.
    it->sent_on_connection = true;
    --unsent_inflight;
    ++quota_used;
  }
  // MQTT-4.3.3-4 (PUBREL with the same identifier), in PUBREC order (MQTT-4.6.0-4); a repeated
  // PUBREC gets a repeated PUBREL.
  codec::pubrel rel;
  rel.packet_id = r.packet_id;
  send_or_lose(rel);
  pump();
}

void client::state::handle_pubcomp(const codec::pubcomp& c) {
  auto found = inflight_index.find(c.packet_id);
  if (found == inflight_index.end() || found->second->stage != detail::out_stage::released) return;
  // The PUBREC's code (e.g. 0x10 No matching subscribers) unless PUBCOMP reports a problem.
  const std::uint8_t reason = c.reason_code != 0 ? c.reason_code : found->second->pubrec_reason;
  complete(found->second, reason);  // MQTT-4.3.3-5: the PUBREL is acknowledged now
  pump();
}

}  // namespace mqtt::client
