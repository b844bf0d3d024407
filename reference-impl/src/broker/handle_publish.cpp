// PUBLISH from a client (section 3.3: topic aliases, limits, authorization, retained
// messages, QoS 1 and 2 receipt) and the acknowledgements of both directions (3.4 to 3.7).
#include "mqtt/assert.hpp"
#include "state.hpp"

namespace mqtt::broker {
namespace {

// The topic of a 5.0 PUBLISH after Topic Alias resolution (section 3.3.2.3.4); nullopt
// when the alias is unknown or out of range (the caller disconnects).
struct alias_outcome {
  std::optional<std::string_view> topic;
  std::uint8_t reason = 0;
  statement_id statement;
};

alias_outcome resolve_alias(connection& c, const codec::publish& p, std::uint16_t alias_max) {
  if (!p.props.topic_alias) return {p.topic, 0, {}};
  std::uint16_t alias = *p.props.topic_alias;
  if (alias > alias_max) {
    // Above our Topic Alias Maximum (MQTT-3.2.2-17 / MQTT-3.3.2-9 on the client's side).
    return {std::nullopt, codec::reason::topic_alias_invalid, "MQTT-3.3.2-9"};
  }
  auto& received_aliases = c.aliases().incoming;
  if (!p.topic.empty()) {
    received_aliases[alias] = std::string(p.topic);
    return {p.topic, 0, {}};
  }
  auto it = received_aliases.find(alias);
  if (it == received_aliases.end()) {
    return {std::nullopt, codec::reason::protocol_error, section("§3.3.2.3.4")};
  }
  return {std::string_view(it->second), 0, {}};
}

}  // namespace

void broker::state::handle_publish(connection& c, const codec::publish& p, clock_ms now) {
  session& s = *c.sess;
  const bool v5 = is_v5(c);
  std::string_view topic = p.topic;
  if (v5) {
    // Planted: any alias up to the protocol's largest passes the bound.
    const std::uint16_t alias_max =
        MQTT_PLANTED(*this, topic_alias_above_maximum_accepted) ? std::uint16_t{65'535} : c.topic_alias_maximum;
    alias_outcome a = resolve_alias(c, p, alias_max);
    // Planted: the mapping a PUBLISH sets is forgotten at once.
    if (MQTT_PLANTED(*this, topic_alias_not_stored) && p.props.topic_alias && !p.topic.empty()) {
      c.aliases().incoming.erase(*p.props.topic_alias);
    }
    if (!a.topic) {
      enforce(a.statement);
      return disconnect_with(c, a.reason, a.statement, "PUBLISH with an invalid topic alias",
                             close_reason::protocol_violation, now);
    }
    topic = *a.topic;
    if (!p.props.subscription_identifiers.empty()) {
      // A client's PUBLISH carries no Subscription Identifier (MQTT-3.3.4-6).
      enforce("MQTT-3.3.4-6");
      return disconnect_with(c, codec::reason::protocol_error, "MQTT-3.3.4-6",
                             "PUBLISH from a client with a Subscription Identifier",
                             close_reason::protocol_violation, now);
    }
  }
  if (p.qos > opts.max_qos) {
    // Above the Maximum QoS announced in CONNACK (MQTT-3.2.2-11 is the client's duty).
    enforce("MQTT-3.2.2-11");
    return disconnect_with(c, codec::reason::qos_not_supported, "MQTT-3.2.2-11",
                           "PUBLISH above the maximum QoS", close_reason::protocol_violation, now);
  }
  if (p.retain && !opts.retain_available) {
    enforce("MQTT-3.2.2-14");
    return disconnect_with(c, codec::reason::retain_not_supported, "MQTT-3.2.2-14",
                           "retained PUBLISH while retain is not available",
                           close_reason::protocol_violation, now);
  }
  if (topic.size() > opts.limits.topic_length_max) {
    return disconnect_with(c, codec::reason::topic_name_invalid, "MQTT-4.7.3-3",
                           "topic longer than topic_length_max", close_reason::protocol_violation, now);
  }
  // 5.0 only: 3.1.1 has no Receive Maximum, and its packet identifiers bound the set anyway.
  if (v5 && p.qos == codec::qos::exactly_once && !s.incoming_qos2.contains(p.packet_id) &&
      s.incoming_qos2.size() >= opts.limits.inflight_max) {
    // More unacknowledged QoS 2 PUBLISH packets than our Receive Maximum (MQTT-3.3.4-7).
    enforce("MQTT-3.3.4-7");
    return disconnect_with(c, codec::reason::receive_maximum_exceeded, "MQTT-3.3.4-7",
                           "receive maximum exceeded", close_reason::protocol_violation, now);
  }

  std::uint8_t ack_code = codec::reason::success;
  bool duplicate_qos2 = p.qos == codec::qos::exactly_once && s.incoming_qos2.contains(p.packet_id) &&
                        !MQTT_PLANTED(*this, qos2_duplicate_delivered);  // planted: routed again
  if (duplicate_qos2) {
#ifdef MQTT_PLANTED_BUGS  // the process bug qos2_reused_id_leak
    planted_leak(p);
#endif
    // Already received and routed: acknowledge again, deliver nothing twice (MQTT-4.3.3-10;
    // 3.1.1 MQTT-4.3.3-2).
    enforce(v5 ? statement_id("MQTT-4.3.3-10") : statement_id("MQTT-4.3.3-2"));
  } else if (authz && !authz->may_write(s.identity, topic)) {
    log(log_level::info, &c, "PUBLISH to '" + std::string(topic) + "' denied by ACL");
    ack_code = codec::reason::not_authorized;
  } else {
    auto msg = std::make_shared<const message>(message::from_publish(p, topic, s.client_id(), now));
    if (p.retain) store_retained(msg);
    if (route(msg, now) == 0 && v5) ack_code = codec::reason::no_matching_subscribers;
  }

  switch (p.qos) {
    case codec::qos::at_most_once:
      break;
    case codec::qos::at_least_once: {
      enforce(v5 ? statement_id("MQTT-4.3.2-4") : statement_id("MQTT-4.3.2-2"));
      codec::puback ack;
      ack.packet_id = p.packet_id;
      if (MQTT_PLANTED(*this, puback_wrong_packet_id)) ack.packet_id = static_cast<std::uint16_t>(p.packet_id % 65'535 + 1);
      ack.reason_code = v5 ? ack_code : 0;  // 3.1.1 has no way to say no (MQTT-3.3.5-2)
      send(c, ack);
      break;
    }
    case codec::qos::exactly_once: {
      enforce(v5 ? statement_id("MQTT-4.3.3-8") : statement_id("MQTT-4.3.3-2"));
      codec::pubrec rec;
      rec.packet_id = p.packet_id;
      rec.reason_code = v5 ? ack_code : 0;
      // A refused QoS 2 message ends its flow at PUBREC (reason >= 0x80).
      if (ack_code < 0x80) s.incoming_qos2.insert(p.packet_id);
      send(c, rec);
      break;
    }
  }
}

void broker::state::handle_puback(connection& c, const codec::puback& p, clock_ms now) {
  session& s = *c.sess;
  auto id = s.inflight_by_id.find(p.packet_id);
  if (id == s.inflight_by_id.end()) {
    log(log_level::debug, &c, "PUBACK for unknown packet identifier " + std::to_string(p.packet_id));
    return;
  }
  const inflight_message& m = s.inflight.at(id->second);
  if (m.at != inflight_message::stage::awaiting_puback) {
    return refuse_wrong_ack(c, m, codec::packet_type::puback, now);
  }
  enforce(is_v5(c) ? statement_id("MQTT-4.3.2-3") : statement_id("MQTT-4.3.2-1"));
  s.inflight.erase(id->second);
  s.inflight_by_id.erase(id);
  drain(s, now);
}

void broker::state::handle_pubrec(connection& c, const codec::pubrec& p, clock_ms now) {
  session& s = *c.sess;
  auto id = s.inflight_by_id.find(p.packet_id);
  codec::pubrel rel;
  rel.packet_id = p.packet_id;
  if (id == s.inflight_by_id.end()) {
    // Unknown identifier: 5.0 answers PUBREL 0x92 (section 3.6.2.1).
    rel.reason_code = is_v5(c) ? codec::reason::packet_identifier_not_found : 0;
    send(c, rel);
    return;
  }
  inflight_message& m = s.inflight.at(id->second);
  const bool refused = p.reason_code >= 0x80;
  if (m.at == inflight_message::stage::awaiting_puback ||
      (m.at == inflight_message::stage::awaiting_pubcomp && refused)) {
    // A QoS 1 PUBLISH is answered with PUBACK; a refusal after the PUBREC that released the
    // message contradicts it.
    return refuse_wrong_ack(c, m, codec::packet_type::pubrec, now);
  }
  if (refused) {
    // The receiver refused the message: its flow ends here (MQTT-4.3.3-4 / 4.8.2-6).
    s.inflight.erase(id->second);
    s.inflight_by_id.erase(id);
    drain(s, now);
    return;
  }
  // Release: PUBREL with the same identifier (MQTT-4.3.3-4 / 3.1.1 MQTT-4.3.3-1). A PUBREC
  // again after PUBREL gets PUBREL again, the state unchanged, as mosquitto does.
  enforce(is_v5(c) ? statement_id("MQTT-4.3.3-4") : statement_id("MQTT-4.3.3-1"));
  m.at = inflight_message::stage::awaiting_pubcomp;
  send(c, rel);
}

void broker::state::handle_pubrel(connection& c, const codec::pubrel& p, clock_ms) {
  session& s = *c.sess;
  codec::pubcomp comp;
  comp.packet_id = p.packet_id;
  if (s.incoming_qos2.erase(p.packet_id) == 0 && is_v5(c)) {
    comp.reason_code = codec::reason::packet_identifier_not_found;
  }
  // PUBCOMP with the same identifier (MQTT-4.3.3-11; 3.1.1 MQTT-4.3.3-2).
  enforce(is_v5(c) ? statement_id("MQTT-4.3.3-11") : statement_id("MQTT-4.3.3-2"));
  send(c, comp);
}

void broker::state::handle_pubcomp(connection& c, const codec::pubcomp& p, clock_ms now) {
  session& s = *c.sess;
  auto id = s.inflight_by_id.find(p.packet_id);
  if (id == s.inflight_by_id.end()) {
    log(log_level::debug, &c, "PUBCOMP for unknown packet identifier " + std::to_string(p.packet_id));
    return;
  }
  const inflight_message& m = s.inflight.at(id->second);
  if (m.at != inflight_message::stage::awaiting_pubcomp) {
    return refuse_wrong_ack(c, m, codec::packet_type::pubcomp, now);
  }
  // Released and completed (MQTT-4.3.3-5; 3.1.1 MQTT-4.3.3-1).
  enforce(is_v5(c) ? statement_id("MQTT-4.3.3-5") : statement_id("MQTT-4.3.3-1"));
  s.inflight.erase(id->second);
  s.inflight_by_id.erase(id);
  drain(s, now);
}

void broker::state::refuse_wrong_ack(connection& c, const inflight_message& m, codec::packet_type got,
                                     clock_ms now) {
  // The rule the client broke: what a receiver answers at this stage of the flow.
  const bool v5 = is_v5(c);
  statement_id broken;
  std::string_view awaited;
  switch (m.at) {
    case inflight_message::stage::awaiting_puback:
      broken = v5 ? statement_id("MQTT-4.3.2-4") : statement_id("MQTT-4.3.2-2");
      awaited = "PUBACK for a QoS 1 PUBLISH";
      break;
    case inflight_message::stage::awaiting_pubrec:
      broken = v5 ? statement_id("MQTT-4.3.3-8") : statement_id("MQTT-4.3.3-2");
      awaited = "PUBREC for a QoS 2 PUBLISH";
      break;
    case inflight_message::stage::awaiting_pubcomp:
      broken = v5 ? statement_id("MQTT-4.3.3-11") : statement_id("MQTT-4.3.3-2");
      awaited = "PUBCOMP for a PUBREL";
      break;
  }
  enforce(broken);
  // A Protocol Error closes the connection, 5.0 after DISCONNECT 0x82 (MQTT-4.13.1-1; 3.1.1
  // MQTT-4.8.0-1). The message is untouched: still unacknowledged, it is resent when the
  // session resumes (MQTT-4.4.0-1).
  enforce(v5 ? statement_id("MQTT-4.13.1-1") : statement_id("MQTT-4.8.0-1"));
  disconnect_with(c, codec::reason::protocol_error, broken,
                  std::string(codec::to_string(got)) + " for packet identifier " + std::to_string(m.packet_id) +
                      ", which awaits " + std::string(awaited),
                  close_reason::protocol_violation, now);
}

}  // namespace mqtt::broker
