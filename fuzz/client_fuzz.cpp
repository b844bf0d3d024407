// libFuzzer target for the client core facing a hostile broker. The input picks the client's
// options, then a sequence of driver operations: transport open/close, raw broker bytes in
// any chunking, broker packets built to hit the client's own packet identifiers, timer ticks,
// and publish/subscribe/unsubscribe/disconnect calls.
//
// Oracles (a violation prints what broke and aborts, so libFuzzer saves the input):
// - no crash, no sanitizer report, no exception from a call the driver makes correctly;
// - every send_bytes decodes with the codec, per connection, as a stream of valid packets of
//   the client's version that starts with CONNECT; nothing is sent after close_transport;
// - inflight_count() <= inflight_max and pending_count() <= pending_max at every step;
// - publish_completed, subscribed and unsubscribed name an identifier the client handed out
//   and has not completed yet; a PUBLISH of QoS > 0 carries such an identifier;
// - a protocol_violation is followed by close_transport and connection_lost.
//
// Input layout:
//   byte 0  bits 0-1 version (0 = 3.1, 1 = 3.1.1, 2-3 = 5.0); bit 2 clean start;
//           bits 3-4 inflight_max (1, 2, 5, 20); bits 5-6 receive_maximum (1, 2, 10, 65535);
//           bit 7 topic_alias_maximum (0 or 4)
//   byte 1  bits 0-1 pending_max (0, 1, 8, 64); bits 2-3 keep alive s (0, 1, 10, 60);
//           bits 4-5 maximum_packet_size (64, 256, 4096, protocol maximum);
//           bit 6 session expiry 100 s (5.0); bit 7 will message
//   then operations, one opcode byte (value % 10) and its arguments, until the input ends;
//   opcodes 8 and 9 feed a broker packet picked by the next byte (value % 12).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mqtt/client/client.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/codec/packet.hpp"

namespace {

namespace codec = mqtt::codec;
namespace mc = mqtt::client;
using byte_vector = std::vector<std::uint8_t>;

constexpr std::size_t operations_max = 2'048;
constexpr std::size_t id_pool_size = 16;

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "client_fuzz: oracle violated: %s\n", what);
  std::abort();
}

void require(bool ok, const char* what) {
  if (!ok) violation(what);
}

// Reads the input front to back; past the end every read yields zero.
class input_reader {
 public:
  explicit input_reader(std::span<const std::uint8_t> data) : data_(data) {}
  bool empty() const { return pos_ >= data_.size(); }
  std::uint8_t u8() { return empty() ? std::uint8_t{0} : data_[pos_++]; }
  std::uint16_t u16() {
    const auto high = u8();
    return static_cast<std::uint16_t>((high << 8) | u8());
  }
  std::span<const std::uint8_t> take(std::size_t n) {
    const std::size_t available = empty() ? 0 : data_.size() - pos_;
    const std::size_t k = n < available ? n : available;
    std::span<const std::uint8_t> out = data_.subspan(pos_, k);
    pos_ += k;
    return out;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

mc::options options_from(std::uint8_t a, std::uint8_t b) {
  static constexpr std::array<std::uint16_t, 4> inflight = {1, 2, 5, 20};
  static constexpr std::array<std::uint16_t, 4> receive = {1, 2, 10, 65'535};
  static constexpr std::array<std::size_t, 4> pending = {0, 1, 8, 64};
  static constexpr std::array<std::uint16_t, 4> keep_alive = {0, 1, 10, 60};
  static constexpr std::array<std::uint32_t, 4> packet_size = {64, 256, 4096, 268'435'460};
  mc::options o;
  switch (a & 0x03U) {
    case 0:
      o.version = codec::protocol_version::v3_1;
      break;
    case 1:
      o.version = codec::protocol_version::v3_1_1;
      break;
    default:
      o.version = codec::protocol_version::v5;
      break;
  }
  o.client_id = "fuzz";
  o.clean_start = (a & 0x04U) != 0;
  o.inflight_max = inflight[(a >> 3U) & 0x03U];
  o.receive_maximum = receive[(a >> 5U) & 0x03U];
  o.topic_alias_maximum = (a & 0x80U) != 0 ? 4 : 0;
  o.pending_max = pending[b & 0x03U];
  o.keep_alive_s = keep_alive[(b >> 2U) & 0x03U];
  o.maximum_packet_size = packet_size[(b >> 4U) & 0x03U];
  o.session_expiry_interval_s = (b & 0x40U) != 0 ? 100 : 0;
  if ((b & 0x80U) != 0) {
    mc::will w;
    w.msg.topic = "will/topic";
    w.msg.payload = "bye";
    w.msg.qos = codec::qos::at_least_once;
    w.delay_interval_s = 5;
    o.last_will = w;
  }
  o.connect_timeout_ms = 5'000;
  return o;
}

constexpr std::array<std::string_view, 6> topics = {"a",      "a/b",   "sensors/1/temp",
                                                    "$SYS/x", "x/y/z", "long/topic/name/for/alias"};
constexpr std::array<std::string_view, 6> filters = {"a", "a/+", "#", "+/b", "$share/g/a", "x/#"};

// The fuzzing driver: a well-behaved transport around the client, and the oracles.
class driver {
 public:
  explicit driver(mc::options o) : opts_(o), client_(std::move(o)) {}

  void run(input_reader& in) {
    for (std::size_t n = 0; n < operations_max && !in.empty(); ++n) {
      step(in);
      check_events();
    }
  }

 private:
  void step(input_reader& in) {
    switch (in.u8() % 10U) {
      case 0:
        if (transport_open_) close_transport();
        open_transport();
        break;
      case 1: {
        std::span<const std::uint8_t> chunk = in.take(in.u8());
        client_.on_bytes(chunk, now_);
        break;
      }
      case 2:
        if (transport_open_) close_transport();
        break;
      case 3:
        advance_time(in);
        break;
      case 4:
        publish(in);
        break;
      case 5:
        subscribe(in);
        break;
      case 6:
        unsubscribe(in);
        break;
      case 7:
        disconnect(in);
        break;
      default:
        feed_broker_packet(in);
        break;
    }
  }

  void open_transport() {
    transport_open_ = true;
    closed_by_client_ = false;
    verifier_ = codec::stream_decoder(verifier_options());
    first_packet_ = true;
    client_.on_transport_open(now_);
  }

  void close_transport() {
    transport_open_ = false;
    client_.on_transport_closed(now_);
  }

  codec::decode_options verifier_options() const {
    codec::decode_options d;
    d.version = opts_.version;
    d.receiver = codec::receiver_role::server;
    d.adopt_connect_version = false;
    return d;
  }

  void advance_time(input_reader& in) {
    const std::uint8_t how = in.u8();
    std::optional<mc::clock_ms> deadline = client_.next_deadline();
    if ((how & 0x80U) != 0 && deadline && *deadline > now_) {
      now_ = *deadline;  // straight to the next timer
    } else {
      now_ += std::uint64_t{how} * 250;
    }
    client_.on_timer(now_);
  }

  void publish(input_reader& in) {
    const std::uint8_t a = in.u8();
    mc::message m;
    m.topic = std::string(topics[a % topics.size()]);
    m.qos = static_cast<codec::qos>((a >> 3U) % 3U);
    m.retain = (a & 0x20U) != 0;
    const std::uint8_t length = in.u8() & 0x7FU;
    m.payload.assign(length, 'p');
    if (opts_.version == codec::protocol_version::v5 && (a & 0x40U) != 0) {
      m.content_type = "text/plain";
      m.user_properties.push_back({"k", "v"});
      m.message_expiry_interval_s = 60;
    }
    std::optional<std::uint16_t> id = client_.publish(m, now_);
    if (id && *id != 0) {
      require(outstanding_.insert(*id).second, "publish() returned an identifier in use");
    }
    if (id && *id == 0)
      require(m.qos == codec::qos::at_most_once, "QoS > 0 publish got identifier 0");
  }

  void subscribe(input_reader& in) {
    const std::uint8_t a = in.u8();
    const std::size_t count = 1 + (a & 0x03U);
    std::vector<mc::subscription_request> subs;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint8_t b = in.u8();
      mc::subscription_request r;
      r.filter = std::string(filters[b % filters.size()]);
      r.max_qos = static_cast<codec::qos>((b >> 3U) % 3U);
      // No Local on a shared subscription is a Protocol Error (MQTT-3.8.3-4): a caller's mistake.
      r.no_local = (b & 0x20U) != 0 && !r.filter.starts_with("$share/");
      r.retain_as_published = (b & 0x40U) != 0;
      r.retain_handling = static_cast<std::uint8_t>((b >> 7U) * 2U);
      subs.push_back(r);
    }
    std::optional<std::uint32_t> sub_id;
    if ((a & 0x04U) != 0) sub_id = 1 + (a >> 3U);
    std::optional<std::uint16_t> id = client_.subscribe(subs, sub_id, now_);
    if (id) require(outstanding_.insert(*id).second, "subscribe() returned an identifier in use");
  }

  void unsubscribe(input_reader& in) {
    const std::uint8_t a = in.u8();
    std::vector<std::string> f;
    for (std::size_t i = 0; i <= (a & 0x01U); ++i)
      f.emplace_back(filters[(a >> 1U) % filters.size()]);
    std::optional<std::uint16_t> id = client_.unsubscribe(f, now_);
    if (id) require(outstanding_.insert(*id).second, "unsubscribe() returned an identifier in use");
  }

  void disconnect(input_reader& in) {
    static constexpr std::array<std::uint8_t, 4> reasons = {0x00, 0x04, 0x80, 0x83};
    client_.disconnect(reasons[in.u8() % reasons.size()], now_);
  }

  std::uint16_t pooled_id(std::uint8_t pick) const {
    if (id_pool_.empty()) return static_cast<std::uint16_t>(1 + pick);
    return id_pool_[pick % id_pool_.size()];
  }

  // A broker packet that is valid on its own but may be wrong for the moment it arrives.
  void feed_broker_packet(input_reader& in) {
    const std::uint8_t kind = in.u8();
    const std::uint8_t a = in.u8();
    const std::uint8_t b = in.u8();
    const bool v5 = opts_.version == codec::protocol_version::v5;
    codec::packet p;
    switch (kind % 12U) {
      case 0: {
        codec::connack c;
        c.reason_code =
            (a & 0x07U) == 7 ? (v5 ? std::uint8_t{0x87} : std::uint8_t{5}) : std::uint8_t{0};
        c.session_present = c.reason_code == 0 && opts_.version != codec::protocol_version::v3_1 &&
                            (a & 0x08U) != 0;
        if (v5) {
          if (b & 0x01U) c.props.receive_maximum = static_cast<std::uint16_t>(1 + (a >> 4U));
          // Mostly workable sizes; now and then one too small for an acknowledgement.
          if (b & 0x02U)
            c.props.maximum_packet_size = (a & 0x80U) ? 1U + (a & 0x03U) : 16U + 8U * a;
          if (b & 0x04U) c.props.server_keep_alive_s = static_cast<std::uint16_t>(a >> 5U);
          if (b & 0x08U) c.props.maximum_qos = static_cast<std::uint8_t>(a & 0x01U);
          if (b & 0x10U) c.props.retain_available = static_cast<std::uint8_t>((a >> 1U) & 0x01U);
          if (b & 0x20U) c.props.assigned_client_identifier = "assigned";
          if (b & 0x40U) c.props.session_expiry_interval_s = a;
        }
        p = c;
        break;
      }
      case 1:
        p = codec::puback{pooled_id(a), v5 && (b & 1U) ? std::uint8_t{0x80} : std::uint8_t{0}, {}};
        break;
      case 2:
        p = codec::pubrec{pooled_id(a), v5 && (b & 1U) ? std::uint8_t{0x80} : std::uint8_t{0}, {}};
        break;
      case 3:
        p = codec::pubcomp{pooled_id(a), 0, {}};
        break;
      case 4:
        p = codec::pubrel{static_cast<std::uint16_t>(1 + (a & 0x0FU)), 0, {}};
        break;
      case 5: {
        codec::suback s;
        s.packet_id = pooled_id(a);
        s.reason_codes.assign(1 + (b & 0x03U),
                              (b & 0x04U) ? std::uint8_t{0x80} : std::uint8_t{0x01});
        p = s;
        break;
      }
      case 6: {
        codec::unsuback u;
        u.packet_id = pooled_id(a);
        if (v5) u.reason_codes.assign(1 + (b & 0x01U), 0x00);
        p = u;
        break;
      }
      case 7:
        p = codec::pingresp{};
        break;
      case 8: {
        codec::publish m;
        m.qos = static_cast<codec::qos>(a % 3U);
        m.packet_id = m.qos == codec::qos::at_most_once
                          ? std::uint16_t{0}
                          : static_cast<std::uint16_t>(1 + (b & 0x0FU));
        m.dup = m.qos != codec::qos::at_most_once && (a & 0x04U) != 0;
        m.retain = (a & 0x08U) != 0;
        m.topic = topics[(a >> 4U) % topics.size()];
        m.payload = "payload";
        if (v5 && (b & 0x10U) != 0) {
          // 1..4: within the alias maximum of 4, beyond one of 0.
          m.props.topic_alias = static_cast<std::uint16_t>(1 + ((b >> 5U) & 0x03U));
          if ((b & 0x80U) != 0) m.topic = "";
        }
        if (v5 && (b & 0x20U) != 0) {
          m.props.subscription_identifiers.push_back(1U + a);
          m.props.user_properties.emplace_back("k", "v");
        }
        p = m;
        break;
      }
      case 9: {
        codec::disconnect d;
        d.reason_code = (a & 0x01U) ? std::uint8_t{0x8E} : std::uint8_t{0x00};
        p = d;
        break;
      }
      case 10: {
        // Packets only a client sends.
        if ((a & 0x03U) == 0) {
          p = codec::pingreq{};
        } else if ((a & 0x03U) == 1) {
          codec::subscribe s;
          s.packet_id = 1;
          s.subscriptions.push_back({"a", {}});
          p = s;
        } else if ((a & 0x03U) == 2) {
          codec::unsubscribe u;
          u.packet_id = 1;
          u.filters.push_back("a");
          p = u;
        } else {
          codec::connect c;
          c.version = opts_.version;
          c.client_id = "x";
          p = c;
        }
        break;
      }
      default: {
        codec::auth au;  // 5.0 only; encoding fails in 3.1.1 and nothing is fed
        au.reason_code = 0x18;
        au.props.authentication_method = "m";
        p = au;
        break;
      }
    }
    byte_vector wire;
    if (!codec::encode(p, opts_.version, wire)) return;  // e.g. an empty 3.1.1 UNSUBACK list
    // Split into up to three chunks.
    const std::size_t cut1 = wire.empty() ? 0 : (b % wire.size());
    const std::size_t cut2 = cut1 + (wire.size() - cut1) / 2;
    std::span<const std::uint8_t> all(wire);
    client_.on_bytes(all.subspan(0, cut1), now_);
    client_.on_bytes(all.subspan(cut1, cut2 - cut1), now_);
    client_.on_bytes(all.subspan(cut2), now_);
  }

  void remember_id(std::uint16_t id) {
    if (id == 0) return;
    if (id_pool_.size() < id_pool_size) {
      id_pool_.push_back(id);
    } else {
      id_pool_[pool_next_++ % id_pool_size] = id;
    }
  }

  void verify_sent(const codec::packet& p) {
    if (first_packet_) {
      require(std::holds_alternative<codec::connect>(p),
              "first packet on a connection is not CONNECT");
      first_packet_ = false;
    } else {
      require(!std::holds_alternative<codec::connect>(p), "second CONNECT on a connection");
    }
    if (const auto* m = std::get_if<codec::publish>(&p)) {
      if (m->qos != codec::qos::at_most_once) {
        require(outstanding_.count(m->packet_id) == 1, "PUBLISH with an identifier not handed out");
        remember_id(m->packet_id);
      }
      require(m->props.subscription_identifiers.empty(),
              "client PUBLISH with a Subscription Identifier");
      require(!m->props.topic_alias, "client PUBLISH with a Topic Alias");
    } else if (const auto* s = std::get_if<codec::subscribe>(&p)) {
      require(outstanding_.count(s->packet_id) == 1, "SUBSCRIBE with an identifier not handed out");
      remember_id(s->packet_id);
    } else if (const auto* u = std::get_if<codec::unsubscribe>(&p)) {
      require(outstanding_.count(u->packet_id) == 1,
              "UNSUBSCRIBE with an identifier not handed out");
      remember_id(u->packet_id);
    } else if (const auto* r = std::get_if<codec::pubrel>(&p)) {
      require(outstanding_.count(r->packet_id) == 1, "PUBREL for an identifier not in use");
    }
  }

  void complete(std::uint16_t id, const char* what) { require(outstanding_.erase(id) == 1, what); }

  void check_events() {
    std::vector<mc::event> events = client_.take_events();
    bool violation_pending = false;
    bool lost_after_violation = false;
    for (const mc::event& e : events) {
      if (const auto* s = std::get_if<mc::send_bytes>(&e)) {
        require(transport_open_ && !closed_by_client_, "bytes sent with no open transport");
        std::optional<codec::error> err =
            verifier_.feed(s->bytes, [this](const codec::packet& p) { verify_sent(p); });
        if (err) {
          std::fprintf(stderr, "  rule %.*s at offset %zu\n",
                       static_cast<int>(err->details().name.size()), err->details().name.data(),
                       err->offset);
          violation("client sent bytes the codec rejects");
        }
      } else if (std::holds_alternative<mc::close_transport>(e)) {
        require(transport_open_ && !closed_by_client_, "close_transport with no open transport");
        closed_by_client_ = true;
      } else if (std::holds_alternative<mc::protocol_violation>(e)) {
        violation_pending = true;
      } else if (std::holds_alternative<mc::connection_lost>(e)) {
        if (violation_pending) lost_after_violation = true;
      } else if (const auto* c = std::get_if<mc::publish_completed>(&e)) {
        complete(c->packet_id, "publish_completed for an identifier not outstanding");
      } else if (const auto* s2 = std::get_if<mc::subscribed>(&e)) {
        complete(s2->packet_id, "subscribed for an identifier not outstanding");
      } else if (const auto* u = std::get_if<mc::unsubscribed>(&e)) {
        complete(u->packet_id, "unsubscribed for an identifier not outstanding");
      }
    }
    if (violation_pending) {
      require(closed_by_client_ && lost_after_violation,
              "protocol_violation without close and loss");
    }
    // A well-behaved driver closes the transport the core asked to close.
    if (closed_by_client_ && transport_open_) close_transport();
    require(client_.inflight_count() <= opts_.inflight_max, "inflight_count above inflight_max");
    require(client_.pending_count() <= opts_.pending_max, "pending_count above pending_max");
    // The close above may itself emit events (connection_lost); check them too.
    std::vector<mc::event> after = client_.take_events();
    for (const mc::event& e : after) {
      require(!std::holds_alternative<mc::send_bytes>(e), "bytes sent while closing");
    }
  }

  mc::options opts_;
  mc::client client_;
  mc::clock_ms now_ = 0;
  bool transport_open_ = false;
  bool closed_by_client_ = false;
  bool first_packet_ = true;
  codec::stream_decoder verifier_;
  std::set<std::uint16_t> outstanding_;  // identifiers handed out and not completed
  std::vector<std::uint16_t> id_pool_;   // identifiers the client put on the wire lately
  std::size_t pool_next_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  input_reader in(std::span<const std::uint8_t>(data, size));
  const std::uint8_t a = in.u8();
  const std::uint8_t b = in.u8();
  driver d(options_from(a, b));
  d.run(in);
  return 0;
}
