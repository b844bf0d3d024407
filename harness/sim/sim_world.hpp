// The simulated world as a public, steppable API: the reference broker core and the nodes
// around it (raw peers and reference client cores), joined by simulated TCP links with all
// of the fault machinery, under virtual time. A driver alternates step_until() with its own
// actions; the named workloads (world.hpp) and the scenario interpreter are two such drivers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "check/history.hpp"
#include "mqtt/broker/broker.hpp"
#include "mqtt/client/client.hpp"
#include "sim/event_queue.hpp"
#include "sim/faults.hpp"

namespace harness::sim {

using check::node_id;
using conn_id = std::uint64_t;  // 1, 2, ... in the order connections were opened

// Sees the simulated traffic as it is delivered (for pcap files).
class traffic_sink {
 public:
  virtual ~traffic_sink() = default;
  virtual void open(conn_id conn, node_id client, sim_ms at) = 0;
  virtual void data(conn_id conn, bool from_client, std::span<const std::uint8_t> bytes,
                    sim_ms at) = 0;
  virtual void close(conn_id conn, bool from_client, bool reset, sim_ms at) = 0;
};

// The link between one node and the broker, the same both ways.
struct link_params {
  sim_ms latency_ms = 1;  // one-way
  sim_ms jitter_ms = 0;   // each segment and signal takes latency + [0, jitter]
  std::uint32_t bytes_per_ms = 1'000;
  double segmentation_probability = 0;  // that a send is cut at a random point (repeatedly)
};

struct world_options {
  std::uint64_t seed = 1;  // the network stream (links, delays, segmentation) comes from it
  mqtt::broker::options broker;
  // Who may connect, publish and subscribe; nullptr: everyone (each restart keeps them).
  std::shared_ptr<mqtt::broker::authenticator> authn;
  std::shared_ptr<mqtt::broker::authorizer> authz;
  std::string planted_bug;  // empty: none; else a name from mqtt/broker/planted.hpp
  // The broker keeps its state across a crash (mqtt-ref-broker's persistence true): the state
  // as of the crash (the broker acts on nothing after it, so it is what a write before every
  // send leaves on disk) is loaded into the restarted core. false: a restart is empty.
  bool persistence = false;
  // Links drawn for nodes added without one: latency 1..latency_max_ms, jitter up to half
  // of it, 100 kB/s to 10 MB/s.
  sim_ms latency_max_ms = 1;
  double segmentation_probability = 0;
  traffic_sink* traffic = nullptr;
  check::history* history = nullptr;  // where the records go; nullptr: the world keeps its own
  // Topic names the history's topic indexes refer to (a delivery or publish on a topic not
  // listed gets topics.size()). Must outlive the world.
  std::span<const std::string> topics;
  std::uint64_t events_max = 20'000'000;  // stepping stops for good after this many events
};

enum class peer_event_kind : std::uint8_t {
  opened,          // the TCP handshake completed: send() may be used
  bytes,           // bytes arrived, in the chunks the link model delivered
  closed,          // the connection ended for the peer: `cause` fin, rst or lost
  connect_failed,  // the open did not succeed: `cause` refused, timed_out, rst or lost
};

enum class end_cause : std::uint8_t {
  none,
  fin,        // the broker side closed (FIN after everything it sent)
  rst,        // a RST arrived (broker crash, a reset fault, a loss stall that gave up, ...)
  lost,       // the peer's own stack gave up on it (half-open notice) or the peer crashed
  refused,    // a RST answered the SYN (broker down, refuse-connects, connections_max)
  timed_out,  // no answer to the SYN within the connect timeout (hang-connects, partition)
};

struct peer_event {
  sim_ms at = 0;
  peer_event_kind kind = peer_event_kind::opened;
  node_id peer = 0;
  conn_id conn = 0;
  end_cause cause = end_cause::none;
  std::vector<std::uint8_t> bytes;  // kind bytes only
  friend bool operator==(const peer_event&, const peer_event&) = default;
};

// What the driver of a client-core node hears, synchronously, while the world runs. Every
// hook may be empty.
struct client_hooks {
  // The node's TCP connection `conn` is open; the core sends CONNECT right after this (the
  // place to set a will that names the connection).
  std::function<void(node_id, conn_id)> transport_open;
  // Each event of the core after the world recorded it, but send_bytes and close_transport,
  // which the world acts on itself.
  std::function<void(node_id, const mqtt::client::event&)> event;
  // A connect attempt failed, or the transport ended under the core (the core may also
  // report connection_lost for the same loss): the cue to reconnect.
  std::function<void(node_id)> down;
  // The node's process restarted after a crash, with its session store and no connection.
  std::function<void(node_id)> restarted;
  // heal() ended the node's faults (after restarting it if it had crashed).
  std::function<void(node_id)> healed;
};

class sim_world {
 public:
  explicit sim_world(world_options options);
  ~sim_world();
  sim_world(sim_world&&) noexcept;
  sim_world& operator=(sim_world&&) noexcept;

  // ---- nodes: ids 0, 1, ... in the order added; each has one link, drawn from the network
  // stream unless given.
  node_id add_raw_peer(std::optional<link_params> link = std::nullopt);
  node_id add_client(mqtt::client::options options, client_hooks hooks = {},
                     std::optional<link_params> link = std::nullopt);
  std::size_t node_count() const;
  bool is_raw_peer(node_id n) const;
  const link_params& link_of(node_id n) const;
  // A start-up offset below 50 ms from the network stream, so that nodes started together
  // do not connect in lockstep.
  sim_ms start_offset();

  // ---- raw peers: the caller is the peer's process and speaks bytes.
  // Starts a TCP connection to the broker. It opens a round trip later (SYN, SYN-ACK) or
  // fails (refused, timed out); either way a peer event says so. Several may be open at once.
  conn_id open(node_id peer);
  // In order, cut into segments by the link model. False (nothing sent) once the peer
  // half-closed, reset or lost the connection, or before it opened.
  bool send(conn_id conn, std::span<const std::uint8_t> bytes);
  // FIN after what was sent; the peer keeps receiving. A broker that reads the FIN closes
  // its side: the peer then sees `closed` with cause fin.
  bool half_close(conn_id conn);
  // RST: in-flight data is dropped, the broker learns after one link latency.
  bool reset(conn_id conn);

  // ---- client-core nodes: the world drives the core; its deliveries, acknowledgements and
  // connection events go into the history.
  // Starts a connection unless the node is crashed, connected or already connecting.
  void connect(node_id client);
  // A normal DISCONNECT (5.0 reason code), recorded as disconnect_sent.
  void disconnect(node_id client, std::uint8_t reason_code = 0);
  // Recorded as publish_invoked with `seq`, the message's number in the history (its
  // acknowledgement as publish_acked). The core's packet identifier, nullopt when refused.
  std::optional<std::uint16_t> publish(node_id client, mqtt::client::message&& m, std::uint32_t seq);
  // `filter_index` names the filter in the history (for a shared subscription, the filter
  // without its $share/<group>/ prefix).
  std::optional<std::uint16_t> subscribe(node_id client, mqtt::client::subscription_request r,
                                         std::uint16_t filter_index);
  std::optional<std::uint16_t> unsubscribe(node_id client, std::string filter,
                                           std::uint16_t filter_index);
  // The will of the next CONNECT.
  void set_will(node_id client, std::optional<mqtt::client::will> w);
  bool is_connected(node_id client) const;  // has a transport and a CONNACK
  bool is_crashed(node_id client) const;
  // Bumped by each crash (and by heal() for a crashed node): a driver's timers set for an
  // older process of the node are void.
  std::uint32_t incarnation(node_id client) const;

  // ---- faults
  // Applies `f` now (its at_ms is not looked at): to the target node's current connection,
  // the node's link or connects, or the broker. On a raw peer a client-crash ends its open
  // connections (closed, cause lost); when to open again is the caller's affair.
  void apply(const fault& f);
  // Ends every fault now: pending resets and stalls are called off, partitions and connect
  // faults end, the broker and crashed clients restart. Black-holed and half-open
  // connections stay: keep alive has to find them. Recorded as heal.
  void heal();

  // ---- time
  sim_ms now() const;
  // Runs events until at least one peer event is pending or the clock reaches `deadline`
  // (or the event budget is spent), then hands over the pending peer events, oldest first.
  // Empty: nothing happened for a raw peer by `deadline`.
  std::vector<peer_event> step_until(sim_ms deadline);
  // Runs every event up to `t`; peer events wait for the next step_until.
  void run_until(sim_ms t);
  // Runs `h` at virtual time `at` (not before now), in (time, order of scheduling) order
  // with the world's own events.
  void schedule(sim_ms at, std::function<void()> h);
  std::uint64_t events_run() const;
  bool budget_exhausted() const;

  // ---- observation
  check::history& history();
  // The broker core; nullptr while it is down after a crash.
  const mqtt::broker::broker* broker() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace harness::sim
