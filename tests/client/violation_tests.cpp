// The broker breaking the rules: malformed bytes, packets only clients send, packets before
// CONNACK, a second CONNACK, AUTH without authentication, a packet beyond our Maximum Packet
// Size; and the server's own DISCONNECT. Each names its statement, sends the 5.0 DISCONNECT
// with the reason code (nothing in 3.1.1), closes, and reports the connection lost.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

namespace {

namespace data = boost::unit_test::data;
using namespace mqtt::client;
using namespace mqtt::client::test;
using mqtt::codec::qos;

// Checks the common shape of a violation and returns it.
const protocol_violation& expect_violation(const step& s, mqtt::codec::protocol_version v,
                                           std::optional<std::uint8_t> reason) {
  const protocol_violation& pv = s.only<protocol_violation>();
  BOOST_TEST(!pv.text.empty());
  auto d = s.sent<mqtt::codec::disconnect>();
  if (v == v5) {
    BOOST_TEST_REQUIRE(d.size() == 1u);
    if (reason) BOOST_TEST(d.front()->reason_code == *reason);
  } else {
    BOOST_TEST(d.empty());
  }
  BOOST_TEST(s.closed());
  BOOST_TEST(s.count<connection_lost>() == 1u);
  // protocol_violation, then the DISCONNECT bytes, close_transport, connection_lost.
  BOOST_TEST(std::holds_alternative<connection_lost>(s.events.back()));
  return pv;
}

BOOST_AUTO_TEST_SUITE(violation)

BOOST_DATA_TEST_CASE(malformed_publish_flags, data::make(all_versions), version) {
  fixture f(version);
  f.connect();
  // PUBLISH with both QoS bits set.
  step s = f.feed_raw(from_hex("36 05 00 01 74 00 01"));
  const protocol_violation& pv = expect_violation(s, version, 0x81);
  BOOST_TEST(pv.statement == statement_id("MQTT-3.3.1-4"));
  BOOST_TEST(!f.c().is_connected());
  // Nothing more is read, and the close reports nothing new.
  BOOST_TEST(f.feed(broker_publish("t", "x", qos::at_most_once)).events.empty());
  BOOST_TEST(f.closed().events.empty());
}

BOOST_AUTO_TEST_CASE(truncated_utf8_in_topic) {
  fixture f(v5);
  f.connect();
  // Topic "\xC3" is an incomplete two-byte sequence.
  step s = f.feed_raw(from_hex("30 04 00 01 C3 00"));
  BOOST_TEST(expect_violation(s, v5, 0x81).statement == statement_id("MQTT-1.5.4-1"));
}

BOOST_AUTO_TEST_CASE(packets_after_a_violation_in_the_same_chunk_are_ignored) {
  fixture f(v311);
  f.connect();
  byte_vector wire = from_hex("36 05 00 01 74 00 01");
  byte_vector good = encode_packet(broker_publish("t", "x", qos::at_most_once), v311);
  byte_vector both = good;
  both.insert(both.end(), wire.begin(), wire.end());
  both.insert(both.end(), good.begin(), good.end());
  step s = f.feed_raw(both);
  BOOST_TEST(s.count<message_received>() == 1u);  // only the one before the bad packet
  expect_violation(s, v311, std::nullopt);
}

BOOST_DATA_TEST_CASE(packets_only_clients_send, data::make(std::vector{v311, v5}), version) {
  std::vector<mqtt::codec::packet> client_packets;
  mqtt::codec::subscribe sub;
  sub.packet_id = 1;
  sub.subscriptions.push_back({"a/b", {}});
  client_packets.push_back(sub);
  mqtt::codec::unsubscribe unsub;
  unsub.packet_id = 1;
  unsub.filters.push_back("a/b");
  client_packets.push_back(unsub);
  client_packets.push_back(mqtt::codec::pingreq{});
  mqtt::codec::connect conn;
  conn.version = version;
  conn.client_id = "x";
  client_packets.push_back(conn);
  for (const mqtt::codec::packet& p : client_packets) {
    BOOST_TEST_CONTEXT("packet " << mqtt::codec::to_string(mqtt::codec::type_of(p))) {
      fixture f(version);
      f.connect();
      step s = f.feed(p);
      const protocol_violation& pv = expect_violation(s, version, 0x82);
      BOOST_TEST(pv.statement == (version == v5 ? section("§2.1.2") : section("§2.2.1")));
    }
  }
}

BOOST_DATA_TEST_CASE(packet_before_connack, data::make(std::vector{v311, v5}), version) {
  fixture f(version);
  f.open();
  step s = f.feed(broker_publish("t", "x", qos::at_most_once));
  BOOST_TEST(s.count<message_received>() == 0u);
  BOOST_TEST(expect_violation(s, version, 0x82).statement == statement_id("MQTT-3.2.0-1"));
}

BOOST_AUTO_TEST_CASE(disconnect_before_connack_5_0) {
  fixture f(v5);
  f.open();
  step s = f.feed(mqtt::codec::disconnect{});
  BOOST_TEST(expect_violation(s, v5, 0x82).statement == statement_id("MQTT-3.14.0-1"));
  BOOST_TEST(s.count<disconnected_by_server>() == 0u);
}

BOOST_DATA_TEST_CASE(second_connack, data::make(std::vector{v311, v5}), version) {
  fixture f(version);
  f.connect();
  step s = f.feed(connack_with(false));
  BOOST_TEST(s.count<connected>() == 0u);
  BOOST_TEST(expect_violation(s, version, 0x82).statement ==
             (version == v5 ? statement_id("MQTT-3.2.0-2") : section("§3.2")));
}

BOOST_AUTO_TEST_CASE(auth_without_authentication_method) {
  fixture f(v5);
  f.connect();
  mqtt::codec::auth a;
  a.reason_code = 0x18;
  a.props.authentication_method = "SCRAM";
  step s = f.feed(a);
  BOOST_TEST(expect_violation(s, v5, 0x82).statement == statement_id("MQTT-4.12.0-6"));
}

BOOST_AUTO_TEST_CASE(packet_beyond_our_maximum_packet_size) {
  options o = default_options(v5);
  o.maximum_packet_size = 64;
  fixture f(o);
  f.connect();
  step s = f.feed(broker_publish("t", std::string(100, 'x'), qos::at_most_once));
  BOOST_TEST(s.count<message_received>() == 0u);
  BOOST_TEST(expect_violation(s, v5, 0x95).statement == statement_id("MQTT-3.1.2-24"));
}

BOOST_AUTO_TEST_CASE(server_disconnect_5_0) {
  fixture f(v5);
  f.connect();
  mqtt::codec::disconnect d;
  d.reason_code = 0x8E;  // Session taken over
  step s = f.feed(d);
  BOOST_TEST(s.only<disconnected_by_server>().reason_code == 0x8E);
  BOOST_TEST(s.count<protocol_violation>() == 0u);
  BOOST_TEST(s.packets.empty());  // no DISCONNECT back
  BOOST_TEST(s.closed());
  BOOST_TEST(s.count<connection_lost>() == 1u);
  BOOST_TEST(!f.c().is_connected());
  BOOST_TEST(f.closed().events.empty());
}

BOOST_AUTO_TEST_CASE(server_disconnect_3_1_1_is_a_violation) {
  fixture f(v311);
  f.connect();
  step s = f.feed(mqtt::codec::disconnect{});
  BOOST_TEST(expect_violation(s, v311, std::nullopt).statement == section("§2.2.1"));
}

BOOST_AUTO_TEST_CASE(session_survives_a_violation) {
  options o = default_options(v311);
  o.clean_start = false;
  fixture f(o);
  f.connect();
  f.publish(make_message("t", "p", qos::at_least_once));
  const std::uint16_t id = f.last_id.value();
  f.feed_raw(from_hex("36 05 00 01 74 00 01"));
  f.closed();
  f.open();
  step s = f.feed(connack_with(true));
  auto pubs = s.sent<mqtt::codec::publish>();
  BOOST_TEST_REQUIRE(pubs.size() == 1u);
  BOOST_TEST(pubs.front()->packet_id == id);
  BOOST_TEST(pubs.front()->dup);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
