// The broker's application messages: delivery, the QoS 1 and QoS 2 receiver flows (PUBACK;
// PUBREC, PUBREL, PUBCOMP with exactly-once delivery), 5.0 Topic Aliases and our Receive
// Maximum.
//
// QoS 2 is delivered when the PUBLISH first arrives and its packet identifier is kept until
// PUBREL (5.0 §4.3.3, method B of 3.1.1 Figure 4.3); a PUBLISH with a kept identifier is a
// duplicate and is only acknowledged again. The kept identifiers are bounded by our Receive
// Maximum in 5.0 and by the identifier space (65,535) in 3.1.1, which has no such limit.
#include <string>
#include <utility>

#include "state.hpp"

namespace mqtt::client {
namespace detail {

message from_codec(const codec::publish& p, std::string topic) {
  message m;
  m.topic = std::move(topic);
  m.payload = std::string(p.payload);
  m.qos = p.qos;
  m.retain = p.retain;
  m.dup = p.dup;
  const codec::properties& pr = p.props;
  m.payload_format_indicator = pr.payload_format_indicator;
  m.message_expiry_interval_s = pr.message_expiry_interval_s;
  if (pr.content_type) m.content_type = std::string(*pr.content_type);
  if (pr.response_topic) m.response_topic = std::string(*pr.response_topic);
  if (pr.correlation_data) m.correlation_data = std::string(*pr.correlation_data);
  m.user_properties.reserve(pr.user_properties.size());
  for (const codec::user_property& u : pr.user_properties) {
    m.user_properties.push_back(user_property{std::string(u.first), std::string(u.second)});
  }
  m.subscription_identifiers = pr.subscription_identifiers;
  return m;
}

}  // namespace detail

std::optional<std::string> client::state::resolve_topic(const codec::publish& p) {
  if (!p.props.topic_alias) return std::string(p.topic);
  const std::uint16_t alias = *p.props.topic_alias;  // never 0: the codec rejects that
  if (alias > opts.topic_alias_maximum) {
    // MQTT-3.1.2-27 (we allow none) / MQTT-3.3.2-11 (above our Topic Alias Maximum).
    violation("Topic Alias " + std::to_string(alias) + " above the Topic Alias Maximum " +
                  std::to_string(opts.topic_alias_maximum) + " sent in CONNECT",
              opts.topic_alias_maximum == 0 ? spec::statement_id("MQTT-3.1.2-27")
                                            : spec::statement_id("MQTT-3.3.2-11"),
              codec::reason::topic_alias_invalid);
    return std::nullopt;
  }
  if (!p.topic.empty()) {
    // A topic with an alias sets (or replaces) the mapping for this connection (§3.3.2.3.4);
    // there are at most topic_alias_maximum of them.
    topic_aliases.insert_or_assign(alias, std::string(p.topic));
    return std::string(p.topic);
  }
  auto found = topic_aliases.find(alias);
  if (found == topic_aliases.end()) {
    violation("Topic Alias " + std::to_string(alias) + " with an empty topic has no mapping",
              spec::section("§3.3.2.3.4"), codec::reason::protocol_error);
    return std::nullopt;
  }
  return found->second;
}

void client::state::handle_publish(const codec::publish& p) {
  std::optional<std::string> topic = resolve_topic(p);
  if (!topic) return;
  switch (p.qos) {
    case codec::qos::at_most_once:
      events.emplace_back(message_received{detail::from_codec(p, std::move(*topic)), 0});
      return;
    case codec::qos::at_least_once: {
      // MQTT-4.3.2-4: PUBACK once the message is ours, in arrival order (MQTT-4.6.0-2).
      events.emplace_back(message_received{detail::from_codec(p, std::move(*topic)), p.packet_id});
      codec::puback a;
      a.packet_id = p.packet_id;
      send_or_lose(a);
      return;
    }
    case codec::qos::exactly_once: {
      codec::pubrec r;
      r.packet_id = p.packet_id;
      if (incoming_qos2.contains(p.packet_id)) {
        // MQTT-4.3.3-10: until PUBREL, the same identifier is the same message: PUBREC again,
        // no second delivery.
        send_or_lose(r);
        return;
      }
      if (v5() && incoming_qos2.size() >= opts.receive_maximum) {
        violation("more than Receive Maximum (" + std::to_string(opts.receive_maximum) +
                      ") QoS 2 messages unacknowledged",
                  "MQTT-3.3.4-9", codec::reason::receive_maximum_exceeded);
        return;
      }
      incoming_qos2.insert(p.packet_id);
      // MQTT-4.3.3-8: PUBREC once the message is ours, in arrival order (MQTT-4.6.0-3).
      events.emplace_back(message_received{detail::from_codec(p, std::move(*topic)), p.packet_id});
      send_or_lose(r);
      return;
    }
  }
}

void client::state::handle_pubrel(const codec::pubrel& r) {
  // MQTT-4.3.3-11: PUBCOMP with the same identifier, known or not: after a reconnect the
  // broker repeats a PUBREL whose PUBCOMP was lost. MQTT-4.3.3-12: the identifier is free.
  const bool known = incoming_qos2.contains(r.packet_id);
  incoming_qos2.erase(r.packet_id);
  codec::pubcomp c;
  c.packet_id = r.packet_id;
  if (v5() && !known) c.reason_code = codec::reason::packet_identifier_not_found;
  send_or_lose(c);
}

}  // namespace mqtt::client
