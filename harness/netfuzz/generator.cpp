// The generator. One PRNG per case, seeded from (campaign seed, case number), draws the origin,
// the walk, the mutation and the cuts in that order, so a case never depends on another.
#include "netfuzz/generator.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "mqtt/assert.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "sim/random.hpp"

namespace harness::netfuzz {
namespace {

namespace codec = mqtt::codec;
using codec::protocol_version;
using codec::qos;

// Packets of one model walk, at most, and operations between connect and the end.
constexpr std::size_t walk_operations_max = 8;
constexpr std::size_t payload_size_max = 4096;
constexpr std::size_t long_string_size = 20'000;

const std::vector<std::string> edges = {
    "connect",         "connect-persistent", "connect-will",     "connect-credentials", "first-not-connect",
    "subscribe-qos0",  "subscribe-qos1",     "subscribe-qos2",   "publish-qos0",        "publish-qos1",
    "publish-qos2",    "publish-qos2-no-pubrel", "publish-retained", "unsubscribe",     "ping",
    "disconnect",      "disconnect-with-will", "drop",           "takeover",            "reconnect-session",
    "seed",            "catalogue",          "mutate-field",     "mutate-bytes",        "split-writes",
    "coalesce-writes", "server-only-packet",
};

std::uint64_t case_seed(std::uint64_t seed, std::uint64_t number) {
  std::uint64_t s = seed ^ (number * 0x9E37'79B9'7F4A'7C15ULL);
  return sim::splitmix64(s);
}

codec::pubrel pubrel_for(std::uint16_t id) {
  codec::pubrel r;
  r.packet_id = id;
  return r;
}

codec::disconnect disconnect_with(std::uint8_t reason) {
  codec::disconnect d;
  d.reason_code = reason;
  return d;
}

// One packet of a case before it is cut into writes.
struct planned {
  std::uint8_t conn = 0;
  std::uint32_t delay_ms = 0;
  bool close = false;  // a close step instead of a packet
  std::optional<codec::packet> packet;  // structured, encoded at the end (field mutations apply)
  byte_vector raw;                      // bytes, when the packet came as bytes (seeds, catalogue)
};

class builder {
 public:
  builder(const generator_options& o, std::uint64_t number)
      : o_(o), rng_(case_seed(o.seed, number)) {
    c_.number = number;
    c_.version = o.versions[rng_.below(o.versions.size())];
    c_.tag = make_tag();
  }

  fuzz_case build() {
    const std::uint64_t pick = rng_.below(100);
    const seed_store* seeds = o_.seeds;
    if (seeds && !seeds->catalogue.empty() && pick < 15) {
      from_seed(seeds->sessions[seeds->catalogue[rng_.below(seeds->catalogue.size())]], "catalogue");
    } else if (seeds && !seeds->sessions.empty() && pick < 35) {
      from_seed(seeds->sessions[rng_.below(seeds->sessions.size())], "seed");
    } else {
      walk();
    }
    mutate();
    cut();
    if (c_.mutation.empty()) c_.mutation = "none";
    std::sort(c_.edges.begin(), c_.edges.end());
    c_.edges.erase(std::unique(c_.edges.begin(), c_.edges.end()), c_.edges.end());
    return std::move(c_);
  }

 private:
  std::string make_tag() {
    static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string t = "f";
    while (t.size() < case_tag_size) t += alphabet[rng_.below(alphabet.size())];
    return t;
  }

  std::string_view keep(std::string s) { return arena_.emplace_back(std::move(s)); }
  std::string client_id(std::size_t n) { return "mh" + c_.tag + "c" + std::to_string(n); }
  std::string topic() {
    static constexpr std::string_view leaves[] = {"a", "b", "a/b", "x/y/z", "q"};
    return "mh/" + c_.tag + "/" + std::string(leaves[rng_.below(std::size(leaves))]);
  }
  std::string filter() {
    static constexpr std::string_view leaves[] = {"a", "#", "+", "a/#", "+/b", "x/+/z"};
    return "mh/" + c_.tag + "/" + std::string(leaves[rng_.below(std::size(leaves))]);
  }
  qos any_qos() { return static_cast<qos>(rng_.below(3)); }
  std::uint16_t next_id() { return ++packet_id_ == 0 ? ++packet_id_ : packet_id_; }

  void add(std::uint8_t conn, codec::packet p, std::uint32_t delay = 0) {
    plan_.push_back(planned{conn, delay, false, std::move(p), {}});
  }
  void edge(const std::string& e) { c_.edges.push_back(e); }
  bool v5() const { return c_.version == protocol_version::v5; }

  codec::connect make_connect(const std::string& id, bool persistent) {
    codec::connect con;
    con.version = c_.version;
    con.client_id = keep(id);
    con.clean_start = !persistent;
    con.keep_alive_s = static_cast<std::uint16_t>(rng_.chance(0.2) ? 0 : rng_.between(10, 120));
    if (persistent && v5()) con.props.session_expiry_interval_s = 60;
    if (rng_.chance(0.25)) {
      edge("connect-will");
      codec::will_message w;
      w.topic = keep(topic());
      w.payload = keep("will");
      w.qos = any_qos();
      w.retain = rng_.chance(0.2);
      if (v5() && rng_.chance(0.5)) w.props.will_delay_interval_s = static_cast<std::uint32_t>(rng_.below(3));
      con.will = w;
    }
    if (o_.credentials_always || rng_.chance(0.15)) {
      edge("connect-credentials");
      con.user_name = keep(o_.user_name);
      if (o_.credentials_always || rng_.chance(0.7)) con.password = keep(o_.password);
    }
    if (v5() && rng_.chance(0.3)) {
      con.props.receive_maximum = static_cast<std::uint16_t>(rng_.between(1, 100));
      con.props.topic_alias_maximum = static_cast<std::uint16_t>(rng_.below(10));
      con.props.maximum_packet_size = static_cast<std::uint32_t>(rng_.between(128, 1 << 20));
    }
    edge(persistent ? "connect-persistent" : "connect");
    return con;
  }

  // A packet only a server sends (CONNACK, SUBACK, UNSUBACK, PINGRESP), out of place from a client.
  void server_only_packet(std::uint8_t conn) {
    edge("server-only-packet");
    switch (rng_.below(4)) {
      case 0: {
        codec::connack a;
        a.session_present = rng_.chance(0.5);
        a.reason_code = static_cast<std::uint8_t>(rng_.chance(0.7) ? 0 : 0x80);
        add(conn, a);
        break;
      }
      case 1: {
        codec::suback a;
        a.packet_id = next_id();
        a.reason_codes.push_back(0);
        add(conn, a);
        break;
      }
      case 2: {
        codec::unsuback a;
        a.packet_id = next_id();
        if (v5()) a.reason_codes.push_back(0);
        add(conn, a);
        break;
      }
      default: add(conn, codec::pingresp{});
    }
  }

  // One operation of an established session on `conn`.
  void operation(std::uint8_t conn) {
    if (rng_.chance(0.02)) return server_only_packet(conn);
    switch (rng_.below(9)) {
      case 0:
      case 1: {
        codec::subscribe s;
        s.packet_id = next_id();
        const std::size_t n = 1 + rng_.below(3);
        for (std::size_t k = 0; k < n; ++k) {
          codec::subscription sub;
          sub.filter = keep(filter());
          sub.options.max_qos = any_qos();
          if (v5()) {
            sub.options.no_local = rng_.chance(0.2);
            sub.options.retain_as_published = rng_.chance(0.2);
            sub.options.retain_handling = static_cast<std::uint8_t>(rng_.below(3));
          }
          edge("subscribe-qos" + std::to_string(static_cast<int>(sub.options.max_qos)));
          s.subscriptions.push_back(sub);
        }
        if (v5() && rng_.chance(0.3)) s.props.subscription_identifiers.push_back(static_cast<std::uint32_t>(rng_.between(1, 1000)));
        add(conn, s);
        break;
      }
      case 2:
      case 3:
      case 4: {
        codec::publish p;
        p.qos = any_qos();
        p.topic = keep(topic());
        p.retain = rng_.chance(0.15);
        p.payload = keep(std::string(rng_.below(rng_.chance(0.1) ? payload_size_max : 32), 'p'));
        if (p.qos != qos::at_most_once) p.packet_id = rng_.chance(0.2) ? last_publish_id_ : next_id();
        if (p.packet_id == 0 && p.qos != qos::at_most_once) p.packet_id = next_id();
        last_publish_id_ = p.packet_id;
        if (v5() && rng_.chance(0.3)) {
          p.props.message_expiry_interval_s = static_cast<std::uint32_t>(rng_.between(1, 60));
          p.props.user_properties.emplace_back(keep("k"), keep("v"));
        }
        if (p.retain) edge("publish-retained");
        const std::uint16_t id = p.packet_id;
        const qos q = p.qos;
        add(conn, p);
        if (q == qos::exactly_once) {
          if (rng_.chance(0.8)) {
            edge("publish-qos2");
            add(conn, pubrel_for(id));
          } else {
            edge("publish-qos2-no-pubrel");
          }
        } else {
          edge("publish-qos" + std::to_string(static_cast<int>(q)));
        }
        break;
      }
      case 5:
      case 6: {
        codec::unsubscribe u;
        u.packet_id = next_id();
        u.filters.push_back(keep(filter()));
        if (rng_.chance(0.3)) u.filters.push_back(keep(filter()));
        add(conn, u);
        edge("unsubscribe");
        break;
      }
      default:
        add(conn, codec::pingreq{});
        edge("ping");
    }
  }

  void operations(std::uint8_t conn) {
    const std::size_t n = rng_.below(walk_operations_max + 1);
    for (std::size_t k = 0; k < n; ++k) operation(conn);
  }

  void end_session(std::uint8_t conn) {
    if (v5() && rng_.chance(0.15)) {
      add(conn, disconnect_with(0x04));
      edge("disconnect-with-will");
    } else if (rng_.chance(0.8)) {
      add(conn, codec::disconnect{});
      edge("disconnect");
    } else {
      plan_.push_back(planned{conn, 0, true, std::nullopt, {}});
      edge("drop");
    }
  }

  void walk() {
    c_.origin = "model";
    const std::string id = client_id(0);
    if (rng_.chance(0.06)) {
      edge("first-not-connect");
      operation(0);
    }
    const std::uint64_t ending = rng_.below(10);
    const bool persistent = ending >= 8 || rng_.chance(0.3);
    add(0, make_connect(id, persistent));
    operations(0);
    if (ending == 7) {
      // Takeover: a second connection with the same client id while the first is open.
      edge("takeover");
      add(1, make_connect(id, rng_.chance(0.5)), static_cast<std::uint32_t>(5 + rng_.below(10)));
      c_.expect_end_mask |= 1U;
      operations(1);
      end_session(1);
    } else if (ending >= 8) {
      // The session outlives its connection: DISCONNECT, then a new connection resumes it.
      edge("reconnect-session");
      add(0, codec::disconnect{});
      plan_.push_back(planned{0, 0, true, std::nullopt, {}});
      add(1, make_connect(id, true), static_cast<std::uint32_t>(2 + rng_.below(10)));
      operations(1);
      end_session(1);
    } else {
      end_session(0);
    }
  }

  void from_seed(const seed_session& s, const char* kind) {
    c_.version = s.version;
    edge(kind);
    c_.origin = std::string(kind) + " " + s.scenario;
    if (!s.malformed_rule.empty()) c_.origin += " (" + s.malformed_rule + ")";
    // Seeds keep their writes as they were: the suite cut its own packets.
    for (const step& st : s.steps) {
      planned p;
      p.conn = st.conn;
      p.raw = st.bytes;
      retag(p.raw, c_.tag);
      plan_.push_back(std::move(p));
    }
    from_seed_ = true;
  }

  void mutate() {
    std::vector<std::size_t> packets;
    for (std::size_t i = 0; i < plan_.size(); ++i) {
      if (!plan_[i].close) packets.push_back(i);
    }
    if (packets.empty()) return;
    const std::uint64_t pick = rng_.below(100);
    const bool catalogue = c_.origin.starts_with("catalogue");
    if (pick < (catalogue ? 60 : 25)) return;
    planned& target = plan_[packets[rng_.below(packets.size())]];
    const std::size_t index = static_cast<std::size_t>(&target - plan_.data());
    if (!target.packet && !target.raw.empty() && pick < 65) {
      // A seed's packet: decoded, so its fields can be changed (only the first packet of a write).
      codec::decode_options d{.version = c_.version, .receiver = codec::receiver_role::server};
      codec::frame f;
      auto h = codec::peek_frame(target.raw, d, f);
      if (h && *h == codec::frame_status::complete_header && f.size() == target.raw.size()) {
        arena_.emplace_back(target.raw.begin(), target.raw.end());
        const std::string& held = arena_.back();
        auto p = codec::decode_packet(std::span(reinterpret_cast<const std::uint8_t*>(held.data()), held.size()), d);
        if (p) {
          target.packet = std::move(*p);
          target.raw.clear();
        }
      }
    }
    if (target.packet && pick < 65) {
      mutate_field(*target.packet, index);
      return;
    }
    encode_one(target);
    mutate_bytes(target.raw, index);
  }

  void encode_one(planned& p) {
    if (!p.packet) return;
    p.raw.clear();
    codec::encode_unchecked(*p.packet, c_.version, p.raw);
    p.packet.reset();
  }

  std::string_view odd_string() {
    switch (rng_.below(8)) {
      case 0: return "";
      case 1: return keep(std::string("a\0b", 3));
      case 2: return keep("\xC3\x28");  // ill-formed UTF-8
      case 3: return keep("\xED\xA0\x80");  // a surrogate
      case 4: return keep("mh/" + c_.tag + "/+/x");
      case 5: return keep("mh/" + c_.tag + "/#/x");
      case 6: return keep(std::string(long_string_size, 'L'));
      default: return keep("$share//" + c_.tag);
    }
  }

  void odd_properties(codec::properties& p) {
    switch (rng_.below(12)) {
      case 0: p.topic_alias = static_cast<std::uint16_t>(rng_.chance(0.5) ? 0 : rng_.between(1, 0xFFFF)); break;
      case 1: p.receive_maximum = 0; break;
      case 2: p.maximum_packet_size = 0; break;
      case 3: p.subscription_identifiers.push_back(rng_.chance(0.5) ? 0 : 268'435'455); break;
      case 4: p.payload_format_indicator = static_cast<std::uint8_t>(rng_.between(1, 255)); break;
      case 5: p.response_topic = keep("a/+/b"); break;
      case 6: p.session_expiry_interval_s = 0xFFFF'FFFF; break;
      case 7: p.authentication_data = keep("data"); break;  // without a method
      case 8: p.assigned_client_identifier = keep("x"); break;  // a server's property
      case 9: p.request_problem_information = static_cast<std::uint8_t>(rng_.between(2, 255)); break;
      case 10:
        for (std::size_t k = 0; k < 200; ++k) p.user_properties.emplace_back(keep("k"), odd_string());
        break;
      default: p.content_type = odd_string();
    }
  }

  void mutate_field(codec::packet& p, std::size_t index) {
    edge("mutate-field");
    std::string what;
    std::visit(
        [&](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, codec::connect>) {
            switch (rng_.below(8)) {
              case 0: x.client_id = odd_string(); what = "client id"; break;
              case 1: x.keep_alive_s = static_cast<std::uint16_t>(rng_.chance(0.5) ? 1 : 0xFFFF); what = "keep alive"; break;
              case 2:
                x.will = codec::will_message{};
                x.will->topic = odd_string();
                x.will->payload = keep("w");
                x.will->qos = static_cast<qos>(rng_.below(4));
                what = "will";
                break;
              case 3: x.user_name.reset(); x.password = keep("p"); what = "password without user name"; break;
              case 4: x.version = static_cast<protocol_version>(rng_.chance(0.5) ? 3 : rng_.between(0, 255)); what = "protocol level"; break;
              case 5: x.clean_start = !x.clean_start; x.client_id = ""; what = "empty client id"; break;
              default: odd_properties(x.props); what = "properties"; break;
            }
          } else if constexpr (std::is_same_v<T, codec::publish>) {
            switch (rng_.below(7)) {
              case 0: x.topic = odd_string(); what = "topic"; break;
              case 1: x.qos = static_cast<qos>(3); what = "QoS 3"; break;
              case 2: x.packet_id = 0; what = "packet id 0"; if (x.qos == qos::at_most_once) x.qos = qos::at_least_once; break;
              case 3: x.dup = true; x.qos = qos::at_most_once; what = "DUP with QoS 0"; break;
              case 4: x.payload = keep(std::string(rng_.between(1, 65'536), '\xFF')); x.props.payload_format_indicator = 1; what = "payload"; break;
              default: odd_properties(x.props); if (rng_.chance(0.5)) x.topic = ""; what = "properties"; break;
            }
          } else if constexpr (std::is_same_v<T, codec::subscribe>) {
            switch (rng_.below(6)) {
              case 0: if (!x.subscriptions.empty()) x.subscriptions[0].filter = odd_string(); what = "topic filter"; break;
              case 1: if (!x.subscriptions.empty()) x.subscriptions[0].options.max_qos = static_cast<qos>(3); what = "QoS 3"; break;
              case 2: if (!x.subscriptions.empty()) x.subscriptions[0].options.retain_handling = 3; what = "retain handling 3"; break;
              case 3: x.subscriptions.clear(); what = "no subscriptions"; break;
              case 4: x.packet_id = 0; what = "packet id 0"; break;
              default: odd_properties(x.props); what = "properties"; break;
            }
          } else if constexpr (std::is_same_v<T, codec::unsubscribe>) {
            switch (rng_.below(3)) {
              case 0: x.filters.clear(); what = "no filters"; break;
              case 1: x.packet_id = 0; what = "packet id 0"; break;
              default: if (!x.filters.empty()) x.filters[0] = odd_string(); what = "topic filter"; break;
            }
          } else if constexpr (std::is_same_v<T, codec::disconnect>) {
            x.reason_code = static_cast<std::uint8_t>(rng_.below(256));
            if (rng_.chance(0.3)) x.props.session_expiry_interval_s = 30;
            what = "reason code";
          } else if constexpr (requires { x.packet_id; x.reason_code; }) {
            if (rng_.chance(0.5)) x.packet_id = 0; else x.reason_code = static_cast<std::uint8_t>(rng_.below(256));
            what = "packet id or reason code";
          } else {
            what = "nothing to change";
          }
        },
        p);
    c_.mutation = "field '" + what + "' of packet #" + std::to_string(index) + " (" +
                  std::string(codec::to_string(codec::type_of(p))) + ")";
  }

  // Writes `v` as a Variable Byte Integer of at least `size` bytes (more than needed: non-minimal).
  static void put_varint(byte_vector& out, std::uint32_t v, std::size_t size) {
    std::size_t written = 0;
    do {
      std::uint8_t b = v % 128;
      v /= 128;
      ++written;
      if (v > 0 || written < size) b |= 0x80;
      out.push_back(b);
    } while (v > 0 || written < size);
    out.back() &= 0x7F;
  }

  void mutate_bytes(byte_vector& b, std::size_t index) {
    edge("mutate-bytes");
    if (b.size() < 2) return;
    // Split the packet into its first byte, its declared length and its body.
    std::size_t header = 1;
    std::uint32_t length = 0, scale = 1;
    while (header < b.size() && header < 5) {
      length += (b[header] & 0x7FU) * scale;
      scale *= 128;
      if ((b[header++] & 0x80) == 0) break;
    }
    byte_vector body(b.begin() + static_cast<std::ptrdiff_t>(header), b.end());
    std::uint8_t first = b[0];
    std::string what;
    switch (rng_.below(10)) {
      case 0: length += static_cast<std::uint32_t>(rng_.between(1, 300)); what = "declared length longer than the body"; break;
      case 1: length = length > 0 ? static_cast<std::uint32_t>(rng_.below(length)) : 0; what = "declared length shorter than the body"; break;
      case 2: length = 268'435'455; what = "declared length 268,435,455"; break;
      case 3: first = static_cast<std::uint8_t>((first & 0xF0) | rng_.below(16)); what = "fixed-header flags"; break;
      case 4: first = static_cast<std::uint8_t>((rng_.chance(0.5) ? 0 : 15) << 4 | (first & 0x0F)); what = "reserved packet type"; break;
      case 5:
        if (!body.empty()) body[rng_.below(body.size())] ^= static_cast<std::uint8_t>(1U << rng_.below(8));
        what = "one bit of the body";
        break;
      case 6:
        if (!body.empty()) body[rng_.below(body.size())] = rng_.chance(0.5) ? 0x00 : 0xFF;
        what = "one byte of the body";
        break;
      case 7: {
        const std::size_t n = rng_.between(1, 16);
        for (std::size_t k = 0; k < n; ++k) body.push_back(static_cast<std::uint8_t>(rng_.below(256)));
        length = static_cast<std::uint32_t>(body.size());
        what = "bytes appended inside the length";
        break;
      }
      case 8: {
        // The same packet many times over (a flood of one packet id: QoS 2 without PUBREL).
        byte_vector one = b;
        const std::size_t n = rng_.between(2, 60);
        b.clear();
        for (std::size_t k = 0; k < n && b.size() + one.size() <= case_bytes_max / 2; ++k) b.insert(b.end(), one.begin(), one.end());
        c_.mutation = "packet #" + std::to_string(index) + " repeated " + std::to_string(n) + " times";
        return;
      }
      default: {
        byte_vector out{first};
        // The same value in five bytes (one more than the standard allows, 3.1.1 §2.2.3 / 5.0
        // MQTT-1.5.5-1) or in four (not the fewest, which 5.0 asks for).
        put_varint(out, length, rng_.chance(0.5) ? 5 : 4);
        out.insert(out.end(), body.begin(), body.end());
        b = std::move(out);
        c_.mutation = "remaining length of packet #" + std::to_string(index) + " written in too many bytes";
        return;
      }
    }
    byte_vector out{first};
    put_varint(out, length, 1);
    out.insert(out.end(), body.begin(), body.end());
    b = std::move(out);
    c_.mutation = what + " in packet #" + std::to_string(index);
  }

  // Encodes what is left structured and cuts each connection's bytes into writes: one per
  // packet, all of them at once, or at random points (inside headers too).
  void cut() {
    for (planned& p : plan_) encode_one(p);
    const std::uint64_t mode = from_seed_ ? (rng_.chance(0.5) ? 0 : 2) : rng_.below(10);
    std::size_t bytes = 0;
    for (planned& p : plan_) {
      if (p.close) {
        c_.steps.push_back(step{step::kind::close, p.conn, p.delay_ms, {}});
        continue;
      }
      if (bytes + p.raw.size() > case_bytes_max) break;
      bytes += p.raw.size();
      if (mode >= 5 && mode <= 6 && !c_.steps.empty() && c_.steps.back().k == step::kind::write &&
          c_.steps.back().conn == p.conn && p.delay_ms == 0) {
        c_.steps.back().bytes.insert(c_.steps.back().bytes.end(), p.raw.begin(), p.raw.end());
        continue;
      }
      if (mode >= 7 && p.raw.size() > 1) {
        std::size_t at = 0;
        std::uint32_t delay = p.delay_ms;
        while (at < p.raw.size() && c_.steps.size() < case_steps_max - 8) {
          const std::size_t n = std::min<std::size_t>(p.raw.size() - at, rng_.chance(0.3) ? 1 : rng_.between(1, 64));
          c_.steps.push_back(step{step::kind::write, p.conn, delay,
                                  byte_vector(p.raw.begin() + static_cast<std::ptrdiff_t>(at),
                                              p.raw.begin() + static_cast<std::ptrdiff_t>(at + n))});
          delay = rng_.chance(0.1) ? static_cast<std::uint32_t>(rng_.between(1, 3)) : 0;
          at += n;
        }
        if (at < p.raw.size()) {
          c_.steps.push_back(step{step::kind::write, p.conn, delay,
                                  byte_vector(p.raw.begin() + static_cast<std::ptrdiff_t>(at), p.raw.end())});
        }
        continue;
      }
      c_.steps.push_back(step{step::kind::write, p.conn, p.delay_ms, std::move(p.raw)});
    }
    if (mode >= 5 && mode <= 6) edge("coalesce-writes");
    if (mode >= 7) edge("split-writes");
  }

  const generator_options& o_;
  sim::prng rng_;
  fuzz_case c_;
  std::vector<planned> plan_;
  std::deque<std::string> arena_;
  std::uint16_t packet_id_ = 0;
  std::uint16_t last_publish_id_ = 0;
  bool from_seed_ = false;
};

}  // namespace

generator::generator(generator_options o) : o_(std::move(o)) { MQTT_ASSERT(!o_.versions.empty()); }

fuzz_case generator::make(std::uint64_t number) const { return builder(o_, number).build(); }

fuzz_case generator::cleanup(const fuzz_case& c) const { return cleanup_for(c, o_); }

const std::vector<std::string>& state_model_edges() { return edges; }

fuzz_case cleanup_for(const fuzz_case& c, const generator_options& o) {
  fuzz_case out;
  out.number = c.number;
  out.version = c.version;
  out.tag = c.tag;
  out.origin = std::string(cleanup_origin);
  out.mutation = "none";
  std::map<std::string, bool> ids;  // client id -> left a session behind
  std::set<std::string> retained;
  auto topic_ok = [](std::string_view t) { return !t.empty() && t.find_first_of("+#") == std::string_view::npos; };
  for (std::size_t k = 0; k < case_connections_max; ++k) {
    byte_vector bytes;
    for (const step& s : c.steps) {
      if (s.conn == k && s.k == step::kind::write) bytes.insert(bytes.end(), s.bytes.begin(), s.bytes.end());
    }
    if (bytes.empty()) continue;
    codec::stream_decoder d({.version = c.version, .receiver = codec::receiver_role::server});
    (void)d.feed(bytes, [&](const codec::packet& p) {
      if (const auto* con = std::get_if<codec::connect>(&p)) {
        if (!con->client_id.empty()) {
          bool& left = ids[std::string(con->client_id)];
          left = left || !con->clean_start;
        }
        if (con->will && con->will->retain && topic_ok(con->will->topic)) retained.insert(std::string(con->will->topic));
      } else if (const auto* pub = std::get_if<codec::publish>(&p)) {
        if (pub->retain && topic_ok(pub->topic)) retained.insert(std::string(pub->topic));
      }
    });
  }
  std::vector<std::string> sessions;
  for (const auto& [id, left] : ids) {
    if (left) sessions.push_back(id);
  }
  if (sessions.empty() && retained.empty()) return out;
  if (sessions.empty()) sessions.push_back("mh" + c.tag + "z");
  if (sessions.size() > case_connections_max) sessions.resize(case_connections_max);
  for (std::size_t k = 0; k < sessions.size(); ++k) {
    codec::connect con;
    con.version = c.version;
    con.client_id = sessions[k];
    con.clean_start = true;
    con.keep_alive_s = 60;
    if (o.credentials_always) {
      con.user_name = o.user_name;
      con.password = o.password;
    }
    std::vector<codec::packet> packets{con};
    if (k == 0) {
      for (const std::string& t : retained) {
        codec::publish pub;
        pub.topic = t;
        pub.retain = true;
        packets.emplace_back(pub);
      }
    }
    packets.emplace_back(codec::disconnect{});
    byte_vector bytes;
    for (const codec::packet& p : packets) codec::encode_unchecked(p, c.version, bytes);
    out.steps.push_back(step{step::kind::write, static_cast<std::uint8_t>(k), 0, std::move(bytes)});
  }
  return out;
}

std::vector<std::string> generator::model_edges() const {
  std::vector<std::string> out;
  for (protocol_version v : o_.versions) {
    for (const std::string& e : edges) {
      if (e == "disconnect-with-will" && v != protocol_version::v5) continue;
      out.push_back(std::string(codec::to_string(v)) + ":" + e);
    }
  }
  return out;
}

}  // namespace harness::netfuzz
