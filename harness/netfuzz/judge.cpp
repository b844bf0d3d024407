// The violation oracles. Each connection's two streams are framed with our strict decoder: what
// we sent (server role, as the broker had to read it) finds the first packet the standard makes
// the broker refuse; what came back (client role) must decode, start with CONNACK, answer only
// what was asked and, where nothing was refused, answer all of it.
#include "netfuzz/judge.hpp"

#include <map>
#include <set>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/error.hpp"
#include "mqtt/spec/statement_id.hpp"

namespace harness::netfuzz {
namespace {

namespace codec = mqtt::codec;
using codec::packet_type;
using codec::protocol_version;

std::string type_name(packet_type t) { return std::string(codec::to_string(t)); }

std::string statement_of(const codec::error& e, protocol_version v) {
  const codec::rule_info& i = codec::info(e.id);
  mqtt::spec::statement_id s = v == protocol_version::v5 ? i.statement_v5 : i.statement_v311;
  if (s.empty()) s = v == protocol_version::v5 ? i.statement_v311 : i.statement_v5;
  return s.empty() ? std::string("-") : std::string(s.text());
}

std::string by_version(protocol_version v, std::string_view v311, std::string_view v5) {
  return std::string(v == protocol_version::v5 ? v5 : v311);
}

// What the client side of one connection sent, framed: the requests that owe an answer before
// the first packet the broker must refuse, and that packet.
struct sent_view {
  struct refusal {
    std::string packet_type;
    std::string statement;
    std::string why;
    std::size_t packet_index = 0;
    std::optional<codec::rule> rule;  // when the codec refused it
  };
  std::optional<refusal> refused;
  std::optional<std::string> client_id;  // of its CONNECT, when that was well formed
  protocol_version version = protocol_version::v3_1_1;
  bool foreign = false;  // a CONNECT of another protocol name or level: its answers are not judged byte by byte
  bool other_protocol = false;  // answer_form::other_protocol: nothing on the connection is judged
  bool connect_seen = false;
  std::size_t pingreq = 0;
  std::multiset<std::uint16_t> subscribe_ids, unsubscribe_ids, qos1_ids, qos2_ids, pubrel_ids;
  bool mid_packet = false;
};

// The version a broker answers a connection in: the Protocol Level its CONNECT names (read
// leniently, for a CONNECT the decoder refuses). A CONNECT with another Protocol Name or a level
// the standard does not define may be answered by "some other specification" (5.0
// MQTT-3.1.2-1; 3.1.1 answers an unknown level with its own CONNACK): `foreign` is then set and
// the answer is read as 3.1.1's without holding its bytes to either standard.
struct answer_form {
  protocol_version version;
  bool foreign = false;
  // Another protocol altogether: a name neither standard uses (3.1.1 MQTT-3.1.2-1 lets the server
  // go on "in accordance with some other specification"), or a level with the bridge bit (0x80)
  // set, the convention of mosquitto's and mqtt-packet's bridges, which a server may support.
  bool other_protocol = false;
};

answer_form answer_version(const fuzz_case& c, const byte_vector& bytes) {
  if (bytes.size() < 2 || bytes[0] >> 4 != 1) return {c.version};
  std::size_t at = 1;
  while (at < bytes.size() && at < 5 && (bytes[at] & 0x80) != 0) ++at;
  at += 1;  // past the Remaining Length
  if (at + 2 > bytes.size()) return {c.version};
  const std::size_t name_size = std::size_t{bytes[at]} << 8 | bytes[at + 1];
  const std::size_t level_at = at + 2 + name_size;
  if (level_at >= bytes.size()) return {c.version};
  const std::string name(bytes.begin() + static_cast<std::ptrdiff_t>(at + 2), bytes.begin() + static_cast<std::ptrdiff_t>(level_at));
  const std::uint8_t level = bytes[level_at];
  if (name == "MQTT" && level == 5) return {protocol_version::v5};
  if (name == "MQTT" && level == 4) return {protocol_version::v3_1_1};
  if (name == "MQIsdp" && level == 3) return {protocol_version::v3_1};
  const bool other = (name != "MQTT" && name != "MQIsdp") || (level & 0x80U) != 0;
  return {protocol_version::v3_1_1, true, other};
}

// Whether the bytes hold the whole packet that starts at `at`, as its fixed header declares it
// (an unreadable Remaining Length counts as whole: the header itself is what breaks the rule).
bool frame_complete(const byte_vector& bytes, std::uint64_t at) {
  std::uint64_t length = 0, scale = 1;
  std::size_t i = static_cast<std::size_t>(at) + 1;
  for (std::size_t n = 0;; ++n, ++i) {
    if (i >= bytes.size()) return false;
    if (n == 4) return true;  // a fifth length byte: overlong, known without the body
    length += (bytes[i] & 0x7FU) * scale;
    scale *= 128;
    if ((bytes[i] & 0x80) == 0) break;
  }
  return i + 1 + length <= bytes.size();
}

sent_view read_sent(const fuzz_case& c, const byte_vector& bytes) {
  sent_view v;
  const answer_form form = answer_version(c, bytes);
  v.version = form.version;
  v.foreign = form.foreign;
  v.other_protocol = form.other_protocol;
  codec::stream_decoder d({.version = c.version, .receiver = codec::receiver_role::server});
  std::size_t index = 0;
  auto refuse = [&](packet_type t, std::string statement, std::string why) {
    if (!v.refused) v.refused = sent_view::refusal{type_name(t), std::move(statement), std::move(why), index, std::nullopt};
  };
  auto e = d.feed(bytes, [&](const codec::packet& p) {
    const packet_type t = codec::type_of(p);
    if (!v.refused) {
      if (!v.connect_seen && t != packet_type::connect) {
        refuse(t, "MQTT-3.1.0-1", "a first packet " + type_name(t) + " instead of CONNECT");
      } else if (t == packet_type::connect && v.connect_seen) {
        refuse(t, "MQTT-3.1.0-2", "a second CONNECT on the connection");
      } else if (t == packet_type::connack || t == packet_type::suback || t == packet_type::unsuback ||
                 t == packet_type::pingresp) {
        // 5.0: a Protocol Error, on which the server closes (MQTT-4.13.1-1).
        refuse(t, by_version(v.version, "MQTT-4.8.0-1", "MQTT-4.13.1-1"), type_name(t) + ", a packet only a server sends");
      }
    }
    if (v.refused) {
      ++index;
      return;
    }
    if (const auto* con = std::get_if<codec::connect>(&p)) {
      if (con->version == protocol_version::v3_1_1 && con->client_id.empty() && !con->clean_start) {
        // 3.1.1 asks for CONNACK 0x02 and a close (5.0 lets the server assign an identifier).
        v.version = con->version;
        refuse(t, "MQTT-3.1.3-8", "an empty ClientId with CleanSession 0");
        ++index;
        return;
      }
      v.connect_seen = true;
      v.version = con->version;
      v.client_id = std::string(con->client_id);
    } else if (std::holds_alternative<codec::pingreq>(p)) {
      ++v.pingreq;
    } else if (const auto* s = std::get_if<codec::subscribe>(&p)) {
      v.subscribe_ids.insert(s->packet_id);
    } else if (const auto* u = std::get_if<codec::unsubscribe>(&p)) {
      v.unsubscribe_ids.insert(u->packet_id);
    } else if (const auto* r = std::get_if<codec::pubrel>(&p)) {
      v.pubrel_ids.insert(r->packet_id);
    } else if (const auto* pub = std::get_if<codec::publish>(&p);
               pub && v.version == protocol_version::v5 && !pub->props.subscription_identifiers.empty()) {
      // The decoder refuses only the value 0; any Subscription Identifier from a client is a
      // Protocol Error (the server closes, MQTT-4.13.1-1).
      refuse(t, "MQTT-3.3.4-6", "a PUBLISH from the client carrying a Subscription Identifier");
    } else if (pub) {
      if (pub->qos == codec::qos::at_least_once) v.qos1_ids.insert(pub->packet_id);
      if (pub->qos == codec::qos::exactly_once) v.qos2_ids.insert(pub->packet_id);
    } else if (std::holds_alternative<codec::disconnect>(p)) {
      // After DISCONNECT the broker reads no more (MQTT-3.14.4-1 / -2): nothing later is owed.
      refuse(packet_type::disconnect, "-", "");
      v.refused->statement.clear();
    }
    ++index;
  });
  if (e && !v.refused && !frame_complete(bytes, d.offset())) {
    // The broker cannot have read the packet whole: it may wait for the rest before it judges
    // it, and what we sent after it (the closing PINGREQ) became part of it.
    v.mid_packet = true;
    return v;
  }
  if (e && !v.refused) {
    const packet_type t = static_cast<packet_type>(d.offset() < bytes.size() ? bytes[d.offset()] >> 4 : 0);
    const codec::rule_info& i = codec::info(e->id);
    std::string why = "a malformed packet (" + std::string(i.name) + ": " + std::string(i.message) + ")";
    std::string statement = statement_of(*e, e->version);
    if (!v.connect_seen && t != packet_type::connect && t != packet_type{}) {
      // Not CONNECT, whatever else is wrong with it: the first packet's type is what the broker
      // must refuse, and a shrunk replay keeps that reason.
      statement = "MQTT-3.1.0-1";
      why = "a first packet " + type_name(t) + " instead of CONNECT, " + why;
    } else if (t == packet_type::publish && e->id == codec::rule::property_subscription_identifier_zero) {
      // The rule against the value 0 is SUBSCRIBE's; from a client, PUBLISH may carry none.
      statement = "MQTT-3.3.4-6";
    }
    v.refused = sent_view::refusal{t == packet_type{} ? std::string("-") : type_name(t), std::move(statement), std::move(why),
                                   index, e->id};
  }
  v.mid_packet = !e && d.mid_packet();
  return v;
}

// What the broker sent on one connection, framed.
struct received_view {
  std::optional<codec::error> error;
  std::uint64_t error_packet_offset = 0;  // where the packet with the error starts
  std::optional<packet_type> first;
  std::optional<std::uint8_t> connack_code;
  std::size_t connacks = 0, pingresp = 0;
  std::vector<std::pair<packet_type, std::uint16_t>> acks;  // SUBACK, UNSUBACK, PUBACK, PUBREC, PUBCOMP
  std::size_t positive_subacks = 0;
};

received_view read_received(protocol_version v, const byte_vector& bytes) {
  received_view r;
  codec::stream_decoder d({.version = v, .receiver = codec::receiver_role::client, .adopt_connect_version = false});
  r.error = d.feed(bytes, [&](const codec::packet& p) {
    const packet_type t = codec::type_of(p);
    if (!r.first) r.first = t;
    if (const auto* a = std::get_if<codec::connack>(&p)) {
      ++r.connacks;
      if (!r.connack_code) r.connack_code = a->reason_code;
    } else if (std::holds_alternative<codec::pingresp>(p)) {
      ++r.pingresp;
    } else if (const auto* s = std::get_if<codec::suback>(&p)) {
      r.acks.emplace_back(t, s->packet_id);
    } else if (const auto* u = std::get_if<codec::unsuback>(&p)) {
      r.acks.emplace_back(t, u->packet_id);
    } else if (const auto* pa = std::get_if<codec::puback>(&p)) {
      r.acks.emplace_back(t, pa->packet_id);
    } else if (const auto* pr = std::get_if<codec::pubrec>(&p)) {
      r.acks.emplace_back(t, pr->packet_id);
    } else if (const auto* pc = std::get_if<codec::pubcomp>(&p)) {
      r.acks.emplace_back(t, pc->packet_id);
    }
  });
  r.error_packet_offset = d.offset();
  return r;
}

// The requests an answer of type `t` settles, and the statement that ties the two.
struct answer_rule {
  packet_type answer;
  packet_type request;
  std::multiset<std::uint16_t> sent_view::*ids;
  std::string_view owed_v311, owed_v5;  // the broker MUST answer
  std::string_view id_v311, id_v5;      // the answer MUST carry the request's Packet Identifier
};

const answer_rule answer_rules[] = {
    {packet_type::suback, packet_type::subscribe, &sent_view::subscribe_ids, "MQTT-3.8.4-1", "MQTT-3.8.4-1",
     "MQTT-3.8.4-2", "MQTT-3.8.4-2"},
    {packet_type::unsuback, packet_type::unsubscribe, &sent_view::unsubscribe_ids, "MQTT-3.10.4-4", "MQTT-3.10.4-4",
     "MQTT-3.10.4-4", "MQTT-3.10.4-5"},
    {packet_type::puback, packet_type::publish, &sent_view::qos1_ids, "MQTT-3.3.4-1", "MQTT-4.3.2-4", "MQTT-2.3.1-6",
     "MQTT-2.2.1-5"},
    {packet_type::pubrec, packet_type::publish, &sent_view::qos2_ids, "MQTT-3.3.4-1", "MQTT-4.3.3-8", "MQTT-2.3.1-6",
     "MQTT-2.2.1-5"},
    {packet_type::pubcomp, packet_type::pubrel, &sent_view::pubrel_ids, "\u00a73.6.4", "MQTT-4.3.3-11", "MQTT-2.3.1-6",
     "MQTT-2.2.1-5"},
};

class connection_judge {
 public:
  connection_judge(const fuzz_case& c, const case_record& r, std::size_t k, std::vector<verdict>& out)
      : c_(c), rec_(r.conns[k]), deadline_hit_(r.deadline_hit), k_(k), out_(out) {}

  void run() {
    if (!rec_.used || !rec_.opened) return;
    sent_ = read_sent(c_, rec_.sent);
    if (sent_.other_protocol) return;
    got_ = read_received(sent_.version, rec_.received);
    if (got_.error && sent_.version == protocol_version::v5 && got_.error_packet_offset == 0) {
      // A broker of an earlier version reads level 5 as one it does not know and answers with
      // its own CONNACK 0x01 (3.1.1 MQTT-3.1.2-2): not a 5.0 packet, and allowed.
      received_view older = read_received(protocol_version::v3_1_1, rec_.received);
      if (!older.error && older.connack_code == 0x01) {
        got_ = older;
        sent_.foreign = true;
      }
    }
    if (got_.error && !sent_.foreign && echoes_refused_request(*got_.error)) {
      const std::uint64_t at = got_.error_packet_offset;
      echoed_ = static_cast<packet_type>(at < rec_.received.size() ? rec_.received[at] >> 4 : 0);
    } else if (got_.error && !sent_.foreign) {
      const codec::error& e = *got_.error;
      const std::uint64_t at = got_.error_packet_offset;
      const packet_type t = static_cast<packet_type>(at < rec_.received.size() ? rec_.received[at] >> 4 : 0);
      add(t == packet_type{} ? "-" : type_name(t), statement_of(e, e.version),
          "the broker sent bytes the standard does not allow: " + std::string(e.message()) + " (at byte " +
              std::to_string(e.offset) + " of what it sent)");
    }
    if (got_.first && *got_.first != packet_type::connack && *got_.first != packet_type::auth) {
      add(type_name(*got_.first), "MQTT-3.2.0-1", "the broker's first packet is " + type_name(*got_.first) + ", not CONNACK");
    }
    // A well-formed CONNECT that got no answer at all: the broker's liveness is in question (the
    // probe judges it), not what followed.
    if (sent_.connect_seen && rec_.received.empty() && !rec_.ended_by_broker) return;
    // MQTT 3.1 names no reaction to a malformed packet after CONNECT (its close rules came with
    // 3.1.1): from the first such packet on, nothing on a 3.1 connection is judged.
    if (sent_.refused && sent_.connect_seen && sent_.version == protocol_version::v3_1) return;
    if (sent_.refused && !sent_.refused->statement.empty()) {
      judge_refusal();
      return;
    }
    judge_answers();
  }

  // An answer our client-role decoder rejects only because it answers, as the standard says an
  // answer must, a request that was itself malformed: an acknowledgement carrying the request's
  // Packet Identifier 0 (MQTT-2.3.1-6/-7 ask for the same id), an empty SUBACK or UNSUBACK for an
  // empty request (one code per filter, MQTT-3.9.3-1). The departure is answering the request,
  // which the refusal judges.
  bool echoes_refused_request(const codec::error& e) const {
    if (!sent_.refused || !sent_.refused->rule) return false;
    const codec::rule sent = *sent_.refused->rule;
    // 3.1 has no rule against an empty topic: a broker may drop it and answer the rest.
    const bool empty_topic_in_31 = sent == codec::rule::topic_filter_empty && sent_.version == protocol_version::v3_1;
    switch (e.id) {
      case codec::rule::ack_packet_id_zero:
      case codec::rule::subscribe_ack_packet_id_zero:
        return sent == codec::rule::packet_id_zero || sent == codec::rule::ack_packet_id_zero;
      case codec::rule::suback_code_invalid:
        return sent == codec::rule::subscribe_empty || empty_topic_in_31;
      case codec::rule::unsuback_code_invalid:
        return sent == codec::rule::unsubscribe_empty || empty_topic_in_31;
      default: return false;
    }
  }

 private:
  // Something sent had to be refused: nothing from it on may be answered, and the broker must
  // close (5.0 allows CONNACK or DISCONNECT with a reason code first).
  std::optional<packet_type> echoed_;  // the answer that echoes a malformed request (echoes_refused_request)

  void judge_refusal() {
    const sent_view::refusal& f = *sent_.refused;
    const bool refused_connect = f.packet_type == "CONNECT" && !sent_.connect_seen;
    if (!refused_connect) judge_wrong_qos_answers();
    std::string answered;
    if (refused_connect) {
      if (got_.connack_code == 0) answered = "CONNACK 0 (accepted)";
    } else if (echoed_) {
      answered = type_name(*echoed_) + " for it";
    } else if (got_.pingresp > sent_.pingreq) {
      answered = "PINGRESP to the PINGREQ sent after it";
    } else {
      for (const answer_rule& a : answer_rules) {
        if (count(a.answer) > (sent_.*a.ids).size()) {
          answered = type_name(a.answer) + " for it";
          break;
        }
      }
    }
    if (!answered.empty()) {
      add(f.packet_type, f.statement, "the broker answered " + f.why + " with " + answered + " instead of closing");
      return;
    }
    if (!kept_open()) return;
    // The broker still owed answers to requests before the refused packet: it stalled there, and
    // the refusal was never read.
    if (!refused_connect && got_.connack_code == 0 && missing_answer()) return;
    add(f.packet_type, f.statement, "the broker kept the connection open after " + f.why);
  }

  // Reports the first request the broker left unanswered, if any.
  bool missing_answer() {
    for (const answer_rule& a : answer_rules) {
      if (count(a.answer) < (sent_.*a.ids).size()) {
        add(type_name(a.request), by_version(sent_.version, a.owed_v311, a.owed_v5),
            "the broker sent " + std::to_string(count(a.answer)) + " " + type_name(a.answer) + " for " +
                std::to_string((sent_.*a.ids).size()) + " " + type_name(a.request) + " and kept the connection open");
        return true;
      }
    }
    return false;
  }

  // Nothing had to be refused: every answer must match a request, and all must have arrived
  // unless the broker ended the connection (which a broker may do for reasons of its own).
  void judge_answers() {
    if (!sent_.connect_seen) return;
    judge_wrong_qos_answers();
    for (const answer_rule& a : answer_rules) {
      std::multiset<std::uint16_t> open_ids = sent_.*a.ids;
      for (const auto& [t, id] : got_.acks) {
        if (t != a.answer) continue;
        auto it = open_ids.find(id);
        if (it != open_ids.end()) {
          open_ids.erase(it);
          continue;
        }
        if (wrong_qos_answer(t, id)) continue;  // judge_wrong_qos_answers
        add(type_name(t), by_version(sent_.version, a.id_v311, a.id_v5),
            "the broker sent " + type_name(t) + " with Packet Identifier " + std::to_string(id) + ", which no " +
                type_name(a.request) + " on the connection carried");
        break;
      }
    }
    if (got_.connack_code.value_or(0x80) != 0) return;  // refused or never accepted: nothing owed
    if (!kept_open() || sent_.mid_packet) return;
    // What the broker sent stopped decoding (that is its own violation): the answers after it
    // cannot be counted.
    if (got_.error) return;
    // The client sent DISCONNECT, after which it must close (MQTT-3.14.4-1) and the broker may
    // too: answers still owed for what came before it may go unsent.
    if (sent_.refused) return;
    // An earlier request left unanswered says more than the closing PINGREQ queued behind it.
    if (missing_answer()) return;
    if (got_.pingresp < sent_.pingreq) {
      add("PINGREQ", "MQTT-3.12.4-1", "the broker did not answer a PINGREQ within the case's deadline");
    }
  }

  // "2" when a PUBACK answers a QoS 2 PUBLISH of that id, "1" when a PUBREC answers a QoS 1 one.
  const char* wrong_qos_answer(packet_type t, std::uint16_t id) const {
    if (t == packet_type::puback && sent_.qos2_ids.contains(id) && !sent_.qos1_ids.contains(id)) return "2";
    if (t == packet_type::pubrec && sent_.qos1_ids.contains(id) && !sent_.qos2_ids.contains(id)) return "1";
    return nullptr;
  }

  // The first acknowledgement of the wrong kind, if any; count() leaves them out.
  void judge_wrong_qos_answers() {
    for (const auto& [t, id] : got_.acks) {
      if (const char* qos = wrong_qos_answer(t, id)) {
        add("PUBLISH", "MQTT-3.3.4-1",
            "the broker answered a QoS " + std::string(qos) + " PUBLISH (Packet Identifier " + std::to_string(id) + ") with " +
                type_name(t));
        return;
      }
    }
  }

  std::size_t count(packet_type t) const {
    std::size_t n = 0;
    for (const auto& [at, id] : got_.acks) n += at == t && !wrong_qos_answer(at, id) ? 1 : 0;
    return n;
  }

  // Open at the case's deadline, by the broker's choice.
  bool kept_open() const { return deadline_hit_ && !rec_.ended_by_broker && !rec_.ended_by_case; }

  void add(std::string type, std::string statement, std::string detail) {
    out_.push_back(verdict{oracle::violation, std::move(type), std::move(statement), std::move(detail),
                           static_cast<std::uint8_t>(k_)});
  }

  const fuzz_case& c_;
  const connection_record& rec_;
  bool deadline_hit_;
  std::size_t k_;
  std::vector<verdict>& out_;
  sent_view sent_;
  received_view got_;
};

// Two connections of one client id both accepted and both still open at the end: whichever
// connected second must have ended the other (3.1.1 MQTT-3.1.4-2, 5.0 MQTT-3.1.4-3). Which one
// the broker saw first is not known (they were opened at once), so either may have been closed.
void judge_takeovers(const fuzz_case& c, const case_record& r, std::vector<verdict>& out) {
  if (!r.deadline_hit) return;
  struct accepted {
    std::size_t conn;
    std::string client_id;
    protocol_version version;
  };
  std::vector<accepted> open;
  for (std::size_t k = 0; k < r.conns.size(); ++k) {
    const connection_record& rec = r.conns[k];
    if (!rec.opened || rec.ended_by_broker || rec.ended_by_case) continue;
    sent_view sent = read_sent(c, rec.sent);
    if (!sent.client_id || sent.client_id->empty()) continue;
    if (sent.refused && sent.refused->packet_type == "DISCONNECT") continue;
    if (read_received(sent.version, rec.received).connack_code != 0) continue;
    for (const accepted& a : open) {
      if (a.client_id != *sent.client_id) continue;
      out.push_back(verdict{oracle::violation, "CONNECT", by_version(sent.version, "MQTT-3.1.4-2", "MQTT-3.1.4-3"),
                            "connections " + std::to_string(a.conn) + " and " + std::to_string(k) + " both connected as client '" +
                                *sent.client_id + "' and the broker kept both open",
                            static_cast<std::uint8_t>(k)});
      return;
    }
    open.push_back(accepted{k, *sent.client_id, sent.version});
  }
}

}  // namespace

std::string_view to_string(oracle o) {
  switch (o) {
    case oracle::crash: return "crash";
    case oracle::sanitizer: return "sanitizer";
    case oracle::hang: return "hang";
    case oracle::resource: return "resource";
    case oracle::violation: return "violation";
  }
  return "?";
}

std::optional<oracle> oracle_from(std::string_view name) {
  for (oracle o : {oracle::crash, oracle::sanitizer, oracle::hang, oracle::resource, oracle::violation}) {
    if (to_string(o) == name) return o;
  }
  return std::nullopt;
}

std::string verdict::signature() const {
  return std::string(to_string(kind)) + "/" + packet_type + "/" + statement;
}

std::vector<verdict> judge(const fuzz_case& c, const case_record& r) {
  std::vector<verdict> out;
  for (std::size_t k = 0; k < r.conns.size(); ++k) connection_judge(c, r, k, out).run();
  judge_takeovers(c, r, out);
  return out;
}

}  // namespace harness::netfuzz
