// The differential oracle: the reference broker core fed the case's steps (each connection's
// closing PINGREQ after its last step), its close actions and log records collected per
// connection.
#include "netfuzz/differential.hpp"

#include <array>

#include "mqtt/broker/broker.hpp"
#include "mqtt/codec/decoder.hpp"

namespace harness::netfuzz {
namespace {

namespace codec = mqtt::codec;
namespace broker = mqtt::broker;

// Reason codes of a refusal the standard leaves to the broker: authentication and
// authorization, client identifiers it does not accept, limits it announces or keeps, features
// it does not offer, session takeover, being busy.
bool chosen_by_the_broker(std::uint8_t reason) {
  switch (reason) {
    case 0x80:  // Unspecified error
    case 0x83:  // Implementation specific error
    case 0x85:  // Client Identifier not valid
    case 0x86:  // Bad User Name or Password
    case 0x87:  // Not authorized
    case 0x88:  // Server unavailable
    case 0x89:  // Server busy
    case 0x8A:  // Banned
    case 0x8C:  // Bad authentication method
    case 0x8E:  // Session taken over
    case 0x93:  // Receive Maximum exceeded
    case 0x94:  // Topic Alias invalid (against the Topic Alias Maximum it announced)
    case 0x95:  // Packet too large
    case 0x97:  // Quota exceeded
    case 0x9A:  // Retain not supported
    case 0x9B:  // QoS not supported
    case 0x9F:  // Connection rate exceeded
      return true;
    default:
      return false;
  }
}

// Statements whose verdict depends on more than the bytes the client sent: which of the broker's
// own messages are in flight when an acknowledgement arrives (section 4.3), which connection of
// a client id came first (takeover), and the server's own Maximum Packet Size.
bool timing_dependent(const std::string& statement) {
  return statement.starts_with("MQTT-4.3.2-") || statement.starts_with("MQTT-4.3.3-") || statement == "MQTT-3.1.4-2" ||
         statement == "MQTT-3.1.4-3" || statement == "MQTT-3.2.2-15" || statement == "MQTT-3.3.4-7";
}

std::string last_packet_type(const byte_vector& fed) {
  std::size_t at = 0;
  std::uint8_t last = 0;
  while (at < fed.size()) {
    last = fed[at];
    std::size_t h = at + 1;
    std::uint64_t length = 0, scale = 1;
    while (h < fed.size() && h < at + 5) {
      length += (fed[h] & 0x7FU) * scale;
      scale *= 128;
      if ((fed[h++] & 0x80) == 0) break;
    }
    at = h + length;
  }
  const auto t = static_cast<codec::packet_type>(last >> 4);
  std::string name(codec::to_string(t));
  return name.empty() || t == codec::packet_type{} ? "reserved" : name;
}

// What the reference sent on a connection: the reason of its last DISCONNECT or refusing
// CONNACK, if any.
std::optional<std::uint8_t> refusal_reason(const byte_vector& sent, codec::protocol_version v) {
  codec::stream_decoder d({.version = v, .receiver = codec::receiver_role::client, .adopt_connect_version = false});
  std::optional<std::uint8_t> reason;
  d.feed(sent, [&](const codec::packet& p) {
    if (const auto* a = std::get_if<codec::connack>(&p); a && a->reason_code != 0) reason = a->reason_code;
    if (const auto* x = std::get_if<codec::disconnect>(&p)) reason = x->reason_code;
  });
  return reason;
}

}  // namespace

std::vector<reference_close> run_on_reference(const fuzz_case& c) {
  broker::broker core;
  std::vector<reference_close> out(case_connections_max);
  std::array<byte_vector, case_connections_max> fed, answered;
  std::array<bool, case_connections_max> open{}, ended{};
  std::array<std::string, case_connections_max> statement, why;
  core.set_logger([&](const broker::log_record& rec) {
    if (rec.conn == 0 || rec.conn > case_connections_max || rec.statement.empty()) return;
    statement[rec.conn - 1] = std::string(rec.statement.text());
    why[rec.conn - 1] = rec.text;
  });
  broker::clock_ms now = 1'000;
  // The reference's packets to each connection, framed as they come, so its QoS 1/2 deliveries
  // are answered as the executor answers the real broker's.
  std::vector<codec::stream_decoder> readers;
  for (std::size_t k = 0; k < case_connections_max; ++k) {
    readers.emplace_back(codec::decode_options{.version = c.version, .receiver = codec::receiver_role::client,
                                               .adopt_connect_version = false});
  }
  std::vector<std::pair<std::size_t, byte_vector>> acks;
  auto collect = [&] {
    for (broker::action& a : core.take_actions()) {
      if (auto* s = std::get_if<broker::send_bytes>(&a); s && s->conn >= 1 && s->conn <= case_connections_max) {
        const std::size_t k = s->conn - 1;
        answered[k].insert(answered[k].end(), s->bytes.begin(), s->bytes.end());
        if (!c.auto_ack) continue;
        readers[k].feed(s->bytes, [&](const codec::packet& p) {
          byte_vector ack;
          if (const auto* pub = std::get_if<codec::publish>(&p)) {
            if (pub->qos == codec::qos::at_least_once) ack = {0x40, 0x02, static_cast<std::uint8_t>(pub->packet_id >> 8), static_cast<std::uint8_t>(pub->packet_id)};
            if (pub->qos == codec::qos::exactly_once) ack = {0x50, 0x02, static_cast<std::uint8_t>(pub->packet_id >> 8), static_cast<std::uint8_t>(pub->packet_id)};
          } else if (const auto* rel = std::get_if<codec::pubrel>(&p)) {
            ack = {0x70, 0x02, static_cast<std::uint8_t>(rel->packet_id >> 8), static_cast<std::uint8_t>(rel->packet_id)};
          }
          if (!ack.empty()) acks.emplace_back(k, std::move(ack));
        });
      } else if (auto* x = std::get_if<broker::close_connection>(&a); x && x->conn >= 1 && x->conn <= case_connections_max) {
        const std::size_t k = x->conn - 1;
        if (ended[k]) continue;
        ended[k] = true;
        out[k].closed = true;
        out[k].statement = statement[k];
        out[k].why = why[k];
        out[k].packet_type = last_packet_type(fed[k]);
      }
    }
  };
  // What each connection was sent so far, framed as the broker reads it: answers wait for a
  // packet boundary, as the executor's do.
  std::vector<codec::stream_decoder> framing;
  std::vector<bool> framing_failed(case_connections_max, false);
  for (std::size_t k = 0; k < case_connections_max; ++k) {
    framing.emplace_back(codec::decode_options{.version = c.version, .receiver = codec::receiver_role::server});
  }
  std::vector<std::pair<std::size_t, byte_vector>> held;
  auto push = [&](std::size_t k, std::span<const std::uint8_t> bytes) {
    fed[k].insert(fed[k].end(), bytes.begin(), bytes.end());
    if (!framing_failed[k] && framing[k].feed(bytes, [](const codec::packet&) {})) framing_failed[k] = true;
    core.on_bytes(k + 1, bytes, now);
    collect();
  };
  auto at_boundary = [&](std::size_t k) { return !framing_failed[k] && !framing[k].mid_packet(); };
  auto feed = [&](std::size_t k, std::span<const std::uint8_t> bytes) {
    if (ended[k]) return;
    if (!open[k]) {
      open[k] = true;
      core.on_open(k + 1, broker::connection_info{"127.0.0.1:0", "tcp"}, now);
    }
    push(k, bytes);
    // The answers to its deliveries, bounded: each round answers what the last one brought.
    for (std::size_t round = 0; round < 64 && (!acks.empty() || !held.empty()); ++round) {
      auto due = std::move(held);
      held.clear();
      due.insert(due.end(), std::make_move_iterator(acks.begin()), std::make_move_iterator(acks.end()));
      acks.clear();
      bool moved = false;
      for (auto& [to, ack] : due) {
        if (ended[to]) continue;
        if (!at_boundary(to)) {
          held.emplace_back(to, std::move(ack));
          continue;
        }
        push(to, ack);
        moved = true;
      }
      if (!moved && acks.empty()) break;
    }
  };
  for (const step& s : c.steps) {
    now += s.delay_ms;
    core.on_timer(now);
    collect();
    if (s.k == step::kind::close) {
      if (open[s.conn] && !ended[s.conn]) {
        ended[s.conn] = true;
        core.on_closed(s.conn + 1, now);
        collect();
      }
      continue;
    }
    feed(s.conn, s.bytes);
  }
  static constexpr std::array<std::uint8_t, 2> pingreq{0xC0, 0x00};
  for (std::size_t k = 0; k < case_connections_max; ++k) {
    if (open[k] && !ended[k]) feed(k, pingreq);
  }
  for (std::size_t k = 0; k < case_connections_max; ++k) {
    if (!out[k].closed || out[k].statement.empty()) continue;
    const std::optional<std::uint8_t> reason = refusal_reason(answered[k], c.version);
    // 3.1.1 has no reason codes: its refusing CONNACK codes 2 (identifier rejected), 4 (bad user
    // name or password) and 5 (not authorized) are the broker's choice too.
    const bool v5 = c.version == codec::protocol_version::v5;
    const bool chosen = reason && (v5 ? chosen_by_the_broker(*reason) : (*reason == 2 || *reason == 4 || *reason == 5));
    out[k].compared = !chosen && !timing_dependent(out[k].statement);
  }
  return out;
}

std::vector<verdict> diverge(const fuzz_case& c, const case_record& r, const std::vector<verdict>& judged) {
  std::vector<verdict> out;
  std::vector<reference_close> ref = run_on_reference(c);
  for (std::size_t k = 0; k < case_connections_max && k < r.conns.size(); ++k) {
    const connection_record& rec = r.conns[k];
    if (!ref[k].compared || !rec.opened || rec.ended_by_broker || rec.ended_by_case) continue;
    if (!rec.settled && !r.deadline_hit) continue;
    bool already = false;
    for (const verdict& v : judged) already = already || v.conn == k;
    if (already) continue;
    out.push_back(verdict{oracle::violation, ref[k].packet_type, ref[k].statement,
                          "the reference broker closes connection " + std::to_string(k) + " here (" + ref[k].why +
                              ") and the broker kept it open",
                          static_cast<std::uint8_t>(k)});
  }
  return out;
}

}  // namespace harness::netfuzz
