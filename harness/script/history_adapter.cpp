// Transcript to history in three passes: the connections (CONNECT, CONNACK, DISCONNECT, how each
// ended) and what the broker must have done with each session and will; the publications (a
// message is its publisher and its topic and payload, re-sends folded in); then the records, in
// transcript order. Where the transcript leaves a judgement open, the records that would make
// it are left out, never guessed.
#include "script/history_adapter.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <limits>
#include <set>

#include "check/topic.hpp"
#include "mqtt/assert.hpp"

namespace harness::script {
namespace {

namespace json = boost::json;
using check::node_id;
using check::record;
using check::record_kind;
using session_state = check::connection_facts::session_state;

constexpr std::uint32_t expiry_never = 0xFFFF'FFFF;
constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
// The tables the records index are 16-bit; a case is far smaller.
constexpr std::size_t table_max = 0xFFFF;

// ---- reading the decoded packets ---------------------------------------------------------

std::string type_of(const json::object& o) {
  const json::value* v = o.if_contains("type");
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string text_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<std::int64_t> number_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_bool()) return v->get_bool() ? 1 : 0;
  if (v->is_number()) return v->to_number<std::int64_t>();
  return std::nullopt;
}

std::uint8_t small(const json::object& o, std::string_view key, std::uint8_t otherwise = 0) {
  auto n = number_of(o, key);
  return n && *n >= 0 && *n <= 0xFF ? static_cast<std::uint8_t>(*n) : otherwise;
}

bool flag_of(const json::object& o, std::string_view key) { return number_of(o, key).value_or(0) != 0; }

std::optional<std::int64_t> property(const json::object& o, std::string_view key) {
  const json::value* p = o.if_contains("properties");
  if (!p || !p->is_object()) return std::nullopt;
  return number_of(p->get_object(), key);
}

std::string text_property(const json::object& o, std::string_view key) {
  const json::value* p = o.if_contains("properties");
  return p && p->is_object() ? text_of(p->get_object(), key) : std::string();
}

const json::array* array_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

std::uint16_t packet_id(const json::object& o) {
  auto n = number_of(o, "packet_id");
  return n && *n >= 0 && *n <= 0xFFFF ? static_cast<std::uint16_t>(*n) : 0;
}

// A message's identity: its topic and payload bytes.
std::string key_of(const std::string& topic, const json::object& o) {
  return topic + '\0' + text_of(o, "payload_hex");
}

std::string payload_for_people(const json::object& o) {
  if (o.contains("payload")) return "\"" + text_of(o, "payload") + "\"";
  return "0x" + text_of(o, "payload_hex");
}

// ---- what the first pass learns ----------------------------------------------------------

struct will_info {
  std::string topic;
  std::string key;
  std::string payload;  // for people
  std::uint8_t qos = 0;
  std::uint32_t delay_s = 0;
  bool expires = false;  // a Message Expiry Interval: it may lapse before it is sent
};

struct conn_info {
  std::uint64_t id = 0;
  std::string client;       // the scenario's name for it
  std::string client_id;    // the CONNECT's
  std::string assigned_id;  // 5.0: the broker's for an empty one (CONNACK)
  std::size_t node = none;  // index into nodes
  std::size_t connect_index = none;  // the transcript entry of its CONNECT
  ms connect_at = 0;
  bool clean = true;
  protocol_version version = protocol_version::v3_1_1;
  std::uint32_t expiry_s = 0;  // 5.0: the CONNECT's Session Expiry Interval
  bool limits_packet_size = false;
  std::optional<will_info> will;
  bool answered = false;  // a CONNACK came
  bool accepted = false;  // ... with reason 0
  std::optional<ms> connack_at;
  std::optional<ms> end_at;  // either side ended it
  bool ended_by_broker = false;
  bool reset_by_scenario = false;
  std::optional<std::uint8_t> disconnect_reason;  // the first DISCONNECT the client sent
  std::optional<std::uint32_t> disconnect_expiry_s;
  bool server_disconnect = false;  // the broker sent DISCONNECT (5.0)
  // Derived from the above.
  session_state session = session_state::not_held;
  std::optional<check::will_facts> will_judged;  // the will as the checkers see it, if decided
  bool graceful = false;
};

struct node_info {
  std::string client_id;
  std::vector<std::string> names;
  std::vector<std::size_t> conns;  // with a CONNECT, in CONNECT order
  protocol_version version = protocol_version::v3_1_1;
};

// A message a client published: the first PUBLISH of it and, for QoS 1 and 2, the
// acknowledgement that ends its flow.
struct publication {
  std::size_t node = 0;
  std::uint32_t seq = 0;
  std::string topic;
  std::string key;
  std::uint8_t qos = 0;
  bool retain = false;
  bool expires = false;
  std::size_t invoked_index = 0;
  std::optional<std::size_t> acked_index;
  std::uint8_t ack_reason = 0;
  std::string description;
};

class builder {
 public:
  builder(std::span<const transcript_entry> t, const history_context& ctx, ms now) : t_(t), ctx_(ctx) {
    // The checkers order what happened by time, and on real sockets much happens within one
    // millisecond: each entry gets a time of its own, a millisecond after the one before where
    // they share one. Every judgement here uses these times, as the checkers do, and the
    // guard against timer races widens by as much as they moved.
    at_.reserve(t_.size());
    ms drift = 0;
    for (const transcript_entry& e : t_) {
      const ms real = e.at >= ctx_.origin ? e.at - ctx_.origin : 0;
      const ms at = at_.empty() ? real : std::max(real, at_.back() + 1);
      drift = std::max(drift, at - real);
      at_.push_back(at);
    }
    const ms real_now = now >= ctx_.origin ? now - ctx_.origin : 0;
    now_ = at_.empty() ? real_now : std::max(real_now, at_.back() + 1);
    guard_ = ctx_.boundary_guard_ms + drift;
  }

  case_history run() {
    learn_connections();
    if (!out_.unjudgeable.empty()) return std::move(out_);
    decide_sessions();
    learn_publications();
    decide_wills();
    emit_records();
    finish_facts();
    return std::move(out_);
  }

 private:
  // ---- pass 1: connections -----------------------------------------------------------------

  void learn_connections() {
    for (std::size_t i = 0; i < t_.size(); ++i) {
      const transcript_entry& e = t_[i];
      if (e.k == transcript_entry::kind::note && e.packet.contains("error")) {
        out_.unjudgeable = "the broker sent " + e.client + " a malformed packet, and nothing after it was read";
        return;
      }
      if (e.k == transcript_entry::kind::sent && type_of(e.packet) == "raw") {
        out_.unjudgeable = e.client + " sent bytes that are not one packet (line " + std::to_string(e.line) +
                           "): what the broker made of them is unknown";
        return;
      }
      if (e.conn == 0) continue;
      conn_info& c = conn(e.conn, e.client);
      const std::string type = type_of(e.packet);
      switch (e.k) {
        case transcript_entry::kind::sent:
          if (type == "CONNECT" && c.connect_index == none) learn_connect(c, i);
          if (type == "DISCONNECT" && !c.disconnect_reason && !c.end_at) {
            c.disconnect_reason = small(e.packet, "reason_code");
            if (auto x = property(e.packet, "session_expiry_interval")) c.disconnect_expiry_s = static_cast<std::uint32_t>(*x);
          }
          break;
        case transcript_entry::kind::received:
          if (type == "CONNACK" && !c.answered) {
            c.answered = true;
            c.accepted = small(e.packet, "reason_code", small(e.packet, "return_code", 0xFF)) == 0;
            c.connack_at = at_[i];
            c.assigned_id = text_property(e.packet, "assigned_client_identifier");
          }
          if (type == "DISCONNECT") c.server_disconnect = true;
          break;
        case transcript_entry::kind::closed:
          if (!c.end_at) {
            c.end_at = at_[i];
            c.ended_by_broker = true;
          }
          break;
        case transcript_entry::kind::note:
          if (e.ended_by_scenario && !c.end_at) {
            c.end_at = at_[i];
            c.reset_by_scenario = *e.ended_by_scenario == close_step::kind::reset;
          }
          break;
        case transcript_entry::kind::opened:
          break;
      }
    }
    assign_nodes();
    for (node_info& n : nodes_) {
      std::stable_sort(n.conns.begin(), n.conns.end(),
                       [&](std::size_t a, std::size_t b) { return conns_[a].connect_at < conns_[b].connect_at; });
      for (auto it = n.conns.rbegin(); it != n.conns.rend(); ++it) {
        if (conns_[*it].accepted) {
          n.version = conns_[*it].version;
          break;
        }
      }
    }
  }

  conn_info& conn(std::uint64_t id, const std::string& client) {
    auto [it, fresh] = conn_by_id_.emplace(id, conns_.size());
    if (fresh) {
      conns_.emplace_back();
      conns_.back().id = id;
      conns_.back().client = client;
    }
    return conns_[it->second];
  }

  void learn_connect(conn_info& c, std::size_t i) {
    const json::object& p = t_[i].packet;
    c.connect_index = i;
    c.connect_at = at_[i];
    c.clean = flag_of(p, "clean_start");
    auto level = number_of(p, "protocol_level").value_or(4);
    c.version = level == 5 ? protocol_version::v5 : level == 3 ? protocol_version::v3_1 : protocol_version::v3_1_1;
    c.expiry_s = static_cast<std::uint32_t>(property(p, "session_expiry_interval").value_or(0));
    c.limits_packet_size = property(p, "maximum_packet_size").has_value();
    if (const json::value* w = p.if_contains("will"); w && w->is_object()) {
      const json::object& wo = w->get_object();
      will_info will;
      will.topic = text_of(wo, "topic");
      will.key = key_of(will.topic, wo);
      will.payload = payload_for_people(wo);
      will.qos = small(wo, "qos");
      will.delay_s = static_cast<std::uint32_t>(property(wo, "will_delay_interval").value_or(0));
      will.expires = property(wo, "message_expiry_interval").has_value();
      c.will = std::move(will);
    }
    c.client_id = text_of(p, "client_id");
  }

  // A session belongs to a client identifier: the CONNECT's, or the one the broker assigned
  // to an empty one (5.0); an empty one it did not name is a session of its own.
  void assign_nodes() {
    std::vector<std::size_t> order;
    for (std::size_t ci = 0; ci < conns_.size(); ++ci) {
      if (conns_[ci].connect_index != none) order.push_back(ci);
    }
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return conns_[a].connect_index < conns_[b].connect_index; });
    for (std::size_t ci : order) {
      conn_info& c = conns_[ci];
      std::string id = !c.client_id.empty() ? c.client_id : c.assigned_id;
      std::string node_key = id.empty() ? "\x01" + std::to_string(c.id) : id;
      auto [it, fresh] = node_by_key_.emplace(node_key, nodes_.size());
      if (fresh) {
        nodes_.emplace_back();
        nodes_.back().client_id = id;
      }
      node_info& n = nodes_[it->second];
      c.node = it->second;
      n.conns.push_back(ci);
      if (std::find(n.names.begin(), n.names.end(), c.client) == n.names.end()) n.names.push_back(c.client);
    }
  }

  // The 5.0 Session Expiry Interval in force when the connection ended: the CONNECT's, or the
  // DISCONNECT's unless that tried to raise it from 0 (a Protocol Error, MQTT-3.14.2-2).
  static std::uint32_t expiry_at_end(const conn_info& c) {
    if (c.disconnect_expiry_s && c.expiry_s != 0) return *c.disconnect_expiry_s;
    return c.expiry_s;
  }

  // Whether the broker held the session when `k`'s Clean Start 0 CONNECT came.
  session_state session_at(const node_info& n, const conn_info& k) const {
    const conn_info* prev = nullptr;
    for (std::size_t ci : n.conns) {
      const conn_info& c = conns_[ci];
      if (&c == &k) break;
      // A CONNECT that was refused or never answered may have ended or replaced the session.
      if (!c.accepted) return session_state::undecided;
      prev = &c;
    }
    if (!prev) {
      // Generated identifiers are new to the broker, and so is one it assigns.
      const bool generated = k.client_id.empty() || n.client_id.rfind(ctx_.client_id_prefix, 0) == 0;
      return generated ? session_state::not_held : session_state::undecided;
    }
    const ms guard = guard_;
    const bool v5 = prev->version == protocol_version::v5;
    const ms t = k.connect_at;
    if (!prev->end_at || *prev->end_at > t) {
      // A takeover: the session is held while a connection is on it, unless it ends with that
      // connection, which is going away just then.
      const bool ends_with_connection = v5 ? prev->expiry_s == 0 : prev->clean;
      return ends_with_connection ? session_state::undecided : session_state::held;
    }
    const ms e = *prev->end_at;
    if (!v5) {
      if (!prev->clean) return session_state::held;  // 3.1.1 Clean Session 0 never expires
      return t < e + guard ? session_state::undecided : session_state::not_held;
    }
    const std::uint32_t expiry = expiry_at_end(*prev);
    if (expiry == expiry_never) return session_state::held;
    const ms expires = e + ms{expiry} * 1000;
    if (t + guard < expires) return session_state::held;
    if (t > expires + guard) return session_state::not_held;
    return session_state::undecided;
  }

  void decide_sessions() {
    for (node_info& n : nodes_) {
      for (std::size_t ci : n.conns) {
        conn_info& c = conns_[ci];
        if (c.accepted && !c.clean) c.session = session_at(n, c);
      }
    }
  }

  // ---- pass 2: publications ----------------------------------------------------------------

  void learn_publications() {
    // Per node: its messages still in flight by packet id, and by identity (for re-sends).
    std::vector<std::map<std::uint16_t, std::size_t>> in_flight(nodes_.size());
    std::vector<std::map<std::string, std::size_t>> open_by_key(nodes_.size());
    std::vector<std::uint32_t> next_seq(nodes_.size(), 0);
    // Per connection, the topic aliases the client set (5.0).
    std::map<std::uint64_t, std::map<std::int64_t, std::string>> aliases;
    for (std::size_t i = 0; i < t_.size(); ++i) {
      const transcript_entry& e = t_[i];
      const std::size_t node = node_of(e.conn);
      if (node == none) continue;
      const std::string type = type_of(e.packet);
      if (e.k == transcript_entry::kind::sent && type == "PUBLISH") {
        std::optional<std::string> topic = resolve_topic(aliases[e.conn], e.packet);
        if (!topic) {
          unknown_publication_ = true;
          continue;
        }
        const std::string key = key_of(*topic, e.packet);
        const std::uint8_t qos = small(e.packet, "qos");
        const bool retain = flag_of(e.packet, "retain");
        if (retain && text_of(e.packet, "payload_hex").empty()) cleared_at_.emplace(*topic, i);
        if (qos > 0) {
          auto open = open_by_key[node].find(key);
          if (open != open_by_key[node].end() && pubs_[open->second].qos == qos) {
            in_flight[node][packet_id(e.packet)] = open->second;  // a re-send of a message in flight
            continue;
          }
        }
        publication p;
        p.node = node;
        p.seq = next_seq[node]++;
        p.topic = *topic;
        p.key = key;
        p.qos = qos;
        p.retain = retain;
        p.expires = property(e.packet, "message_expiry_interval").has_value();
        p.invoked_index = i;
        p.description = e.client + "'s PUBLISH on " + *topic + ", payload " + payload_for_people(e.packet) +
                        ", QoS " + std::to_string(qos) + (retain ? ", retained" : "") + " (line " +
                        std::to_string(e.line) + ")";
        ++key_count_[key];
        if (qos > 0) {
          in_flight[node][packet_id(e.packet)] = pubs_.size();
          open_by_key[node][key] = pubs_.size();
        }
        pubs_.push_back(std::move(p));
      } else if (e.k == transcript_entry::kind::received &&
                 (type == "PUBACK" || type == "PUBREC" || type == "PUBCOMP")) {
        auto it = in_flight[node].find(packet_id(e.packet));
        if (it == in_flight[node].end()) continue;
        publication& p = pubs_[it->second];
        const std::uint8_t reason = small(e.packet, "reason_code");
        // QoS 1 ends at PUBACK, QoS 2 at PUBCOMP, or at a PUBREC that refuses it.
        const bool ends = (type == "PUBACK" && p.qos == 1) || (type == "PUBCOMP" && p.qos == 2) ||
                          (type == "PUBREC" && p.qos == 2 && reason >= 0x80);
        if (!ends) continue;
        p.acked_index = i;
        p.ack_reason = reason;
        open_by_key[node].erase(p.key);
        in_flight[node].erase(it);
      }
    }
    for (const publication& p : pubs_) pub_by_key_.emplace(p.key, &p - pubs_.data());
    find_cleared_retained();
  }

  // A retained message cleared (an empty retained PUBLISH) and then subscribed to: whether the
  // SUBSCRIBE came before or after the broker took the clear is unknown, and so what it owes.
  void find_cleared_retained() {
    for (std::size_t i = 0; i < t_.size(); ++i) {
      const transcript_entry& e = t_[i];
      if (e.k != transcript_entry::kind::sent || type_of(e.packet) != "SUBSCRIBE") continue;
      const json::array* subs = array_of(e.packet, "subscriptions");
      if (!subs) continue;
      for (const json::value& v : *subs) {
        if (!v.is_object()) continue;
        std::string group;
        const std::string bare = bare_filter(text_of(v.get_object(), "filter"), &group);
        for (const auto& [topic, at] : cleared_at_) {
          if (at < i && check::topic_matches(bare, topic)) retained_unjudged_.insert(topic);
        }
      }
    }
  }

  std::size_t node_of(std::uint64_t conn) const {
    auto it = conn_by_id_.find(conn);
    return it == conn_by_id_.end() ? none : conns_[it->second].node;
  }

  // A PUBLISH's topic, through the connection's topic aliases (5.0); nullopt: an alias never set.
  static std::optional<std::string> resolve_topic(std::map<std::int64_t, std::string>& aliases, const json::object& p) {
    std::string topic = text_of(p, "topic");
    auto alias = property(p, "topic_alias");
    if (!alias) return topic;
    if (!topic.empty()) {
      aliases[*alias] = topic;
      return topic;
    }
    auto it = aliases.find(*alias);
    if (it == aliases.end()) return std::nullopt;
    return it->second;
  }

  // A key that names more than one message (or a message and a will) identifies neither.
  bool ambiguous(const std::string& key) const {
    auto p = key_count_.find(key);
    auto w = will_count_.find(key);
    const std::size_t n = (p == key_count_.end() ? 0 : p->second) + (w == will_count_.end() ? 0 : w->second);
    return n > 1;
  }

  bool denied(const std::string& topic) const {
    return !ctx_.denied_topic.empty() && (ctx_.denied_topic == topic || check::topic_matches(ctx_.denied_topic, topic));
  }

  // ---- wills -------------------------------------------------------------------------------

  void decide_wills() {
    for (const conn_info& c : conns_) {
      if (c.connect_index != none && c.will) ++will_count_[c.will->key];
    }
    for (conn_info& c : conns_) {
      if (!c.accepted) continue;
      c.graceful = ends_gracefully(c).value_or(false);
      if (c.will && will_decided(c)) {
        c.will_judged = check::will_facts{will_topic_index(c.will->topic), c.will->qos, effective_delay_s(c)};
        out_.names["connection " + std::to_string(c.id)] = c.client + "'s, whose CONNECT (line " +
                                                             std::to_string(t_[c.connect_index].line) + ") carried a will on " +
                                                             c.will->topic + ", payload " + c.will->payload + ", QoS " +
                                                             std::to_string(c.will->qos);
      }
    }
  }

  // Whether the broker took a normal DISCONNECT before the connection ended; nullopt when the
  // transcript cannot tell (a DISCONNECT followed by a reset, which may overtake it; one that
  // crossed the broker's own; a reason other than 0x00 or 0x04).
  static std::optional<bool> ends_gracefully(const conn_info& c) {
    if (!c.disconnect_reason) return false;
    if (*c.disconnect_reason == 0x04) return false;  // 5.0: Disconnect with Will Message
    if (*c.disconnect_reason != 0x00) return std::nullopt;
    if (c.reset_by_scenario || c.server_disconnect) return std::nullopt;
    return true;
  }

  // 5.0: the will goes at the Will Delay Interval or when the session ends, whichever is first.
  std::uint32_t effective_delay_s(const conn_info& c) const {
    if (c.version != protocol_version::v5 || !c.will) return 0;
    const std::uint32_t expiry = expiry_at_end(c);
    return expiry == expiry_never ? c.will->delay_s : std::min(c.will->delay_s, expiry);
  }

  bool will_decided(const conn_info& c) {
    const will_info& w = *c.will;
    if (w.expires || denied(w.topic) || ambiguous(w.key)) return false;
    if (!c.end_at) return true;  // still open: no will is due
    std::optional<bool> graceful = ends_gracefully(c);
    if (!graceful) return false;
    if (*graceful) return true;  // no will, ever
    if (taken_over(c)) return false;  // whether a takeover publishes the will differs by version and broker
    const ms guard = guard_;
    const ms due = *c.end_at + ms{effective_delay_s(c)} * 1000;
    ms publish_at = due;
    if (due != *c.end_at) {
      // The first CONNECT of the session's client after the end, before the will is due, decides.
      for (std::size_t ci : nodes_[c.node].conns) {
        const conn_info& q = conns_[ci];
        if (q.connect_at <= *c.end_at || &q == &c) continue;
        if (q.connect_at > due + guard) break;
        if (!q.accepted || q.connect_at + guard >= due) return false;
        if (q.clean) {
          publish_at = q.connect_at;  // a clean start ends the session, and the will goes
          break;
        }
        return q.session == session_state::held;  // resumed in time: never published
      }
    }
    return now_ >= publish_at;  // a will not yet due is not owed yet
  }

  bool taken_over(const conn_info& c) const {
    if (!c.ended_by_broker || !c.end_at) return false;
    for (std::size_t ci : nodes_[c.node].conns) {
      const conn_info& q = conns_[ci];
      if (&q != &c && q.accepted && q.connect_at > c.connect_at && q.connack_at && *q.connack_at <= *c.end_at) return true;
    }
    return false;
  }

  // ---- tables ------------------------------------------------------------------------------

  std::uint16_t topic_index(const std::string& topic) { return index_in(topic_by_name_, out_.facts.topics, topic, topic); }

  std::uint16_t will_topic_index(const std::string& topic) {
    std::size_t before = out_.facts.topics.size();
    std::uint16_t i = index_in(will_topic_by_name_, out_.facts.topics, topic, topic);
    if (out_.facts.topics.size() != before) out_.facts.will_topics.push_back(i);
    return i;
  }

  // Ordinary filters by their text; shared ones ($share/GROUP/FILTER) by group and filter,
  // as entries of their own that hold the bare filter.
  std::uint16_t filter_index(const std::string& filter, std::string* group) {
    const std::string bare = bare_filter(filter, group);
    return index_in(filter_by_name_, out_.facts.filters, *group + '\0' + bare, bare);
  }

  static std::string bare_filter(const std::string& filter, std::string* group) {
    group->clear();
    if (filter.rfind("$share/", 0) != 0) return filter;
    std::size_t slash = filter.find('/', 7);
    if (slash == std::string::npos) return filter;
    *group = filter.substr(7, slash - 7);
    return filter.substr(slash + 1);
  }

  static std::uint16_t index_in(std::map<std::string, std::uint16_t>& by, std::vector<std::string>& table,
                                const std::string& key, const std::string& text) {
    auto it = by.find(key);
    if (it != by.end()) return it->second;
    MQTT_ASSERT(table.size() < table_max);
    auto i = static_cast<std::uint16_t>(table.size());
    table.push_back(text);
    by.emplace(key, i);
    return i;
  }

  // ---- pass 3: the records -----------------------------------------------------------------

  struct node_state {
    std::map<std::uint16_t, std::string> qos2_unreleased;  // received QoS 2 PUBLISH, no PUBREL yet
    std::set<std::uint16_t> unacknowledged;                // received QoS 1/2, not acknowledged
    std::map<std::string, std::string> filters_held;       // every filter subscribed, as written -> bare
    std::set<std::uint64_t> delivered;                     // (publisher, seq) received
    std::uint32_t next_serial = 0;
    std::map<std::uint16_t, check::subscription_facts> subscriptions;  // by filter index
    std::set<std::uint16_t> unsubscribe_unanswered;
    bool no_local = false;
  };

  struct request {
    std::vector<std::pair<std::uint32_t, std::uint16_t>> filters;  // (serial, filter)
  };

  record base(const transcript_entry& e, record_kind k, std::size_t node) const {
    record r;
    r.at = at_[static_cast<std::size_t>(&e - t_.data())];
    r.kind = k;
    r.node = node == none ? check::no_node : static_cast<node_id>(node);
    r.conn = e.conn;
    return r;
  }

  void emit_records() {
    states_.assign(nodes_.size(), {});
    std::vector<const publication*> invoked_at(t_.size(), nullptr);
    std::vector<const publication*> acked_at(t_.size(), nullptr);
    for (const publication& p : pubs_) {
      invoked_at[p.invoked_index] = &p;
      if (p.acked_index) acked_at[*p.acked_index] = &p;
    }
    bool any_retain_handling = false;
    for (const transcript_entry& e : t_) {
      if (e.k != transcript_entry::kind::sent || type_of(e.packet) != "SUBSCRIBE") continue;
      if (const json::array* subs = array_of(e.packet, "subscriptions")) {
        for (const json::value& s : *subs) {
          if (s.is_object() && small(s.get_object(), "retain_handling") != 0) any_retain_handling = true;
        }
      }
    }
    retained_judged_ = ctx_.retain_available && !any_retain_handling;
    std::map<std::pair<std::uint64_t, std::uint16_t>, request> subscribes, unsubscribes;
    std::map<std::uint64_t, std::map<std::int64_t, std::string>> aliases;  // the broker's, per connection
    std::set<std::uint64_t> ended;
    for (std::size_t i = 0; i < t_.size(); ++i) {
      const transcript_entry& e = t_[i];
      auto ci = conn_by_id_.find(e.conn);
      if (ci == conn_by_id_.end()) continue;
      const conn_info& c = conns_[ci->second];
      if (c.node == none) continue;
      node_state& ns = states_[c.node];
      const std::string type = type_of(e.packet);
      switch (e.k) {
        case transcript_entry::kind::opened:
          add(base(e, record_kind::connect_started, c.node));
          break;
        case transcript_entry::kind::sent:
          if (type == "CONNECT" && i == c.connect_index && c.accepted) {
            // A new session forgets what the old one had in flight.
            if (c.clean || c.session == session_state::not_held) {
              ns.qos2_unreleased.clear();
              ns.unacknowledged.clear();
            }
            record r = base(e, record_kind::connect_delivered, c.node);
            r.clean_start = c.clean;
            add(std::move(r));
          } else if (type == "PUBLISH" && invoked_at[i]) {
            emit_publish(e, *invoked_at[i]);
          } else if (type == "PUBACK" || type == "PUBCOMP" || (type == "PUBREC" && small(e.packet, "reason_code") >= 0x80)) {
            ns.unacknowledged.erase(packet_id(e.packet));
          } else if (type == "SUBSCRIBE") {
            subscribes[{e.conn, packet_id(e.packet)}] = emit_subscribe(e, c.node);
          } else if (type == "UNSUBSCRIBE") {
            unsubscribes[{e.conn, packet_id(e.packet)}] = emit_unsubscribe(e, c.node);
          } else if (type == "DISCONNECT") {
            add(base(e, record_kind::disconnect_sent, c.node));
          }
          break;
        case transcript_entry::kind::received:
          if (type == "CONNACK") {
            record r = base(e, record_kind::connected, c.node);
            r.session_present = flag_of(e.packet, "session_present");
            r.clean_start = c.clean;
            r.reason = c.accepted ? 0 : small(e.packet, "reason_code", small(e.packet, "return_code", 0x80));
            add(std::move(r));
          } else if (type == "PUBLISH") {
            emit_delivery(e, c.node, aliases[e.conn]);
          } else if (acked_at[i]) {
            emit_ack(e, *acked_at[i]);
          } else if (type == "PUBREL") {
            ns.qos2_unreleased.erase(packet_id(e.packet));
          } else if (type == "SUBACK") {
            auto it = subscribes.find({e.conn, packet_id(e.packet)});
            if (it != subscribes.end()) emit_suback(e, c.node, it->second);
          } else if (type == "UNSUBACK") {
            auto it = unsubscribes.find({e.conn, packet_id(e.packet)});
            if (it != unsubscribes.end()) emit_unsuback(e, c.node, it->second);
          }
          break;
        case transcript_entry::kind::closed:
        case transcript_entry::kind::note:
          if ((e.k == transcript_entry::kind::closed || e.ended_by_scenario) && c.accepted &&
              ended.insert(e.conn).second) {
            if (e.k == transcript_entry::kind::closed) add(base(e, record_kind::connection_lost, c.node));
            record r = base(e, record_kind::broker_conn_end, c.node);
            r.graceful = c.graceful;
            add(std::move(r));
          }
          break;
      }
    }
    record heal;
    heal.at = now_;
    heal.kind = record_kind::heal;
    add(std::move(heal));
  }

  void add(record r) { out_.history.add(std::move(r)); }

  static std::string message_name(std::size_t node, std::uint32_t seq) {
    return "m" + std::to_string(node) + "." + std::to_string(seq);
  }

  void emit_publish(const transcript_entry& e, const publication& p) {
    if (ambiguous(p.key)) return;
    record r = base(e, record_kind::publish_invoked, p.node);
    r.seq = p.seq;
    r.topic = topic_index(p.topic);
    r.qos = p.qos;
    // A retained message that may lapse, or a topic whose retained message is also cleared,
    // leaves open what a new subscriber is owed.
    r.retain = p.retain && retained_judged_ && !p.expires && !retained_unjudged_.contains(p.topic);
    add(std::move(r));
    out_.names[message_name(p.node, p.seq)] = p.description;
  }

  void emit_ack(const transcript_entry& e, const publication& p) {
    // A message that may lapse on the way, or that the broker may drop unseen for its access
    // rules, is owed to nobody: without its acknowledgement no rule counts it owed.
    if (ambiguous(p.key) || p.expires || denied(p.topic)) return;
    record r = base(e, record_kind::publish_acked, p.node);
    r.seq = p.seq;
    r.reason = p.ack_reason;
    add(std::move(r));
  }

  void emit_delivery(const transcript_entry& e, std::size_t node, std::map<std::int64_t, std::string>& aliases) {
    node_state& ns = states_[node];
    std::optional<std::string> topic = resolve_topic(aliases, e.packet);
    if (!topic) return;
    const std::string key = key_of(*topic, e.packet);
    const std::uint8_t qos = small(e.packet, "qos");
    const std::uint16_t id = packet_id(e.packet);
    if (qos == 2) {
      // Until its PUBREL, a PUBLISH with the same packet identifier is the same message again.
      auto it = ns.qos2_unreleased.find(id);
      if (it != ns.qos2_unreleased.end() && it->second == key) return;
      ns.qos2_unreleased[id] = key;
    }
    if (qos > 0) ns.unacknowledged.insert(id);
    record r = base(e, record_kind::delivered, node);
    r.qos = qos;
    r.retain = flag_of(e.packet, "retain");
    r.dup = flag_of(e.packet, "dup");
    if (ambiguous(key)) return;
    if (auto p = pub_by_key_.find(key); p != pub_by_key_.end()) {
      const publication& pub = pubs_[p->second];
      const std::uint64_t which = std::uint64_t{static_cast<std::uint32_t>(pub.node)} << 32 | pub.seq;
      // Overlapping subscriptions may each bring a copy.
      if (!r.retain && !ns.delivered.insert(which).second && overlapping(ns, *topic)) return;
      r.publisher = static_cast<node_id>(pub.node);
      r.seq = pub.seq;
      r.topic = topic_index(pub.topic);
      add(std::move(r));
      return;
    }
    if (const conn_info* owner = will_owner(key)) {
      if (!owner->will_judged) return;
      r.conn = owner->id;
      r.topic = owner->will_judged->topic;
      add(std::move(r));
      return;
    }
    if (will_count_.contains(key)) return;
    // Nobody sent this: invented, if it is on the case's own topics and every PUBLISH sent is known.
    const bool ours = topic->rfind(ctx_.topic_prefix + "/", 0) == 0 || *topic == ctx_.topic_prefix;
    if (!ours || unknown_publication_) return;
    r.topic = topic_index(*topic);
    add(std::move(r));
  }

  const conn_info* will_owner(const std::string& key) const {
    for (const conn_info& c : conns_) {
      if (c.accepted && c.will && c.will->key == key) return &c;
    }
    return nullptr;
  }

  static bool overlapping(const node_state& ns, const std::string& topic) {
    std::size_t n = 0;
    for (const auto& [written, bare] : ns.filters_held) n += check::topic_matches(bare, topic) ? 1 : 0;
    return n > 1;
  }

  request emit_subscribe(const transcript_entry& e, std::size_t node) {
    node_state& ns = states_[node];
    request req;
    const json::array* subs = array_of(e.packet, "subscriptions");
    if (!subs) return req;
    for (const json::value& v : *subs) {
      if (!v.is_object()) continue;
      const json::object& s = v.get_object();
      std::string written = text_of(s, "filter");
      std::string group;
      const std::uint16_t f = filter_index(written, &group);
      const std::string& bare = out_.facts.filters[f];
      ns.filters_held.emplace(written, bare);
      if (flag_of(s, "no_local")) ns.no_local = true;
      check::subscription_facts& sf = ns.subscriptions[f];
      sf.filter = f;
      sf.qos = small(s, "qos");
      sf.share_group = group;
      // Subscribed again after an UNSUBSCRIBE the broker never answered: what it did between is unknown.
      if (ns.unsubscribe_unanswered.contains(f)) sf.cycled = true;
      record r = base(e, record_kind::subscribe_invoked, node);
      r.seq = ns.next_serial++;
      r.filter = f;
      r.qos = sf.qos;
      req.filters.emplace_back(r.seq, f);
      add(std::move(r));
    }
    return req;
  }

  request emit_unsubscribe(const transcript_entry& e, std::size_t node) {
    node_state& ns = states_[node];
    request req;
    const json::array* filters = array_of(e.packet, "filters");
    if (!filters) return req;
    for (const json::value& v : *filters) {
      if (!v.is_string()) continue;
      std::string group;
      const std::uint16_t f = filter_index(std::string(v.get_string()), &group);
      ns.unsubscribe_unanswered.insert(f);
      record r = base(e, record_kind::unsubscribe_invoked, node);
      r.seq = ns.next_serial++;
      r.filter = f;
      req.filters.emplace_back(r.seq, f);
      add(std::move(r));
    }
    return req;
  }

  void emit_suback(const transcript_entry& e, std::size_t node, const request& req) {
    const json::array* codes = array_of(e.packet, "reason_codes");
    for (std::size_t k = 0; k < req.filters.size(); ++k) {
      if (!codes || k >= codes->size() || !(*codes)[k].is_number()) break;
      record r = base(e, record_kind::subscribe_acked, node);
      r.seq = req.filters[k].first;
      r.filter = req.filters[k].second;
      r.reason = static_cast<std::uint8_t>((*codes)[k].to_number<std::int64_t>() & 0xFF);
      add(std::move(r));
    }
  }

  void emit_unsuback(const transcript_entry& e, std::size_t node, const request& req) {
    node_state& ns = states_[node];
    const json::array* codes = array_of(e.packet, "reason_codes");  // 5.0 only
    for (std::size_t k = 0; k < req.filters.size(); ++k) {
      std::int64_t code = codes && k < codes->size() && (*codes)[k].is_number() ? (*codes)[k].to_number<std::int64_t>() : 0;
      ns.unsubscribe_unanswered.erase(req.filters[k].second);
      if (code >= 0x80) continue;  // refused: the subscription stays
      record r = base(e, record_kind::unsubscribe_acked, node);
      r.seq = req.filters[k].first;
      r.filter = req.filters[k].second;
      add(std::move(r));
    }
  }

  // ---- facts -------------------------------------------------------------------------------

  void finish_facts() {
    check::run_facts& f = out_.facts;
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      const node_info& ni = nodes_[n];
      check::client_facts cf;
      for (const std::string& name : ni.names) cf.name += (cf.name.empty() ? "" : "+") + name;
      cf.version = ni.version;
      cf.persistent = owed_now(n);
      for (const auto& [filter, s] : states_[n].subscriptions) cf.subscriptions.push_back(s);
      f.clients.push_back(std::move(cf));
    }
    for (const conn_info& c : conns_) {
      if (!c.accepted) continue;
      check::connection_facts cf;
      cf.will = c.will_judged;
      cf.session_at_connect = c.clean ? session_state::not_held : c.session;
      f.connections[c.id] = cf;
    }
  }

  // Whether messages (and wills) are owed to the node's session by now: the rules take it for
  // a persistent session, whose every message must have come. So it is only while the client
  // is connected, has acknowledged what it received (a broker may hold the rest back until it
  // does: Receive Maximum, or its own in-flight window), and asked for nothing that lets the
  // broker leave messages out (No Local, a Maximum Packet Size).
  bool owed_now(std::size_t n) const {
    const node_info& ni = nodes_[n];
    const node_state& ns = states_[n];
    if (ni.conns.empty() || !ns.unacknowledged.empty() || ns.no_local) return false;
    const conn_info& last = conns_[ni.conns.back()];
    return last.accepted && !last.end_at && !last.limits_packet_size;
  }

  std::span<const transcript_entry> t_;
  const history_context& ctx_;
  std::vector<ms> at_;  // per transcript entry: its time in the history
  ms now_ = 0;
  ms guard_ = 0;
  case_history out_;
  std::vector<conn_info> conns_;
  std::map<std::uint64_t, std::size_t> conn_by_id_;
  std::vector<node_info> nodes_;
  std::map<std::string, std::size_t> node_by_key_;
  std::vector<publication> pubs_;
  std::map<std::string, std::size_t> pub_by_key_;
  std::map<std::string, std::size_t> key_count_;
  std::map<std::string, std::size_t> will_count_;
  std::multimap<std::string, std::size_t> cleared_at_;  // topic -> transcript index of a clear
  std::set<std::string> retained_unjudged_;
  bool unknown_publication_ = false;
  bool retained_judged_ = true;
  std::vector<node_state> states_;
  std::map<std::string, std::uint16_t> topic_by_name_;
  std::map<std::string, std::uint16_t> will_topic_by_name_;
  std::map<std::string, std::uint16_t> filter_by_name_;
};

}  // namespace

bool judged_in_scenarios(check::rule_id id) {
  switch (id) {
    case check::rule_id::event_budget:
    case check::rule_id::client_detected:
    case check::rule_id::raw_not_closed:
    case check::rule_id::not_reconnected:
    case check::rule_id::count_:
      return false;
    default:
      return true;
  }
}

case_history build_case_history(std::span<const transcript_entry> transcript, const history_context& ctx, ms now) {
  return builder(transcript, ctx, now).run();
}

}  // namespace harness::script
