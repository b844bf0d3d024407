// SUBSCRIBE and UNSUBSCRIBE (sections 3.8 and 3.10): granting, replacing and removing
// subscriptions, shared subscriptions, and retained messages on subscribe.
#include <algorithm>

#include "mqtt/assert.hpp"
#include "mqtt/codec/validate.hpp"
#include "state.hpp"

namespace mqtt::broker {

void broker::state::handle_subscribe(connection& c, const codec::subscribe& p, clock_ms now) {
  session& s = *c.sess;
  const bool v5 = is_v5(c);
  codec::suback ack;
  ack.packet_id = p.packet_id;  // same identifier (MQTT-3.8.4-2; 3.1.1 MQTT-3.8.4-2)
  if (MQTT_PLANTED(*this, suback_wrong_packet_id)) ack.packet_id = static_cast<std::uint16_t>(p.packet_id % 65'535 + 1);
  std::optional<std::uint32_t> subscription_id;
  if (!p.props.subscription_identifiers.empty()) subscription_id = p.props.subscription_identifiers.front();
  std::vector<const subscription_entry*> retained_for;  // subscriptions that get retained messages

  // Each filter as if in its own SUBSCRIBE, answered together (MQTT-3.8.4-5; 3.1.1 MQTT-3.8.4-4).
  for (const codec::subscription& req : p.subscriptions) {
    std::string filter(req.filter);
    bool exists = s.subscriptions.contains(filter);
    if (!exists && s.subscriptions.size() >= opts.limits.subscriptions_per_client_max) {
      ack.reason_codes.push_back(v5 ? codec::reason::quota_exceeded : 0x80);
      continue;
    }
    // A shared subscription (5.0 only) matches by its Topic Filter, the part after
    // `$share/{ShareName}/` (MQTT-4.8.2-2); 3.1.1 has no such form, `$share/...` is a filter.
    std::optional<codec::shared_filter> shared;
    if (v5) shared = codec::parse_shared_filter(filter);
    std::string_view tree_filter = shared ? shared->filter : std::string_view(filter);
    // The ACL speaks of topics, so it is asked about the Topic Filter, never the `$share`
    // prefix (which no wildcard rule covers, being a `$` level), as mosquitto does.
    if (authz && !authz->may_subscribe(s.identity, tree_filter)) {
      log(log_level::info, &c, "SUBSCRIBE to '" + filter + "' denied by ACL");
      ack.reason_codes.push_back(v5 ? codec::reason::not_authorized : 0x80);
      continue;
    }
    subscription_entry e;
    e.session_serial = s.serial;
    e.filter = filter;
    e.options = req.options;
    // Granted QoS: at most the server's maximum (MQTT-3.2.2-10 accepts any request).
    e.options.max_qos = std::min(req.options.max_qos, opts.max_qos);
    e.subscription_id = subscription_id;
    if (shared) e.share_name = std::string(shared->share_name);
    if (exists) {
      // Identical filter: the new subscription replaces the old (MQTT-3.8.4-3).
      enforce("MQTT-3.8.4-3");
    }
    subscriptions.insert(tree_filter, e);
    if (!e.share_name.empty()) {
      auto& members = share_groups[filter];
      if (std::find(members.begin(), members.end(), s.serial) == members.end()) members.push_back(s.serial);
    }
    auto [it, inserted] = s.subscriptions.insert_or_assign(filter, std::move(e));
    ack.reason_codes.push_back(static_cast<std::uint8_t>(it->second.options.max_qos));
    // Retained messages for non-shared subscriptions, by Retain Handling (MQTT-3.3.1-9, -10,
    // -11; 3.1.1 always, MQTT-3.3.1-6 of 3.1.1).
    if (it->second.share_name.empty()) {
      std::uint8_t rh = v5 ? it->second.options.retain_handling : 0;
      if (rh == 2 && MQTT_PLANTED(*this, retain_handling_2_ignored)) rh = 0;
      const bool is_new = !exists || MQTT_PLANTED(*this, retain_handling_1_ignored);
      if (rh == 0 || (rh == 1 && is_new)) {
        enforce(v5 ? (rh == 0 ? statement_id("MQTT-3.3.1-9") : statement_id("MQTT-3.3.1-10"))
                   : statement_id("MQTT-3.3.1-6"));
        retained_for.push_back(&it->second);
      } else {
        enforce(rh == 1 ? statement_id("MQTT-3.3.1-10") : statement_id("MQTT-3.3.1-11"));
      }
    }
  }
  // A SUBACK with one code per filter, in order (MQTT-3.8.4-1, -6, MQTT-3.9.3-1).
  enforce("MQTT-3.8.4-1");
  send(c, ack);
  for (const subscription_entry* e : retained_for) send_retained(s, *e, now);
}

void broker::state::handle_unsubscribe(connection& c, const codec::unsubscribe& p, clock_ms) {
  session& s = *c.sess;
  codec::unsuback ack;
  ack.packet_id = p.packet_id;  // MQTT-3.10.4-5
  for (std::string_view f : p.filters) {
    // Exact, character-by-character comparison (MQTT-3.10.4-1).
    std::string filter(f);
    bool existed = s.subscriptions.contains(filter);
    if (existed) {
      enforce("MQTT-3.10.4-1");
      // Planted: acknowledged as removed, yet still matched.
      if (!MQTT_PLANTED(*this, deliver_after_unsubscribe)) remove_subscription(s, filter);
    }
    if (is_v5(c)) ack.reason_codes.push_back(existed ? codec::reason::success : codec::reason::no_subscription_existed);
  }
  // Stop adding messages for the removed filters (MQTT-3.10.4-2): queued ones not yet sent
  // that no remaining subscription matches are dropped; inflight ones complete (-3).
  enforce("MQTT-3.10.4-2");
  std::erase_if(s.queue, [&](const outgoing& o) {
    for (const auto& [filter, e] : s.subscriptions) {
      std::string_view tf = filter;
      if (!e.share_name.empty()) {
        if (auto shared = codec::parse_shared_filter(filter)) tf = shared->filter;
      }
      if (topic_matches(tf, o.msg->topic)) return false;
    }
    return true;
  });
  enforce("MQTT-3.10.4-4");
  if (MQTT_PLANTED(*this, unsuback_codes_reversed)) std::reverse(ack.reason_codes.begin(), ack.reason_codes.end());
  send(c, ack);
}

}  // namespace mqtt::broker
