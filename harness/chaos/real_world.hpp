// The real world: the simulator's workload driver (sim/workload_driver.hpp) run in real time
// on real sockets. Each node (a reference client core, or a raw peer) talks TCP to a broker
// through a fault-injecting proxy of its own (harness/proxy), which plays the node's link:
// the simulator's fault kinds become proxy faults on the node's current connection or on its
// link, a broker crash is the caller's (broker_control), a client crash drops the node's
// connection the way a dead process or host would. The clients' side of the history is
// recorded as the simulated world records it (sim/client_record.hpp); the broker's side
// (the whole CONNECT reached the broker, the broker's end of each connection, whether a
// DISCONNECT reached it first) comes from the proxies' records, put in time order by
// finish(). No Asio in this header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "check/history.hpp"
#include "mqtt/client/client.hpp"
#include "sim/faults.hpp"
#include "sim/sim_world.hpp"
#include "transport/endpoint.hpp"

namespace harness::chaos {

using sim::client_hooks;
using sim::conn_id;
using sim::node_id;
using sim::peer_event;
using sim::sim_ms;

// How the broker is crashed and brought back; an empty function: it cannot be (the fault is
// skipped and the log says so). Both return what went wrong, or nullopt. `restart` runs on a
// thread of its own and may take seconds; it returns once the broker listens again.
struct broker_control {
  std::function<std::optional<std::string>()> crash;
  std::function<std::optional<std::string>()> restart;
};

// Sees the traffic of both sides: between the clients and their proxies (`broker_side`
// false, `conn` the real world's connection id) and between the proxies and the broker
// (`broker_side` true, `conn` (node + 1) << 32 | the proxy's connection number). Called from
// the world's thread and the proxies' threads.
class traffic_tap {
 public:
  virtual ~traffic_tap() = default;
  virtual void data(bool broker_side, conn_id conn, node_id node, bool from_client,
                    std::span<const std::uint8_t> bytes, std::uint64_t at_us) = 0;
  // The connection ended: a FIN (`reset` false) or a RST from the client's end or the other.
  virtual void close(bool broker_side, conn_id conn, bool from_client, bool reset, std::uint64_t at_us) = 0;
};

struct real_world_options {
  // The broker, in any transport: the clients speak MQTT over TCP to their proxies, which
  // carry it on in the broker's (proxy_options::upstream).
  transport::endpoint target{.scheme = transport::scheme::tcp, .host = "127.0.0.1", .port = 1883, .path = {}};
  transport::connection_options target_options;
  std::uint64_t seed = 1;  // the links (latency per node) and the proxies' jitter
  // Each node's link gets a latency of 0..latency_max_ms (jitter up to half of it), as the
  // profile's simulated links do; 0 or 1: loopback as it is.
  sim_ms latency_max_ms = 0;
  std::span<const std::string> topics;  // what the history's topic indexes refer to
  check::history* history = nullptr;    // filled by finish()
  broker_control broker;
  // The user name and password every client's CONNECT carries (a broker without anonymous
  // access); nullopt: none.
  std::optional<std::pair<std::string, std::string>> credentials;
  traffic_tap* traffic = nullptr;
  std::function<void(const std::string&)> log;  // what happened, in words (faults, crashes)
};

class real_world {
 public:
  explicit real_world(real_world_options o);
  ~real_world();
  real_world(const real_world&) = delete;
  real_world& operator=(const real_world&) = delete;

  // Starts every node's proxy; the error when one cannot listen.
  std::optional<std::string> start();

  // ---- sim_world's driver API (see sim/sim_world.hpp), in real milliseconds
  node_id add_raw_peer();
  node_id add_client(mqtt::client::options options, client_hooks hooks = {});
  bool is_raw_peer(node_id n) const;
  sim_ms start_offset();
  conn_id open(node_id peer);
  bool send(conn_id conn, std::span<const std::uint8_t> bytes);
  void connect(node_id client);
  void disconnect(node_id client, std::uint8_t reason_code = 0);
  std::optional<std::uint16_t> publish(node_id client, mqtt::client::message&& m, std::uint32_t seq);
  std::optional<std::uint16_t> subscribe(node_id client, mqtt::client::subscription_request r,
                                         std::uint16_t filter_index);
  std::optional<std::uint16_t> unsubscribe(node_id client, std::string filter, std::uint16_t filter_index);
  void set_will(node_id client, std::optional<mqtt::client::will> w);
  bool is_connected(node_id client) const;
  bool is_crashed(node_id client) const;
  std::uint32_t incarnation(node_id client) const;
  void apply(const sim::fault& f);
  void heal();
  sim_ms now() const;
  void schedule(sim_ms at, std::function<void()> h);
  std::vector<peer_event> step_until(sim_ms deadline);

  // ---- after the run
  // Closes every connection, stops the proxies and writes the history: the clients' records
  // and the broker's side from the proxies, in time order.
  void finish();
  // What the run did that a report should say: faults applied and skipped, broker crashes.
  struct counts {
    std::uint64_t faults_applied = 0;
    std::uint64_t faults_skipped = 0;  // broker crashes without a broker_control, no connection to act on
    std::uint64_t broker_crashes = 0;
    std::uint64_t connections = 0;
  };
  counts stats() const;
  // Each node's proxy records as JSON Lines ("node" added), for the run's folder.
  std::string proxy_records_jsonl() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace harness::chaos
