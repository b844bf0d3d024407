// The broker's PUBLISH flows: delivery at QoS 0, 1 and 2, exactly-once delivery of QoS 2
// duplicates, PUBREL/PUBCOMP, 5.0 Topic Aliases and our Receive Maximum.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

namespace {

namespace data = boost::unit_test::data;
using namespace mqtt::client;
using namespace mqtt::client::test;
using mqtt::codec::qos;

BOOST_AUTO_TEST_SUITE(receive)

BOOST_DATA_TEST_CASE(qos0_delivered, data::make(all_versions), version) {
  fixture f(version);
  f.connect();
  mqtt::codec::publish p = broker_publish("a/b", "hi", qos::at_most_once);
  p.retain = true;
  step s = f.feed(p);
  const message_received& r = s.only<message_received>();
  BOOST_TEST(r.packet_id == 0);
  BOOST_TEST(r.msg.topic == "a/b");
  BOOST_TEST(r.msg.payload == "hi");
  BOOST_TEST(r.msg.retain);
  BOOST_TEST((r.msg.qos == qos::at_most_once));
  BOOST_TEST(s.packets.empty());
}

BOOST_DATA_TEST_CASE(qos1_delivered_and_acknowledged, data::make(all_versions), version) {
  fixture f(version);
  f.connect();
  step s = f.feed(broker_publish("t", "x", qos::at_least_once, 7));
  BOOST_TEST(s.only<message_received>().packet_id == 7);
  auto acks = s.sent<mqtt::codec::puback>();
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks.front()->packet_id == 7);  // MQTT-4.3.2-4
  // The event comes before the bytes that acknowledge it.
  BOOST_TEST(std::holds_alternative<message_received>(s.events.front()));
  // QoS 1 duplicates are delivered again (at least once).
  step dup = f.feed(broker_publish("t", "x", qos::at_least_once, 7, true));
  BOOST_TEST(dup.only<message_received>().msg.dup);
}

BOOST_DATA_TEST_CASE(qos2_delivered_exactly_once, data::make(all_versions), version) {
  fixture f(version);
  f.connect();
  step first = f.feed(broker_publish("t", "x", qos::exactly_once, 9));
  BOOST_TEST(first.count<message_received>() == 1u);
  BOOST_TEST_REQUIRE(first.sent<mqtt::codec::pubrec>().size() == 1u);
  BOOST_TEST(first.sent<mqtt::codec::pubrec>().front()->packet_id == 9);
  // MQTT-4.3.3-10: the duplicate is acknowledged, not delivered.
  step dup = f.feed(broker_publish("t", "x", qos::exactly_once, 9, true));
  BOOST_TEST(dup.count<message_received>() == 0u);
  BOOST_TEST(dup.sent<mqtt::codec::pubrec>().size() == 1u);
  step rel = f.feed(ack<mqtt::codec::pubrel>(9));
  auto comp = rel.sent<mqtt::codec::pubcomp>();
  BOOST_TEST_REQUIRE(comp.size() == 1u);
  BOOST_TEST(comp.front()->packet_id == 9);  // MQTT-4.3.3-11
  BOOST_TEST(comp.front()->reason_code == 0);
  // MQTT-4.3.3-12: after PUBCOMP the identifier starts a new message.
  step again = f.feed(broker_publish("t", "y", qos::exactly_once, 9));
  BOOST_TEST(again.only<message_received>().msg.payload == "y");
}

BOOST_AUTO_TEST_CASE(pubrel_for_unknown_identifier_is_completed) {
  fixture f(v5);
  f.connect();
  step s = f.feed(ack<mqtt::codec::pubrel>(44));
  auto comp = s.sent<mqtt::codec::pubcomp>();
  BOOST_TEST_REQUIRE(comp.size() == 1u);
  BOOST_TEST(comp.front()->reason_code == 0x92);
  BOOST_TEST(f.c().is_connected());
}

BOOST_AUTO_TEST_CASE(properties_delivered_5_0) {
  fixture f(v5);
  f.connect();
  mqtt::codec::publish p = broker_publish("t", "x", qos::at_most_once);
  p.props.subscription_identifiers = {3, 70000};
  p.props.user_properties = {{"k", "v"}};
  p.props.content_type = "text/plain";
  p.props.message_expiry_interval_s = 12;
  step s = f.feed(p);
  const message& m = s.only<message_received>().msg;
  BOOST_TEST(m.subscription_identifiers == (std::vector<std::uint32_t>{3, 70000}),
             boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(m.user_properties.size() == 1u);
  BOOST_TEST(m.user_properties[0].key == "k");
  BOOST_TEST(m.content_type.value() == "text/plain");
  BOOST_TEST(m.message_expiry_interval_s.value() == 12u);
}

BOOST_AUTO_TEST_CASE(topic_alias_mapping_per_connection) {
  options o = default_options(v5);
  o.topic_alias_maximum = 4;
  o.session_expiry_interval_s = 60;
  fixture f(o);
  f.connect();
  mqtt::codec::publish set = broker_publish("long/topic/name", "1", qos::at_most_once);
  set.props.topic_alias = 4;
  BOOST_TEST(f.feed(set).only<message_received>().msg.topic == "long/topic/name");
  mqtt::codec::publish use = broker_publish("", "2", qos::at_least_once, 1);
  use.props.topic_alias = 4;
  BOOST_TEST(f.feed(use).only<message_received>().msg.topic == "long/topic/name");
  // A new topic replaces the mapping.
  mqtt::codec::publish reset = broker_publish("other", "3", qos::at_most_once);
  reset.props.topic_alias = 4;
  f.feed(reset);
  BOOST_TEST(f.feed(use).only<message_received>().msg.topic == "other");
  // MQTT-3.3.2-7: the mapping does not survive the connection.
  f.closed();
  f.connect(connack_with(true));
  step s = f.feed(use);
  BOOST_TEST(s.count<message_received>() == 0u);
  BOOST_TEST(s.only<protocol_violation>().statement == section("§3.3.2.3.4"));
  auto d = s.sent<mqtt::codec::disconnect>();
  BOOST_TEST_REQUIRE(d.size() == 1u);
  BOOST_TEST(d.front()->reason_code == 0x82);
  BOOST_TEST(s.closed());
}

BOOST_AUTO_TEST_CASE(topic_alias_above_maximum_is_a_violation) {
  options o = default_options(v5);
  o.topic_alias_maximum = 2;
  fixture f(o);
  f.connect();
  mqtt::codec::publish p = broker_publish("t", "x", qos::at_most_once);
  p.props.topic_alias = 3;
  step s = f.feed(p);
  BOOST_TEST(s.count<message_received>() == 0u);
  BOOST_TEST(s.only<protocol_violation>().statement == statement_id("MQTT-3.3.2-11"));
  auto d = s.sent<mqtt::codec::disconnect>();
  BOOST_TEST_REQUIRE(d.size() == 1u);
  BOOST_TEST(d.front()->reason_code == 0x94);
  BOOST_TEST(s.closed());
  BOOST_TEST(s.count<connection_lost>() == 1u);
  BOOST_TEST(!f.c().is_connected());
}

BOOST_AUTO_TEST_CASE(topic_alias_when_none_allowed) {
  fixture f(v5);  // topic_alias_maximum 0
  f.connect();
  mqtt::codec::publish p = broker_publish("t", "x", qos::at_most_once);
  p.props.topic_alias = 1;
  step s = f.feed(p);
  BOOST_TEST(s.only<protocol_violation>().statement == statement_id("MQTT-3.1.2-27"));
  BOOST_TEST(s.sent<mqtt::codec::disconnect>().front()->reason_code == 0x94);
}

BOOST_AUTO_TEST_CASE(receive_maximum_enforced_5_0) {
  options o = default_options(v5);
  o.receive_maximum = 2;
  fixture f(o);
  f.connect();
  f.feed(broker_publish("t", "1", qos::exactly_once, 1));
  f.feed(broker_publish("t", "2", qos::exactly_once, 2));
  // A QoS 1 message is acknowledged at once, so it never counts.
  BOOST_TEST(f.feed(broker_publish("t", "q1", qos::at_least_once, 3)).count<message_received>() ==
             1u);
  step third = f.feed(broker_publish("t", "3", qos::exactly_once, 4));
  BOOST_TEST(third.count<message_received>() == 0u);
  BOOST_TEST(third.only<protocol_violation>().statement == statement_id("MQTT-3.3.4-9"));
  BOOST_TEST(third.sent<mqtt::codec::disconnect>().front()->reason_code == 0x93);
  BOOST_TEST(third.closed());
}

BOOST_AUTO_TEST_CASE(receive_maximum_frees_on_pubrel) {
  options o = default_options(v5);
  o.receive_maximum = 1;
  fixture f(o);
  f.connect();
  // Ten messages one after another, each released before the next: never more than one.
  for (std::uint16_t id = 1; id <= 10; ++id) {
    BOOST_TEST(f.feed(broker_publish("t", "x", qos::exactly_once, id)).count<message_received>() ==
               1u);
    f.feed(ack<mqtt::codec::pubrel>(id));
  }
  BOOST_TEST(f.c().is_connected());
}

BOOST_AUTO_TEST_CASE(byte_at_a_time) {
  fixture f(v5);
  f.open();
  byte_vector wire = encode_packet(connack_with(false), v5);
  byte_vector pub = encode_packet(broker_publish("x/y", "payload", qos::at_least_once, 5), v5);
  wire.insert(wire.end(), pub.begin(), pub.end());
  std::size_t delivered = 0;
  std::size_t acked = 0;
  for (std::uint8_t b : wire) {
    step s = f.feed_raw(byte_vector{b});
    delivered += s.count<message_received>();
    acked += s.sent<mqtt::codec::puback>().size();
  }
  BOOST_TEST(delivered == 1u);
  BOOST_TEST(acked == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
