// The simulated world: nodes, simulated TCP connections with their faults, the broker core
// and the client cores it drives, and the history recorder. TCP is a reliable in-order byte
// stream per direction; what the faults change is when (and whether) bytes, FINs and RSTs
// arrive.
#include "sim/sim_world.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <deque>
#include <limits>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "mqtt/assert.hpp"
#include "mqtt/broker/planted.hpp"
#include "sim/client_record.hpp"
#include "sim/random.hpp"

// Records are built with designated initializers naming only the fields that matter; the rest
// keep their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace harness::sim {
namespace {

using check::record;
using check::record_kind;

constexpr sim_ms never = std::numeric_limits<sim_ms>::max();
constexpr sim_ms rto_ms = 200;                 // first retransmission timeout
constexpr std::uint32_t loss_retries_max = 6;  // more retransmissions than this: reset
constexpr sim_ms connect_timeout_ms = 3'000;   // a hanging TCP connect gives up after this
constexpr sim_ms start_spread_ms = 50;         // start_offset() is below this

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
  conn_id id = 0;
  node_id client = 0;
  pipe up;    // client -> broker
  pipe down;  // broker -> client
  conn_stage stage = conn_stage::connecting;
  bool broker_open = false;  // the broker core holds it
  bool client_open = false;  // the client core has it as its transport, or the raw peer reads it
  bool peer_fin_sent = false;  // a raw peer half-closed it
  bool end_recorded = false;
  bool reset = false;  // a RST cut the stream: nothing more flows either way
  bool traffic_closed = false;  // the traffic sink saw the connection end (first FIN or RST)
  std::uint64_t broker_incarnation = 0;
  std::uint64_t connect_size = 0;
  bool connect_delivered = false;
  bool clean_start = false;
  std::uint64_t disconnect_end = 0;  // up.sent after a normal DISCONNECT, 0 when none was sent
};

struct node {
  node_id id = 0;
  std::optional<mqtt::client::client> core;  // empty: a raw peer
  client_hooks hooks;
  link_params lk;
  conn_id conn = 0;  // the transport the core has (a raw peer: its latest open one), 0: none
  bool connecting = false;
  bool crashed = false;
  bool disconnect_requested = false;
  std::uint32_t generation = 0;  // bumped by a crash: timers of the old process are void
  sim_ms timer_at = never;
  std::array<sim_ms, 2> blocked_until{0, 0};  // partition, per direction (0 up, 1 down)
  sim_ms refuse_until = 0;
  sim_ms hang_until = 0;
  client_ledger ledger;  // packet ids -> the messages and requests they belong to
};

}  // namespace

struct sim_world::impl {
  explicit impl(world_options o) : opts(std::move(o)), net(make_stream(opts.seed, stream::network)) {
    hist = opts.history ? opts.history : &own_history;
    if (!opts.planted_bug.empty()) {
      planted = mqtt::broker::planted_bug_from_string(opts.planted_bug);
      if (!planted) throw std::invalid_argument("unknown planted bug '" + opts.planted_bug + "'");
    }
    start_broker();
  }

  world_options opts;
  check::history own_history;
  check::history* hist = nullptr;
  prng net;
  event_queue q;
  std::optional<mqtt::broker::planted_bug> planted;
  std::unique_ptr<mqtt::broker::broker> broker_core;
  std::vector<std::uint8_t> saved_state;  // persistence: the state at the last crash
  std::uint64_t broker_incarnation = 0;
  sim_ms broker_timer_at = never;
  std::deque<connection> conns;
  std::deque<node> nodes;
  std::vector<peer_event> pending;
  bool peer_pending = false;  // pending is not empty: stepping stops
  std::uint64_t heal_epoch = 0;  // bumped by heal(): faults armed before it are called off

  sim_ms now() const { return q.now(); }
  void add(record r) {
    r.at = now();
    hist->add(std::move(r));
  }
  bool budget_left() const { return q.events_run() < opts.events_max; }

  link_params draw_link() {
    link_params l;
    l.latency_ms = net.between(1, std::max<sim_ms>(1, opts.latency_max_ms));
    l.jitter_ms = net.below(l.latency_ms / 2 + 1);
    l.bytes_per_ms = static_cast<std::uint32_t>(net.between(100, 10'000));
    l.segmentation_probability = opts.segmentation_probability;
    return l;
  }
  sim_ms one_way(const link_params& l) { return l.latency_ms + net.below(l.jitter_ms + 1); }

  // Misuse of the API (an unknown node, a raw peer asked to act as a client core) throws; the
  // throwing is kept out of line so that the checks cost a compare.
  [[noreturn]] static void no_such_node(node_id id) {
    throw std::out_of_range("sim_world: no node " + std::to_string(id));
  }
  [[noreturn]] static void not_a_client(node_id id) {
    throw std::invalid_argument("sim_world: node " + std::to_string(id) + " is a raw peer");
  }
  node& node_at(node_id id) {
    if (id >= nodes.size()) no_such_node(id);
    return nodes[id];
  }
  const node& node_at(node_id id) const {
    if (id >= nodes.size()) no_such_node(id);
    return nodes[id];
  }
  node& client_at(node_id id) {
    node& n = node_at(id);
    if (!n.core) not_a_client(id);
    return n;
  }
  const node& client_at(node_id id) const {
    const node& n = node_at(id);
    if (!n.core) not_a_client(id);
    return n;
  }
  connection* raw_conn(conn_id id) {
    if (id < 1 || id > conns.size()) return nullptr;
    connection& c = conns[id - 1];
    return nodes[c.client].core ? nullptr : &c;
  }

  node& add_node(std::optional<link_params> l) {
    node& n = nodes.emplace_back();
    n.id = static_cast<node_id>(nodes.size() - 1);
    n.lk = l ? *l : draw_link();
    return n;
  }

  void peer_note(peer_event_kind kind, const connection& c, end_cause cause = end_cause::none,
                 std::span<const std::uint8_t> bytes = {}) {
    peer_pending = true;
    peer_event& e = pending.emplace_back();
    e.at = now();
    e.kind = kind;
    e.peer = c.client;
    e.conn = c.id;
    e.cause = cause;
    e.bytes.assign(bytes.begin(), bytes.end());
  }

  // ---- the broker node -------------------------------------------------------------------

  void start_broker() {
    broker_core = std::make_unique<mqtt::broker::broker>(opts.broker, opts.authn, opts.authz);
    if (planted) mqtt::broker::plant_bug(*broker_core, *planted);
    ++broker_incarnation;
    broker_timer_at = never;
  }

  void flush_broker() {
    if (!broker_core) return;
    for (mqtt::broker::action& a : broker_core->take_actions()) {
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
    std::optional<sim_ms> d = broker_core->next_deadline();
    if (!d) return;
    sim_ms at = std::max(*d, now());
    if (at >= broker_timer_at) return;
    broker_timer_at = at;
    q.schedule(at, [this, inc = broker_incarnation] {
      if (inc != broker_incarnation || !broker_core || now() != broker_timer_at) return;
      broker_timer_at = never;
      broker_core->on_timer(now());
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
    broker_core->on_closed(c.id, now());
    flush_broker();
  }

  void crash_broker(sim_ms down_ms) {
    if (!broker_core) return;
    if (opts.persistence) saved_state = broker_core->save_state(now(), now());
    add(record{.kind = record_kind::broker_crash});
    for (connection& c : conns) {
      if (!c.broker_open) continue;
      broker_forget(c, true);
      send_rst(c, false);
    }
    broker_core.reset();
    ++broker_incarnation;
    q.schedule(now() + down_ms, [this, inc = broker_incarnation] {
      if (inc == broker_incarnation) restart_broker();
    });
  }

  void restart_broker() {
    if (broker_core) return;
    start_broker();
    if (opts.persistence && !saved_state.empty()) {
      auto error = broker_core->load_state(saved_state, now(), now());
      MQTT_ASSERT(!error.has_value());  // the core's own state, saved a moment ago
    }
    add(record{.kind = record_kind::broker_restart});
  }

  // ---- connections -----------------------------------------------------------------------

  connection& conn(conn_id id) {
    MQTT_ASSERT(id >= 1 && id <= conns.size());
    return conns[id - 1];
  }
  node& node_of(const connection& c) { return nodes[c.client]; }
  bool blocked(const node& n, bool up) const { return now() < n.blocked_until[up ? 0 : 1]; }

  void push(connection& c, bool up, std::span<const std::uint8_t> bytes) {
    pipe& p = up ? c.up : c.down;
    // Counted even when the stream is dead: what was sent into a reset connection never
    // arrives, and the will bookkeeping (delivered >= sent) must see that.
    p.sent += bytes.size();
    if (c.reset || bytes.empty()) return;
    MQTT_ASSERT(!p.delivering);
    compact(p);
    p.buffer.insert(p.buffer.end(), bytes.begin(), bytes.end());
    const link_params& l = nodes[c.client].lk;
    // Random segmentation: the stream is cut at random points; the pump coalesces what is
    // ready together, so the receiver sees anything from one byte to many packets at once.
    std::size_t left = bytes.size();
    while (left > 0) {
      std::size_t n = left;
      if (left > 1 && net.chance(l.segmentation_probability)) n = net.between(1, left - 1);
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
    s.ready = std::max(p.last_ready, now() + one_way(nodes[c.client].lk));
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
    q.schedule(at, [this, key = c.id * 2 + (up ? 1 : 0)] { pump(conn(key / 2), key % 2 == 1); });
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
    if (opts.traffic && !c.traffic_closed) opts.traffic->data(c.id, up, bytes, now());
    if (up) {
      if (!c.broker_open) return;
      if (!c.connect_delivered && c.connect_size != 0 && p.delivered >= c.connect_size) {
        c.connect_delivered = true;
        add(record{.kind = record_kind::connect_delivered, .node = c.client, .conn = c.id,
                   .clean_start = c.clean_start});
      }
      broker_core->on_bytes(c.id, bytes, now());
      flush_broker();
      return;
    }
    node& n = node_of(c);
    if (!c.client_open) return;
    if (!n.core) {
      peer_note(peer_event_kind::bytes, c, end_cause::none, bytes);
      return;
    }
    if (n.conn != c.id) return;
    n.core->on_bytes(bytes, now());
    flush_client(n);
  }

  void deliver_fin(connection& c, bool up) {
    traffic_close(c, up, false);
    if (up) {
      const bool was_open = c.broker_open;
      broker_closed_by_peer(c);
      // The broker host closes its socket on reading the FIN; only a peer that half-closed
      // still reads, so only it is sent the FIN back.
      if (was_open && c.peer_fin_sent && c.client_open) push_fin(c, false);
    } else {
      client_transport_closed(c, end_cause::fin);
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
    if (!opts.traffic || c.traffic_closed || c.stage != conn_stage::established) return;
    c.traffic_closed = true;
    opts.traffic->close(c.id, from_client, rst, now());
  }

  // A RST from one end (from_client) to the other; lost across a partition or black hole.
  void send_rst(connection& c, bool from_client) {
    traffic_close(c, from_client, true);
    pipe& p = from_client ? c.up : c.down;
    discard(p);
    if (p.black_holed) return;
    node& n = node_of(c);
    if (blocked(n, from_client)) return;
    q.schedule(now() + one_way(n.lk), [this, id = c.id, from_client] {
      connection& cc = conn(id);
      if (from_client) {
        if (cc.broker_open && broker_core) broker_closed_by_peer(cc);
      } else {
        client_transport_closed(cc, end_cause::rst);
      }
    });
  }

  // ---- connecting ------------------------------------------------------------------------

  conn_id start_connect(node& n) {
    if (n.core) n.connecting = true;
    connection& c = conns.emplace_back();
    c.id = conns.size();
    c.client = n.id;
    add(record{.kind = record_kind::connect_started, .node = n.id, .conn = c.id});
    const sim_ms started = now();
    if (now() < n.hang_until || blocked(n, true)) {
      q.schedule(started + connect_timeout_ms,
                 [this, id = c.id] { connect_failed(conn(id), end_cause::timed_out); });
      return c.id;
    }
    q.schedule(now() + one_way(n.lk), [this, id = c.id, started] { syn_arrives(conn(id), started); });
    return c.id;
  }

  void syn_arrives(connection& c, sim_ms started) {
    node& n = node_of(c);
    if (!broker_core || now() < n.refuse_until) {
      // Refused: a RST answers the SYN.
      sim_ms back = now() + one_way(n.lk);
      end_cause cause = end_cause::refused;
      if (blocked(n, false)) {
        back = started + connect_timeout_ms;
        cause = end_cause::timed_out;
      }
      q.schedule(std::max(back, now()), [this, id = c.id, cause] { connect_failed(conn(id), cause); });
      return;
    }
    c.broker_incarnation = broker_incarnation;
    mqtt::broker::connection_info info{"c" + std::to_string(c.client), "sim"};
    if (!broker_core->on_open(c.id, info, now())) {
      flush_broker();
      q.schedule(now() + one_way(n.lk),
                 [this, id = c.id] { connect_failed(conn(id), end_cause::refused); });
      return;
    }
    c.broker_open = true;
    flush_broker();
    if (blocked(n, false)) {
      q.schedule(std::max(started + connect_timeout_ms, now()),
                 [this, id = c.id] { connect_failed(conn(id), end_cause::timed_out); });
      return;
    }
    q.schedule(now() + one_way(n.lk), [this, id = c.id, gen = n.generation] {
      synack_arrives(conn(id), gen);
    });
  }

  void synack_arrives(connection& c, std::uint32_t generation) {
    node& n = node_of(c);
    if (c.stage != conn_stage::connecting) return;
    if (n.generation != generation || n.crashed) {
      // The process that asked is gone; the broker end stays until its connect timeout.
      c.stage = conn_stage::failed;
      if (!n.core) peer_note(peer_event_kind::connect_failed, c, end_cause::lost);
      return;
    }
    c.stage = conn_stage::established;
    n.connecting = false;
    if (!c.broker_open) {  // the broker end already went (crash): the RST is on its way
      c.stage = conn_stage::failed;
      went_down(n, c, end_cause::rst);
      return;
    }
    n.conn = c.id;
    c.client_open = true;
    if (opts.traffic) opts.traffic->open(c.id, c.client, now());
    if (!n.core) {
      peer_note(peer_event_kind::opened, c);
      return;
    }
    if (n.hooks.transport_open) n.hooks.transport_open(n.id, c.id);
    n.core->on_transport_open(now());
    flush_client(n);
  }

  void connect_failed(connection& c, end_cause cause) {
    if (c.stage != conn_stage::connecting) return;
    c.stage = conn_stage::failed;
    node& n = node_of(c);
    n.connecting = false;
    went_down(n, c, cause);
  }

  // A connect of `c` failed: a raw peer hears of it, a client core's driver is told.
  void went_down(node& n, const connection& c, end_cause cause) {
    if (!n.core) {
      peer_note(peer_event_kind::connect_failed, c, cause);
      return;
    }
    if (n.hooks.down) n.hooks.down(n.id);
  }

  // The node's end of `c` was closed under it (FIN or RST from the broker, half-open notice).
  void client_transport_closed(connection& c, end_cause cause) {
    node& n = node_of(c);
    if (!c.client_open) return;
    if (n.core && n.conn != c.id) return;
    c.client_open = false;
    if (n.conn == c.id) n.conn = 0;
    if (!n.core) {
      add(record{.kind = record_kind::connection_lost, .node = n.id, .conn = c.id});
      peer_note(peer_event_kind::closed, c, cause);
      return;
    }
    n.core->on_transport_closed(now());
    flush_client(n);
    if (n.hooks.down) n.hooks.down(n.id);
  }

  // ---- raw peers -------------------------------------------------------------------------

  bool peer_send(conn_id id, std::span<const std::uint8_t> bytes) {
    connection* c = raw_conn(id);
    if (!c || !c->client_open || c->peer_fin_sent) return false;
    // The first send is taken for the CONNECT: connect_delivered is recorded when all of it
    // reached the broker.
    if (c->connect_size == 0) c->connect_size = bytes.size();
    push(*c, true, bytes);
    return true;
  }

  bool peer_half_close(conn_id id) {
    connection* c = raw_conn(id);
    if (!c || !c->client_open || c->peer_fin_sent) return false;
    c->peer_fin_sent = true;
    push_fin(*c, true);
    return true;
  }

  bool peer_reset(conn_id id) {
    connection* c = raw_conn(id);
    if (!c || !c->client_open) return false;
    drop_peer_end(*c, true);
    return true;
  }

  // The peer's socket is gone (its reset or crash): nothing more reaches it; the broker hears
  // a RST unless the host died with it.
  void drop_peer_end(connection& c, bool rst) {
    c.client_open = false;
    node& n = node_of(c);
    if (n.conn == c.id) n.conn = 0;
    discard(c.down);
    if (rst) send_rst(c, true);
  }

  // ---- client cores ----------------------------------------------------------------------

  void flush_client(node& n) {
    for (mqtt::client::event& e : n.core->take_events()) {
      // Bytes and closes are the world's own business (and most of the events).
      if (auto* b = std::get_if<mqtt::client::send_bytes>(&e)) {
        on_send_bytes(n, *b);
        continue;
      }
      if (std::holds_alternative<mqtt::client::close_transport>(e)) {
        on_close_transport(n);
        continue;
      }
      const bool clean = n.conn != 0 && conn(n.conn).clean_start;
      if (auto r = event_record(n.id, n.ledger, e, n.conn, clean, opts.topics)) add(std::move(*r));
      if (n.hooks.event) n.hooks.event(n.id, e);
    }
    arm_client_timer(n);
  }

  void on_send_bytes(node& n, const mqtt::client::send_bytes& e) {
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

  void on_close_transport(node& n) {
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

  void arm_client_timer(node& n) {
    std::optional<sim_ms> d = n.core->next_deadline();
    if (!d || n.crashed) return;
    sim_ms at = std::max(*d, now());
    if (at >= n.timer_at) return;
    n.timer_at = at;
    q.schedule(at, [this, id = n.id, gen = n.generation] {
      node& nn = nodes[id];
      if (nn.generation != gen || nn.crashed || now() != nn.timer_at) return;
      nn.timer_at = never;
      nn.core->on_timer(now());
      flush_client(nn);
    });
  }

  void client_connect(node& n) {
    if (n.crashed || n.conn != 0 || n.connecting) return;
    start_connect(n);
  }

  void client_disconnect(node& n, std::uint8_t reason) {
    n.disconnect_requested = true;
    n.core->disconnect(reason, now());
    flush_client(n);
    n.disconnect_requested = false;
  }

  std::optional<std::uint16_t> client_publish(node& n, mqtt::client::message&& m, std::uint32_t seq) {
    add(n.ledger.publish_invoked(n.id, seq, m, opts.topics));
    std::optional<std::uint16_t> id = n.core->publish(std::move(m), now());
    n.ledger.published(id, seq);
    flush_client(n);
    return id;
  }

  std::optional<std::uint16_t> client_subscribe(node& n, mqtt::client::subscription_request&& r,
                                                std::uint16_t filter) {
    const record invoked = n.ledger.subscribe_invoked(n.id, filter, static_cast<std::uint8_t>(r.max_qos));
    add(invoked);
    std::optional<std::uint16_t> id = n.core->subscribe({std::move(r)}, std::nullopt, now());
    n.ledger.requested(true, id, invoked);
    flush_client(n);
    return id;
  }

  std::optional<std::uint16_t> client_unsubscribe(node& n, std::string&& f, std::uint16_t filter) {
    const record invoked = n.ledger.unsubscribe_invoked(n.id, filter);
    add(invoked);
    std::optional<std::uint16_t> id = n.core->unsubscribe({std::move(f)}, now());
    n.ledger.requested(false, id, invoked);
    flush_client(n);
    return id;
  }

  // ---- faults ----------------------------------------------------------------------------

  // The target's current connection: a client core's transport, a raw peer's latest open one.
  connection* current(node& n) {
    if (n.core) return n.conn != 0 ? &conn(n.conn) : nullptr;
    for (auto it = conns.rbegin(); it != conns.rend(); ++it) {
      if (it->client == n.id && it->client_open) return &*it;
    }
    return nullptr;
  }

  void apply(const fault& f) {
    if (f.kind == fault_kind::broker_crash) {
      crash_broker(f.duration_ms);
      return;
    }
    node& n = node_at(f.target);
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
      q.schedule(now() + stall, [this, id = c.id, epoch = heal_epoch] {
        connection& cc = conn(id);
        if (epoch == heal_epoch && (cc.broker_open || cc.client_open)) reset(cc);
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
      client_transport_closed(c, end_cause::lost);
    }
  }

  void apply_partition(node& n, const fault& f) {
    sim_ms until = now() + f.duration_ms;
    if (f.direction != 1) n.blocked_until[0] = std::max(n.blocked_until[0], until);
    if (f.direction != 0) n.blocked_until[1] = std::max(n.blocked_until[1], until);
    q.schedule(until, [this, id = n.id] { repump(nodes[id]); });
  }

  // After a partition heals, pipes held back by it deliver again.
  void repump(node& n) {
    for (connection& c : conns) {
      if (c.client != n.id) continue;
      if (!c.up.segments.empty()) arm_pump(c, true, now());
      if (!c.down.segments.empty()) arm_pump(c, false, now());
    }
  }

  void crash_client(node& n, sim_ms down_ms, bool host) {
    if (!n.core) {
      crash_raw_peer(n, host);
      return;
    }
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
    q.schedule(now() + down_ms, [this, id = n.id, gen = n.generation] {
      if (nodes[id].generation == gen) restart_client(nodes[id]);
    });
  }

  // A raw peer's process is the caller: its crash ends the connections it had open (and
  // voids its pending connects); it opens again when the caller says.
  void crash_raw_peer(node& n, bool host) {
    add(record{.kind = record_kind::client_crash, .node = n.id});
    ++n.generation;
    for (connection& c : conns) {
      if (c.client != n.id || !c.client_open) continue;
      drop_peer_end(c, !host);
      peer_note(peer_event_kind::closed, c, end_cause::lost);
    }
  }

  void restart_client(node& n) {
    if (!n.crashed) return;
    n.crashed = false;
    add(record{.kind = record_kind::client_restart, .node = n.id});
    if (n.hooks.restarted) n.hooks.restarted(n.id);
  }

  void heal() {
    ++heal_epoch;
    add(record{.kind = record_kind::heal});
    if (!broker_core) restart_broker();
    for (connection& c : conns) {
      for (pipe* p : {&c.up, &c.down}) {
        p->reset_at.reset();
        p->stalled_until = std::min(p->stalled_until, now());
      }
    }
    for (node& n : nodes) {
      n.blocked_until = {0, 0};
      n.refuse_until = 0;
      n.hang_until = 0;
      repump(n);
      if (n.crashed) {
        ++n.generation;
        restart_client(n);
      }
      if (n.hooks.healed) n.hooks.healed(n.id);
    }
  }

  // ---- stepping --------------------------------------------------------------------------

  std::uint64_t budget() const { return budget_left() ? opts.events_max - q.events_run() : 0; }

  std::vector<peer_event> step_until(sim_ms deadline) {
    if (!peer_pending) q.run_until(deadline, budget(), peer_pending);
    peer_pending = false;
    return std::exchange(pending, {});
  }

  void run_until(sim_ms t) { q.run_until(t, budget()); }
};

sim_world::sim_world(world_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
sim_world::~sim_world() = default;
sim_world::sim_world(sim_world&&) noexcept = default;
sim_world& sim_world::operator=(sim_world&&) noexcept = default;

node_id sim_world::add_raw_peer(std::optional<link_params> link) { return impl_->add_node(link).id; }

node_id sim_world::add_client(mqtt::client::options options, client_hooks hooks,
                              std::optional<link_params> link) {
  node& n = impl_->add_node(link);
  n.core.emplace(std::move(options));
  n.hooks = std::move(hooks);
  return n.id;
}

std::size_t sim_world::node_count() const { return impl_->nodes.size(); }
bool sim_world::is_raw_peer(node_id n) const { return !impl_->node_at(n).core; }
const link_params& sim_world::link_of(node_id n) const { return impl_->node_at(n).lk; }
sim_ms sim_world::start_offset() { return impl_->net.below(start_spread_ms); }

conn_id sim_world::open(node_id peer) {
  node& n = impl_->node_at(peer);
  if (n.core) throw std::invalid_argument("sim_world::open: node " + std::to_string(peer) + " runs a client core");
  return impl_->start_connect(n);
}
bool sim_world::send(conn_id conn, std::span<const std::uint8_t> bytes) {
  return impl_->peer_send(conn, bytes);
}
bool sim_world::half_close(conn_id conn) { return impl_->peer_half_close(conn); }
bool sim_world::reset(conn_id conn) { return impl_->peer_reset(conn); }

void sim_world::connect(node_id client) { impl_->client_connect(impl_->client_at(client)); }
void sim_world::disconnect(node_id client, std::uint8_t reason_code) {
  impl_->client_disconnect(impl_->client_at(client), reason_code);
}
std::optional<std::uint16_t> sim_world::publish(node_id client, mqtt::client::message&& m,
                                                std::uint32_t seq) {
  return impl_->client_publish(impl_->client_at(client), std::move(m), seq);
}
std::optional<std::uint16_t> sim_world::subscribe(node_id client, mqtt::client::subscription_request r,
                                                  std::uint16_t filter_index) {
  return impl_->client_subscribe(impl_->client_at(client), std::move(r), filter_index);
}
std::optional<std::uint16_t> sim_world::unsubscribe(node_id client, std::string filter,
                                                    std::uint16_t filter_index) {
  return impl_->client_unsubscribe(impl_->client_at(client), std::move(filter), filter_index);
}
void sim_world::set_will(node_id client, std::optional<mqtt::client::will> w) {
  impl_->client_at(client).core->set_last_will(std::move(w));
}
bool sim_world::is_connected(node_id client) const {
  const node& n = impl_->client_at(client);
  return n.conn != 0 && n.core->is_connected();
}
bool sim_world::is_crashed(node_id client) const { return impl_->client_at(client).crashed; }
std::uint32_t sim_world::incarnation(node_id client) const { return impl_->node_at(client).generation; }

void sim_world::apply(const fault& f) { impl_->apply(f); }
void sim_world::heal() { impl_->heal(); }

sim_ms sim_world::now() const { return impl_->now(); }
std::vector<peer_event> sim_world::step_until(sim_ms deadline) { return impl_->step_until(deadline); }
void sim_world::run_until(sim_ms t) { impl_->run_until(t); }
void sim_world::schedule(sim_ms at, std::function<void()> h) { impl_->q.schedule(at, std::move(h)); }
std::uint64_t sim_world::events_run() const { return impl_->q.events_run(); }
bool sim_world::budget_exhausted() const { return !impl_->budget_left(); }

check::history& sim_world::history() { return *impl_->hist; }
const mqtt::broker::broker* sim_world::broker() const { return impl_->broker_core.get(); }

}  // namespace harness::sim
