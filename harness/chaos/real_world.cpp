// The real world on harness_transport's event loop (one thread) and one harness_proxy per
// node (a thread each). See real_world.hpp.
#include "chaos/real_world.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <limits>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include "mqtt/assert.hpp"
#include "proxy/proxy.hpp"
#include "sim/client_record.hpp"
#include "sim/random.hpp"
#include "transport/connection.hpp"
#include "transport/event_loop.hpp"

// Records are built with designated initializers naming only the fields that matter.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace harness::chaos {
namespace {

using check::record;
using check::record_kind;
using clock_type = std::chrono::steady_clock;
namespace px = harness::proxy;
namespace tr = harness::transport;

constexpr sim_ms never = std::numeric_limits<sim_ms>::max();
constexpr sim_ms rto_ms = 200;                 // as the simulator's loss: first retransmission
constexpr std::uint32_t loss_retries_max = 6;  // more than this: a reset
constexpr sim_ms start_spread_ms = 50;
// A proxy record and a world connection with the same client port are one connection when
// they opened at most this far apart (the accept and the connect's completion are one event
// seen by two threads).
constexpr std::uint64_t match_window_us = 1'000'000;

struct conn_state {
  conn_id id = 0;
  node_id node = 0;
  std::unique_ptr<tr::connection> tc;
  std::uint16_t local_port = 0;
  std::uint64_t opened_us = 0;  // when on_open ran
  std::uint64_t number = 0;     // the proxy's, once looked up
  bool opened = false;       // on_open ran
  bool ended = false;        // on_close ran, or the world dropped it
  bool connect_seen = false;
  bool clean_start = false;
};

struct node_state {
  node_id id = 0;
  std::optional<mqtt::client::client> core;  // empty: a raw peer
  client_hooks hooks;
  std::unique_ptr<px::proxy> proxy;
  conn_id conn = 0;  // the core's transport (a raw peer: its latest open one), 0: none
  bool connecting = false;
  bool crashed = false;
  bool disconnect_requested = false;
  std::uint32_t generation = 0;
  tr::event_loop::timer_id timer = 0;
  sim_ms timer_at = never;
  sim::client_ledger ledger;
  std::vector<std::uint64_t> heal_faults;  // proxy faults heal() removes
};

struct stamped {
  std::uint64_t us;
  record r;
};

}  // namespace

struct real_world::impl {
  explicit impl(real_world_options o)
      : opts(std::move(o)), origin(clock_type::now()), links(sim::make_stream(opts.seed, sim::stream::network)) {}

  real_world_options opts;
  clock_type::time_point origin;
  tr::event_loop loop;
  sim::prng links;
  std::deque<node_state> nodes;
  std::deque<conn_state> conns;
  std::vector<stamped> records;
  std::vector<peer_event> pending;
  // Broker crashes: when, and the proxies' connections (node, number) open to the broker then.
  std::vector<std::uint64_t> crash_us;
  std::map<std::pair<node_id, std::uint64_t>, std::uint64_t> crashed_conns;  // -> crash time
  bool broker_down = false;
  std::optional<std::future<std::optional<std::string>>> restarting;
  std::uint64_t heal_epoch = 0;
  counts st;
  bool finished = false;

  void log(const std::string& s) const {
    if (opts.log) opts.log(s);
  }
  std::uint64_t now_us() const {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - origin).count());
  }
  sim_ms now() const { return loop.now_ms(); }
  void add(record r) { records.push_back({now_us(), std::move(r)}); }
  conn_state& conn(conn_id id) {
    MQTT_ASSERT(id >= 1 && id <= conns.size());
    return conns[id - 1];
  }
  node_state& node_at(node_id n) {
    MQTT_ASSERT(n < nodes.size());
    return nodes[n];
  }
  node_state& client_at(node_id n) {
    node_state& s = node_at(n);
    MQTT_ASSERT(s.core.has_value());
    return s;
  }

  // ---- connections -----------------------------------------------------------------------

  conn_state& new_conn(node_state& n) {
    conn_state& c = conns.emplace_back();
    c.id = conns.size();
    c.node = n.id;
    ++st.connections;
    tr::endpoint where;
    where.scheme = tr::scheme::tcp;
    where.host = "127.0.0.1";
    where.port = n.proxy->port();
    tr::connection::handlers h;
    h.on_open = [this, id = c.id] { on_open(conn(id)); };
    h.on_data = [this, id = c.id](std::span<const std::uint8_t> b) { on_data(conn(id), b); };
    h.on_close = [this, id = c.id](const tr::close_info& i) { on_close(conn(id), i); };
    c.tc = std::make_unique<tr::connection>(loop, where, tr::connection_options{}, std::move(h));
    return c;
  }

  void start_connect(node_state& n) {
    n.connecting = true;
    conn_state& c = new_conn(n);
    add(record{.kind = record_kind::connect_started, .node = n.id, .conn = c.id});
    c.tc->open();
  }

  void on_open(conn_state& c) {
    c.opened = true;
    c.local_port = c.tc->local_port();
    c.opened_us = now_us();
    node_state& n = nodes[c.node];
    if (!n.core) {
      n.conn = c.id;
      note(sim::peer_event_kind::opened, c);
      return;
    }
    n.connecting = false;
    if (n.crashed || n.conn != 0) {  // a connect of a process that is gone, or a stale one
      drop(c, true);
      return;
    }
    n.conn = c.id;
    if (n.hooks.transport_open) n.hooks.transport_open(n.id, c.id);
    n.core->on_transport_open(now());
    flush(n);
  }

  void on_data(conn_state& c, std::span<const std::uint8_t> bytes) {
    node_state& n = nodes[c.node];
    if (opts.traffic) opts.traffic->data(false, c.id, c.node, false, bytes, now_us());
    if (!n.core) {
      note(sim::peer_event_kind::bytes, c, sim::end_cause::none, bytes);
      return;
    }
    if (n.conn != c.id) return;
    n.core->on_bytes(bytes, now());
    flush(n);
  }

  void on_close(conn_state& c, const tr::close_info& info) {
    if (c.ended) return;
    c.ended = true;
    node_state& n = nodes[c.node];
    const bool was_open = c.opened;
    const sim::end_cause cause = info.kind == tr::close_kind::fin ? sim::end_cause::fin : sim::end_cause::rst;
    if (was_open && opts.traffic) opts.traffic->close(false, c.id, false, cause == sim::end_cause::rst, now_us());
    if (!n.core) {
      if (n.conn == c.id) n.conn = 0;
      if (!was_open) {
        note(sim::peer_event_kind::connect_failed, c, sim::end_cause::refused);
      } else {
        add(record{.kind = record_kind::connection_lost, .node = n.id, .conn = c.id});
        note(sim::peer_event_kind::closed, c, cause);
      }
      return;
    }
    if (!was_open) {
      if (!n.connecting) return;
      n.connecting = false;
      if (n.hooks.down) n.hooks.down(n.id);
      return;
    }
    if (n.conn != c.id) return;
    n.conn = 0;
    n.core->on_transport_closed(now());
    flush(n);
    if (n.hooks.down) n.hooks.down(n.id);
  }

  // The world lets go of `c`: RST (`reset`) or FIN. No handler runs for it after this.
  void drop(conn_state& c, bool reset) {
    if (c.ended) return;
    c.ended = true;
    if (c.opened && opts.traffic) opts.traffic->close(false, c.id, true, reset, now_us());
    if (reset) {
      c.tc->reset();
    } else {
      c.tc->close();
    }
  }

  void note(sim::peer_event_kind kind, const conn_state& c, sim::end_cause cause = sim::end_cause::none,
            std::span<const std::uint8_t> bytes = {}) {
    peer_event& e = pending.emplace_back();
    e.at = now();
    e.kind = kind;
    e.peer = c.node;
    e.conn = c.id;
    e.cause = cause;
    e.bytes.assign(bytes.begin(), bytes.end());
    loop.stop();
  }

  // The proxy's number for `c` (0: it has no record of it yet, or `c` never opened).
  std::uint64_t number_of(conn_state& c) {
    if (c.number != 0 || !c.opened || c.local_port == 0) return c.number;
    c.number = nodes[c.node].proxy->await_open(c.local_port, std::chrono::milliseconds(100));
    return c.number;
  }

  // ---- client cores ----------------------------------------------------------------------

  void flush(node_state& n) {
    for (mqtt::client::event& e : n.core->take_events()) {
      if (auto* b = std::get_if<mqtt::client::send_bytes>(&e)) {
        if (n.conn == 0) continue;
        conn_state& c = conn(n.conn);
        if (!c.connect_seen) {
          std::size_t size = 0;
          if (auto clean = sim::connect_clean_flag(b->bytes, size)) c.clean_start = *clean;
          c.connect_seen = true;
        }
        if (opts.traffic) opts.traffic->data(false, c.id, c.node, true, b->bytes, now_us());
        c.tc->write(b->bytes);
        continue;
      }
      if (std::holds_alternative<mqtt::client::close_transport>(e)) {
        if (n.conn == 0) continue;
        conn_state& c = conn(n.conn);
        if (n.disconnect_requested) {
          n.disconnect_requested = false;
          add(record{.kind = record_kind::disconnect_sent, .node = n.id, .conn = c.id});
        }
        n.conn = 0;
        c.tc->half_close();  // FIN after the DISCONNECT; the broker's close ends it
        continue;
      }
      const bool clean = n.conn != 0 && conn(n.conn).clean_start;
      if (auto r = sim::event_record(n.id, n.ledger, e, n.conn, clean, opts.topics)) add(std::move(*r));
      if (n.hooks.event) n.hooks.event(n.id, e);
    }
    arm_timer(n);
  }

  void arm_timer(node_state& n) {
    std::optional<sim_ms> d = n.core->next_deadline();
    if (!d || n.crashed) return;
    const sim_ms at = std::max(*d, now());
    if (at >= n.timer_at) return;
    if (n.timer != 0) loop.cancel(n.timer);
    n.timer_at = at;
    n.timer = loop.call_at(at, [this, id = n.id, gen = n.generation] {
      node_state& nn = nodes[id];
      nn.timer = 0;
      nn.timer_at = never;
      if (nn.generation != gen || nn.crashed) return;
      nn.core->on_timer(now());
      flush(nn);
    });
  }

  // ---- faults ----------------------------------------------------------------------------

  conn_state* current(node_state& n) {
    if (n.conn == 0) return nullptr;
    conn_state& c = conn(n.conn);
    return c.ended ? nullptr : &c;
  }

  std::uint64_t add_fault(node_state& n, px::fault f, bool until_heal) {
    const std::uint64_t id = n.proxy->add_fault(f);
    if (until_heal) n.heal_faults.push_back(id);
    ++st.faults_applied;
    log("node " + std::to_string(n.id) + ": " + px::describe(f));
    return id;
  }

  void skipped(const sim::fault& f, const std::string& why) {
    ++st.faults_skipped;
    log("skipped " + sim::describe(f) + ": " + why);
  }

  void apply(const sim::fault& f) {
    if (f.kind == sim::fault_kind::broker_crash) {
      crash_broker(f);
      return;
    }
    node_state& n = node_at(f.target);
    if (f.kind == sim::fault_kind::client_crash) {
      crash_client(n, f);
      return;
    }
    px::fault pf;
    const px::direction dir = f.direction == 0 ? px::direction::up : f.direction == 1 ? px::direction::down : px::direction::both;
    switch (f.kind) {
      case sim::fault_kind::partition:
        add_fault(n, px::fault{.type = px::fault_type::partition, .dir = dir, .ms = static_cast<std::uint32_t>(f.duration_ms)}, true);
        return;
      case sim::fault_kind::refuse_connects:
        add_fault(n, px::fault{.type = px::fault_type::refuse, .ms = static_cast<std::uint32_t>(f.duration_ms)}, true);
        return;
      case sim::fault_kind::hang_connects:
        add_fault(n, px::fault{.type = px::fault_type::hang_connects, .ms = static_cast<std::uint32_t>(f.duration_ms)}, true);
        return;
      default:
        break;
    }
    conn_state* c = current(n);
    const std::uint64_t number = c ? number_of(*c) : 0;
    if (number == 0) {
      skipped(f, "no open connection");
      return;
    }
    switch (f.kind) {
      case sim::fault_kind::reset:
        pf = px::fault{.type = px::fault_type::reset, .dir = f.direction == 0 ? px::direction::up : px::direction::down,
                       .bytes = f.param, .connection = number};
        add_fault(n, pf, true);
        break;
      case sim::fault_kind::loss: {
        sim_ms stall = 0;
        const std::uint32_t retries = std::min(f.param, loss_retries_max);
        for (std::uint32_t i = 0; i < retries; ++i) stall += rto_ms << i;
        add_fault(n, px::fault{.type = px::fault_type::stall, .dir = dir, .ms = static_cast<std::uint32_t>(stall), .connection = number}, true);
        if (f.param > loss_retries_max) {
          // TCP gives up: the next byte either way after the stall resets the connection.
          loop.call_at(now() + stall, [this, id = n.id, number, epoch = heal_epoch] {
            if (epoch != heal_epoch) return;
            add_fault(nodes[id], px::fault{.type = px::fault_type::reset, .bytes = 0, .connection = number}, true);
          });
        }
        break;
      }
      case sim::fault_kind::black_hole:
        // Kept after heal, as in the simulator: keep alive has to find it.
        add_fault(n, px::fault{.type = px::fault_type::black_hole, .connection = number}, false);
        break;
      case sim::fault_kind::half_open:
        add_fault(n, px::fault{.type = px::fault_type::half_open, .broker_end = f.param == 1, .connection = number}, false);
        break;
      default:
        break;
    }
  }

  void crash_broker(const sim::fault& f) {
    if (!opts.broker.crash || !opts.broker.restart) {
      skipped(f, "no way to crash and restart the broker (--spawn, or the profile's restart command)");
      return;
    }
    if (broker_down) {
      skipped(f, "the broker is down already");
      return;
    }
    const std::uint64_t at = now_us();
    add(record{.kind = record_kind::broker_crash});
    crash_us.push_back(at);
    for (node_state& n : nodes) {
      for (const px::connection_record& r : n.proxy->records()) {
        if (r.upstream_connected && r.broker_ended_us == 0) crashed_conns.emplace(std::pair{n.id, r.number}, at);
      }
    }
    if (auto e = opts.broker.crash()) log("broker crash: " + *e);
    broker_down = true;
    ++st.broker_crashes;
    ++st.faults_applied;
    log("broker crashed; back in " + std::to_string(f.duration_ms) + " ms");
    loop.call_at(now() + f.duration_ms, [this] { start_restart(); });
  }

  void start_restart() {
    if (!broker_down || restarting) return;
    restarting = std::async(std::launch::async, opts.broker.restart);
    poll_restart();
  }

  void poll_restart() {
    if (!restarting) return;
    if (restarting->wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      loop.call_at(now() + 20, [this] { poll_restart(); });
      return;
    }
    if (auto e = restarting->get()) log("broker restart: " + *e);
    restarting.reset();
    broker_down = false;
    add(record{.kind = record_kind::broker_restart});
    log("broker restarted");
  }

  // The process dies with its session store kept (the core); the broker hears a RST, or
  // nothing when the host died too (the proxy cuts the client's end only).
  void crash_client(node_state& n, const sim::fault& f) {
    const bool host = f.param == 1;
    if (n.core && n.crashed) return;
    add(record{.kind = record_kind::client_crash, .node = n.id});
    ++st.faults_applied;
    ++n.generation;
    for (conn_state& c : conns) {
      if (c.node != n.id || c.ended) continue;
      if (host && c.opened) {
        if (const std::uint64_t number = number_of(c); number != 0) {
          n.proxy->add_fault(px::fault{.type = px::fault_type::half_open, .broker_end = false, .connection = number});
          // Until the proxy has cut the client's end (the half-open just given).
          n.proxy->await_record([&](const px::connection_record& r) { return r.number == number && r.end != "open"; },
                                std::chrono::milliseconds(200));
        }
      }
      if (!n.core && c.opened) note(sim::peer_event_kind::closed, c, sim::end_cause::lost);
      drop(c, true);
    }
    if (!n.core) {
      n.conn = 0;
      return;
    }
    n.crashed = true;
    n.connecting = false;
    if (n.timer != 0) loop.cancel(n.timer);
    n.timer = 0;
    n.timer_at = never;
    if (n.conn != 0) {
      n.conn = 0;
      n.core->on_transport_closed(now());
      n.core->take_events();  // the process is gone: nothing of this is acted on
    }
    log("node " + std::to_string(n.id) + " crashed" + (host ? " with its host" : "") + "; back in " +
        std::to_string(f.duration_ms) + " ms");
    loop.call_at(now() + f.duration_ms, [this, id = n.id, gen = n.generation] {
      if (nodes[id].generation == gen) restart_client(nodes[id]);
    });
  }

  void restart_client(node_state& n) {
    if (!n.crashed) return;
    n.crashed = false;
    add(record{.kind = record_kind::client_restart, .node = n.id});
    if (n.hooks.restarted) n.hooks.restarted(n.id);
  }

  void heal() {
    ++heal_epoch;
    add(record{.kind = record_kind::heal});
    if (broker_down) start_restart();
    for (node_state& n : nodes) {
      for (std::uint64_t id : n.heal_faults) n.proxy->remove_fault(id);
      n.heal_faults.clear();
      if (n.core && n.crashed) {
        ++n.generation;
        restart_client(n);
      }
      if (n.hooks.healed) n.hooks.healed(n.id);
    }
  }

  // ---- the end ---------------------------------------------------------------------------

  void finish() {
    if (finished) return;
    finished = true;
    // The broker's side as it was at the end of the drain: what the proxies see after this
    // (the world closing its connections) is not part of the run.
    const std::uint64_t end_us = now_us();
    std::vector<std::vector<px::connection_record>> seen;
    for (node_state& n : nodes) seen.push_back(n.proxy->records());
    for (conn_state& c : conns) drop(c, false);
    for (node_state& n : nodes) n.proxy->stop();
    // Each proxy record is matched with the world's connection that had the client's port and
    // opened nearest in time to the proxy's accept. A port comes back only after its previous
    // connection ended (one four-tuple is one connection at a time), and a proxy record may
    // have no counterpart (an attempt the world gave up on before it opened), so neither list
    // is taken in plain order.
    for (node_state& n : nodes) {
      std::map<std::uint16_t, std::vector<conn_id>> by_port;
      for (const conn_state& c : conns) {
        if (c.node == n.id && c.local_port != 0) by_port[c.local_port].push_back(c.id);
      }
      std::set<conn_id> taken;
      for (const px::connection_record& r : seen[n.id]) {
        auto it = by_port.find(r.client_port);
        if (it == by_port.end()) continue;
        conn_id id = 0;
        std::uint64_t best = match_window_us + 1;
        for (conn_id candidate : it->second) {
          const std::uint64_t at = conn(candidate).opened_us;
          const std::uint64_t gap = at > r.opened_us ? at - r.opened_us : r.opened_us - at;
          if (gap < best && !taken.contains(candidate)) {
            best = gap;
            id = candidate;
          }
        }
        if (id == 0) continue;
        taken.insert(id);
        conn_state& c = conn(id);
        // A CONNECT written after the broker was killed reached a dying process, no broker.
        const auto crash = crashed_conns.find({n.id, r.number});
        const bool before_crash = crash == crashed_conns.end() || r.connect_reached_us < crash->second;
        if (r.connect_reached_broker && r.connect_reached_us != 0 && r.connect_reached_us <= end_us && before_crash) {
          records.push_back({r.connect_reached_us, record{.kind = record_kind::connect_delivered, .node = n.id,
                                                          .conn = id, .clean_start = c.clean_start}});
        }
        if (crash != crashed_conns.end()) {
          records.push_back({crash->second, record{.kind = record_kind::broker_conn_end, .node = n.id, .conn = id,
                                                   .graceful = false, .crash = true}});
        } else if (r.broker_ended_us != 0 && r.broker_ended_us <= end_us) {
          records.push_back({r.broker_ended_us, record{.kind = record_kind::broker_conn_end, .node = n.id, .conn = id,
                                                       .graceful = r.disconnect_reached_broker, .crash = false}});
        }
      }
    }
    std::stable_sort(records.begin(), records.end(), [](const stamped& a, const stamped& b) { return a.us < b.us; });
    if (!opts.history) return;
    for (stamped& s : records) {
      s.r.at = s.us / 1000;
      opts.history->add(std::move(s.r));
    }
  }
};

real_world::real_world(real_world_options o) : impl_(std::make_unique<impl>(std::move(o))) {}
real_world::~real_world() {
  impl_->finish();
  if (impl_->restarting) impl_->restarting->wait();
}

std::optional<std::string> real_world::start() {
  for (node_state& n : impl_->nodes) {
    if (auto e = n.proxy->start()) return "node " + std::to_string(n.id) + "'s proxy: " + *e;
    if (impl_->opts.latency_max_ms > 1) {
      const sim_ms latency = impl_->links.between(1, impl_->opts.latency_max_ms);
      const sim_ms jitter = impl_->links.below(latency / 2 + 1);
      n.proxy->add_fault(proxy::fault{.type = proxy::fault_type::latency, .ms = static_cast<std::uint32_t>(latency),
                                      .jitter_ms = static_cast<std::uint32_t>(jitter)});
    }
  }
  return std::nullopt;
}

namespace {
std::unique_ptr<px::proxy> make_proxy(const real_world_options& o, node_id n, std::chrono::steady_clock::time_point origin) {
  px::proxy_options po;
  po.upstream = o.target;
  po.upstream_options = o.target_options;
  po.seed = o.seed * 1'000 + n;
  po.origin = origin;
  if (o.traffic) {
    po.on_written = [tap = o.traffic, n](std::uint64_t number, bool to_broker, std::span<const std::uint8_t> b, std::uint64_t us) {
      tap->data(true, (std::uint64_t{n} + 1) << 32 | number, n, to_broker, b, us);
    };
    po.on_broker_end = [tap = o.traffic, n](std::uint64_t number, bool by_broker, bool reset, std::uint64_t us) {
      tap->close(true, (std::uint64_t{n} + 1) << 32 | number, !by_broker, reset, us);
    };
  }
  return std::make_unique<px::proxy>(po);
}
}  // namespace

node_id real_world::add_raw_peer() {
  node_state& n = impl_->nodes.emplace_back();
  n.id = static_cast<node_id>(impl_->nodes.size() - 1);
  n.proxy = make_proxy(impl_->opts, n.id, impl_->origin);
  return n.id;
}

node_id real_world::add_client(mqtt::client::options options, client_hooks hooks) {
  const node_id id = add_raw_peer();
  node_state& n = impl_->nodes[id];
  if (impl_->opts.credentials) {
    options.user_name = impl_->opts.credentials->first;
    options.password = impl_->opts.credentials->second;
  }
  n.core.emplace(std::move(options));
  n.hooks = std::move(hooks);
  return id;
}

bool real_world::is_raw_peer(node_id n) const { return !impl_->node_at(n).core; }
sim_ms real_world::start_offset() { return impl_->links.below(start_spread_ms); }

conn_id real_world::open(node_id peer) {
  node_state& n = impl_->node_at(peer);
  conn_state& c = impl_->new_conn(n);
  impl_->add(record{.kind = record_kind::connect_started, .node = n.id, .conn = c.id});
  c.tc->open();
  return c.id;
}

bool real_world::send(conn_id id, std::span<const std::uint8_t> bytes) {
  if (id < 1 || id > impl_->conns.size()) return false;
  conn_state& c = impl_->conn(id);
  if (c.ended || !c.opened || impl_->nodes[c.node].core) return false;
  if (impl_->opts.traffic) impl_->opts.traffic->data(false, c.id, c.node, true, bytes, impl_->now_us());
  return c.tc->write(bytes);
}

void real_world::connect(node_id client) {
  node_state& n = impl_->client_at(client);
  if (n.crashed || n.conn != 0 || n.connecting) return;
  impl_->start_connect(n);
}

void real_world::disconnect(node_id client, std::uint8_t reason_code) {
  node_state& n = impl_->client_at(client);
  n.disconnect_requested = true;
  n.core->disconnect(reason_code, impl_->now());
  impl_->flush(n);
  n.disconnect_requested = false;
}

std::optional<std::uint16_t> real_world::publish(node_id client, mqtt::client::message&& m, std::uint32_t seq) {
  node_state& n = impl_->client_at(client);
  impl_->add(n.ledger.publish_invoked(n.id, seq, m, impl_->opts.topics));
  std::optional<std::uint16_t> id = n.core->publish(std::move(m), impl_->now());
  n.ledger.published(id, seq);
  impl_->flush(n);
  return id;
}

std::optional<std::uint16_t> real_world::subscribe(node_id client, mqtt::client::subscription_request r,
                                                   std::uint16_t filter_index) {
  node_state& n = impl_->client_at(client);
  const record invoked = n.ledger.subscribe_invoked(n.id, filter_index, static_cast<std::uint8_t>(r.max_qos));
  impl_->add(invoked);
  std::optional<std::uint16_t> id = n.core->subscribe({std::move(r)}, std::nullopt, impl_->now());
  n.ledger.requested(true, id, invoked);
  impl_->flush(n);
  return id;
}

std::optional<std::uint16_t> real_world::unsubscribe(node_id client, std::string filter, std::uint16_t filter_index) {
  node_state& n = impl_->client_at(client);
  const record invoked = n.ledger.unsubscribe_invoked(n.id, filter_index);
  impl_->add(invoked);
  std::optional<std::uint16_t> id = n.core->unsubscribe({std::move(filter)}, impl_->now());
  n.ledger.requested(false, id, invoked);
  impl_->flush(n);
  return id;
}

void real_world::set_will(node_id client, std::optional<mqtt::client::will> w) {
  impl_->client_at(client).core->set_last_will(std::move(w));
}
bool real_world::is_connected(node_id client) const {
  const node_state& n = impl_->nodes.at(client);
  return n.core && n.conn != 0 && n.core->is_connected();
}
bool real_world::is_crashed(node_id client) const { return impl_->nodes.at(client).crashed; }
std::uint32_t real_world::incarnation(node_id client) const { return impl_->nodes.at(client).generation; }
void real_world::apply(const sim::fault& f) { impl_->apply(f); }
void real_world::heal() { impl_->heal(); }
sim_ms real_world::now() const { return impl_->now(); }
void real_world::schedule(sim_ms at, std::function<void()> h) { impl_->loop.call_at(at, std::move(h)); }

std::vector<peer_event> real_world::step_until(sim_ms deadline) {
  while (impl_->pending.empty() && impl_->now() < deadline) {
    impl_->loop.run_until(deadline);
    // Nothing left to wait for before the deadline: time still passes.
    if (impl_->pending.empty() && impl_->now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<sim_ms>(5, deadline - impl_->now())));
    }
  }
  return std::exchange(impl_->pending, {});
}

void real_world::finish() { impl_->finish(); }
real_world::counts real_world::stats() const { return impl_->st; }

std::string real_world::proxy_records_jsonl() const {
  std::string out;
  for (const node_state& n : impl_->nodes) {
    for (const px::connection_record& r : n.proxy->records()) {
      out += "{\"node\": " + std::to_string(n.id) + ", \"record\": " + px::to_json_text(r) + "}\n";
    }
  }
  return out;
}

}  // namespace harness::chaos
