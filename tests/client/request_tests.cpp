// SUBSCRIBE and UNSUBSCRIBE with their acknowledgements, requests made while disconnected or
// left unanswered by a lost connection, and the client's own DISCONNECT.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

namespace {

namespace data = boost::unit_test::data;
using namespace mqtt::client;
using namespace mqtt::client::test;
using mqtt::codec::qos;

subscription_request sub(std::string filter, qos q) {
  subscription_request r;
  r.filter = std::move(filter);
  r.max_qos = q;
  return r;
}

BOOST_AUTO_TEST_SUITE(requests)

BOOST_AUTO_TEST_CASE(subscribe_5_0_with_options_and_identifier) {
  fixture f(v5);
  f.connect();
  subscription_request r = sub("a/+", qos::exactly_once);
  r.no_local = true;
  r.retain_as_published = true;
  r.retain_handling = 2;
  std::optional<std::uint16_t> id = f.c().subscribe({r, sub("b/#", qos::at_most_once)}, 42, f.now);
  BOOST_TEST_REQUIRE(id.has_value());
  BOOST_TEST(*id != 0);
  step s = f.take();
  auto sent = s.sent<mqtt::codec::subscribe>();
  BOOST_TEST_REQUIRE(sent.size() == 1u);
  const mqtt::codec::subscribe& p = *sent.front();
  BOOST_TEST(p.packet_id == *id);
  BOOST_TEST(p.props.subscription_identifiers == (std::vector<std::uint32_t>{42}),
             boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(p.subscriptions.size() == 2u);
  BOOST_TEST(p.subscriptions[0].filter == "a/+");
  BOOST_TEST((p.subscriptions[0].options.max_qos == qos::exactly_once));
  BOOST_TEST(p.subscriptions[0].options.no_local);
  BOOST_TEST(p.subscriptions[0].options.retain_as_published);
  BOOST_TEST(p.subscriptions[0].options.retain_handling == 2);
  mqtt::codec::suback a;
  a.packet_id = *id;
  a.reason_codes = {0x02, 0x80};
  step ack_step = f.feed(a);
  const subscribed& ev = ack_step.only<subscribed>();
  BOOST_TEST(ev.packet_id == *id);
  BOOST_TEST(ev.reason_codes == (std::vector<std::uint8_t>{0x02, 0x80}),
             boost::test_tools::per_element());
  // A second SUBACK for it is tolerated.
  BOOST_TEST(f.feed(a).events.empty());
}

BOOST_AUTO_TEST_CASE(subscribe_3_1_1_bytes) {
  fixture f(v311);
  f.connect();
  std::optional<std::uint16_t> id = f.c().subscribe({sub("a/b", qos::at_least_once)}, 7, f.now);
  step s = f.take();
  // 82 | len 8 | id | "a/b" | QoS 1. The subscription identifier is 5.0 only.
  byte_vector expected = from_hex("82 08 00 00 00 03 61 2F 62 01");
  expected[2] = static_cast<std::uint8_t>(*id >> 8);
  expected[3] = static_cast<std::uint8_t>(*id);
  BOOST_TEST(s.wire == expected, boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(unsubscribe_flow, data::make(all_versions), version) {
  fixture f(version);
  f.connect();
  std::optional<std::uint16_t> id = f.c().unsubscribe({"a/b", "c"}, f.now);
  step s = f.take();
  auto sent = s.sent<mqtt::codec::unsubscribe>();
  BOOST_TEST_REQUIRE(sent.size() == 1u);
  BOOST_TEST(sent.front()->packet_id == *id);
  BOOST_TEST(sent.front()->filters.size() == 2u);
  mqtt::codec::unsuback a;
  a.packet_id = *id;
  if (version == v5) a.reason_codes = {0x00, 0x11};
  step answered = f.feed(a);
  const unsubscribed& ev = answered.only<unsubscribed>();
  BOOST_TEST(ev.packet_id == *id);
  BOOST_TEST(ev.reason_codes.size() == (version == v5 ? 2u : 0u));
}

BOOST_AUTO_TEST_CASE(requests_wait_for_the_connection) {
  fixture f(v311);
  std::optional<std::uint16_t> s_id =
      f.c().subscribe({sub("a", qos::at_least_once)}, std::nullopt, f.now);
  std::optional<std::uint16_t> u_id = f.c().unsubscribe({"b"}, f.now);
  BOOST_TEST(s_id.has_value());
  BOOST_TEST(u_id.has_value());
  BOOST_TEST(f.take().events.empty());
  f.publish(make_message("t", "q", qos::at_least_once));
  f.open();
  step s = f.feed(connack_with(false));
  using pt = mqtt::codec::packet_type;
  const std::vector<pt> expected = {pt::subscribe, pt::unsubscribe, pt::publish};
  BOOST_TEST(s.sent_types() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unanswered_request_sent_again_after_reconnect) {
  fixture f(v311);
  f.connect();
  std::optional<std::uint16_t> id =
      f.c().subscribe({sub("a", qos::at_least_once)}, std::nullopt, f.now);
  BOOST_TEST(f.take().sent<mqtt::codec::subscribe>().size() == 1u);
  f.closed();
  f.open();
  step s = f.feed(connack_with(false));
  auto again = s.sent<mqtt::codec::subscribe>();
  BOOST_TEST_REQUIRE(again.size() == 1u);
  BOOST_TEST(again.front()->packet_id == *id);
  mqtt::codec::suback a;
  a.packet_id = *id;
  a.reason_codes = {0x01};
  BOOST_TEST(f.feed(a).only<subscribed>().packet_id == *id);
}

BOOST_DATA_TEST_CASE(suback_with_wrong_count, data::make(std::vector{v311, v5}), version) {
  fixture f(version);
  f.connect();
  std::optional<std::uint16_t> id = f.c().subscribe(
      {sub("a", qos::at_most_once), sub("b", qos::at_most_once)}, std::nullopt, f.now);
  f.take();
  mqtt::codec::suback a;
  a.packet_id = *id;
  a.reason_codes = {0x00};
  step s = f.feed(a);
  BOOST_TEST(s.count<subscribed>() == 0u);
  BOOST_TEST(s.only<protocol_violation>().statement ==
             (version == v5 ? statement_id("MQTT-3.8.4-6") : statement_id("MQTT-3.8.4-5")));
  BOOST_TEST(s.closed());
}

BOOST_AUTO_TEST_CASE(unsuback_with_wrong_count_5_0) {
  fixture f(v5);
  f.connect();
  std::optional<std::uint16_t> id = f.c().unsubscribe({"a", "b"}, f.now);
  f.take();
  mqtt::codec::unsuback a;
  a.packet_id = *id;
  a.reason_codes = {0x00, 0x00, 0x00};
  BOOST_TEST(f.feed(a).only<protocol_violation>().statement == statement_id("MQTT-3.11.3-2"));
}

BOOST_AUTO_TEST_CASE(invalid_requests_throw) {
  fixture f(v5);
  f.connect();
  BOOST_CHECK_THROW(f.c().subscribe({}, std::nullopt, f.now), std::invalid_argument);
  BOOST_CHECK_THROW(f.c().unsubscribe({}, f.now), std::invalid_argument);
  BOOST_CHECK_THROW(f.c().subscribe({sub("a/#/b", qos::at_most_once)}, std::nullopt, f.now),
                    std::invalid_argument);
  BOOST_CHECK_THROW(f.c().subscribe({sub("a", qos::at_most_once)}, 0, f.now),
                    std::invalid_argument);
  BOOST_TEST(f.take().events.empty());
}

BOOST_AUTO_TEST_CASE(disconnect_5_0_with_reason) {
  fixture f(v5);
  f.connect();
  f.c().disconnect(0x04, f.now);
  step s = f.take();
  auto d = s.sent<mqtt::codec::disconnect>();
  BOOST_TEST_REQUIRE(d.size() == 1u);
  BOOST_TEST(d.front()->reason_code == 0x04);
  BOOST_TEST(s.closed());
  BOOST_TEST(s.count<connection_lost>() == 0u);  // asked for: nothing to reconnect
  BOOST_TEST(!f.c().is_connected());
  BOOST_TEST(!f.c().next_deadline().has_value());
  BOOST_TEST(f.closed().events.empty());
  f.c().disconnect(0x04, f.now);  // no transport: nothing to do
  BOOST_TEST(f.take().events.empty());
}

BOOST_AUTO_TEST_CASE(disconnect_3_1_1) {
  fixture f(v311);
  f.connect();
  f.c().disconnect(0x04, f.now);  // no reason code in 3.1.1
  step s = f.take();
  BOOST_TEST(s.wire == from_hex("E0 00"), boost::test_tools::per_element());
  BOOST_TEST(s.closed());
}

BOOST_AUTO_TEST_CASE(disconnect_with_invalid_reason_throws) {
  fixture f(v5);
  f.connect();
  BOOST_CHECK_THROW(f.c().disconnect(0x05, f.now), std::invalid_argument);  // MQTT-3.14.2-1
  BOOST_TEST(f.c().is_connected());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
