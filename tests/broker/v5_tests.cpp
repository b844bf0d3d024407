// Broker core behaviour specific to MQTT 5.0 clients: reason codes, properties, topic
// aliases, subscription options, shared subscriptions, expiry intervals and will delay.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <set>

#include "broker_fixture.hpp"

using namespace mqtt::test;
namespace codec = mqtt::codec;
using codec::qos;

namespace {
constexpr auto v5 = codec::protocol_version::v5;
codec::connect connect5(std::string_view id, bool clean = true, std::uint32_t expiry_s = 0) {
  auto c = broker_fixture::connect_packet(id, clean, v5);
  if (expiry_s != 0) c.props.session_expiry_interval_s = expiry_s;
  return c;
}
codec::subscribe subscribe5(std::uint16_t id, std::string_view filter, codec::subscription_options o,
                            std::optional<std::uint32_t> sub_id = std::nullopt) {
  codec::subscribe s;
  s.packet_id = id;
  s.subscriptions.push_back({filter, o});
  if (sub_id) s.props.subscription_identifiers.push_back(*sub_id);
  return s;
}

// The 5.0 form of broker_tests.cpp's wrong_ack_closes_and_keeps_message: an acknowledgement of
// the wrong kind (with `reason`) for a delivery to a persistent session is a Protocol Error,
// answered with DISCONNECT 0x82 before the close (MQTT-4.13.1-1); the message keeps its state
// and is resent when the session resumes (MQTT-4.4.0-1).
void wrong_ack_disconnects_and_keeps_message(qos q, bool released, codec::packet_type wrong,
                                             std::uint8_t reason, mqtt::spec::statement_id broken) {
  using codec::packet_type;
  BOOST_TEST_CONTEXT("qos=" << static_cast<int>(q) << " released=" << released << " wrong="
                            << codec::to_string(wrong) << " reason=" << unsigned{reason}) {
    broker_fixture f;
    auto sub = f.connect(connect5("sub", false, 300));
    f.send(sub, subscribe5(1, "w", {q, false, false, 0}));
    f.received(sub);
    auto pub = f.connect(connect5("pub"));
    f.send(pub, make_publish("w", "m", q, 1));
    auto first = f.received_of<codec::publish>(sub);
    BOOST_TEST_REQUIRE(first.size() == 1u);
    const std::uint16_t id = first[0].packet_id;
    if (released) {
      f.send(sub, make_ack(packet_type::pubrec, id));
      BOOST_TEST_REQUIRE(f.received_of<codec::pubrel>(sub).size() == 1u);
    }
    f.send(sub, make_ack(wrong, id, reason));
    auto in = f.received(sub);
    BOOST_TEST_REQUIRE(in.size() == 1u);
    BOOST_TEST_REQUIRE(std::holds_alternative<codec::disconnect>(in[0]));
    BOOST_TEST(std::get<codec::disconnect>(in[0]).reason_code == 0x82);
    BOOST_TEST(f.closed(sub));
    BOOST_TEST(f.logged_statement(broken));
    f.send(sub, make_ack(packet_type::pubcomp, id));  // after the close: ignored

    auto again = f.connect(connect5("sub", false, 300));
    in = f.received(again);
    BOOST_TEST_REQUIRE(in.size() == 2u);
    BOOST_TEST(std::get<codec::connack>(in[0]).session_present);
    if (released) {
      BOOST_TEST_REQUIRE(std::holds_alternative<codec::pubrel>(in[1]));
      BOOST_TEST(std::get<codec::pubrel>(in[1]).packet_id == id);
      f.send(again, make_ack(packet_type::pubcomp, id));
    } else {
      BOOST_TEST_REQUIRE(std::holds_alternative<codec::publish>(in[1]));
      const auto& m = std::get<codec::publish>(in[1]);
      BOOST_TEST(m.dup);
      BOOST_TEST(m.packet_id == id);
      BOOST_TEST(m.payload == "m");
      BOOST_TEST((m.qos == q));
      if (q == qos::at_least_once) {
        f.send(again, make_ack(packet_type::puback, id));
      } else {
        f.send(again, make_ack(packet_type::pubrec, id));
        BOOST_TEST(f.received_of<codec::pubrel>(again).size() == 1u);
        f.send(again, make_ack(packet_type::pubcomp, id));
      }
    }
    BOOST_TEST(!f.closed(again));
    f.network_close(again);
    auto third = f.connect(connect5("sub", false, 300));
    BOOST_TEST(f.received(third).size() == 1u);  // CONNACK only: the flow is complete
  }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(broker_v5)

BOOST_AUTO_TEST_CASE(assigned_client_identifier__MQTT_3_2_2_16) {
  broker_fixture f;
  auto c = f.connect(connect5(""));
  auto ack = f.received_of<codec::connack>(c).at(0);
  BOOST_TEST(ack.reason_code == 0);
  BOOST_TEST_REQUIRE(ack.props.assigned_client_identifier.has_value());
  BOOST_TEST(f.b.has_session(*ack.props.assigned_client_identifier));
}

BOOST_AUTO_TEST_CASE(malformed_packet_gets_disconnect_0x81__MQTT_4_13_1_1) {
  broker_fixture f;
  auto c = f.connect(connect5("c"));
  f.received(c);
  std::vector<std::uint8_t> bad{0x30, 0x05, 0x00, 0x02, 'a', 0x00, 0x00};  // U+0000 in topic
  f.send_raw(c, bad);
  auto d = f.received_of<codec::disconnect>(c);
  BOOST_TEST_REQUIRE(d.size() == 1u);
  BOOST_TEST(d[0].reason_code == 0x81);
  BOOST_TEST(f.closed(c));
}

BOOST_AUTO_TEST_CASE(malformed_connect_gets_connack_with_reason__MQTT_3_1_4_1) {
  broker_fixture f;
  auto c = f.open(v5);
  // 5.0 CONNECT with the reserved flag set.
  std::vector<std::uint8_t> bad{0x10, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00};
  f.send_raw(c, bad);
  auto acks = f.received_of<codec::connack>(c);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks[0].reason_code == 0x81);
  // The Reason String names the version the CONNECT announced, not the connection's default.
  BOOST_TEST_REQUIRE(acks[0].props.reason_string.has_value());
  BOOST_TEST(std::string(*acks[0].props.reason_string).starts_with("malformed 5.0 packet"),
             *acks[0].props.reason_string);
  BOOST_TEST(f.closed(c));
}

BOOST_AUTO_TEST_CASE(puback_reports_no_matching_subscribers) {
  broker_fixture f;
  auto c = f.connect(connect5("c"));
  f.send(c, make_publish("nobody", "x", qos::at_least_once, 3));
  auto acks = f.received_of<codec::puback>(c);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks[0].reason_code == 0x10);
}

BOOST_AUTO_TEST_CASE(topic_alias_from_client__MQTT_3_3_2_12) {
  broker_fixture f;
  auto sub = f.connect(connect5("sub"));
  f.send(sub, subscribe5(1, "al/#", {qos::at_most_once, false, false, 0}));
  auto pub = f.connect(connect5("pub"));
  BOOST_TEST(f.received_of<codec::connack>(pub).at(0).props.topic_alias_maximum.value_or(0) >= 1);
  auto p = make_publish("al/one", "first");
  p.props.topic_alias = 1;
  f.send(pub, p);
  auto q = make_publish("", "second");
  q.props.topic_alias = 1;
  f.send(pub, q);
  auto msgs = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(msgs.size() == 2u);
  BOOST_TEST(msgs[1].topic == "al/one");
  // An alias above the maximum is a Topic Alias invalid error.
  auto r = make_publish("al/x", "bad");
  r.props.topic_alias = 60'000;
  f.send(pub, r);
  auto d = f.received_of<codec::disconnect>(pub);
  BOOST_TEST_REQUIRE(d.size() == 1u);
  BOOST_TEST(d[0].reason_code == 0x94);
}

BOOST_AUTO_TEST_CASE(no_local__MQTT_3_8_3_3) {
  broker_fixture f;
  auto c = f.connect(connect5("self"));
  f.send(c, subscribe5(1, "loop", {qos::at_most_once, true, false, 0}));
  f.received(c);
  f.send(c, make_publish("loop", "echo?"));
  BOOST_TEST(f.received_of<codec::publish>(c).empty());
}

BOOST_AUTO_TEST_CASE(retain_handling_and_retain_as_published__MQTT_3_3_1_11) {
  broker_fixture f;
  auto pub = f.connect(connect5("pub"));
  f.send(pub, make_publish("rh", "kept", qos::at_most_once, 0, true));
  auto sub = f.connect(connect5("sub"));
  f.send(sub, subscribe5(1, "rh", {qos::at_most_once, false, false, 2}));
  BOOST_TEST(f.received_of<codec::publish>(sub).empty());  // Retain Handling 2: none
  f.send(sub, subscribe5(2, "rh", {qos::at_most_once, false, false, 1}));
  BOOST_TEST(f.received_of<codec::publish>(sub).empty());  // 1: subscription existed
  f.send(sub, subscribe5(3, "rh", {qos::at_most_once, false, true, 0}));
  auto r = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(r.size() == 1u);  // 0: sent again
  BOOST_TEST(r[0].retain);
  f.send(pub, make_publish("rh", "live", qos::at_most_once, 0, true));
  auto live = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(live.size() == 1u);
  BOOST_TEST(live[0].retain);  // Retain As Published keeps the flag (MQTT-3.3.1-13)
}

BOOST_AUTO_TEST_CASE(subscription_identifiers_and_properties_pass_through__MQTT_3_3_4_4) {
  broker_fixture f;
  auto sub = f.connect(connect5("sub"));
  f.send(sub, subscribe5(1, "p/#", {qos::at_least_once, false, false, 0}, 7));
  f.send(sub, subscribe5(2, "p/+", {qos::at_most_once, false, false, 0}, 9));
  f.received(sub);
  auto pub = f.connect(connect5("pub"));
  auto p = make_publish("p/x", "body", qos::at_least_once, 1);
  p.props.content_type = "text/plain";
  p.props.response_topic = "reply/here";
  p.props.correlation_data = "\x01\x02";
  p.props.payload_format_indicator = 1;
  p.props.user_properties = {{"k1", "v1"}, {"k0", "v0"}, {"k1", "v2"}};
  f.send(pub, p);
  auto msgs = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  auto& m = msgs[0];
  std::vector<std::uint32_t> ids = m.props.subscription_identifiers;
  std::sort(ids.begin(), ids.end());
  BOOST_TEST((ids == std::vector<std::uint32_t>{7, 9}));
  BOOST_TEST(*m.props.content_type == "text/plain");
  BOOST_TEST(*m.props.response_topic == "reply/here");
  BOOST_TEST(*m.props.correlation_data == "\x01\x02");
  BOOST_TEST(*m.props.payload_format_indicator == 1);
  BOOST_TEST_REQUIRE(m.props.user_properties.size() == 3u);  // order kept (MQTT-3.3.2-18)
  BOOST_TEST(m.props.user_properties[1].first == "k0");
  BOOST_TEST(m.props.user_properties[2].second == "v2");
}

BOOST_AUTO_TEST_CASE(message_expiry_counts_down_and_drops__MQTT_3_3_2_5) {
  broker_fixture f;
  auto sub = f.connect(connect5("sub", false, 3600));
  f.send(sub, subscribe5(1, "e", {qos::at_least_once, false, false, 0}));
  f.network_close(sub);
  auto pub = f.connect(connect5("pub"));
  auto short_lived = make_publish("e", "short", qos::at_least_once, 1);
  short_lived.props.message_expiry_interval_s = 5;
  auto long_lived = make_publish("e", "long", qos::at_least_once, 2);
  long_lived.props.message_expiry_interval_s = 100;
  f.send(pub, short_lived);
  f.send(pub, long_lived);
  f.advance(10'000);
  auto again = f.connect(connect5("sub", false, 3600));
  auto msgs = f.received_of<codec::publish>(again);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(msgs[0].payload == "long");
  BOOST_TEST(*msgs[0].props.message_expiry_interval_s == 90u);  // MQTT-3.3.2-6
}

BOOST_AUTO_TEST_CASE(session_expiry_ends_session__MQTT_4_1_0_2) {
  broker_fixture f;
  auto c = f.connect(connect5("s", false, 10));
  f.network_close(c);
  BOOST_TEST(f.b.has_session("s"));
  f.advance(9'999);
  BOOST_TEST(f.b.has_session("s"));
  f.advance(2);
  BOOST_TEST(!f.b.has_session("s"));
}

BOOST_AUTO_TEST_CASE(will_delay_and_reconnect_cancels_will__MQTT_3_1_3_9) {
  broker_fixture f;
  auto watcher = f.connect(connect5("watcher"));
  f.send(watcher, subscribe5(1, "w", {qos::at_most_once, false, false, 0}));
  f.received(watcher);
  auto c = connect5("delayed", false, 100);
  c.will = codec::will_message{"w", "late", qos::at_most_once, false, {}};
  c.will->props.will_delay_interval_s = 5;
  auto first = f.connect(c);
  f.network_close(first);
  f.advance(3'000);
  BOOST_TEST(f.received_of<codec::publish>(watcher).empty());
  f.connect(c);  // back within the delay: no will
  f.advance(10'000);
  BOOST_TEST(f.received_of<codec::publish>(watcher).empty());
  auto second = f.connect(connect5("delayed2", false, 100));
  (void)second;
  auto c2 = c;
  c2.client_id = "delayed3";
  auto third = f.connect(c2);
  f.network_close(third);
  f.advance(5'001);
  BOOST_TEST(f.received_of<codec::publish>(watcher).size() == 1u);
}

BOOST_AUTO_TEST_CASE(disconnect_with_will_message_0x04) {
  broker_fixture f;
  auto watcher = f.connect(connect5("watcher"));
  f.send(watcher, subscribe5(1, "w", {qos::at_most_once, false, false, 0}));
  f.received(watcher);
  auto c = connect5("leaver");
  c.will = codec::will_message{"w", "bye", qos::at_most_once, false, {}};
  auto leaver = f.connect(c);
  f.send(leaver, codec::disconnect{0x04, {}});
  BOOST_TEST(f.received_of<codec::publish>(watcher).size() == 1u);
}

// SIGTERM: no session outlives the process, so every will is published at once (a pending,
// delayed one included, MQTT-3.1.2-8) while its subscribers are still connected; then 5.0
// clients get DISCONNECT 0x8B (MQTT-4.13.1-1) and every connection closes.
BOOST_AUTO_TEST_CASE(shutdown_publishes_wills_then_disconnects_0x8B) {
  broker_fixture f;
  auto watcher = f.connect(connect5("watcher"));
  f.send(watcher, subscribe5(1, "w/#", {qos::at_most_once, false, false, 0}));
  f.received(watcher);
  auto now_will = connect5("leaver");
  now_will.will = codec::will_message{"w/now", "bye", qos::at_most_once, false, {}};
  auto leaver = f.connect(now_will);
  auto delayed = connect5("delayed", false, 100);
  delayed.will = codec::will_message{"w/later", "late", qos::at_most_once, false, {}};
  delayed.will->props.will_delay_interval_s = 50;
  f.network_close(f.connect(delayed));  // its will waits for the delay
  auto old = broker_fixture::connect_packet("old");
  old.will = codec::will_message{"w/old", "gone", qos::at_most_once, false, {}};
  auto v311 = f.connect(old);
  BOOST_TEST(f.received_of<codec::publish>(watcher).empty());

  f.shutdown();
  std::vector<codec::packet> got = f.received(watcher);
  BOOST_TEST_REQUIRE(got.size() == 4u);
  std::set<std::string_view> wills;
  for (std::size_t i = 0; i < 3; ++i) wills.insert(std::get<codec::publish>(got[i]).topic);
  BOOST_TEST((wills == std::set<std::string_view>{"w/now", "w/later", "w/old"}));
  BOOST_TEST(std::get<codec::disconnect>(got[3]).reason_code == codec::reason::server_shutting_down);
  std::vector<codec::disconnect> told = f.received_of<codec::disconnect>(leaver);
  BOOST_TEST_REQUIRE(told.size() == 1u);
  BOOST_TEST(told[0].reason_code == codec::reason::server_shutting_down);
  BOOST_TEST(f.received_of<codec::disconnect>(v311).empty());  // 3.1.1: no server DISCONNECT
  BOOST_TEST(f.closed(watcher));
  BOOST_TEST(f.closed(leaver));
  BOOST_TEST(f.closed(v311));
  BOOST_TEST(!f.b.on_open(1000, {"127.0.0.1:1", "tcp"}, f.now));  // nothing after it
}

BOOST_AUTO_TEST_CASE(shared_subscription_round_robin__MQTT_4_8_2_3) {
  broker_fixture f;
  auto a = f.connect(connect5("a"));
  auto b = f.connect(connect5("b"));
  f.send(a, subscribe5(1, "$share/g/jobs", {qos::at_least_once, false, false, 0}));
  f.send(b, subscribe5(1, "$share/g/jobs", {qos::at_least_once, false, false, 0}));
  f.received(a);
  f.received(b);
  auto pub = f.connect(connect5("pub"));
  for (std::uint16_t i = 1; i <= 4; ++i) f.send(pub, make_publish("jobs", "j", qos::at_least_once, i));
  BOOST_TEST(f.received_of<codec::publish>(a).size() == 2u);
  BOOST_TEST(f.received_of<codec::publish>(b).size() == 2u);
}

// An ACL is matched against a shared subscription's Topic Filter, the part after
// `$share/{ShareName}/` (MQTT-4.8.2-2), not against the `$share` prefix: with `topic readwrite #`
// the subscription is granted (as mosquitto 2.0 does), and a deny rule on the topic filter
// still refuses it. The ACL file is the one of the paho 5.0 interoperability suite.
BOOST_AUTO_TEST_CASE(acl_matches_shared_subscription_by_its_topic_filter__MQTT_4_8_2_2) {
  auto parsed = mqtt::broker::acl_authorizer::parse("topic readwrite #\ntopic deny test/nosubscribe\n");
  auto acl = std::make_shared<mqtt::broker::acl_authorizer>(std::get<mqtt::broker::acl_authorizer>(parsed));
  broker_fixture f({}, nullptr, acl);
  auto member = f.connect(connect5("client_test5"));
  f.received(member);
  f.send(member, subscribe5(1, "$share/sharename/client_test5/x", {qos::at_least_once, false, false, 0}));
  f.send(member, subscribe5(2, "$share/sharename/test/nosubscribe", {qos::at_least_once, false, false, 0}));
  auto acks = f.received_of<codec::suback>(member);
  BOOST_TEST_REQUIRE(acks.size() == 2u);
  BOOST_TEST(acks[0].reason_codes == std::vector<std::uint8_t>{0x01});
  BOOST_TEST(acks[1].reason_codes == std::vector<std::uint8_t>{0x87});
  auto pub = f.connect(connect5("pub"));
  f.send(pub, make_publish("client_test5/x", "shared", qos::at_least_once, 1));
  auto msgs = f.received_of<codec::publish>(member);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(msgs[0].payload == "shared");
}

BOOST_AUTO_TEST_CASE(takeover_sends_disconnect_0x8e__MQTT_3_1_4_3) {
  broker_fixture f;
  auto first = f.connect(connect5("t"));
  f.received(first);
  f.connect(connect5("t"));
  auto d = f.received_of<codec::disconnect>(first);
  BOOST_TEST_REQUIRE(d.size() == 1u);
  BOOST_TEST(d[0].reason_code == 0x8E);
}

BOOST_AUTO_TEST_CASE(maximum_packet_size_of_client_drops_large_messages__MQTT_3_1_2_25) {
  broker_fixture f;
  auto c = connect5("small");
  c.props.maximum_packet_size = 64;
  auto small = f.connect(c);
  f.send(small, subscribe5(1, "big", {qos::at_least_once, false, false, 0}));
  f.received(small);
  auto pub = f.connect(connect5("pub"));
  f.send(pub, make_publish("big", std::string(100, 'x'), qos::at_least_once, 1));
  f.send(pub, make_publish("big", "fits", qos::at_least_once, 2));
  auto msgs = f.received_of<codec::publish>(small);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(msgs[0].payload == "fits");
}

// PUBREC (even one refusing the message) or PUBCOMP for a QoS 1 PUBLISH: the message stays
// unacknowledged until PUBACK (MQTT-4.3.2-3); the client broke MQTT-4.3.2-4.
BOOST_AUTO_TEST_CASE(pubrec_or_pubcomp_for_qos1_delivery_disconnects_0x82__MQTT_4_3_2_3__MQTT_4_13_1_1) {
  using codec::packet_type;
  wrong_ack_disconnects_and_keeps_message(qos::at_least_once, false, packet_type::pubrec, 0x00, "MQTT-4.3.2-4");
  wrong_ack_disconnects_and_keeps_message(qos::at_least_once, false, packet_type::pubrec, 0x80, "MQTT-4.3.2-4");
  wrong_ack_disconnects_and_keeps_message(qos::at_least_once, false, packet_type::pubcomp, 0x00, "MQTT-4.3.2-4");
}

// A QoS 2 PUBLISH is answered with PUBREC (MQTT-4.3.3-8), a PUBREL with PUBCOMP (MQTT-4.3.3-11);
// a PUBREC refusing a message already released contradicts the PUBREC that released it.
BOOST_AUTO_TEST_CASE(wrong_acks_for_qos2_delivery_disconnect_0x82__MQTT_4_3_3_3__MQTT_4_13_1_1) {
  using codec::packet_type;
  wrong_ack_disconnects_and_keeps_message(qos::exactly_once, false, packet_type::puback, 0x00, "MQTT-4.3.3-8");
  wrong_ack_disconnects_and_keeps_message(qos::exactly_once, false, packet_type::pubcomp, 0x00, "MQTT-4.3.3-8");
  wrong_ack_disconnects_and_keeps_message(qos::exactly_once, true, packet_type::puback, 0x00, "MQTT-4.3.3-11");
  wrong_ack_disconnects_and_keeps_message(qos::exactly_once, true, packet_type::pubrec, 0x80, "MQTT-4.3.3-11");
}

// PUBREC 0x00 again after PUBREL: PUBREL again (MQTT-4.3.3-4), nothing else changes.
BOOST_AUTO_TEST_CASE(pubrec_again_after_pubrel_gets_pubrel_again__MQTT_4_3_3_4) {
  using codec::packet_type;
  broker_fixture f;
  auto sub = f.connect(connect5("sub"));
  f.send(sub, subscribe5(1, "w", {qos::exactly_once, false, false, 0}));
  auto pub = f.connect(connect5("pub"));
  f.send(pub, make_publish("w", "m", qos::exactly_once, 1));
  auto msgs = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  const std::uint16_t id = msgs[0].packet_id;
  f.send(sub, make_ack(packet_type::pubrec, id));
  f.send(sub, make_ack(packet_type::pubrec, id));
  auto rels = f.received_of<codec::pubrel>(sub);
  BOOST_TEST_REQUIRE(rels.size() == 2u);
  BOOST_TEST(rels[1].packet_id == id);
  BOOST_TEST(rels[1].reason_code == 0);
  f.send(sub, make_ack(packet_type::pubcomp, id));
  BOOST_TEST(!f.closed(sub));
}

// Acknowledgements naming no message in flight: PUBACK and PUBCOMP are ignored; PUBREC gets
// PUBREL 0x92 and PUBREL gets PUBCOMP 0x92, Packet Identifier not found (3.6.2.1, 3.7.2.1).
BOOST_AUTO_TEST_CASE(acks_for_identifiers_not_in_flight_get_0x92) {
  using codec::packet_type;
  broker_fixture f;
  auto c = f.connect(connect5("c"));
  f.received(c);
  f.send(c, make_ack(packet_type::puback, 41));
  f.send(c, make_ack(packet_type::pubcomp, 42));
  BOOST_TEST(f.received(c).empty());
  f.send(c, make_ack(packet_type::pubrec, 43));
  auto rel = f.received_of<codec::pubrel>(c);
  BOOST_TEST_REQUIRE(rel.size() == 1u);
  BOOST_TEST(rel[0].packet_id == 43);
  BOOST_TEST(rel[0].reason_code == 0x92);
  f.send(c, make_ack(packet_type::pubrel, 44));
  auto comp = f.received_of<codec::pubcomp>(c);
  BOOST_TEST_REQUIRE(comp.size() == 1u);
  BOOST_TEST(comp[0].packet_id == 44);
  BOOST_TEST(comp[0].reason_code == 0x92);
  BOOST_TEST(!f.closed(c));
}

// The CONNACK never exceeds the client's Maximum Packet Size (MQTT-3.1.2-24). With the default
// options it is 16 bytes: Receive Maximum 20, Maximum Packet Size 16 MiB, Topic Alias Maximum 10.
// Without the Topic Alias Maximum (absent means 0: the client just uses no aliases) it is 13;
// the other two are limits the client must know. Below 13 the connection is closed without a
// CONNACK, and nothing of the CONNECT takes effect.
BOOST_DATA_TEST_CASE(connack_fits_the_client_maximum_packet_size__MQTT_3_1_2_24,
                     boost::unit_test::data::xrange<std::uint32_t>(1, 21), size) {
  constexpr std::size_t full_connack = 16;
  constexpr std::size_t connack_without_alias_maximum = 13;
  broker_fixture f;
  auto c = connect5("small", false, 60);
  c.props.maximum_packet_size = size;
  auto id = f.connect(c);
  auto acks = f.received_of<codec::connack>(id);
  BOOST_TEST(f.largest_packet(id) <= size);
  if (size < connack_without_alias_maximum) {
    BOOST_TEST(acks.empty());
    BOOST_TEST(f.closed(id));
    BOOST_TEST(f.logged_statement("MQTT-3.1.2-24"));
    BOOST_TEST(!f.b.has_session("small"));
    return;
  }
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks[0].reason_code == 0);
  BOOST_TEST(acks[0].props.receive_maximum.value_or(0) == 20);
  BOOST_TEST(acks[0].props.maximum_packet_size.value_or(0) == 16u * 1024 * 1024);
  BOOST_TEST(!f.closed(id));
  if (size >= full_connack) {
    BOOST_TEST(f.largest_packet(id) == full_connack);
    BOOST_TEST(acks[0].props.topic_alias_maximum.value_or(0) == 10);
    return;
  }
  BOOST_TEST(f.largest_packet(id) == connack_without_alias_maximum);
  BOOST_TEST(!acks[0].props.topic_alias_maximum.has_value());
  // The broker keeps to what it announced: no topic aliases from this client (MQTT-3.2.2-18).
  auto p = make_publish("t", "x");
  p.props.topic_alias = 1;
  f.send(id, p);
  BOOST_TEST(f.closed(id));
}

// A refusal's CONNACK loses its Reason String where it would not fit (MQTT-3.2.2-19), and is
// left out, the connection closed, where even the bare CONNACK (5 bytes) would not.
BOOST_AUTO_TEST_CASE(refusal_connack_fits_the_client_maximum_packet_size__MQTT_3_2_2_19) {
  broker_fixture f;
  auto c = connect5("refused");
  c.props.authentication_method = "SCRAM-SHA-1";  // not offered: CONNACK 0x8C
  c.props.maximum_packet_size = 10;
  auto small = f.connect(c);
  auto acks = f.received_of<codec::connack>(small);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks[0].reason_code == 0x8C);
  BOOST_TEST(!acks[0].props.reason_string.has_value());
  BOOST_TEST(f.largest_packet(small) <= 10u);
  c.props.maximum_packet_size = 4;
  auto tiny = f.connect(c);
  BOOST_TEST(f.received(tiny).empty());
  BOOST_TEST(f.closed(tiny));
  c.props.maximum_packet_size.reset();
  auto roomy = f.connect(c);
  BOOST_TEST(f.received_of<codec::connack>(roomy).at(0).props.reason_string.has_value());
}

// Any other packet too large for the client is not sent either (MQTT-3.1.2-24): with a 5-byte
// CONNACK (no properties to announce) a client whose maximum is 5 gets no 6-byte SUBACK; the
// broker has nothing it may say instead, so it ends the connection, 5.0 with DISCONNECT 0x95.
BOOST_AUTO_TEST_CASE(ack_beyond_the_client_maximum_packet_size_is_not_sent__MQTT_3_1_2_24) {
  mqtt::broker::options o;
  o.limits.inflight_max = 65'535;
  o.limits.packet_size_max = 268'435'460;
  o.limits.topic_alias_max = 0;
  broker_fixture f(o);
  auto c = connect5("five");
  c.props.maximum_packet_size = 5;
  auto id = f.connect(c);
  BOOST_TEST_REQUIRE(f.received_of<codec::connack>(id).size() == 1u);
  f.send(id, subscribe5(1, "t", {qos::at_most_once, false, false, 0}));
  f.send(id, codec::pingreq{});  // after the close: not answered
  auto in = f.received(id);
  BOOST_TEST(f.largest_packet(id) <= 5u);
  BOOST_TEST_REQUIRE(in.size() == 1u);
  BOOST_TEST_REQUIRE(std::holds_alternative<codec::disconnect>(in[0]));
  BOOST_TEST(std::get<codec::disconnect>(in[0]).reason_code == 0x95);
  BOOST_TEST(f.closed(id));
  BOOST_TEST(f.logged_statement("MQTT-3.1.2-24"));
}

// A QoS 1 or 2 message too large for the client is discarded as if its delivery had completed
// (MQTT-3.1.2-25): it takes no place in the inflight window, and is not sent again when the
// session resumes; nor is one in flight that no longer fits the maximum of a new connection.
BOOST_AUTO_TEST_CASE(oversized_qos1_and_qos2_messages_complete_as_if_sent__MQTT_3_1_2_25) {
  mqtt::broker::options o;
  o.limits.inflight_max = 1;
  broker_fixture f(o);
  auto c = connect5("small", false, 300);
  c.props.maximum_packet_size = 64;
  auto small = f.connect(c);
  f.send(small, subscribe5(1, "big", {qos::exactly_once, false, false, 0}));
  f.received(small);
  auto pub = f.connect(connect5("pub"));
  f.send(pub, make_publish("big", std::string(100, 'x'), qos::at_least_once, 1));
  f.send(pub, make_publish("big", std::string(100, 'y'), qos::exactly_once, 2));
  f.send(pub, make_publish("big", "fits", qos::at_least_once, 3));
  auto msgs = f.received_of<codec::publish>(small);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST(msgs[0].payload == "fits");
  f.send(small, make_ack(codec::packet_type::puback, msgs[0].packet_id));
  f.network_close(small);
  auto again = f.connect(c);
  BOOST_TEST(f.received(again).size() == 1u);  // CONNACK only: nothing was left in flight

  // Sent while it fitted, unacknowledged, then too large for the next connection.
  f.network_close(again);
  auto roomy = connect5("small", false, 300);
  auto wide = f.connect(roomy);
  f.send(pub, make_publish("big", std::string(100, 'z'), qos::at_least_once, 4));
  BOOST_TEST(f.received_of<codec::publish>(wide).size() == 1u);
  f.network_close(wide);
  auto narrow = f.connect(c);
  BOOST_TEST(f.received(narrow).size() == 1u);  // the PUBLISH with DUP would not fit: discarded
  f.send(pub, make_publish("big", "after", qos::at_least_once, 5));
  auto after = f.received_of<codec::publish>(narrow);
  BOOST_TEST_REQUIRE(after.size() == 1u);
  BOOST_TEST(after[0].payload == "after");
}

BOOST_AUTO_TEST_CASE(auth_packet_without_method_is_protocol_error__MQTT_4_12_0_7) {
  broker_fixture f;
  auto c = f.connect(connect5("c"));
  f.received(c);
  f.send(c, codec::auth{0x18, {}});
  auto d = f.received_of<codec::disconnect>(c);
  BOOST_TEST_REQUIRE(d.size() == 1u);
  BOOST_TEST(d[0].reason_code == 0x82);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(broker_v5_more)

BOOST_AUTO_TEST_CASE(topic_alias_to_client__MQTT_3_3_2_11) {
  broker_fixture f;
  auto c = connect5("aliased");
  c.props.topic_alias_maximum = 1;
  auto sub = f.connect(c);
  f.send(sub, subscribe5(1, "t/#", {qos::at_most_once, false, false, 0}));
  f.received(sub);
  auto pub = f.connect(connect5("pub"));
  f.send(pub, make_publish("t/a", "1"));
  f.send(pub, make_publish("t/a", "2"));
  f.send(pub, make_publish("t/b", "3"));  // the one alias is taken: sent with its name
  auto msgs = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(msgs.size() == 3u);
  BOOST_TEST(msgs[0].topic == "t/a");
  BOOST_TEST(*msgs[0].props.topic_alias == 1);
  BOOST_TEST(msgs[1].topic.empty());
  BOOST_TEST(*msgs[1].props.topic_alias == 1);
  BOOST_TEST(msgs[2].topic == "t/b");
  BOOST_TEST(!msgs[2].props.topic_alias.has_value());
}

BOOST_AUTO_TEST_CASE(disconnect_carries_reason_string) {
  broker_fixture f;
  auto c = f.connect(connect5("c"));
  f.received(c);
  f.send(c, codec::auth{0x18, {}});
  auto d = f.received_of<codec::disconnect>(c);
  BOOST_TEST_REQUIRE(d.size() == 1u);
  BOOST_TEST(d[0].props.reason_string.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
