// The checkers over a recorded history. Every rule errs on the side of silence where the
// history cannot tell what a correct broker would have done (a broker crash between a publish
// and its acknowledgement, a session that ended): a reported violation must be a real one.
#include "check/checkers.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>

#include "check/topic.hpp"
#include "mqtt/assert.hpp"

namespace harness::check {
namespace {

using mqtt::codec::protocol_version;
namespace spec = mqtt::spec;
constexpr sim_ms end_of_time = ~sim_ms{0};
// Timer races at a boundary (expiry, will delay) are not judged within this margin.
constexpr sim_ms boundary_margin_ms = 10;

}  // namespace

class checker {
 public:
  checker(const history& h, const run_facts& f) : h_(h), f_(f), nodes_(f.clients.size()) {}

  std::vector<violation> take_violations() { return std::move(out_); }

  // ---- indexing ----------------------------------------------------------------------------

  void index() {
    for (const record& r : h_.records()) {
      node_info* n = r.node < nodes_.size() ? &nodes_[r.node] : nullptr;
      switch (r.kind) {
        case record_kind::publish_invoked:
          if (n->messages.size() <= r.seq) n->messages.resize(r.seq + 1);
          n->messages[r.seq].invoked = &r;
          break;
        case record_kind::publish_acked:
          if (r.seq < n->messages.size()) n->messages[r.seq].acked = &r;
          break;
        case record_kind::delivered:
          n->deliveries.push_back(&r);
          break;
        case record_kind::subscribe_invoked:
        case record_kind::subscribe_acked:
        case record_kind::unsubscribe_invoked:
        case record_kind::unsubscribe_acked:
          n->sub_events.push_back(&r);
          break;
        case record_kind::connected:
          if (r.reason == 0) {
            n->connected.push_back(&r);
            n->last_state = &r;
          }
          break;
        case record_kind::connection_lost:
        case record_kind::disconnect_sent:
        case record_kind::client_crash:
          n->last_state = &r;
          break;
        case record_kind::connect_delivered:
          conns_[r.conn].node = r.node;
          conns_[r.conn].delivered_connect = &r;
          n->connect_deliveries.push_back(&r);
          break;
        case record_kind::broker_conn_end:
          conns_[r.conn].node = r.node;
          conns_[r.conn].end = &r;
          break;
        case record_kind::broker_crash:
          crashes_.push_back(r.at);
          break;
        case record_kind::heal:
          heal_ = &r;
          break;
        default:
          break;
      }
    }
    for (node_info& n : nodes_) {
      n.first_subscribe.assign(f_.topics.size(), end_of_time);
      for (const record* e : n.sub_events) {
        if (e->kind != record_kind::subscribe_invoked) continue;
        for (std::uint16_t t = 0; t < f_.topics.size(); ++t) {
          if (n.first_subscribe[t] == end_of_time && filter_matches(e->filter, t)) {
            n.first_subscribe[t] = e->at;
          }
        }
      }
    }
    // Where each node's broker-side session began: a clean start, or a Clean Start 0 CONNECT
    // the broker could not (or need not) resume. The client's Session Present is not enough:
    // a stale clean CONNECT from an abandoned connection can replace the session unseen.
    for (std::size_t p = 0; p < nodes_.size(); ++p) {
      node_info& n = nodes_[p];
      for (const record* cd : n.connect_deliveries) {
        std::optional<bool> held = session_must_exist(static_cast<node_id>(p), cd);
        if (cd->clean_start || held != true) n.session_starts.push_back(cd->at);
      }
      if (!n.session_starts.empty()) n.final_session_start = n.session_starts.back();
    }
    // The subscriptions everything published after `since` is owed to: persistent sessions,
    // filters held to the end with QoS >= 1, not cycled, not shared (a shared message is owed
    // to the group, see check_shared).
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      const client_facts& cf = client(static_cast<node_id>(n));
      if (!cf.persistent) continue;
      for (const subscription_facts& ss : cf.subscriptions) {
        if (ss.cycled || !ss.share_group.empty()) continue;
        auto held = held_to_end(static_cast<node_id>(n), ss.filter);
        if (held && held->second != 0) held_.push_back({static_cast<node_id>(n), ss.filter, held->first});
      }
    }
    for (std::size_t p = 0; p < nodes_.size(); ++p) {
      for (message_info& m : nodes_[p].messages) {
        if (!m.invoked) continue;
        sim_ms until = m.acked ? m.acked->at : end_of_time;
        m.exactly_once_exempt = (!f_.broker_keeps_state && crash_between(m.invoked->at, until)) ||
                                session_start_between(nodes_[p], m.invoked->at, until);
      }
    }
  }

  // ---- the rules, as rules() lists them ----------------------------------------------------

  // The simulator stopped the run at its event budget: the history is incomplete.
  void check_event_budget() {
    if (!f_.event_budget_exhausted) return;
    report(rule_id::event_budget, no_node,
           "the run needed more than its event budget (" + std::to_string(f_.events_max) +
               " events)",
           {});
  }

  void check_client_reports() {
    for (const record& r : h_.records()) {
      if (r.kind == record_kind::protocol_violation) {
        report(rule_id::client_detected, r.node,
               name(r.node) + ": the client core caught the broker breaking a rule: " + r.text,
               {&r});
      }
    }
  }

  // Nothing invented; QoS 0 and QoS 2 never duplicated (QoS 1 may be).
  void check_deliveries() {
    for (std::size_t s = 0; s < nodes_.size(); ++s) {
      std::unordered_map<std::uint64_t, const record*> seen;
      for (const record* d : nodes_[s].deliveries) {
        if (is_will_topic(d->topic)) continue;  // checked with the wills
        const message_info* m = message(d->publisher, d->seq);
        if (!m || m->invoked->topic != d->topic) {
          report(rule_id::invented, d->node,
                 name(d->node) + " received a message nobody published on " + topic(d->topic),
                 {d});
          continue;
        }
        if (!subscribed_ever(static_cast<node_id>(s), d->topic, d->at)) {
          report(rule_id::unsubscribed_delivery, d->node,
                 name(d->node) + " received " + msg_name(d->publisher, d->seq) + " on " +
                     topic(d->topic) + " without ever subscribing to a matching filter",
                 {m->invoked, d});
        }
        if (d->retain) continue;  // a retained copy on a new subscription is not a duplicate
        auto [it, fresh] = seen.emplace(key_of(d->publisher, d->seq), d);
        if (fresh) continue;
        const std::uint8_t published_qos = m->invoked->qos;
        if (published_qos == 0) {
          report(rule_id::qos0_duplicate, d->node,
                 name(d->node) + " received QoS 0 message " + msg_name(d->publisher, d->seq) +
                     " twice",
                 {m->invoked, it->second, d});
        } else if (published_qos == 2 && d->qos == 2 && it->second->qos == 2 &&
                   !m->exactly_once_exempt) {
          report(rule_id::qos2_duplicate, d->node,
                 name(d->node) + " received QoS 2 message " + msg_name(d->publisher, d->seq) +
                     " twice (exactly once broken)",
                 {m->invoked, m->acked, it->second, d});
        }
      }
    }
  }

  // §4.6: per subscriber, publisher, topic and QoS, first deliveries in the order the broker
  // received the messages. The history knows that order for sure only where the publisher
  // cannot have sent a message again after a later one: QoS 0 is never re-sent, and a QoS 1/2
  // message acknowledged before the next was published was received before it (a re-sent
  // QoS 1 message, or a QoS 2 one re-sent after the publisher lost its session, is a new
  // publication the broker may forward after later ones).
  void check_order() {
    for (std::size_t s = 0; s < nodes_.size(); ++s) {
      // Per key, the delivered message published last so far.
      std::map<std::tuple<node_id, std::uint16_t, std::uint8_t>, const record*> latest;
      std::unordered_map<std::uint64_t, bool> seen;
      for (const record* d : nodes_[s].deliveries) {
        if (d->retain || is_will_topic(d->topic)) continue;
        // MQTT-4.6.0-6 (5.0): the order rule is for non-shared subscriptions.
        if (via_shared(static_cast<node_id>(s), d->topic)) continue;
        const message_info* m = message(d->publisher, d->seq);
        if (!m || !seen.emplace(key_of(d->publisher, d->seq), true).second) continue;
        auto key = std::tuple{d->publisher, d->topic, m->invoked->qos};
        auto [it, fresh] = latest.emplace(key, d);
        if (fresh) continue;
        const message_info* later = message(it->second->publisher, it->second->seq);
        if (d->seq > it->second->seq) {
          it->second = d;
          continue;
        }
        // Acknowledged before the later one was published: first in the history, which orders
        // records of one millisecond as they happened (one vector: a lower address is earlier).
        const bool received_first =
            m->invoked->qos == 0 || (m->acked && m->acked < later->invoked);
        if (!received_first) continue;
        report(rule_id::order, d->node,
               name(d->node) + " received " + msg_name(d->publisher, d->seq) + " after " +
                   msg_name(d->publisher, it->second->seq) + " on " + topic(d->topic) +
                   " (QoS " + std::to_string(m->invoked->qos) +
                   "), though the broker had it first",
               {m->invoked, m->acked, later->invoked, it->second, d});
      }
    }
  }

  // QoS 1 and 2: every acknowledged message reaches every persistent subscriber whose session
  // (and subscription) held from before the publish to the end.
  void check_owed_messages() {
    for (const held_subscription& h : held_) check_owed_to(h.node, h.filter, h.since);
  }

  // MQTT-3.10.4-2: no message published after the UNSUBACK is delivered for that filter.
  void check_unsubscribe() {
    for (std::size_t s = 0; s < nodes_.size(); ++s) {
      const node_info& n = nodes_[s];
      // UNSUBACKs by request serial; the latest request per filter as the walk goes on.
      std::unordered_map<std::uint32_t, const record*> unsubacks;
      bool any_unsubscribe = false;
      for (const record* e : n.sub_events) {
        if (e->kind == record_kind::unsubscribe_acked) unsubacks[e->seq] = e;
        any_unsubscribe = any_unsubscribe || e->kind == record_kind::unsubscribe_invoked;
      }
      if (!any_unsubscribe) continue;
      std::vector<const record*> latest(f_.filters.size(), nullptr);
      std::size_t next_event = 0;
      for (const record* d : n.deliveries) {
        while (next_event < n.sub_events.size() && n.sub_events[next_event]->at <= d->at) {
          const record* e = n.sub_events[next_event++];
          if (e->kind == record_kind::subscribe_invoked ||
              e->kind == record_kind::unsubscribe_invoked) {
            latest[e->filter] = e;
          }
        }
        if (d->retain || is_will_topic(d->topic)) continue;
        const message_info* m = message(d->publisher, d->seq);
        if (!m) continue;
        // The last request on a matching filter sent before the delivery decides, unless
        // another matching filter is still subscribed: an UNSUBSCRIBE removes only the filter
        // it names (MQTT-3.10.4-1), and the message may have come through the other.
        const record* last_request = nullptr;
        bool held_elsewhere = false;
        for (std::uint16_t f = 0; f < latest.size(); ++f) {
          const record* e = latest[f];
          if (!e || !filter_matches(f, d->topic)) continue;
          held_elsewhere = held_elsewhere || e->kind == record_kind::subscribe_invoked;
          // Records live in one vector in history order: a later address is a later record.
          if (!last_request || e > last_request) last_request = e;
        }
        if (held_elsewhere || !last_request || last_request->kind != record_kind::unsubscribe_invoked) {
          continue;
        }
        auto ack = unsubacks.find(last_request->seq);
        if (ack == unsubacks.end() || ack->second->at > d->at) continue;
        if (m->invoked->at <= ack->second->at) continue;
        report(rule_id::delivered_after_unsubscribe, d->node,
               name(d->node) + " received " + msg_name(d->publisher, d->seq) + " on " +
                   topic(d->topic) + ", published after its UNSUBSCRIBE of " +
                   f_.filters[ack->second->filter] + " was acknowledged",
               {last_request, ack->second, m->invoked, d});
      }
    }
  }

  // A new subscription gets the retained message (MQTT-3.3.1-6 / 5.0 MQTT-3.3.1-9): for a
  // persistent subscriber whose session held and who kept the subscription, a SUBSCRIBE sent
  // after a retained message was acknowledged brings that message or a newer one with RETAIN
  // set.
  void check_retained() {
    for (std::size_t s = 0; s < nodes_.size(); ++s) {
      const node_id sn = static_cast<node_id>(s);
      if (!client(sn).persistent) continue;
      for (const record* e : nodes_[s].sub_events) {
        if (e->kind != record_kind::subscribe_invoked || e->at < nodes_[s].final_session_start) {
          continue;
        }
        if (!acked_after(sn, e) || unsubscribed_after(sn, e)) continue;
        // A shared subscription is sent no retained messages (5.0 §4.8.2).
        if (shared_filter(sn, e->filter)) continue;
        for (std::uint16_t t = 0; t < f_.topics.size(); ++t) {
          if (!filter_matches(e->filter, t)) continue;
          check_retained_topic(sn, e, t);
        }
      }
    }
  }

  // The will: published if and only if the connection ended without a normal DISCONNECT
  // (MQTT-3.1.2-8, MQTT-3.1.2-10), after the Will Delay Interval unless a connection resuming
  // the session came first (5.0 MQTT-3.1.3-9; a clean start ends the session, which publishes
  // it); never for a connection the broker lost in a crash. First the wills that arrived.
  void check_will_publications() {
    for (std::size_t s = 0; s < nodes_.size(); ++s) {
      for (const record* d : nodes_[s].deliveries) {
        if (!is_will_topic(d->topic)) continue;
        auto it = conns_.find(d->conn);
        const will_facts* will = it != conns_.end() ? will_of(d->conn, it->second) : nullptr;
        bool known = will && d->topic == will->topic;
        if (!known) {
          report(rule_id::will_invented, d->node,
                 name(d->node) + " received a will on " + topic(d->topic) +
                     " that no connection carried",
                 {d});
          continue;
        }
        const conn_info& c = it->second;
        if (expected_will(c) != will_fate::not_published) continue;
        std::string why = !c.end ? "whose connection had not ended"
                          : c.end->graceful ? "after a normal DISCONNECT"
                          : c.end->crash   ? "lost with the broker's crash"
                                           : "whose Will Delay had not passed before the client came back";
        report(c.end && c.end->graceful ? rule_id::will_after_disconnect : rule_id::will_unexpected,
               c.node,
               name(d->node) + " received the will of " + name(c.node) + "'s connection " +
                   std::to_string(d->conn) + ", " + why,
               {c.delivered_connect, c.end, d});
      }
    }
  }

  // Then the wills that did not: owed to persistent watchers subscribed (QoS >= 1) before the
  // connection ended.
  void check_missing_wills() {
    std::map<std::pair<node_id, std::uint64_t>, bool> delivered;  // (watcher, conn)
    for (std::size_t s = 0; s < nodes_.size(); ++s) {
      for (const record* d : nodes_[s].deliveries) {
        if (is_will_topic(d->topic)) delivered[{static_cast<node_id>(s), d->conn}] = true;
      }
    }
    for (const auto& [id, c] : conns_) {
      const will_facts* will = will_of(id, c);
      if (!will || will->qos == 0) continue;
      if (expected_will(c) != will_fate::published) continue;
      const std::uint16_t t = will->topic;
      for (const held_subscription& h : held_) {
        if (!filter_matches(h.filter, t) || h.since >= c.end->at) continue;
        if (delivered.count({h.node, id})) continue;
        report(rule_id::will_missing, c.node,
               name(h.node) + " never got the will of " + name(c.node) + "'s connection " +
                   std::to_string(id) + ", which ended without a normal DISCONNECT",
               {c.delivered_connect, c.end});
      }
    }
  }

  // Session Present (3.1.1 MQTT-3.2.2-1..3, 5.0 MQTT-3.2.2-2, -3): 0 after a clean start; 1
  // when the broker holds the session (an earlier connection with no crash or expiry since).
  void check_session_present() {
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      const node_id nid = static_cast<node_id>(n);
      for (const record* c : nodes_[n].connected) {
        auto it = conns_.find(c->conn);
        if (it == conns_.end() || !it->second.delivered_connect) continue;
        const record* cd = it->second.delivered_connect;
        if (cd->clean_start) {
          if (c->session_present) {
            report_citing(rule_id::session_present, pick(nid, {"MQTT-3.2.2-1"}, {"MQTT-3.2.2-2"}).text(),
                          name(nid) + " got Session Present 1 in answer to a clean start",
                          {cd, c});
          }
          continue;
        }
        std::optional<bool> must = session_must_exist(nid, cd);
        if (must && *must != c->session_present) {
          report_citing(rule_id::session_present,
                        pick(nid, {"MQTT-3.2.2-2", "MQTT-3.2.2-3"}, {"MQTT-3.2.2-3"}).text(),
                        name(nid) + " got Session Present " + (c->session_present ? "1" : "0") +
                            " but the broker " + (*must ? "held" : "could not hold") +
                            " its session",
                        {previous_connect(nid, cd), cd, c});
        }
      }
    }
  }

  // Shared subscriptions (5.0 §4.8.2): a message goes to one member of the group only, and
  // an acknowledged QoS 1/2 message reaches one member when every member's session held the
  // subscription from before the publish to the end (MQTT-4.8.2-4).
  void check_shared() {
    std::map<std::pair<std::string, std::uint16_t>, std::vector<node_id>> groups;
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      for (const subscription_facts& ss : client(static_cast<node_id>(n)).subscriptions) {
        if (!ss.share_group.empty()) {
          groups[{ss.share_group, ss.filter}].push_back(static_cast<node_id>(n));
        }
      }
    }
    for (const auto& [group, members] : groups) {
      std::unordered_map<std::uint64_t, const record*> first;  // message -> delivery
      for (node_id n : members) {
        for (const record* d : nodes_[n].deliveries) {
          if (d->retain || !filter_matches(group.second, d->topic)) continue;
          const message_info* m = message(d->publisher, d->seq);
          if (!m) continue;
          auto [it, fresh] = first.emplace(key_of(d->publisher, d->seq), d);
          if (fresh || it->second->node == d->node) continue;
          const std::uint8_t qos = m->invoked->qos;
          if (qos == 0 || (qos == 2 && !m->exactly_once_exempt)) {
            report(rule_id::shared_duplicate, d->node,
                   msg_name(d->publisher, d->seq) + " (QoS " + std::to_string(qos) +
                       ") went to two members of $share/" + group.first + "/" +
                       f_.filters[group.second] + ": " + name(it->second->node) + " and " +
                       name(d->node),
                   {m->invoked, it->second, d});
          }
        }
      }
      sim_ms held_since = 0;
      bool all_held = true;
      for (node_id n : members) {
        auto held = held_to_end(n, group.second);
        if (!client(n).persistent || !held || held->second == 0) all_held = false;
        if (held) held_since = std::max(held_since, held->first);
      }
      if (!all_held) continue;
      for (std::size_t p = 0; p < nodes_.size(); ++p) {
        for (const message_info& m : nodes_[p].messages) {
          if (!m.invoked || !m.acked || m.acked->reason >= 0x80 || m.invoked->qos == 0) continue;
          if (m.invoked->at <= held_since || !filter_matches(group.second, m.invoked->topic)) continue;
          if (first.count(key_of(static_cast<node_id>(p), m.invoked->seq))) continue;
          report(rule_id::shared_lost, members.front(),
                 "no member of $share/" + group.first + "/" + f_.filters[group.second] + " got " +
                     msg_name(static_cast<node_id>(p), m.invoked->seq) + " (QoS " +
                     std::to_string(m.invoked->qos) + "), acknowledged to its publisher",
                 {m.invoked, m.acked});
        }
      }
    }
  }

  // A raw peer that sent what the broker must refuse sees its connection closed by the broker.
  void check_raw_peers() {
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      const client_facts& cf = client(static_cast<node_id>(n));
      if (!cf.raw_peer || cf.raw_must_close.empty()) continue;
      bool connected = false;
      bool closed = false;
      bool crashed = false;  // the broker died first: nothing to judge
      for (const auto& [id, c] : conns_) {
        if (c.node != n) continue;
        if (c.delivered_connect) connected = true;
        if (c.end) (c.end->crash ? crashed : closed) = true;
      }
      if (connected && !closed && !crashed) {
        report(rule_id::raw_not_closed, static_cast<node_id>(n),
               cf.name + ": the broker kept the connection of a peer that sent a malformed packet",
               {heal_});
      }
    }
  }

  // After heal and drain every client is connected again.
  void check_liveness() {
    if (!heal_) return;
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      if (client(static_cast<node_id>(n)).raw_peer) continue;
      const record* last = nodes_[n].last_state;
      if (last && last->kind == record_kind::connected) continue;
      report(rule_id::not_reconnected, static_cast<node_id>(n),
             name(static_cast<node_id>(n)) + " was not connected at the end of the drain phase",
             {heal_, last});
    }
  }

 private:
  struct message_info {
    const record* invoked = nullptr;
    const record* acked = nullptr;
    bool exactly_once_exempt = false;  // a broker crash or a lost publisher session in its flow
  };

  struct conn_info {
    node_id node = no_node;
    const record* delivered_connect = nullptr;  // connect_delivered
    const record* end = nullptr;                // broker_conn_end
  };

  struct node_info {
    std::vector<message_info> messages;         // by seq
    std::vector<const record*> connected;       // successful CONNACKs
    std::vector<const record*> deliveries;
    std::vector<const record*> sub_events;      // subscribe/unsubscribe invoked and acked
    std::vector<const record*> connect_deliveries;
    std::vector<sim_ms> session_starts;         // broker-side, see index()
    sim_ms final_session_start = end_of_time;
    std::vector<sim_ms> first_subscribe;        // by topic: first SUBSCRIBE of a matching filter
    const record* last_state = nullptr;         // last connected / lost / crash / disconnect
  };

  struct held_subscription {
    node_id node;
    std::uint16_t filter;
    sim_ms since;  // the SUBACK in the node's final session
  };

  bool crash_between(sim_ms from, sim_ms to) const {
    return std::any_of(crashes_.begin(), crashes_.end(),
                       [&](sim_ms c) { return c >= from && c <= to; });
  }
  static bool session_start_between(const node_info& n, sim_ms from, sim_ms to) {
    return std::any_of(n.session_starts.begin(), n.session_starts.end(),
                       [&](sim_ms t) { return t > from && t <= to; });
  }

  // ---- helpers -----------------------------------------------------------------------------

  const client_facts& client(node_id n) const { return f_.clients[n]; }
  bool v5(node_id n) const { return client(n).version == protocol_version::v5; }
  const statement_list& pick(node_id n, const statement_list& v311, const statement_list& v50) const {
    return v5(n) ? v50 : v311;
  }
  std::string name(node_id n) const { return n < f_.clients.size() ? client(n).name : "?"; }
  std::string topic(std::uint16_t t) const { return t < f_.topics.size() ? f_.topics[t] : "?"; }
  std::string msg_name(node_id pub, std::uint32_t seq) const {
    return "m" + std::to_string(pub) + "." + std::to_string(seq);
  }
  static std::uint64_t key_of(node_id publisher, std::uint32_t seq) {
    return std::uint64_t{publisher} << 32 | seq;
  }
  const message_info* message(node_id pub, std::uint32_t seq) const {
    if (pub >= nodes_.size() || seq >= nodes_[pub].messages.size()) return nullptr;
    const message_info& m = nodes_[pub].messages[seq];
    return m.invoked ? &m : nullptr;
  }
  bool is_will_topic(std::uint16_t t) const {
    if (t >= f_.topics.size()) return false;
    if (std::find(f_.will_topics.begin(), f_.will_topics.end(), t) != f_.will_topics.end()) return true;
    return !f_.will_topic_prefix.empty() && f_.topics[t].rfind(f_.will_topic_prefix, 0) == 0;
  }
  // The will a connection carried: its own facts where the producer gave them, else its client's.
  const will_facts* will_of(std::uint64_t conn, const conn_info& c) const {
    auto it = f_.connections.find(conn);
    if (it != f_.connections.end()) return it->second.will ? &*it->second.will : nullptr;
    if (c.node >= nodes_.size() || !client(c.node).will) return nullptr;
    return &*client(c.node).will;
  }
  bool filter_matches(std::uint16_t f, std::uint16_t t) const {
    return f < f_.filters.size() && t < f_.topics.size() &&
           topic_matches(f_.filters[f], f_.topics[t]);
  }
  // Whether a delivery on `t` to `n` may have come through a shared subscription.
  bool via_shared(node_id n, std::uint16_t t) const {
    for (const subscription_facts& s : client(n).subscriptions) {
      if (!s.share_group.empty() && filter_matches(s.filter, t)) return true;
    }
    return false;
  }
  bool shared_filter(node_id n, std::uint16_t f) const {
    for (const subscription_facts& s : client(n).subscriptions) {
      if (s.filter == f && !s.share_group.empty()) return true;
    }
    return false;
  }
  bool subscribed_ever(node_id n, std::uint16_t t, sim_ms before) const {
    const std::vector<sim_ms>& first = nodes_[n].first_subscribe;
    return t < first.size() && first[t] <= before;
  }

  // The statement a violation of `id` cites when the protocol version of `whose` decides.
  std::string statement(rule_id id, node_id whose) const {
    const rule_info& r = info(id);
    switch (r.cites) {
      case citation::table:
        if (r.statement_v311.empty() || (whose < f_.clients.size() && v5(whose))) {
          return r.statement_v5.text();
        }
        return r.statement_v311.text();
      case citation::raw_peer:
        return whose < f_.clients.size() ? std::string(client(whose).raw_must_close.text()) : std::string();
      case citation::client_report:
        return "see message";
      case citation::liveness:
        return "liveness";
    }
    return {};
  }

  void report(rule_id id, node_id whose, std::string message,
              std::initializer_list<const record*> evidence) {
    report_citing(id, statement(id, whose), std::move(message), evidence);
  }

  void report_citing(rule_id id, std::string statement, std::string message,
                     std::initializer_list<const record*> evidence) {
    violation v{std::string(info(id).name), std::move(statement), std::move(message), {}};
    for (const record* r : evidence) {
      if (r) v.evidence.push_back(format_record(*r, f_));
    }
    out_.push_back(std::move(v));
  }

  // When the node's final session got `f` (the SUBACK of a SUBSCRIBE sent after that session
  // began, so processed in it) and the granted QoS, if the filter was held from then to the
  // end; nullopt otherwise.
  std::optional<std::pair<sim_ms, std::uint8_t>> held_to_end(node_id n, std::uint16_t f) const {
    const node_info& ni = nodes_[n];
    std::vector<std::uint32_t> sent;  // SUBSCRIBEs sent in the final session since any UNSUBSCRIBE
    std::optional<std::pair<sim_ms, std::uint8_t>> held;
    for (const record* e : ni.sub_events) {
      if (e->filter != f) continue;
      if (e->kind == record_kind::unsubscribe_invoked) {
        sent.clear();
        held.reset();
      } else if (e->kind == record_kind::subscribe_invoked && e->at >= ni.final_session_start) {
        sent.push_back(e->seq);
      } else if (e->kind == record_kind::subscribe_acked && !held && e->reason < 0x80 &&
                 std::find(sent.begin(), sent.end(), e->seq) != sent.end()) {
        held = std::pair{e->at, e->reason};
      }
    }
    return held;
  }

  void check_owed_to(node_id s, std::uint16_t f, sim_ms subscribed_at) {
    std::unordered_map<std::uint64_t, bool> got;
    for (const record* d : nodes_[s].deliveries) got[key_of(d->publisher, d->seq)] = true;
    for (std::size_t p = 0; p < nodes_.size(); ++p) {
      for (const message_info& m : nodes_[p].messages) {
        if (!m.invoked || !m.acked || m.acked->reason >= 0x80 || m.invoked->qos == 0) continue;
        if (m.invoked->at <= subscribed_at || !filter_matches(f, m.invoked->topic)) continue;
        if (got.count(key_of(static_cast<node_id>(p), m.invoked->seq))) continue;
        report(m.invoked->qos == 1 ? rule_id::qos1_lost : rule_id::qos2_lost, s,
               name(s) + " (persistent session, subscribed to " + f_.filters[f] + ") never got " +
                   msg_name(static_cast<node_id>(p), m.invoked->seq) + " (QoS " +
                   std::to_string(m.invoked->qos) + " on " + topic(m.invoked->topic) +
                   "), acknowledged to its publisher",
               {m.invoked, m.acked});
      }
    }
  }

  // An UNSUBSCRIBE lets the broker drop what it queued for the filter and had not started to
  // send (MQTT-3.10.4-3), retained messages included.
  bool unsubscribed_after(node_id s, const record* invoked) const {
    for (const record* e : nodes_[s].sub_events) {
      if (e->kind == record_kind::unsubscribe_invoked && e->filter == invoked->filter &&
          e->at >= invoked->at) {
        return true;
      }
    }
    return false;
  }

  bool acked_after(node_id s, const record* invoked) const {
    for (const record* e : nodes_[s].sub_events) {
      if (e->kind == record_kind::subscribe_acked && e->seq == invoked->seq) {
        return e->reason < 0x80;
      }
    }
    return false;
  }

  void check_retained_topic(node_id s, const record* subscribe, std::uint16_t t) {
    // The newest retained message on t acknowledged before the SUBSCRIBE, with no broker
    // crash since (the reference broker keeps nothing across a restart).
    const message_info* newest = nullptr;
    std::size_t retained_publishers = 0;
    for (std::size_t p = 0; p < nodes_.size(); ++p) {
      bool any = false;
      for (const message_info& m : nodes_[p].messages) {
        if (!m.invoked || !m.invoked->retain || m.invoked->topic != t) continue;
        any = true;
        if (!m.acked || m.acked->reason >= 0x80 || m.acked->at >= subscribe->at) continue;
        if (!newest || m.acked->at > newest->acked->at) newest = &m;
      }
      retained_publishers += any ? 1 : 0;
    }
    if (!newest || retained_publishers != 1) return;
    // A QoS 2 message completes locally when a new session starts after its PUBREC, so its
    // acknowledgement can come after a crash that lost it: any crash since the publish counts.
    if (!f_.broker_keeps_state && crash_between(newest->invoked->at, end_of_time)) return;
    // The broker holds the last retained PUBLISH it received: `newest` or a later one, or an
    // older one received again after it (a QoS 1 message re-sent after a reconnect is a new
    // publication), which shows as an acknowledgement after `newest` was published.
    for (const record* d : nodes_[s].deliveries) {
      if (d->at < subscribe->at || !d->retain || d->topic != t ||
          d->publisher != newest->invoked->node) {
        continue;
      }
      if (d->seq >= newest->invoked->seq) return;
      const message_info* m = message(d->publisher, d->seq);
      if (m && (!m->acked || m->acked->at > newest->invoked->at)) return;
    }
    report(rule_id::retained_missing, s,
           name(s) + " subscribed to " + f_.filters[subscribe->filter] + " after retained " +
               msg_name(newest->invoked->node, newest->invoked->seq) + " on " + topic(t) +
               " was acknowledged, but got no retained message for " + topic(t),
           {newest->invoked, newest->acked, subscribe});
  }

  enum class will_fate { published, not_published, undecided };

  will_fate expected_will(const conn_info& c) const {
    if (!c.delivered_connect || !c.end) return will_fate::not_published;
    if (c.end->graceful) return will_fate::not_published;
    // A broker that keeps its state may publish, after its restart, the will of a connection
    // its crash ended, or not: the standard names no crash among a will's causes.
    if (c.end->crash) return f_.broker_keeps_state ? will_fate::undecided : will_fate::not_published;
    const will_facts* will = will_of(c.delivered_connect->conn, c);
    const std::uint32_t delay_s = will ? will->delay_s : 0;
    const sim_ms due = c.end->at + sim_ms{delay_s} * 1000;
    sim_ms publish_at = due;
    if (delay_s != 0) {
      const auto& deliveries = nodes_[c.node].connect_deliveries;
      auto after = std::find(deliveries.begin(), deliveries.end(), c.delivered_connect);
      if (after != deliveries.end()) ++after;
      // The CONNECTs that came after this connection's, in the history's order (one in the
      // same millisecond but before it is not a comeback). One that came while the old
      // connection was still open took it over (on a real broker the old connection ends a
      // moment after the new CONNECT arrived): it resumes the session as much as one after
      // the end does.
      for (auto it = after; it != deliveries.end(); ++it) {
        const record* cd = *it;
        if (cd->at > due + boundary_margin_ms) break;
        if (cd->clean_start) {  // the session ends now, and with it the wait
          publish_at = std::min(cd->at, due);
          break;
        }
        if (cd->at + boundary_margin_ms < due) return will_fate::not_published;
        return will_fate::undecided;
      }
    }
    // A broker crash before the will went out loses it (nothing survives a restart).
    for (sim_ms crash : crashes_) {
      if (crash >= c.end->at && crash < publish_at) {
        return f_.broker_keeps_state ? will_fate::undecided : will_fate::not_published;
      }
      if (crash == publish_at) return will_fate::undecided;
    }
    return will_fate::published;
  }

  const record* previous_connect(node_id n, const record* cd) const {
    const record* prev = nullptr;
    for (const record* r : nodes_[n].connect_deliveries) {
      if (r == cd) break;
      prev = r;
    }
    return prev;
  }

  // Whether the broker must hold the session of `n` when `cd` (a Clean Start 0 CONNECT)
  // arrives; nullopt when a timer race makes either answer right.
  std::optional<bool> session_must_exist(node_id n, const record* cd) const {
    const record* prev = previous_connect(n, cd);
    if (!f_.broker_keeps_state && prev && crash_between(prev->at, cd->at)) return false;
    // The producer's own answer for this connection comes first.
    if (auto own = f_.connections.find(cd->conn); own != f_.connections.end()) {
      using state = connection_facts::session_state;
      switch (own->second.session_at_connect) {
        case state::held: return true;
        case state::not_held: return false;
        case state::undecided: return std::nullopt;
        case state::from_client_facts: break;
      }
    }
    if (!prev) return false;
    // 3.1.1 sessions of Clean Session 0 never expire here; 5.0 ones after the interval.
    const client_facts& cf = client(n);
    auto it = conns_.find(prev->conn);
    if (!v5(n) || it == conns_.end() || !it->second.end || it->second.end->at > cd->at) return true;
    if (cf.session_expiry_s == 0xFFFF'FFFF) return true;
    // A broker that keeps its state cannot know when its crash ended the connection: its
    // expiry counts from some moment between its last write and its restart.
    if (f_.broker_keeps_state && crash_between(prev->at, cd->at)) return std::nullopt;
    sim_ms expires = it->second.end->at + sim_ms{cf.session_expiry_s} * 1000;
    if (cd->at + boundary_margin_ms < expires) return true;
    if (cd->at > expires + boundary_margin_ms) return false;
    return std::nullopt;
  }

  const history& h_;
  const run_facts& f_;
  std::vector<node_info> nodes_;
  std::unordered_map<std::uint64_t, conn_info> conns_;
  std::vector<held_subscription> held_;
  std::vector<sim_ms> crashes_;
  const record* heal_ = nullptr;
  std::vector<violation> out_;
};

namespace {

// The rule table. Statements without a numbered ID are cited by section ("§x.y"); an empty
// 3.1.1 column marks a 5.0-only rule.
constexpr std::array<rule_info, static_cast<std::size_t>(rule_id::count_)> table{{
    {rule_id::event_budget, "event-budget", {}, {},
     "a run finishes within its event budget", &checker::check_event_budget, citation::liveness},
    {rule_id::client_detected, "client-detected", {}, {},
     "the client core caught the broker breaking a rule", &checker::check_client_reports,
     citation::client_report},
    {rule_id::invented, "invented", {"MQTT-4.5.0-1"}, {"MQTT-4.5.0-1"},
     "every delivery is a message some client published, on its topic", &checker::check_deliveries},
    {rule_id::unsubscribed_delivery, "unsubscribed-delivery", {"MQTT-4.5.0-1"}, {"MQTT-4.5.0-1"},
     "deliveries only on filters the client subscribed to", &checker::check_deliveries},
    {rule_id::qos0_duplicate, "qos0-duplicate", {spec::section("§4.3.1")}, {spec::section("§4.3.1")},
     "a QoS 0 message is delivered at most once", &checker::check_deliveries},
    // 3.1.1 MQTT-4.3.3-1 (the sender: no PUBLISH again once PUBREL is sent) and -2 (the
    // receiver: no duplicate to onward recipients) are 5.0's MQTT-4.3.3-6 and -10; 5.0's
    // MQTT-4.3.3-1 and -2 are about packet identifiers and the DUP flag.
    {rule_id::qos2_duplicate, "qos2-duplicate", {"MQTT-4.3.3-1", "MQTT-4.3.3-2"},
     {"MQTT-4.3.3-6", "MQTT-4.3.3-10"}, "a QoS 2 message is delivered exactly once",
     &checker::check_deliveries},
    {rule_id::order, "order", {"MQTT-4.6.0-6"}, {"MQTT-4.6.0-5"},
     "per publisher, topic and QoS, messages arrive in publish order", &checker::check_order},
    {rule_id::qos1_lost, "qos1-lost", {"MQTT-4.5.0-1", "MQTT-3.1.2-4"}, {"MQTT-4.5.0-1", "MQTT-3.1.2-23"},
     "an acknowledged QoS 1 message reaches every persistent subscriber",
     &checker::check_owed_messages},
    {rule_id::qos2_lost, "qos2-lost", {"MQTT-4.5.0-1", "MQTT-3.1.2-4"}, {"MQTT-4.5.0-1", "MQTT-3.1.2-23"},
     "an acknowledged QoS 2 message reaches every persistent subscriber",
     &checker::check_owed_messages},
    {rule_id::delivered_after_unsubscribe, "delivered-after-unsubscribe", {"MQTT-3.10.4-2"},
     {"MQTT-3.10.4-2"}, "nothing published after the UNSUBACK is delivered",
     &checker::check_unsubscribe},
    {rule_id::retained_missing, "retained-missing", {"MQTT-3.3.1-6", "MQTT-3.3.1-9"}, {"MQTT-3.3.1-9"},
     "a new subscription gets the retained message, with RETAIN set", &checker::check_retained},
    {rule_id::will_invented, "will-invented", {"MQTT-3.1.2-8"}, {"MQTT-3.1.2-8"},
     "no will that no connection carried", &checker::check_will_publications},
    {rule_id::will_after_disconnect, "will-after-disconnect", {"MQTT-3.1.2-8", "MQTT-3.1.2-10"},
     {"MQTT-3.1.2-8", "MQTT-3.1.2-10", "MQTT-3.1.3-9"}, "no will after a normal DISCONNECT",
     &checker::check_will_publications},
    {rule_id::will_unexpected, "will-unexpected", {"MQTT-3.1.2-8", "MQTT-3.1.2-10"},
     {"MQTT-3.1.2-8", "MQTT-3.1.2-10", "MQTT-3.1.3-9"},
     "no will for a live connection, a crash-lost one or one resumed within the Will Delay",
     &checker::check_will_publications},
    {rule_id::will_missing, "will-missing", {"MQTT-3.1.2-8", "MQTT-3.1.2-24"},
     {"MQTT-3.1.2-8", "MQTT-3.1.2-22"},
     "a will for every connection that ended without DISCONNECT (keep-alive timeout included)",
     &checker::check_missing_wills},
    {rule_id::session_present, "session-present", {"MQTT-3.2.2-1", "MQTT-3.2.2-2", "MQTT-3.2.2-3"},
     {"MQTT-3.2.2-2", "MQTT-3.2.2-3"},
     "Session Present 0 after a clean start or a lost session, 1 when the session was held",
     &checker::check_session_present},
    {rule_id::shared_duplicate, "shared-duplicate", {}, {spec::section("§4.8.2"), "MQTT-4.8.2-5"},
     "a QoS 0 or 2 message goes to one member of a shared subscription only",
     &checker::check_shared},
    {rule_id::shared_lost, "shared-lost", {}, {"MQTT-4.8.2-4"},
     "an acknowledged QoS 1/2 message reaches a member of a shared subscription whose members' "
     "sessions held",
     &checker::check_shared},
    {rule_id::raw_not_closed, "raw-not-closed", {}, {},
     "the broker closes the connection of a raw peer that sends a malformed packet",
     &checker::check_raw_peers, citation::raw_peer},
    {rule_id::not_reconnected, "not-reconnected", {}, {},
     "every client is connected again after heal and drain", &checker::check_liveness,
     citation::liveness},
}};

constexpr bool table_in_order() {
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (static_cast<std::size_t>(table[i].id) != i) return false;
  }
  return true;
}
static_assert(table_in_order(), "the rule table must list rules in rule_id order");

// check_history runs each function once, for the first of its rules: rules that share one
// must be neighbours.
constexpr bool shared_checks_adjacent() {
  for (std::size_t i = 0; i < table.size(); ++i) {
    for (std::size_t j = i + 2; j < table.size(); ++j) {
      if (table[j].check == table[i].check && table[j - 1].check != table[i].check) return false;
    }
  }
  return true;
}
static_assert(shared_checks_adjacent(), "rules checked by one function must be adjacent");

const char* kind_name(record_kind k) {
  switch (k) {
    case record_kind::publish_invoked: return "publish";
    case record_kind::publish_acked: return "publish-acked";
    case record_kind::delivered: return "delivered";
    case record_kind::subscribe_invoked: return "subscribe";
    case record_kind::subscribe_acked: return "suback";
    case record_kind::unsubscribe_invoked: return "unsubscribe";
    case record_kind::unsubscribe_acked: return "unsuback";
    case record_kind::connect_started: return "tcp-connect";
    case record_kind::connected: return "connack";
    case record_kind::connection_lost: return "connection-lost";
    case record_kind::disconnect_sent: return "disconnect-sent";
    case record_kind::connect_delivered: return "broker-got-connect";
    case record_kind::broker_conn_end: return "broker-conn-end";
    case record_kind::broker_crash: return "broker-crash";
    case record_kind::broker_restart: return "broker-restart";
    case record_kind::client_crash: return "client-crash";
    case record_kind::client_restart: return "client-restart";
    case record_kind::protocol_violation: return "protocol-violation";
    case record_kind::heal: return "heal";
  }
  return "?";
}

}  // namespace

std::string statement_list::text() const {
  std::string out;
  for (mqtt::spec::statement_id id : ids()) {
    if (!out.empty()) out += ", ";
    out += id.text();
  }
  return out;
}

std::span<const rule_info> rules() { return table; }

const rule_info& info(rule_id id) {
  auto i = static_cast<std::size_t>(id);
  MQTT_ASSERT(i < table.size());
  return table[i];
}

const rule_info* find_rule(std::string_view name) {
  for (const rule_info& r : table) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::string describe_statements(const rule_info& r) {
  switch (r.cites) {
    case citation::raw_peer:
      return "(the statement the raw peer's input breaks)";
    case citation::client_report:
      return "(the statement the client core names)";
    case citation::liveness:
      return "liveness";
    case citation::table:
      break;
  }
  if (r.statement_v311.empty()) return r.statement_v5.text() + " (5.0 only)";
  if (r.statement_v311 == r.statement_v5) return r.statement_v5.text();
  return r.statement_v311.text() + " (3.1.1) / " + r.statement_v5.text() + " (5.0)";
}

std::vector<violation> check_history(const history& h, const run_facts& facts) {
  checker c(h, facts);
  c.index();
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (i == 0 || table[i].check != table[i - 1].check) (c.*table[i].check)();
  }
  return c.take_violations();
}

std::string format_record(const record& r, const run_facts& facts) {
  auto who = [&](node_id n) {
    return n < facts.clients.size() ? facts.clients[n].name : std::string("-");
  };
  std::string s = "t=" + std::to_string(r.at) + "ms " + kind_name(r.kind);
  if (r.node != no_node) s += " " + who(r.node);
  if (r.conn != 0) s += " conn=" + std::to_string(r.conn);
  switch (r.kind) {
    case record_kind::publish_invoked:
    case record_kind::delivered:
      if (r.kind == record_kind::delivered && r.publisher != no_node) {
        s += " m" + std::to_string(r.publisher) + "." + std::to_string(r.seq);
      } else if (r.kind == record_kind::publish_invoked) {
        s += " m" + std::to_string(r.node) + "." + std::to_string(r.seq);
      }
      s += " topic=" + (r.topic < facts.topics.size() ? facts.topics[r.topic] : std::string("?"));
      s += " qos=" + std::to_string(r.qos);
      if (r.retain) s += " retain";
      if (r.dup) s += " dup";
      break;
    case record_kind::publish_acked:
      s += " m" + std::to_string(r.node) + "." + std::to_string(r.seq) + " reason=" +
           std::to_string(r.reason);
      break;
    case record_kind::subscribe_invoked:
    case record_kind::subscribe_acked:
    case record_kind::unsubscribe_invoked:
    case record_kind::unsubscribe_acked:
      s += " filter=" + (r.filter < facts.filters.size() ? facts.filters[r.filter] : std::string("?"));
      if (r.kind == record_kind::subscribe_acked) s += " granted=" + std::to_string(r.reason);
      break;
    case record_kind::connected:
      s += std::string(" session-present=") + (r.session_present ? "1" : "0") +
           (r.reason ? " refused=" + std::to_string(r.reason) : "");
      break;
    case record_kind::connect_delivered:
      s += r.clean_start ? " clean-start=1" : " clean-start=0";
      break;
    case record_kind::broker_conn_end:
      s += r.graceful ? " (after DISCONNECT)" : r.crash ? " (broker crash)" : " (no DISCONNECT)";
      break;
    case record_kind::protocol_violation:
      s += " " + r.text;
      break;
    default:
      break;
  }
  return s;
}

}  // namespace harness::check
