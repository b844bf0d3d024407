// A scripted network around the sans-IO broker: opens connections, sends encoded packets,
// collects and decodes what the broker sends back, and moves time forward.
#pragma once

#include <algorithm>
#include <deque>
#include <map>
#include <vector>

#include "mqtt/broker/broker.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"

namespace mqtt::test {

namespace codec = mqtt::codec;

class broker_fixture {
 public:
  explicit broker_fixture(broker::options opts = {}, std::shared_ptr<broker::authenticator> authn = nullptr,
                          std::shared_ptr<broker::authorizer> authz = nullptr)
      : b(std::move(opts), std::move(authn), std::move(authz)) {
    b.set_logger([this](const broker::log_record& r) {
      logs.push_back(r.text);
      log_statements.emplace_back(r.statement);
    });
  }

  broker::connection_id open(codec::protocol_version v = codec::protocol_version::v3_1_1) {
    broker::connection_id id = next_id++;
    peers[id].version = v;
    b.on_open(id, {"127.0.0.1:" + std::to_string(id), "sim"}, now);
    pump();
    return id;
  }

  void send(broker::connection_id id, const codec::packet& p) {
    std::vector<std::uint8_t> bytes;
    auto r = codec::encode(p, peers.at(id).version, bytes);
    if (!r) throw std::runtime_error("test built an invalid packet: " + std::string(r.err().message()));
    send_raw(id, bytes);
  }
  void send_raw(broker::connection_id id, std::span<const std::uint8_t> bytes) {
    b.on_bytes(id, bytes, now);
    pump();
  }

  // CONNECT and expect CONNACK; returns the connection.
  broker::connection_id connect(codec::connect c) {
    broker::connection_id id = open(c.version);
    send(id, c);
    return id;
  }
  static codec::connect connect_packet(std::string_view client_id, bool clean = true,
                                       codec::protocol_version v = codec::protocol_version::v3_1_1) {
    codec::connect c;
    c.version = v;
    c.client_id = client_id;
    c.clean_start = clean;
    c.keep_alive_s = 0;
    return c;
  }

  void network_close(broker::connection_id id) {
    b.on_closed(id, now);
    pump();
  }
  void shutdown() {
    b.shutdown(now);
    pump();
  }
  void advance(broker::clock_ms ms) {
    now += ms;
    b.on_timer(now);
    pump();
  }

  // Packets received by `id` since the last call.
  std::vector<codec::packet> received(broker::connection_id id) {
    peer& p = peers.at(id);
    std::vector<codec::packet> out;
    for (; p.consumed < p.frames.size(); ++p.consumed) {
      codec::decode_options o;
      o.version = p.version;
      o.receiver = codec::receiver_role::client;
      auto r = codec::decode_packet(p.frames[p.consumed], o);
      if (!r) throw std::runtime_error("broker sent an invalid packet: " + std::string(r.err().message()));
      out.push_back(std::move(r).value());
    }
    return out;
  }
  template <class T>
  std::vector<T> received_of(broker::connection_id id) {
    std::vector<T> out;
    for (auto& p : received(id)) {
      if (auto* x = std::get_if<T>(&p)) out.push_back(*x);
    }
    return out;
  }
  bool closed(broker::connection_id id) const { return peers.at(id).closed; }
  // Size of the largest packet `id` has been sent so far, fixed header included.
  std::size_t largest_packet(broker::connection_id id) const {
    std::size_t n = 0;
    for (const auto& frame : peers.at(id).frames) n = std::max(n, frame.size());
    return n;
  }

  broker::broker b;
  broker::clock_ms now = 1'000'000;
  std::vector<std::string> logs;
  std::vector<mqtt::spec::statement_id> log_statements;  // the statement of each log line, or empty
  bool logged_statement(mqtt::spec::statement_id id) const {
    return std::find(log_statements.begin(), log_statements.end(), id) != log_statements.end();
  }

 private:
  struct peer {
    codec::protocol_version version;
    std::deque<std::vector<std::uint8_t>> frames;  // one complete packet each, kept alive for views
    std::vector<std::uint8_t> partial;
    std::size_t consumed = 0;
    bool closed = false;
  };

  void pump() {
    for (broker::action& a : b.take_actions()) {
      if (auto* s = std::get_if<broker::send_bytes>(&a)) {
        peer& p = peers.at(s->conn);
        if (p.closed) throw std::runtime_error("broker sent bytes after closing the connection");
        p.partial.insert(p.partial.end(), s->bytes.begin(), s->bytes.end());
        split(p);
      } else if (auto* c = std::get_if<broker::close_connection>(&a)) {
        peers.at(c->conn).closed = true;
      }
    }
  }
  static void split(peer& p) {
    for (;;) {
      codec::frame f;
      codec::decode_options o;
      o.version = p.version;
      auto st = codec::peek_frame(p.partial, o, f);
      if (!st) throw std::runtime_error("broker sent a bad fixed header");
      if (st.value() == codec::frame_status::need_more || f.size() > p.partial.size()) return;
      p.frames.emplace_back(p.partial.begin(), p.partial.begin() + static_cast<std::ptrdiff_t>(f.size()));
      p.partial.erase(p.partial.begin(), p.partial.begin() + static_cast<std::ptrdiff_t>(f.size()));
    }
  }

  broker::connection_id next_id = 1;
  std::map<broker::connection_id, peer> peers;
};

inline codec::publish make_publish(std::string_view topic, std::string_view payload,
                                   codec::qos q = codec::qos::at_most_once, std::uint16_t id = 0,
                                   bool retain = false) {
  codec::publish p;
  p.topic = topic;
  p.payload = payload;
  p.qos = q;
  p.packet_id = q == codec::qos::at_most_once ? 0 : id;
  p.retain = retain;
  return p;
}

// PUBACK, PUBREC, PUBREL or PUBCOMP for `id`.
inline codec::packet make_ack(codec::packet_type t, std::uint16_t id, std::uint8_t reason = 0) {
  switch (t) {
    case codec::packet_type::puback: return codec::puback{id, reason, {}};
    case codec::packet_type::pubrec: return codec::pubrec{id, reason, {}};
    case codec::packet_type::pubrel: return codec::pubrel{id, reason, {}};
    case codec::packet_type::pubcomp: return codec::pubcomp{id, reason, {}};
    default: throw std::logic_error("make_ack: not an acknowledgement");
  }
}

inline codec::subscribe make_subscribe(std::uint16_t id, std::string_view filter,
                                       codec::qos q = codec::qos::at_most_once) {
  codec::subscribe s;
  s.packet_id = id;
  s.subscriptions.push_back({filter, {q, false, false, 0}});
  return s;
}

}  // namespace mqtt::test
