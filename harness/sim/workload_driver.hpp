// The named workloads as a driver of a world: each workload client is a client-core node that
// publishes, subscribes, goes offline and reconnects on its own schedule (drawn from the
// workload stream of the seed), or a raw peer that plays its script; the fault schedule is
// applied during the chaos phase, and heal() ends it. `World` is the simulated world
// (sim_world, world.cpp) or the real one (harness/chaos): it provides sim_world's driver API
// (add_client, add_raw_peer, start_offset, connect, disconnect, publish, subscribe,
// unsubscribe, set_will, is_connected, is_crashed, incarnation, is_raw_peer, open, send,
// apply, heal, now, schedule, step_until) with its types.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/faults.hpp"
#include "sim/random.hpp"
#include "sim/sim_world.hpp"
#include "sim/workload.hpp"

namespace harness::sim {
namespace driver_detail {

using mqtt::codec::protocol_version;

inline constexpr sim_ms reconnect_min_ms = 50;
inline constexpr sim_ms reconnect_max_ms = 500;

inline mqtt::client::options client_options(const client_spec& s) {
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

// "m<publisher>.<seq>" for messages ("w<conn>" for wills): the history traces each delivery
// to one publish or one connection by it.
inline std::string message_payload(node_id publisher, std::uint32_t seq) {
  return "m" + std::to_string(publisher) + "." + std::to_string(seq);
}

// What the driver keeps per workload client besides what the world keeps.
struct driven_node {
  const client_spec* spec = nullptr;
  bool offline = false;       // went offline on purpose: no reconnects until it comes back
  std::vector<bool> wanted;   // per subscription: currently subscribed (or to be)
  std::uint32_t next_seq = 0;
  bool reconnect_pending = false;  // a reconnect is scheduled: a second loss adds none
  std::uint64_t reconnect_serial = 0;  // which scheduled reconnect is the pending one
};

}  // namespace driver_detail

template <class World>
class workload_driver {
  using driven_node = driver_detail::driven_node;

 public:
  workload_driver(World& world, const workload& load, const fault_schedule& schedule, sim_ms chaos_ms,
                  sim_ms drain_ms, std::uint64_t seed)
      : world_(world), load_spec_(load), schedule_(schedule), chaos_ms_(chaos_ms), drain_ms_(drain_ms),
        load_(make_stream(seed, stream::workload)) {
    for (const client_spec& s : load.clients) {
      driven_node& d = nodes_.emplace_back();
      d.spec = &s;
      d.wanted.assign(s.subscriptions.size(), true);
      if (s.raw.empty()) {
        world_.add_client(driver_detail::client_options(s), hooks());
      } else {
        world_.add_raw_peer();
      }
    }
  }
  workload_driver(const workload_driver&) = delete;  // the hooks hold `this`
  workload_driver& operator=(const workload_driver&) = delete;

  // Runs to the end of the drain phase (or until the world stops stepping); true when it got
  // there.
  bool run() {
    for (node_id i = 0; i < nodes_.size(); ++i) start_node(i);
    for (std::size_t i = 0; i < schedule_.size(); ++i) {
      if (schedule_[i].at_ms >= chaos_ms_) continue;
      world_.schedule(schedule_[i].at_ms, [this, i] { apply(schedule_[i]); });
    }
    world_.schedule(chaos_ms_, [this] { heal(); });
    const sim_ms end = chaos_ms_ + drain_ms_;
    for (;;) {
      std::vector<peer_event> events = world_.step_until(end);
      if (events.empty()) break;
      for (const peer_event& e : events) on_peer_event(e);
    }
    return world_.now() >= end;
  }

 private:
  sim_ms now() const { return world_.now(); }

  client_hooks hooks() {
    client_hooks h;
    h.transport_open = [this](node_id n, conn_id c) { name_will(n, c); };
    h.event = [this](node_id n, const mqtt::client::event& e) { on_client_event(n, e); };
    h.down = [this](node_id n) { reconnect_later(n); };
    h.restarted = [this](node_id n) {
      nodes_[n].offline = false;
      nodes_[n].reconnect_pending = false;  // one scheduled before the crash does nothing now
      world_.connect(n);
    };
    h.healed = [this](node_id n) { come_back(n); };
    return h;
  }

  void start_node(node_id i) {
    const bool raw = world_.is_raw_peer(i);
    world_.schedule(world_.start_offset(), [this, i, raw] {
      if (raw) {
        world_.open(i);
      } else if (!nodes_[i].offline) {
        world_.connect(i);
      }
    });
    if (!raw) schedule_workload(i);
  }

  // Every will names the connection it belongs to.
  void name_will(node_id n, conn_id c) {
    const client_spec& s = *nodes_[n].spec;
    if (!s.will) return;
    mqtt::client::will w;
    w.msg.topic = std::string(will_topic_prefix) + s.name;
    w.msg.payload = "w" + std::to_string(c);
    w.msg.qos = static_cast<mqtt::codec::qos>(s.will_qos);
    w.delay_interval_s = s.will_delay_s;
    world_.set_will(n, std::move(w));
  }

  void on_client_event(node_id n, const mqtt::client::event& e) {
    if (const auto* c = std::get_if<mqtt::client::connected>(&e)) {
      if (c->reason_code != 0 || c->session_present) return;
      // A new session has no subscriptions: make the wanted ones again.
      for (std::size_t i = 0; i < nodes_[n].wanted.size(); ++i) {
        if (nodes_[n].wanted[i]) subscribe(n, i);
      }
    } else if (std::holds_alternative<mqtt::client::connection_lost>(e)) {
      // The core closes the transport itself (close_transport came first) or it was closed
      // under it; either way a new connection comes later.
      reconnect_later(n);
    }
  }

  // One reconnect pending per client: a loss is told twice (the world's down hook and the
  // core's connection_lost), and a timer per telling would double the attempts at every failed
  // one, a storm against a broker that stays down for seconds.
  void reconnect_later(node_id n) {
    if (world_.is_crashed(n) || nodes_[n].offline || nodes_[n].reconnect_pending) return;
    nodes_[n].reconnect_pending = true;
    const std::uint64_t serial = ++nodes_[n].reconnect_serial;
    world_.schedule(now() + load_.between(driver_detail::reconnect_min_ms, driver_detail::reconnect_max_ms),
                    [this, n, serial, gen = world_.incarnation(n)] {
                      if (nodes_[n].reconnect_serial == serial) nodes_[n].reconnect_pending = false;
                      if (world_.incarnation(n) == gen && !nodes_[n].offline) world_.connect(n);
                    });
  }

  // A raw peer plays its script from the moment its connection opens; it never reconnects
  // (the world records how its connection ended).
  void on_peer_event(const peer_event& e) {
    if (e.kind != peer_event_kind::opened) return;
    const std::vector<raw_send>& script = nodes_[e.peer].spec->raw;
    for (std::size_t i = 0; i < script.size(); ++i) {
      world_.schedule(e.at + script[i].after_ms, [this, conn = e.conn, &bytes = script[i].bytes] {
        world_.send(conn, bytes);
      });
    }
  }

  // ---- the workload ----------------------------------------------------------------------

  std::string subscribe_filter(node_id n, std::size_t i) const {
    const subscription_spec& s = nodes_[n].spec->subscriptions[i];
    const std::string& f = load_spec_.filters[s.filter];
    return s.share_group.empty() ? f : "$share/" + s.share_group + "/" + f;
  }

  void subscribe(node_id n, std::size_t i) {
    const subscription_spec& s = nodes_[n].spec->subscriptions[i];
    mqtt::client::subscription_request req;
    req.filter = subscribe_filter(n, i);
    req.max_qos = static_cast<mqtt::codec::qos>(s.qos);
    world_.subscribe(n, std::move(req), s.filter);
  }

  void unsubscribe(node_id n, std::size_t i) {
    world_.unsubscribe(n, subscribe_filter(n, i), nodes_[n].spec->subscriptions[i].filter);
  }

  void schedule_workload(node_id n) {
    const client_spec& s = *nodes_[n].spec;
    if (s.publishes) {
      world_.schedule(load_.between(s.publishes->interval_min_ms, s.publishes->interval_max_ms),
                      [this, n] { publish_tick(n); });
    }
    if (s.offline_every_max_ms != 0) {
      world_.schedule(load_.between(s.offline_every_min_ms, s.offline_every_max_ms),
                      [this, n] { offline_tick(n); });
    }
    for (std::size_t i = 0; i < s.subscriptions.size(); ++i) {
      if (s.subscriptions[i].cycle_max_ms == 0) continue;
      world_.schedule(load_.between(s.subscriptions[i].cycle_min_ms, s.subscriptions[i].cycle_max_ms),
                      [this, n, i] { cycle_tick(n, i); });
    }
  }

  void publish_tick(node_id n) {
    if (draining_) return;
    driven_node& d = nodes_[n];
    const publish_spec& ps = *d.spec->publishes;
    if (!world_.is_crashed(n)) {
      mqtt::client::message m;
      m.topic = load_spec_.topics[ps.topics[load_.below(ps.topics.size())]];
      m.qos = static_cast<mqtt::codec::qos>(ps.qos[load_.below(ps.qos.size())]);
      m.retain = ps.retain_probability > 0 && load_.chance(ps.retain_probability);
      const std::uint32_t seq = d.next_seq++;
      m.payload = driver_detail::message_payload(n, seq);
      world_.publish(n, std::move(m), seq);
    }
    world_.schedule(now() + load_.between(ps.interval_min_ms, ps.interval_max_ms),
                    [this, n] { publish_tick(n); });
  }

  void offline_tick(node_id n) {
    if (draining_) return;
    const client_spec& s = *nodes_[n].spec;
    if (!world_.is_crashed(n) && world_.is_connected(n)) {
      nodes_[n].offline = true;
      world_.disconnect(n, 0);
      world_.schedule(now() + load_.between(s.offline_for_min_ms, s.offline_for_max_ms),
                      [this, n] { come_back(n); });
    }
    world_.schedule(now() + load_.between(s.offline_every_min_ms, s.offline_every_max_ms),
                    [this, n] { offline_tick(n); });
  }

  void come_back(node_id n) {
    if (!nodes_[n].offline) return;
    nodes_[n].offline = false;
    world_.connect(n);
  }

  void cycle_tick(node_id n, std::size_t i) {
    if (draining_) return;
    const subscription_spec& s = nodes_[n].spec->subscriptions[i];
    if (!world_.is_crashed(n)) {
      const bool wanted = !nodes_[n].wanted[i];
      nodes_[n].wanted[i] = wanted;
      if (wanted) {
        subscribe(n, i);
      } else {
        unsubscribe(n, i);
      }
    }
    world_.schedule(now() + load_.between(s.cycle_min_ms, s.cycle_max_ms),
                    [this, n, i] { cycle_tick(n, i); });
  }

  // ---- faults ----------------------------------------------------------------------------

  // Raw peers keep to their script: only a broker crash touches them. A target past the
  // last client (a hand-edited replay file) means client 0.
  void apply(const fault& f) {
    if (draining_) return;
    fault aimed = f;
    if (aimed.target >= nodes_.size()) aimed.target = 0;
    if (world_.is_raw_peer(aimed.target) && aimed.kind != fault_kind::broker_crash) return;
    world_.apply(aimed);
  }

  // The end of the chaos phase: the world heals (restarting crashed nodes), clients that went
  // offline come back (the healed hook), and the workload stops publishing and cycling.
  void heal() {
    draining_ = true;
    world_.heal();
  }

  World& world_;
  const workload& load_spec_;
  const fault_schedule& schedule_;
  sim_ms chaos_ms_;
  sim_ms drain_ms_;
  prng load_;
  std::vector<driven_node> nodes_;
  bool draining_ = false;
};

}  // namespace harness::sim
