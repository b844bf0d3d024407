// The simulated world: nodes, simulated TCP connections with their faults, and the drivers of
// the broker and client cores. TCP is a reliable in-order byte stream per direction; what
// the faults change is when (and whether) bytes, FINs and RSTs arrive.
#include "sim/world.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <limits>
#include <memory>
#include <unordered_map>

#include "mqtt/assert.hpp"
#include "mqtt/broker/broker.hpp"
#include "mqtt/broker/planted.hpp"
#include "mqtt/client/client.hpp"
#include "sim/event_queue.hpp"
#include "sim/random.hpp"

// Records are built with designated initializers naming only the fields that matter; the rest
// keep their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace harness::sim {
namespace {

using check::node_id;
using check::record;
using check::record_kind;
using mqtt::codec::protocol_version;

constexpr sim_ms never = std::numeric_limits<sim_ms>::max();
constexpr sim_ms rto_ms = 200;                   // first retransmission timeout
constexpr std::uint32_t loss_retries_max = 6;    // more retransmissions than this: reset
constexpr sim_ms connect_timeout_ms = 3'000;     // a hanging TCP connect gives up after this
constexpr sim_ms reconnect_min_ms = 50;
constexpr sim_ms reconnect_max_ms = 500;

struct link {
  sim_ms latency_ms = 1;
  sim_ms jitter_ms = 0;
  std::uint32_t bytes_per_ms = 1'000;
  double segmentation_probability = 0;
};

// A piece of the stream as TCP might carry it: its size (the bytes are in the pipe's buffer)
// and when it arrives; or the FIN.
struct segment {
  std::size_t size = 0;
  sim_ms ready = 0;
  bool fin = false;
};

// One direction of a connection. Bytes in flight live in one buffer (from `head` on), so
// cutting and coalescing segments allocates nothing.
struct pipe {
  std::vector<std::uint8_t> buffer;
  std::size_t head = 0;
  bool delivering = false;  // the buffer is lent to a receiver: nothing may move it
  std::deque<segment> segments;
  sim_ms last_ready = 0;
  sim_ms stalled_until = 0;
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  std::optional<std::uint64_t> reset_at;  // delivered-byte offset at which a RST cuts in
  sim_ms pump_at = never;
  bool black_holed = false;
};

enum class conn_stage : std::uint8_t { connecting, established, failed };

struct connection {
  std::uint64_t id = 0;
  node_id client = 0;
  pipe up;    // client -> broker
  pipe down;  // broker -> client
  conn_stage stage = conn_stage::connecting;
  bool broker_open = false;  // the broker core holds it
  bool client_open = false;  // the client core has it as its transport
  bool end_recorded = false;
  bool reset = false;  // a RST cut the stream: nothing more flows either way
  bool traffic_closed = false;  // the traffic sink saw the connection end (first FIN or RST)
  std::uint64_t broker_incarnation = 0;
  std::uint64_t connect_size = 0;
  bool connect_delivered = false;
  bool clean_start = false;
  std::uint64_t disconnect_end = 0;  // up.sent after a normal DISCONNECT, 0 when none was sent
};

struct subscription_state {
  bool wanted = true;
};

struct client_node {
  node_id id = 0;
  const client_spec* spec = nullptr;
  std::optional<mqtt::client::client> core;
  link lk;
  std::uint64_t conn = 0;  // the transport the core has, 0 when none
  bool connecting = false;
  bool crashed = false;
  bool offline = false;  // went offline on purpose
  bool disconnect_requested = false;
  std::uint32_t generation = 0;  // bumped by a crash: timers of the old process are void
  sim_ms timer_at = never;
  std::array<sim_ms, 2> blocked_until{0, 0};  // partition, per direction (0 up, 1 down)
  sim_ms refuse_until = 0;
  sim_ms hang_until = 0;
  std::unordered_map<std::uint16_t, std::uint32_t> publishes;  // packet id -> message seq
  // Packet id -> (filter, request serial), so each SUBACK/UNSUBACK is paired with its request.
  std::unordered_map<std::uint16_t, std::pair<std::uint16_t, std::uint32_t>> subscribes;
  std::unordered_map<std::uint16_t, std::pair<std::uint16_t, std::uint32_t>> unsubscribes;
  std::uint32_t next_request = 0;
  std::vector<subscription_state> subs;
  std::uint32_t next_seq = 0;
};

mqtt::client::options client_options(const client_spec& s) {
  mqtt::client::options o;
  o.version = s.version;
  o.client_id = s.name;
  o.clean_start = !s.persistent || s.version == protocol_version::v5;
  if (s.version == protocol_version::v5 && s.persistent) {
    o.session_expiry_interval_s = s.session_expiry_s;
  }
  o.keep_alive_s = s.keep_alive_s;
  o.connect_timeout_ms = 3'000;
  return o;
}

// "m<publisher>.<seq>" for messages, "w<conn>" for wills.
std::string message_payload(node_id publisher, std::uint32_t seq) {
  return "m" + std::to_string(publisher) + "." + std::to_string(seq);
}

template <class T>
bool parse_number(std::string_view s, T& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Clean Session / Clean Start of the CONNECT at the front of `bytes` (flags byte after the
// protocol name and level).
std::optional<bool> connect_clean_flag(std::span<const std::uint8_t> bytes, std::size_t& size) {
  if (bytes.size() < 2 || bytes[0] != 0x10) return std::nullopt;
  std::size_t remaining = 0;
  std::size_t pos = 1;
  for (unsigned shift = 0; pos < bytes.size() && shift <= 21; shift += 7) {
    std::uint8_t b = bytes[pos++];
    remaining |= std::size_t{b & 0x7Fu} << shift;
    if ((b & 0x80) == 0) break;
  }
  size = pos + remaining;
  if (pos + 2 > bytes.size()) return std::nullopt;
  std::size_t name_len = (std::size_t{bytes[pos]} << 8) | bytes[pos + 1];
  std::size_t flags_at = pos + 2 + name_len + 1;
  if (flags_at >= bytes.size()) return std::nullopt;
  return (bytes[flags_at] & 0x02) != 0;
}

class world {
 public:
  world(const world_config& cfg, check::history& h)
      : cfg_(cfg),
        hist_(h),
        net_(make_stream(cfg.seed, stream::network)),
        load_(make_stream(cfg.seed, stream::workload)) {
    MQTT_ASSERT(cfg.load != nullptr && cfg.profile != nullptr);
    if (!cfg.planted_bug.empty()) {
      planted_ = mqtt::broker::planted_bug_from_string(cfg.planted_bug);
      MQTT_ASSERT(planted_.has_value());
    }
    start_broker();
    for (const client_spec& s : cfg.load->clients) {
      client_node& n = nodes_.emplace_back();
      n.id = static_cast<node_id>(nodes_.size() - 1);
      n.spec = &s;
      if (s.raw.empty()) n.core.emplace(client_options(s));
      n.lk = draw_link();
      n.subs.resize(s.subscriptions.size());
    }
  }

  world_stats run() {
    for (client_node& n : nodes_) start_node(n);
    for (std::size_t i = 0; i < cfg_.schedule.size(); ++i) {
      if (cfg_.schedule[i].at_ms >= cfg_.chaos_ms) continue;
      q_.schedule(cfg_.schedule[i].at_ms, [this, i] { apply(cfg_.schedule[i]); });
    }
    q_.schedule(cfg_.chaos_ms, [this] { heal(); });
    world_stats st;
    const sim_ms end = cfg_.chaos_ms + cfg_.drain_ms;
    q_.run_until(end, cfg_.events_max);
    st.events = q_.events_run();
    st.simulated_ms = q_.now();
    st.event_budget_exhausted = q_.now() < end;
    return st;
  }

 private:
  sim_ms now() const { return q_.now(); }
  void add(record r) {
    r.at = now();
    hist_.add(std::move(r));
  }

  link draw_link() {
    link l;
    l.latency_ms = net_.between(1, std::max<sim_ms>(1, cfg_.profile->latency_max_ms));
    l.jitter_ms = net_.below(l.latency_ms / 2 + 1);
    l.bytes_per_ms = static_cast<std::uint32_t>(net_.between(100, 10'000));
    l.segmentation_probability = cfg_.profile->segmentation_probability;
    return l;
  }
  sim_ms one_way(const link& l) { return l.latency_ms + net_.below(l.jitter_ms + 1); }

  // ---- the broker node -------------------------------------------------------------------

  void start_broker() {
    broker_ = std::make_unique<mqtt::broker::broker>();
    if (planted_) mqtt::broker::plant_bug(*broker_, *planted_);
    ++broker_incarnation_;
    broker_timer_at_ = never;
  }

  void flush_broker() {
    if (!broker_) return;
    for (mqtt::broker::action& a : broker_->take_actions()) {
      if (auto* s = std::get_if<mqtt::broker::send_bytes>(&a)) {
        connection& c = conn(s->conn);
        if (c.broker_open) push(c, false, s->bytes);
      } else {
        connection& c = conn(std::get<mqtt::broker::close_connection>(a).conn);
        if (!c.broker_open) continue;
        broker_forget(c, false);
        push_fin(c, false);
      }
    }
    arm_broker_timer();
  }

  void arm_broker_timer() {
    std::optional<sim_ms> d = broker_->next_deadline();
    if (!d) return;
    sim_ms at = std::max(*d, now());
    if (at >= broker_timer_at_) return;
    broker_timer_at_ = at;
    q_.schedule(at, [this, inc = broker_incarnation_] {
      if (inc != broker_incarnation_ || !broker_ || now() != broker_timer_at_) return;
      broker_timer_at_ = never;
      broker_->on_timer(now());
      flush_broker();
    });
  }

  // The broker side of `c` ends: by the broker's own close, the peer's FIN/RST, or a crash.
  void broker_forget(connection& c, bool crash) {
    c.broker_open = false;
    if (c.end_recorded) return;
    c.end_recorded = true;
    record r;
    r.kind = record_kind::broker_conn_end;
    r.node = c.client;
    r.conn = c.id;
    r.graceful = c.disconnect_end != 0 && c.up.delivered >= c.disconnect_end;
    r.crash = crash;
    add(std::move(r));
  }

  void broker_closed_by_peer(connection& c) {
    if (!c.broker_open) return;
    broker_forget(c, false);
    broker_->on_closed(c.id, now());
    flush_broker();
  }

  void crash_broker(sim_ms down_ms) {
    if (!broker_) return;
    add(record{.kind = record_kind::broker_crash});
    for (connection& c : conns_) {
      if (!c.broker_open) continue;
      broker_forget(c, true);
      send_rst(c, false);
    }
    broker_.reset();
    ++broker_incarnation_;
    q_.schedule(now() + down_ms, [this, inc = broker_incarnation_] {
      if (inc == broker_incarnation_) restart_broker();
    });
  }

  void restart_broker() {
    if (broker_) return;
    start_broker();
    add(record{.kind = record_kind::broker_restart});
  }

  // ---- connections -----------------------------------------------------------------------

  connection& conn(std::uint64_t id) {
    MQTT_ASSERT(id >= 1 && id <= conns_.size());
    return conns_[id - 1];
  }
  client_node& node_of(const connection& c) { return nodes_[c.client]; }
  bool blocked(const client_node& n, bool up) const {
    return now() < n.blocked_until[up ? 0 : 1];
  }

  void push(connection& c, bool up, std::span<const std::uint8_t> bytes) {
    pipe& p = up ? c.up : c.down;
    // Counted even when the stream is dead: what was sent into a reset connection never
    // arrives, and the will bookkeeping (delivered >= sent) must see that.
    p.sent += bytes.size();
    if (c.reset || bytes.empty()) return;
    MQTT_ASSERT(!p.delivering);
    compact(p);
    p.buffer.insert(p.buffer.end(), bytes.begin(), bytes.end());
    const link& l = nodes_[c.client].lk;
    // Random segmentation: the stream is cut at random points; the pump coalesces what is
    // ready together, so the receiver sees anything from one byte to many packets at once.
    std::size_t left = bytes.size();
    while (left > 0) {
      std::size_t n = left;
      if (left > 1 && net_.chance(l.segmentation_probability)) n = net_.between(1, left - 1);
      left -= n;
      segment s;
      s.size = n;
      s.ready = std::max(p.last_ready, now() + one_way(l)) + n / l.bytes_per_ms;
      p.last_ready = s.ready;
      p.segments.push_back(s);
    }
    arm_pump(c, up, p.segments.front().ready);
  }

  static void compact(pipe& p) {
    if (p.head == p.buffer.size()) {
      p.buffer.clear();
      p.head = 0;
    } else if (p.head > 4'096 && p.head * 2 > p.buffer.size()) {
      p.buffer.erase(p.buffer.begin(), p.buffer.begin() + static_cast<std::ptrdiff_t>(p.head));
      p.head = 0;
    }
  }

  // Everything in flight in `p` is gone (a RST, a crash, a half-open end).
  static void discard(pipe& p) {
    MQTT_ASSERT(!p.delivering);
    p.segments.clear();
    p.buffer.clear();
    p.head = 0;
  }

  void push_fin(connection& c, bool up) {
    if (c.reset) return;
    pipe& p = up ? c.up : c.down;
    segment s;
    s.fin = true;
    s.ready = std::max(p.last_ready, now() + one_way(nodes_[c.client].lk));
    p.last_ready = s.ready;
    p.segments.push_back(s);
    arm_pump(c, up, p.segments.front().ready);
  }

  void arm_pump(connection& c, bool up, sim_ms at) {
    pipe& p = up ? c.up : c.down;
    at = std::max({at, p.stalled_until, now()});
    if (at >= p.pump_at) return;
    p.pump_at = at;
    // Connection and direction packed in one word: a capture of at most 16 trivially copyable
    // bytes stays inside std::function, with no allocation per event.
    q_.schedule(at, [this, key = c.id * 2 + (up ? 1 : 0)] { pump(conn(key / 2), key % 2 == 1); });
  }

  void pump(connection& c, bool up) {
    pipe& p = up ? c.up : c.down;
    if (now() != p.pump_at) return;  // superseded by an earlier pump
    p.pump_at = never;
    if (c.reset || p.segments.empty() || p.black_holed || blocked(node_of(c), up)) return;
    sim_ms ready = std::max(p.segments.front().ready, p.stalled_until);
    if (ready > now()) {
      arm_pump(c, up, ready);
      return;
    }
    // Coalesce every segment due now, up to a FIN.
    std::size_t n = 0;
    bool fin = false;
    while (!p.segments.empty() && p.segments.front().ready <= now()) {
      const segment s = p.segments.front();
      p.segments.pop_front();
      if (s.fin) {
        fin = true;
        break;
      }
      n += s.size;
    }
    const bool cut = p.reset_at && p.delivered + n >= *p.reset_at;
    if (cut) {
      n = static_cast<std::size_t>(*p.reset_at - p.delivered);
      p.reset_at.reset();
    }
    const std::size_t at = p.head;
    p.head += n;
    p.delivering = true;
    deliver(c, up, std::span<const std::uint8_t>(p.buffer.data() + at, n));
    p.delivering = false;
    if (cut) {
      reset(c);
      return;
    }
    if (fin) deliver_fin(c, up);
    if (!p.segments.empty()) arm_pump(c, up, p.segments.front().ready);
  }

  void deliver(connection& c, bool up, std::span<const std::uint8_t> bytes) {
    pipe& p = up ? c.up : c.down;
    p.delivered += bytes.size();
    if (bytes.empty()) return;
    if (cfg_.traffic && !c.traffic_closed) cfg_.traffic->data(c.id, up, bytes, now());
    if (up) {
      if (!c.broker_open) return;
      if (!c.connect_delivered && c.connect_size != 0 && p.delivered >= c.connect_size) {
        c.connect_delivered = true;
        add(record{.kind = record_kind::connect_delivered, .node = c.client, .conn = c.id,
                   .clean_start = c.clean_start});
      }
      broker_->on_bytes(c.id, bytes, now());
      flush_broker();
    } else {
      client_node& n = node_of(c);
      if (!c.client_open || n.conn != c.id || !n.core) return;
      n.core->on_bytes(bytes, now());
      flush_client(n);
    }
  }

  void deliver_fin(connection& c, bool up) {
    traffic_close(c, up, false);
    if (up) {
      broker_closed_by_peer(c);
    } else {
      client_transport_closed(c);
    }
  }

  // Both ends get a RST, each after its one-way delay.
  void reset(connection& c) {
    if (c.reset) return;
    c.reset = true;
    traffic_close(c, true, true);
    discard(c.up);
    discard(c.down);
    send_rst(c, true);
    send_rst(c, false);
  }

  // The sink shows one end per connection, as a capture would: the first FIN or RST.
  void traffic_close(connection& c, bool from_client, bool rst) {
    if (!cfg_.traffic || c.traffic_closed || c.stage != conn_stage::established) return;
    c.traffic_closed = true;
    cfg_.traffic->close(c.id, from_client, rst, now());
  }

  // A RST from one end (from_client) to the other; lost across a partition or black hole.
  void send_rst(connection& c, bool from_client) {
    traffic_close(c, from_client, true);
    pipe& p = from_client ? c.up : c.down;
    discard(p);
    if (p.black_holed) return;
    client_node& n = node_of(c);
    if (blocked(n, from_client)) return;
    q_.schedule(now() + one_way(n.lk), [this, id = c.id, from_client] {
      connection& cc = conn(id);
      if (from_client) {
        if (cc.broker_open && broker_) broker_closed_by_peer(cc);
      } else {
        client_transport_closed(cc);
      }
    });
  }

  // ---- client nodes ----------------------------------------------------------------------

  void start_node(client_node& n) {
    q_.schedule(net_.below(50), [this, id = n.id] { start_connect(nodes_[id]); });
    if (!n.core) return;
    schedule_workload(n);
  }

  void start_connect(client_node& n) {
    if (n.crashed || n.offline || n.conn != 0 || n.connecting) return;
    n.connecting = true;
    connection& c = conns_.emplace_back();
    c.id = conns_.size();
    c.client = n.id;
    add(record{.kind = record_kind::connect_started, .node = n.id, .conn = c.id});
    const sim_ms started = now();
    if (now() < n.hang_until || blocked(n, true)) {
      q_.schedule(started + connect_timeout_ms, [this, id = c.id] { connect_failed(conn(id)); });
      return;
    }
    q_.schedule(now() + one_way(n.lk), [this, id = c.id, started] { syn_arrives(conn(id), started); });
  }

  void syn_arrives(connection& c, sim_ms started) {
    client_node& n = node_of(c);
    if (!broker_ || now() < n.refuse_until) {
      // Refused: a RST answers the SYN.
      sim_ms back = now() + one_way(n.lk);
      if (blocked(n, false)) back = started + connect_timeout_ms;
      q_.schedule(std::max(back, now()), [this, id = c.id] { connect_failed(conn(id)); });
      return;
    }
    c.broker_incarnation = broker_incarnation_;
    mqtt::broker::connection_info info{"c" + std::to_string(c.client), "sim"};
    if (!broker_->on_open(c.id, info, now())) {
      flush_broker();
      q_.schedule(now() + one_way(n.lk), [this, id = c.id] { connect_failed(conn(id)); });
      return;
    }
    c.broker_open = true;
    flush_broker();
    if (blocked(n, false)) {
      q_.schedule(std::max(started + connect_timeout_ms, now()),
                  [this, id = c.id] { connect_failed(conn(id)); });
      return;
    }
    q_.schedule(now() + one_way(n.lk), [this, id = c.id, gen = n.generation] {
      synack_arrives(conn(id), gen);
    });
  }

  void synack_arrives(connection& c, std::uint32_t generation) {
    client_node& n = node_of(c);
    if (c.stage != conn_stage::connecting) return;
    if (n.generation != generation || n.crashed) {
      // The process that asked is gone; the broker end stays until its connect timeout.
      c.stage = conn_stage::failed;
      return;
    }
    c.stage = conn_stage::established;
    n.connecting = false;
    if (!c.broker_open) {  // the broker end already went (crash): the RST is on its way
      c.stage = conn_stage::failed;
      reconnect_later(n);
      return;
    }
    n.conn = c.id;
    c.client_open = true;
    if (cfg_.traffic) cfg_.traffic->open(c.id, c.client, now());
    if (!n.core) {
      start_raw_script(n, c);
      return;
    }
    if (n.spec->will) {
      mqtt::client::will w;
      w.msg.topic = std::string(will_topic_prefix) + n.spec->name;
      w.msg.payload = "w" + std::to_string(c.id);
      w.msg.qos = static_cast<mqtt::codec::qos>(n.spec->will_qos);
      w.delay_interval_s = n.spec->will_delay_s;
      n.core->set_last_will(std::move(w));
    }
    n.core->on_transport_open(now());
    flush_client(n);
  }

  // A raw peer: its script's bytes go out at their times; it never reconnects.
  void start_raw_script(client_node& n, connection& c) {
    for (std::size_t i = 0; i < n.spec->raw.size(); ++i) {
      q_.schedule(now() + n.spec->raw[i].after_ms, [this, id = c.id, i] {
        connection& cc = conn(id);
        client_node& nn = node_of(cc);
        if (!cc.client_open || nn.conn != cc.id) return;
        const std::vector<std::uint8_t>& bytes = nn.spec->raw[i].bytes;
        if (cc.connect_size == 0) cc.connect_size = bytes.size();
        push(cc, true, bytes);
      });
    }
  }

  void connect_failed(connection& c) {
    if (c.stage != conn_stage::connecting) return;
    c.stage = conn_stage::failed;
    client_node& n = node_of(c);
    n.connecting = false;
    reconnect_later(n);
  }

  void reconnect_later(client_node& n) {
    if (n.crashed || n.offline || !n.core) return;
    q_.schedule(now() + load_.between(reconnect_min_ms, reconnect_max_ms),
                [this, id = n.id, gen = n.generation] {
                  if (nodes_[id].generation == gen) start_connect(nodes_[id]);
                });
  }

  // The client's transport ended under it (FIN or RST from the broker, half-open notice).
  void client_transport_closed(connection& c) {
    client_node& n = node_of(c);
    if (!c.client_open || n.conn != c.id) return;
    c.client_open = false;
    n.conn = 0;
    if (!n.core) {
      add(record{.kind = record_kind::connection_lost, .node = n.id, .conn = c.id});
      return;
    }
    n.core->on_transport_closed(now());
    flush_client(n);
    reconnect_later(n);
  }

  void flush_client(client_node& n) {
    for (mqtt::client::event& e : n.core->take_events()) {
      std::visit([&](auto& ev) { on_client_event(n, ev); }, e);
    }
    arm_client_timer(n);
  }

  void on_client_event(client_node& n, mqtt::client::send_bytes& e) {
    if (n.conn == 0) return;
    connection& c = conn(n.conn);
    if (c.connect_size == 0) {
      std::size_t size = 0;
      std::optional<bool> clean = connect_clean_flag(e.bytes, size);
      MQTT_ASSERT(clean.has_value());
      c.connect_size = size;
      c.clean_start = *clean;
    }
    push(c, true, e.bytes);
  }

  void on_client_event(client_node& n, mqtt::client::close_transport&) {
    if (n.conn == 0) return;
    connection& c = conn(n.conn);
    if (n.disconnect_requested) {
      n.disconnect_requested = false;
      c.disconnect_end = c.up.sent;
      add(record{.kind = record_kind::disconnect_sent, .node = n.id, .conn = c.id});
    }
    c.client_open = false;
    n.conn = 0;
    push_fin(c, true);
  }

  void on_client_event(client_node& n, mqtt::client::connected& e) {
    add(record{.kind = record_kind::connected, .node = n.id, .conn = n.conn,
               .reason = e.reason_code, .session_present = e.session_present,
               .clean_start = n.conn != 0 && conn(n.conn).clean_start});
    if (e.reason_code != 0) return;
    if (!e.session_present) {
      for (std::size_t i = 0; i < n.subs.size(); ++i) {
        if (n.subs[i].wanted) subscribe(n, i);
      }
    }
  }

  void on_client_event(client_node& n, mqtt::client::connection_lost&) {
    add(record{.kind = record_kind::connection_lost, .node = n.id});
    // The core closes the transport itself (close_transport came first) or it was closed
    // under it; either way a new connection comes later.
    reconnect_later(n);
  }

  void on_client_event(client_node& n, mqtt::client::message_received& e) {
    record r;
    r.kind = record_kind::delivered;
    r.node = n.id;
    r.topic = cfg_.load->topic_index(e.msg.topic);
    r.qos = static_cast<std::uint8_t>(e.msg.qos);
    r.retain = e.msg.retain;
    r.dup = e.msg.dup;
    std::string_view p = e.msg.payload;
    if (p.size() > 1 && p[0] == 'w') {
      parse_number(p.substr(1), r.conn);
    } else if (p.size() > 1 && p[0] == 'm') {
      std::size_t dot = p.find('.');
      if (dot != std::string_view::npos) {
        parse_number(p.substr(1, dot - 1), r.publisher);
        parse_number(p.substr(dot + 1), r.seq);
      }
    }
    add(std::move(r));
  }

  void on_client_event(client_node& n, mqtt::client::publish_completed& e) {
    auto it = n.publishes.find(e.packet_id);
    if (it == n.publishes.end()) return;
    add(record{.kind = record_kind::publish_acked, .node = n.id, .seq = it->second,
               .reason = e.reason_code});
    n.publishes.erase(it);
  }

  void on_client_event(client_node& n, mqtt::client::subscribed& e) {
    auto it = n.subscribes.find(e.packet_id);
    if (it == n.subscribes.end()) return;
    std::uint8_t code = e.reason_codes.empty() ? 0x80 : e.reason_codes.front();
    add(record{.kind = record_kind::subscribe_acked, .node = n.id, .seq = it->second.second,
               .filter = it->second.first, .reason = code});
    n.subscribes.erase(it);
  }

  void on_client_event(client_node& n, mqtt::client::unsubscribed& e) {
    auto it = n.unsubscribes.find(e.packet_id);
    if (it == n.unsubscribes.end()) return;
    add(record{.kind = record_kind::unsubscribe_acked, .node = n.id, .seq = it->second.second,
               .filter = it->second.first});
    n.unsubscribes.erase(it);
  }

  void on_client_event(client_node&, mqtt::client::disconnected_by_server&) {}

  void on_client_event(client_node& n, mqtt::client::protocol_violation& e) {
    record r;
    r.kind = record_kind::protocol_violation;
    r.node = n.id;
    r.text = e.text + (e.statement.empty() ? "" : " (" + std::string(e.statement) + ")");
    add(std::move(r));
  }

  void arm_client_timer(client_node& n) {
    std::optional<sim_ms> d = n.core->next_deadline();
    if (!d || n.crashed) return;
    sim_ms at = std::max(*d, now());
    if (at >= n.timer_at) return;
    n.timer_at = at;
    q_.schedule(at, [this, id = n.id, gen = n.generation] {
      client_node& nn = nodes_[id];
      if (nn.generation != gen || nn.crashed || now() != nn.timer_at) return;
      nn.timer_at = never;
      nn.core->on_timer(now());
      flush_client(nn);
    });
  }

  // ---- the workload ----------------------------------------------------------------------

  std::string subscribe_filter(const client_node& n, std::size_t i) const {
    const subscription_spec& s = n.spec->subscriptions[i];
    const std::string& f = cfg_.load->filters[s.filter];
    return s.share_group.empty() ? f : "$share/" + s.share_group + "/" + f;
  }

  void subscribe(client_node& n, std::size_t i) {
    const subscription_spec& s = n.spec->subscriptions[i];
    mqtt::client::subscription_request req;
    req.filter = subscribe_filter(n, i);
    req.max_qos = static_cast<mqtt::codec::qos>(s.qos);
    const std::uint32_t serial = n.next_request++;
    add(record{.kind = record_kind::subscribe_invoked, .node = n.id, .seq = serial,
               .filter = s.filter, .qos = s.qos});
    std::optional<std::uint16_t> id = n.core->subscribe({req}, std::nullopt, now());
    if (id) n.subscribes[*id] = {s.filter, serial};
    flush_client(n);
  }

  void unsubscribe(client_node& n, std::size_t i) {
    const subscription_spec& s = n.spec->subscriptions[i];
    const std::uint32_t serial = n.next_request++;
    add(record{.kind = record_kind::unsubscribe_invoked, .node = n.id, .seq = serial,
               .filter = s.filter});
    std::optional<std::uint16_t> id = n.core->unsubscribe({subscribe_filter(n, i)}, now());
    if (id) n.unsubscribes[*id] = {s.filter, serial};
    flush_client(n);
  }

  void schedule_workload(client_node& n) {
    const client_spec& s = *n.spec;
    if (s.publishes) {
      q_.schedule(load_.between(s.publishes->interval_min_ms, s.publishes->interval_max_ms),
                  [this, id = n.id] { publish_tick(nodes_[id]); });
    }
    if (s.offline_every_max_ms != 0) {
      q_.schedule(load_.between(s.offline_every_min_ms, s.offline_every_max_ms),
                  [this, id = n.id] { offline_tick(nodes_[id]); });
    }
    for (std::size_t i = 0; i < s.subscriptions.size(); ++i) {
      if (s.subscriptions[i].cycle_max_ms == 0) continue;
      q_.schedule(load_.between(s.subscriptions[i].cycle_min_ms, s.subscriptions[i].cycle_max_ms),
                  [this, id = n.id, i] { cycle_tick(nodes_[id], i); });
    }
  }

  void publish_tick(client_node& n) {
    if (draining_) return;
    const publish_spec& ps = *n.spec->publishes;
    if (!n.crashed) {
      mqtt::client::message m;
      std::uint16_t topic = ps.topics[load_.below(ps.topics.size())];
      m.topic = cfg_.load->topics[topic];
      m.qos = static_cast<mqtt::codec::qos>(ps.qos[load_.below(ps.qos.size())]);
      m.retain = ps.retain_probability > 0 && load_.chance(ps.retain_probability);
      std::uint32_t seq = n.next_seq++;
      m.payload = message_payload(n.id, seq);
      add(record{.kind = record_kind::publish_invoked, .node = n.id, .seq = seq, .topic = topic,
                 .qos = static_cast<std::uint8_t>(m.qos), .retain = m.retain});
      std::optional<std::uint16_t> id = n.core->publish(std::move(m), now());
      if (id && *id != 0) n.publishes[*id] = seq;
      flush_client(n);
    }
    q_.schedule(now() + load_.between(ps.interval_min_ms, ps.interval_max_ms),
                [this, id = n.id] { publish_tick(nodes_[id]); });
  }

  void offline_tick(client_node& n) {
    if (draining_) return;
    const client_spec& s = *n.spec;
    if (!n.crashed && n.conn != 0 && n.core->is_connected()) {
      n.offline = true;
      n.disconnect_requested = true;
      n.core->disconnect(0, now());
      flush_client(n);
      n.disconnect_requested = false;
      q_.schedule(now() + load_.between(s.offline_for_min_ms, s.offline_for_max_ms),
                  [this, id = n.id] { come_back(nodes_[id]); });
    }
    q_.schedule(now() + load_.between(s.offline_every_min_ms, s.offline_every_max_ms),
                [this, id = n.id] { offline_tick(nodes_[id]); });
  }

  void come_back(client_node& n) {
    if (!n.offline) return;
    n.offline = false;
    start_connect(n);
  }

  void cycle_tick(client_node& n, std::size_t i) {
    if (draining_) return;
    const subscription_spec& s = n.spec->subscriptions[i];
    if (!n.crashed) {
      n.subs[i].wanted = !n.subs[i].wanted;
      if (n.subs[i].wanted) {
        subscribe(n, i);
      } else {
        unsubscribe(n, i);
      }
    }
    q_.schedule(now() + load_.between(s.cycle_min_ms, s.cycle_max_ms),
                [this, id = n.id, i] { cycle_tick(nodes_[id], i); });
  }

  // ---- faults ----------------------------------------------------------------------------

  connection* current(client_node& n) {
    if (n.conn != 0) return &conn(n.conn);
    return nullptr;
  }

  void apply(const fault& f) {
    if (draining_) return;
    client_node& n = nodes_[f.target < nodes_.size() ? f.target : 0];
    if (!n.core && f.kind != fault_kind::broker_crash) return;  // raw peers keep to their script
    switch (f.kind) {
      case fault_kind::reset:
        if (connection* c = current(n)) {
          pipe& p = f.direction == 0 ? c->up : c->down;
          p.reset_at = p.delivered + f.param;
        }
        break;
      case fault_kind::loss:
        if (connection* c = current(n)) apply_loss(*c, f);
        break;
      case fault_kind::black_hole:
        if (connection* c = current(n)) {
          c->up.black_holed = true;
          c->down.black_holed = true;
        }
        break;
      case fault_kind::half_open:
        if (connection* c = current(n)) apply_half_open(*c, f.param == 1);
        break;
      case fault_kind::partition:
        apply_partition(n, f);
        break;
      case fault_kind::refuse_connects:
        n.refuse_until = std::max(n.refuse_until, now() + f.duration_ms);
        break;
      case fault_kind::hang_connects:
        n.hang_until = std::max(n.hang_until, now() + f.duration_ms);
        break;
      case fault_kind::broker_crash:
        crash_broker(f.duration_ms);
        break;
      case fault_kind::client_crash:
        crash_client(n, f.duration_ms, f.param == 1);
        break;
    }
  }

  void apply_loss(connection& c, const fault& f) {
    sim_ms stall = 0;
    const std::uint32_t retries = std::min(f.param, loss_retries_max);
    for (std::uint32_t i = 0; i < retries; ++i) stall += rto_ms << i;
    for (int d = 0; d < 2; ++d) {
      bool up = d == 0;
      if (f.direction != 2 && f.direction != (up ? 0 : 1)) continue;
      pipe& p = up ? c.up : c.down;
      p.stalled_until = std::max(p.stalled_until, now() + stall);
    }
    if (f.param > loss_retries_max) {
      q_.schedule(now() + stall, [this, id = c.id] {
        connection& cc = conn(id);
        if (!draining_ && (cc.broker_open || cc.client_open)) reset(cc);
      });
    }
  }

  void apply_half_open(connection& c, bool broker_learns) {
    c.up.black_holed = true;
    c.down.black_holed = true;
    discard(c.up);
    discard(c.down);
    if (broker_learns) {
      broker_closed_by_peer(c);
    } else {
      client_transport_closed(c);
    }
  }

  void apply_partition(client_node& n, const fault& f) {
    sim_ms until = now() + f.duration_ms;
    if (f.direction != 1) n.blocked_until[0] = std::max(n.blocked_until[0], until);
    if (f.direction != 0) n.blocked_until[1] = std::max(n.blocked_until[1], until);
    q_.schedule(until, [this, id = n.id] { repump(nodes_[id]); });
  }

  // After a partition heals, pipes held back by it deliver again.
  void repump(client_node& n) {
    for (connection& c : conns_) {
      if (c.client != n.id) continue;
      if (!c.up.segments.empty()) arm_pump(c, true, now());
      if (!c.down.segments.empty()) arm_pump(c, false, now());
    }
  }

  void crash_client(client_node& n, sim_ms down_ms, bool host) {
    if (n.crashed) return;
    add(record{.kind = record_kind::client_crash, .node = n.id});
    n.crashed = true;
    ++n.generation;
    n.connecting = false;
    n.timer_at = never;
    if (connection* c = current(n)) {
      c->client_open = false;
      discard(c->down);
      if (!host) send_rst(*c, true);
      n.conn = 0;
      n.core->on_transport_closed(now());
      n.core->take_events();  // the process is gone: nothing of this is acted on
    }
    q_.schedule(now() + down_ms, [this, id = n.id, gen = n.generation] {
      if (nodes_[id].generation == gen) restart_client(nodes_[id]);
    });
  }

  void restart_client(client_node& n) {
    if (!n.crashed) return;
    n.crashed = false;
    n.offline = false;
    add(record{.kind = record_kind::client_restart, .node = n.id});
    start_connect(n);
  }

  // The end of the chaos phase: pending resets and stalls are called off, partitions and
  // connect faults end, crashed nodes come back. Black-holed and half-open connections stay
  // as they are: keep alive has to find them.
  void heal() {
    draining_ = true;
    add(record{.kind = record_kind::heal});
    if (!broker_) restart_broker();
    for (connection& c : conns_) {
      for (pipe* p : {&c.up, &c.down}) {
        p->reset_at.reset();
        p->stalled_until = std::min(p->stalled_until, now());
      }
    }
    for (client_node& n : nodes_) {
      n.blocked_until = {0, 0};
      n.refuse_until = 0;
      n.hang_until = 0;
      repump(n);
      if (n.crashed) {
        ++n.generation;
        restart_client(n);
      } else if (n.offline) {
        come_back(n);
      }
    }
  }

  const world_config& cfg_;
  check::history& hist_;
  prng net_;
  prng load_;
  event_queue q_;
  std::optional<mqtt::broker::planted_bug> planted_;
  std::unique_ptr<mqtt::broker::broker> broker_;
  std::uint64_t broker_incarnation_ = 0;
  sim_ms broker_timer_at_ = never;
  std::deque<connection> conns_;
  std::deque<client_node> nodes_;
  bool draining_ = false;
};

}  // namespace

world_stats simulate(const world_config& config, check::history& out) {
  world w(config, out);
  return w.run();
}

}  // namespace harness::sim
