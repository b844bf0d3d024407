// The steppable world's public API as the scenario interpreter uses it: raw peers that open,
// send encoded packets, half-close and reset, and read what arrives through step_until; faults
// applied now; client-core nodes recorded in the history; determinism; virtual time for free.
#include <boost/test/unit_test.hpp>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "sim/sim_world.hpp"

using namespace harness::sim;
namespace codec = mqtt::codec;
using codec::packet_type;
using codec::protocol_version;

namespace {

constexpr sim_ms latency_ms = 5;
constexpr link_params fixed_link{latency_ms, 0, 1'000, 0.0};  // no jitter, no segmentation
constexpr sim_ms hour_ms = 3'600'000;

std::vector<std::uint8_t> encoded(const codec::packet& p, protocol_version v) {
  std::vector<std::uint8_t> out;
  codec::result<std::size_t> r = codec::encode(p, v, out);
  BOOST_TEST_REQUIRE(r.ok());
  return out;
}

std::vector<std::uint8_t> connect_bytes(std::string_view id, protocol_version v, std::uint16_t keep_alive_s = 0,
                                        std::optional<std::string_view> will_topic = std::nullopt) {
  codec::connect c;
  c.version = v;
  c.client_id = id;
  c.keep_alive_s = keep_alive_s;
  if (will_topic) c.will = codec::will_message{*will_topic, "gone", codec::qos::at_most_once, false, {}};
  return encoded(c, v);
}

std::vector<std::uint8_t> subscribe_bytes(std::string_view filter, protocol_version v) {
  codec::subscribe s;
  s.packet_id = 1;
  s.subscriptions.push_back(codec::subscription{filter, {}});
  return encoded(s, v);
}

std::vector<std::uint8_t> publish_bytes(std::string_view topic, std::string_view payload, protocol_version v) {
  codec::publish p;
  p.topic = topic;
  p.payload = payload;
  return encoded(p, v);
}

// A packet as a raw peer saw it, kept past the decoder's views.
struct seen {
  sim_ms at = 0;
  packet_type type{};
  std::uint8_t code = 0;  // CONNACK reason code, first SUBACK reason code
  bool session_present = false;
  std::string topic;
  std::string payload;
};

// A minimal driver: steps the world, keeps every peer event and decodes each connection's
// bytes into packets.
class peers {
 public:
  explicit peers(world_options o = {}) : world(std::move(o)) {}

  sim_world world;
  std::vector<peer_event> log;
  std::map<conn_id, std::vector<seen>> packets;

  // Steps until the clock reaches `deadline`, taking in every peer event on the way.
  void run_to(sim_ms deadline) {
    while (step(deadline)) {
    }
  }

  // Steps until an event of `kind` on `conn` arrives (returned) or `deadline` passes.
  std::optional<peer_event> wait(conn_id conn, peer_event_kind kind, sim_ms deadline) {
    std::size_t from = log.size();
    for (;;) {
      for (; from < log.size(); ++from) {
        if (log[from].conn == conn && log[from].kind == kind) return log[from];
      }
      if (!step(deadline)) return std::nullopt;
    }
  }

  // Steps until a packet of `type` arrives on `conn`.
  std::optional<seen> wait_packet(conn_id conn, packet_type type, sim_ms deadline) {
    std::size_t from = packets[conn].size();
    for (;;) {
      const std::vector<seen>& got = packets[conn];
      for (; from < got.size(); ++from) {
        if (got[from].type == type) return got[from];
      }
      if (!step(deadline)) return std::nullopt;
    }
  }

  // Opens a connection of `peer` and completes the MQTT handshake.
  conn_id connect(node_id peer, std::string_view client_id, protocol_version v = protocol_version::v3_1_1,
                  std::optional<std::string_view> will_topic = std::nullopt) {
    conn_id c = world.open(peer);
    versions[c] = v;
    BOOST_TEST_REQUIRE(wait(c, peer_event_kind::opened, world.now() + 1'000).has_value());
    BOOST_TEST_REQUIRE(world.send(c, connect_bytes(client_id, v, 0, will_topic)));
    std::optional<seen> ack = wait_packet(c, packet_type::connack, world.now() + 1'000);
    BOOST_TEST_REQUIRE(ack.has_value());
    BOOST_TEST_REQUIRE(ack->code == 0);
    return c;
  }

  void subscribe(conn_id c, std::string_view filter) {
    BOOST_TEST_REQUIRE(world.send(c, subscribe_bytes(filter, versions[c])));
    BOOST_TEST_REQUIRE(wait_packet(c, packet_type::suback, world.now() + 1'000).has_value());
  }

  std::map<conn_id, protocol_version> versions;

 private:
  bool step(sim_ms deadline) {
    std::vector<peer_event> events = world.step_until(deadline);
    for (peer_event& e : events) take(e);
    return !events.empty();
  }

  void take(const peer_event& e) {
    log.push_back(e);
    if (e.kind != peer_event_kind::bytes) return;
    auto it = decoders.find(e.conn);
    if (it == decoders.end()) {
      codec::decode_options o;
      o.version = versions.count(e.conn) ? versions[e.conn] : protocol_version::v3_1_1;
      o.receiver = codec::receiver_role::client;
      it = decoders.emplace(e.conn, codec::stream_decoder(o)).first;
    }
    std::optional<codec::error> err = it->second.feed(e.bytes, [&](const codec::packet& p) {
      seen s;
      s.at = e.at;
      s.type = codec::type_of(p);
      if (const auto* a = std::get_if<codec::connack>(&p)) {
        s.code = a->reason_code;
        s.session_present = a->session_present;
      } else if (const auto* b = std::get_if<codec::suback>(&p)) {
        s.code = b->reason_codes.empty() ? 0xFF : b->reason_codes.front();
      } else if (const auto* pub = std::get_if<codec::publish>(&p)) {
        s.topic = std::string(pub->topic);
        s.payload = std::string(pub->payload);
      }
      packets[e.conn].push_back(std::move(s));
    });
    BOOST_TEST(!err.has_value(), "undecodable bytes from the broker on connection " << e.conn);
  }

  std::map<conn_id, codec::stream_decoder> decoders;
};

std::size_t count_records(const harness::check::history& h, harness::check::record_kind k, conn_id conn) {
  std::size_t n = 0;
  for (const harness::check::record& r : h.records()) n += r.kind == k && r.conn == conn;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_world_api)

BOOST_AUTO_TEST_CASE(a_raw_peer_connects_and_reads_its_connack) {
  peers p;
  node_id a = p.world.add_raw_peer(fixed_link);
  conn_id c = p.world.open(a);
  BOOST_TEST(c == 1u);
  // SYN out and SYN-ACK back: two link latencies.
  std::optional<peer_event> opened = p.wait(c, peer_event_kind::opened, 1'000);
  BOOST_TEST_REQUIRE(opened.has_value());
  BOOST_TEST(opened->at == 2 * latency_ms);
  BOOST_TEST(opened->peer == a);
  BOOST_TEST(p.world.now() == 2 * latency_ms);  // step_until returned at the event
  BOOST_TEST(p.world.send(c, connect_bytes("a", protocol_version::v3_1_1)));
  std::optional<seen> ack = p.wait_packet(c, packet_type::connack, 1'000);
  BOOST_TEST_REQUIRE(ack.has_value());
  BOOST_TEST(ack->at == 4 * latency_ms);
  BOOST_TEST(ack->code == 0);
  BOOST_TEST(!ack->session_present);
  // The world recorded the connection as it does for the workloads.
  BOOST_TEST(count_records(p.world.history(), harness::check::record_kind::connect_started, c) == 1u);
  BOOST_TEST(count_records(p.world.history(), harness::check::record_kind::connect_delivered, c) == 1u);
}

BOOST_AUTO_TEST_CASE(a_subscribed_raw_peer_receives_another_peers_publish) {
  peers p;
  node_id a = p.world.add_raw_peer(fixed_link);
  node_id b = p.world.add_raw_peer(fixed_link);
  conn_id ca = p.connect(a, "sub");
  p.subscribe(ca, "t/#");
  conn_id cb = p.connect(b, "pub", protocol_version::v5);
  const sim_ms sent = p.world.now();
  BOOST_TEST(p.world.send(cb, publish_bytes("t/a", "hello", protocol_version::v5)));
  std::optional<seen> got = p.wait_packet(ca, packet_type::publish, sent + 1'000);
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(got->topic == "t/a");
  BOOST_TEST(got->payload == "hello");
  BOOST_TEST(got->at == sent + 2 * latency_ms);  // up to the broker, down to the subscriber
  BOOST_TEST(p.packets[cb].size() == 1u);        // the publisher got its CONNACK only
}

BOOST_AUTO_TEST_CASE(a_half_closed_peer_keeps_receiving_then_sees_the_broker_close) {
  peers p;
  node_id a = p.world.add_raw_peer(fixed_link);
  node_id b = p.world.add_raw_peer(fixed_link);
  conn_id ca = p.connect(a, "sub");
  p.subscribe(ca, "t/#");
  conn_id cb = p.connect(b, "pub");
  // The PUBLISH reaches the broker just before the subscriber's FIN does.
  const sim_ms t = p.world.now();
  BOOST_TEST(p.world.send(cb, publish_bytes("t/a", "last", protocol_version::v3_1_1)));
  BOOST_TEST(p.world.half_close(ca));
  BOOST_TEST(!p.world.send(ca, publish_bytes("t/a", "x", protocol_version::v3_1_1)));
  BOOST_TEST(!p.world.half_close(ca));
  std::optional<peer_event> closed = p.wait(ca, peer_event_kind::closed, t + 1'000);
  BOOST_TEST_REQUIRE(closed.has_value());
  BOOST_TEST((closed->cause == end_cause::fin));
  BOOST_TEST(closed->at == t + 2 * latency_ms);  // our FIN up, the broker's down
  BOOST_TEST_REQUIRE(p.packets[ca].size() == 3u);  // CONNACK, SUBACK, then the PUBLISH
  BOOST_TEST(p.packets[ca][2].payload == "last");
  BOOST_TEST(count_records(p.world.history(), harness::check::record_kind::broker_conn_end, ca) == 1u);
  // Nothing more for either connection.
  p.run_to(t + 10'000);
  std::size_t after = 0;
  for (const peer_event& e : p.log) after += e.at > closed->at;
  BOOST_TEST(after == 0u);
}

BOOST_AUTO_TEST_CASE(a_peer_reset_is_a_lost_connection_for_the_broker) {
  peers p;
  node_id a = p.world.add_raw_peer(fixed_link);
  node_id b = p.world.add_raw_peer(fixed_link);
  conn_id ca = p.connect(a, "watcher");
  p.subscribe(ca, "will/#");
  conn_id cb = p.connect(b, "b", protocol_version::v3_1_1, "will/b");
  const sim_ms t = p.world.now();
  BOOST_TEST(p.world.reset(cb));
  BOOST_TEST(!p.world.send(cb, publish_bytes("t/a", "x", protocol_version::v3_1_1)));
  BOOST_TEST(!p.world.reset(cb));
  // Not a normal DISCONNECT: the broker publishes the will (MQTT-3.1.2-8).
  std::optional<seen> will = p.wait_packet(ca, packet_type::publish, t + 1'000);
  BOOST_TEST_REQUIRE(will.has_value());
  BOOST_TEST(will->topic == "will/b");
  BOOST_TEST(will->at == t + 2 * latency_ms);
  BOOST_TEST(count_records(p.world.history(), harness::check::record_kind::broker_conn_end, cb) == 1u);
  // The peer that reset hears nothing more of that connection.
  for (const peer_event& e : p.log) BOOST_TEST(!(e.conn == cb && e.kind == peer_event_kind::closed));
}

BOOST_AUTO_TEST_CASE(a_reset_fault_closes_both_ends_with_a_rst) {
  peers p;
  node_id a = p.world.add_raw_peer(fixed_link);
  node_id b = p.world.add_raw_peer(fixed_link);
  conn_id ca = p.connect(a, "sub");
  p.subscribe(ca, "t/#");
  conn_id cb = p.connect(b, "pub");
  // The next byte towards the subscriber resets its connection.
  fault f;
  f.kind = fault_kind::reset;
  f.target = a;
  f.param = 0;
  f.direction = 1;
  p.world.apply(f);
  const sim_ms t = p.world.now();
  BOOST_TEST(p.world.send(cb, publish_bytes("t/a", "cut", protocol_version::v3_1_1)));
  std::optional<peer_event> closed = p.wait(ca, peer_event_kind::closed, t + 1'000);
  BOOST_TEST_REQUIRE(closed.has_value());
  BOOST_TEST((closed->cause == end_cause::rst));
  BOOST_TEST(closed->at == t + 3 * latency_ms);  // cut on arrival, then the RST's own delay
  BOOST_TEST(p.packets[ca].size() == 2u);         // the PUBLISH never arrived
}

BOOST_AUTO_TEST_CASE(a_partition_holds_delivery_until_it_heals) {
  peers p;
  node_id a = p.world.add_raw_peer(fixed_link);
  node_id b = p.world.add_raw_peer(fixed_link);
  conn_id ca = p.connect(a, "sub");
  p.subscribe(ca, "t/#");
  conn_id cb = p.connect(b, "pub");
  fault f;
  f.kind = fault_kind::partition;
  f.target = a;
  f.duration_ms = 1'000;
  f.direction = 2;
  p.world.apply(f);
  const sim_ms t = p.world.now();
  BOOST_TEST(p.world.send(cb, publish_bytes("t/a", "held", protocol_version::v3_1_1)));
  // Without the partition it would arrive at t + 10.
  BOOST_TEST(!p.wait_packet(ca, packet_type::publish, t + 999).has_value());
  std::optional<seen> got = p.wait_packet(ca, packet_type::publish, t + 2'000);
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(got->payload == "held");
  BOOST_TEST(got->at == t + 1'000);
  // After heal the link is clear again.
  p.world.apply(f);
  p.world.heal();
  const sim_ms u = p.world.now();
  BOOST_TEST(p.world.send(cb, publish_bytes("t/a", "clear", protocol_version::v3_1_1)));
  got = p.wait_packet(ca, packet_type::publish, u + 1'000);
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(got->at == u + 2 * latency_ms);
}

BOOST_AUTO_TEST_CASE(connects_are_refused_or_time_out_under_connect_faults) {
  peers p;
  node_id a = p.world.add_raw_peer(fixed_link);
  fault f;
  f.kind = fault_kind::refuse_connects;
  f.target = a;
  f.duration_ms = 10'000;
  p.world.apply(f);
  conn_id c1 = p.world.open(a);
  std::optional<peer_event> e = p.wait(c1, peer_event_kind::connect_failed, 10'000);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST((e->cause == end_cause::refused));
  BOOST_TEST(e->at == 2 * latency_ms);  // the RST answers the SYN
  BOOST_TEST(!p.world.send(c1, connect_bytes("a", protocol_version::v3_1_1)));

  f.kind = fault_kind::hang_connects;
  p.world.apply(f);
  const sim_ms t = p.world.now();
  conn_id c2 = p.world.open(a);
  e = p.wait(c2, peer_event_kind::connect_failed, t + 10'000);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST((e->cause == end_cause::timed_out));
  BOOST_TEST(e->at == t + 3'000);  // the connect timeout

  p.world.heal();
  conn_id c3 = p.world.open(a);
  BOOST_TEST(p.wait(c3, peer_event_kind::opened, p.world.now() + 1'000).has_value());
}

BOOST_AUTO_TEST_CASE(a_broker_crash_resets_every_peer_and_the_broker_comes_back_empty) {
  peers p;
  node_id a = p.world.add_raw_peer(fixed_link);
  conn_id c = p.connect(a, "a");
  fault f;
  f.kind = fault_kind::broker_crash;
  f.duration_ms = 500;
  const sim_ms t = p.world.now();
  p.world.apply(f);
  BOOST_TEST(p.world.broker() == nullptr);
  std::optional<peer_event> closed = p.wait(c, peer_event_kind::closed, t + 1'000);
  BOOST_TEST_REQUIRE(closed.has_value());
  BOOST_TEST((closed->cause == end_cause::rst));
  BOOST_TEST(closed->at == t + latency_ms);
  conn_id refused = p.world.open(a);
  BOOST_TEST((p.wait(refused, peer_event_kind::connect_failed, t + 400)->cause == end_cause::refused));
  p.run_to(t + 500);
  BOOST_TEST_REQUIRE(p.world.broker() != nullptr);
  BOOST_TEST(p.world.broker()->session_count() == 0u);
  p.connect(a, "a");
}

// MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0): no packet within one and a half times the Keep
// Alive and the broker closes the connection. An hour of virtual time takes a few events.
BOOST_AUTO_TEST_CASE(a_silent_client_is_closed_after_one_and_a_half_keep_alives) {
  for (protocol_version v : {protocol_version::v3_1_1, protocol_version::v5}) {
    BOOST_TEST_CONTEXT("protocol level " << static_cast<int>(v)) {
      peers p;
      node_id a = p.world.add_raw_peer(fixed_link);
      conn_id c = p.world.open(a);
      p.versions[c] = v;
      BOOST_TEST_REQUIRE(p.wait(c, peer_event_kind::opened, 1'000).has_value());
      const sim_ms connect_arrives = p.world.now() + latency_ms;
      BOOST_TEST(p.world.send(c, connect_bytes("quiet", v, 60)));
      std::optional<peer_event> closed = p.wait(c, peer_event_kind::closed, hour_ms);
      BOOST_TEST_REQUIRE(closed.has_value());
      BOOST_TEST((closed->cause == end_cause::fin));
      BOOST_TEST(closed->at == connect_arrives + 90'000 + latency_ms);
      p.run_to(hour_ms);
      BOOST_TEST(p.world.now() == hour_ms);
      BOOST_TEST(p.world.events_run() < 50u);
    }
  }
}

// The broker runs with the options given: a Keep Alive above its maximum is cut down to it
// (the CONNACK carries it as Server Keep Alive), and the silent client is closed sooner.
BOOST_AUTO_TEST_CASE(the_broker_takes_its_options_from_the_world) {
  world_options o;
  o.broker.limits.keep_alive_max_s = 10;
  peers p(o);
  node_id a = p.world.add_raw_peer(fixed_link);
  conn_id c = p.world.open(a);
  p.versions[c] = protocol_version::v5;
  BOOST_TEST_REQUIRE(p.wait(c, peer_event_kind::opened, 1'000).has_value());
  const sim_ms connect_arrives = p.world.now() + latency_ms;
  BOOST_TEST(p.world.send(c, connect_bytes("quiet", protocol_version::v5, 60)));
  std::optional<peer_event> closed = p.wait(c, peer_event_kind::closed, hour_ms);
  BOOST_TEST_REQUIRE(closed.has_value());
  BOOST_TEST(closed->at == connect_arrives + 15'000 + latency_ms);

  world_options bad;
  bad.planted_bug = "no-such-bug";
  BOOST_CHECK_THROW(sim_world{bad}, std::invalid_argument);
  world_options planted;
  planted.planted_bug = "forget-retained";
  BOOST_CHECK_NO_THROW(sim_world{planted});
}

BOOST_AUTO_TEST_CASE(step_until_returns_at_the_deadline_when_nothing_happens) {
  sim_world w{world_options{}};
  w.add_raw_peer(fixed_link);
  BOOST_TEST(w.step_until(1'234).empty());
  BOOST_TEST(w.now() == 1'234u);
  BOOST_TEST(w.step_until(1'000).empty());  // a deadline in the past runs nothing
  BOOST_TEST(w.now() == 1'234u);
  bool ran = false;
  w.schedule(2'000, [&] { ran = true; });
  w.run_until(1'999);
  BOOST_TEST(!ran);
  w.run_until(2'000);
  BOOST_TEST(ran);
}

BOOST_AUTO_TEST_CASE(the_event_budget_stops_stepping_for_good) {
  world_options o;
  o.events_max = 3;
  sim_world w{o};
  node_id a = w.add_raw_peer(fixed_link);
  for (int i = 0; i < 10; ++i) w.open(a);  // a SYN event each
  std::vector<peer_event> events = w.step_until(hour_ms);
  BOOST_TEST(events.empty());
  BOOST_TEST(w.budget_exhausted());
  BOOST_TEST(w.events_run() == 3u);
  BOOST_TEST(w.now() == latency_ms);  // where the budget ran out, not the deadline
  BOOST_TEST(w.step_until(hour_ms).empty());
  w.run_until(hour_ms);
  BOOST_TEST(w.events_run() == 3u);
  BOOST_TEST(w.now() == latency_ms);
}

// Same seed, same events (times, chunks, causes) and the same history; another seed draws
// other links and cuts the streams elsewhere.
BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_event_sequence) {
  auto run = [](std::uint64_t seed) {
    world_options o;
    o.seed = seed;
    o.latency_max_ms = 40;
    o.segmentation_probability = 0.5;
    peers p(o);
    node_id a = p.world.add_raw_peer();
    node_id b = p.world.add_raw_peer();
    conn_id ca = p.connect(a, "sub");
    p.subscribe(ca, "t/#");
    conn_id cb = p.connect(b, "pub");
    for (int i = 0; i < 20; ++i) {
      p.world.send(cb, publish_bytes("t/a", "message number " + std::to_string(i), protocol_version::v3_1_1));
      p.run_to(p.world.now() + 7);
    }
    p.run_to(p.world.now() + 1'000);
    p.world.half_close(ca);
    p.run_to(5'000);
    return std::pair{p.log, p.world.history().trace_hash()};
  };
  auto [first, first_hash] = run(7);
  auto [again, again_hash] = run(7);
  auto [other, other_hash] = run(8);
  BOOST_TEST(first.size() > 20u);
  BOOST_TEST((first == again));
  BOOST_TEST(first_hash == again_hash);
  BOOST_TEST(!(first == other));
}

BOOST_AUTO_TEST_CASE(client_core_nodes_are_recorded_in_the_history) {
  using harness::check::record;
  using harness::check::record_kind;
  const std::vector<std::string> topics{"t/a"};
  world_options o;
  o.topics = topics;
  peers p(o);
  node_id sub = p.world.add_raw_peer(fixed_link);
  mqtt::client::options co;
  co.version = protocol_version::v5;
  co.client_id = "pub";
  std::vector<std::string> seen_events;
  client_hooks hooks;
  hooks.transport_open = [&](node_id, conn_id) { seen_events.push_back("open"); };
  hooks.event = [&](node_id, const mqtt::client::event& e) {
    if (std::holds_alternative<mqtt::client::connected>(e)) seen_events.push_back("connected");
  };
  node_id pub = p.world.add_client(co, hooks, fixed_link);
  BOOST_TEST(!p.world.is_raw_peer(pub));
  conn_id cs = p.connect(sub, "sub");
  p.subscribe(cs, "t/#");
  p.world.connect(pub);
  p.run_to(p.world.now() + 100);
  BOOST_TEST(p.world.is_connected(pub));
  BOOST_TEST((seen_events == std::vector<std::string>{"open", "connected"}));
  mqtt::client::message m;
  m.topic = "t/a";
  m.payload = "m1.7";
  m.qos = codec::qos::at_least_once;
  BOOST_TEST(p.world.publish(pub, std::move(m), 7).has_value());
  std::optional<seen> got = p.wait_packet(cs, packet_type::publish, p.world.now() + 1'000);
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(got->payload == "m1.7");
  p.run_to(p.world.now() + 100);
  bool invoked = false;
  bool acked = false;
  for (const record& r : p.world.history().records()) {
    if (r.node != pub) continue;
    invoked |= r.kind == record_kind::publish_invoked && r.seq == 7 && r.topic == 0 && r.qos == 1;
    acked |= r.kind == record_kind::publish_acked && r.seq == 7 && r.reason == 0;
  }
  BOOST_TEST(invoked);
  BOOST_TEST(acked);
  // A client-core node is not a raw peer and a raw peer is not a client core.
  BOOST_CHECK_THROW(p.world.open(pub), std::invalid_argument);
  BOOST_CHECK_THROW(p.world.connect(sub), std::invalid_argument);
  BOOST_CHECK_THROW(p.world.connect(99), std::out_of_range);
}

BOOST_AUTO_TEST_SUITE_END()
