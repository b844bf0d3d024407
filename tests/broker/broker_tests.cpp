// Broker core behaviour for 3.1 and 3.1.1 clients: connection, QoS flows, retained
// messages, sessions, wills, keep alive, takeover and protocol violations.
#include <boost/test/unit_test.hpp>

#include "broker_fixture.hpp"

using namespace mqtt::test;
namespace codec = mqtt::codec;
using codec::qos;
using codec::packet_type;

namespace {

// A delivery to a persistent 3.1.1 session, at QoS `q` and (QoS 2) `released` or not, gets an
// acknowledgement of the wrong kind: a protocol violation, so the broker closes the connection
// (MQTT-4.8.0-1), logging the statement the client broke, and leaves the message as it was.
// When the session resumes the message is resent (MQTT-4.4.0-1): PUBLISH with DUP, or PUBREL
// once released; acknowledged properly, it is never sent again.
void wrong_ack_closes_and_keeps_message(qos q, bool released, packet_type wrong,
                                        mqtt::spec::statement_id broken) {
  BOOST_TEST_CONTEXT("qos=" << static_cast<int>(q) << " released=" << released << " wrong="
                            << codec::to_string(wrong)) {
    broker_fixture f;
    auto sub = f.connect(broker_fixture::connect_packet("sub", false));
    f.send(sub, make_subscribe(1, "w", q));
    f.received(sub);
    auto pub = f.connect(broker_fixture::connect_packet("pub"));
    f.send(pub, make_publish("w", "m", q, 1));
    auto first = f.received_of<codec::publish>(sub);
    BOOST_TEST_REQUIRE(first.size() == 1u);
    const std::uint16_t id = first[0].packet_id;
    if (released) {
      f.send(sub, make_ack(packet_type::pubrec, id));
      BOOST_TEST_REQUIRE(f.received_of<codec::pubrel>(sub).size() == 1u);
    }
    f.send(sub, make_ack(wrong, id));
    BOOST_TEST(f.closed(sub));
    BOOST_TEST(f.received(sub).empty());  // 3.1.1 has no DISCONNECT from the server
    BOOST_TEST(f.logged_statement(broken));
    f.send(sub, make_ack(packet_type::pubcomp, id));  // after the close: ignored

    auto again = f.connect(broker_fixture::connect_packet("sub", false));
    auto in = f.received(again);
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
    auto third = f.connect(broker_fixture::connect_packet("sub", false));
    BOOST_TEST(f.received(third).size() == 1u);  // CONNACK only: the flow is complete
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(broker_v311)

BOOST_AUTO_TEST_CASE(connect_gets_connack__MQTT_3_2_0_1) {
  broker_fixture f;
  auto c = f.connect(broker_fixture::connect_packet("c1"));
  auto acks = f.received_of<codec::connack>(c);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks[0].reason_code == 0);
  BOOST_TEST(!acks[0].session_present);
  BOOST_TEST(f.b.has_session("c1"));
}

BOOST_AUTO_TEST_CASE(first_packet_not_connect_closes__MQTT_3_1_0_1) {
  broker_fixture f;
  auto c = f.open();
  f.send(c, codec::pingreq{});
  BOOST_TEST(f.closed(c));
  BOOST_TEST(f.received(c).empty());
}

BOOST_AUTO_TEST_CASE(second_connect_closes__MQTT_3_1_0_2) {
  broker_fixture f;
  auto c = f.connect(broker_fixture::connect_packet("c1"));
  f.send(c, broker_fixture::connect_packet("c1"));
  BOOST_TEST(f.closed(c));
}

BOOST_AUTO_TEST_CASE(unsupported_level_gets_return_code_1__MQTT_3_1_2_2) {
  broker_fixture f;
  auto c = f.open();
  // CONNECT "MQTT" level 6.
  std::vector<std::uint8_t> bytes{0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x06, 0x02, 0x00, 0x00, 0x00, 0x00};
  f.send_raw(c, bytes);
  auto acks = f.received_of<codec::connack>(c);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks[0].reason_code == 0x01);
  BOOST_TEST(f.closed(c));
}

BOOST_AUTO_TEST_CASE(empty_client_id_with_clean_session_0_refused__MQTT_3_1_3_8) {
  broker_fixture f;
  auto c = f.connect(broker_fixture::connect_packet("", false));
  auto acks = f.received_of<codec::connack>(c);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks[0].reason_code == 0x02);
  BOOST_TEST(f.closed(c));
}

BOOST_AUTO_TEST_CASE(empty_client_id_with_clean_session_is_assigned__MQTT_3_1_3_6) {
  broker_fixture f;
  auto c = f.connect(broker_fixture::connect_packet("", true));
  auto acks = f.received_of<codec::connack>(c);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks[0].reason_code == 0);
  BOOST_TEST(f.b.session_count() == 1u);
}

BOOST_AUTO_TEST_CASE(qos0_qos1_qos2_delivery_with_downgrade__MQTT_3_8_4_6) {
  broker_fixture f;
  auto sub = f.connect(broker_fixture::connect_packet("sub"));
  f.send(sub, make_subscribe(1, "a/+", qos::at_least_once));
  auto subacks = f.received_of<codec::suback>(sub);
  BOOST_TEST_REQUIRE(subacks.size() == 1u);
  BOOST_TEST(subacks[0].reason_codes == std::vector<std::uint8_t>{1});
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.received(pub);
  f.send(pub, make_publish("a/b", "zero"));
  f.send(pub, make_publish("a/b", "one", qos::at_least_once, 7));
  f.send(pub, make_publish("a/b", "two", qos::exactly_once, 8));
  auto pub_in = f.received(pub);
  BOOST_TEST_REQUIRE(pub_in.size() == 2u);
  BOOST_TEST(std::get<codec::puback>(pub_in[0]).packet_id == 7);
  BOOST_TEST(std::get<codec::pubrec>(pub_in[1]).packet_id == 8);
  f.send(pub, codec::pubrel{8, 0, {}});
  BOOST_TEST(std::get<codec::pubcomp>(f.received(pub).at(0)).packet_id == 8);

  auto msgs = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(msgs.size() == 3u);
  BOOST_TEST(msgs[0].payload == "zero");
  BOOST_TEST((msgs[0].qos == qos::at_most_once));
  BOOST_TEST(msgs[1].payload == "one");
  BOOST_TEST((msgs[1].qos == qos::at_least_once));
  BOOST_TEST(msgs[2].payload == "two");
  BOOST_TEST((msgs[2].qos == qos::at_least_once));  // downgraded to the granted QoS 1
  BOOST_TEST(msgs[1].packet_id != 0);
  BOOST_TEST(msgs[1].packet_id != msgs[2].packet_id);
  BOOST_TEST(!msgs[1].dup);
}

BOOST_AUTO_TEST_CASE(qos2_duplicate_publish_is_not_delivered_twice__MQTT_4_3_3_2) {
  broker_fixture f;
  auto sub = f.connect(broker_fixture::connect_packet("sub"));
  f.send(sub, make_subscribe(1, "t", qos::exactly_once));
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  auto p = make_publish("t", "once", qos::exactly_once, 5);
  f.send(pub, p);
  p.dup = true;
  f.send(pub, p);
  auto acks = f.received_of<codec::pubrec>(pub);
  BOOST_TEST(acks.size() == 2u);
  BOOST_TEST(f.received_of<codec::publish>(sub).size() == 1u);
}

BOOST_AUTO_TEST_CASE(retained_store_replace_clear__MQTT_3_3_1_5) {
  broker_fixture f;
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("r/1", "first", qos::at_most_once, 0, true));
  f.send(pub, make_publish("r/1", "second", qos::at_most_once, 0, true));
  f.send(pub, make_publish("r/2", "other", qos::at_most_once, 0, true));
  BOOST_TEST(f.b.retained_count() == 2u);
  auto sub = f.connect(broker_fixture::connect_packet("sub"));
  f.send(sub, make_subscribe(1, "r/#"));
  auto msgs = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(msgs.size() == 2u);
  BOOST_TEST(msgs[0].payload == "second");
  BOOST_TEST(msgs[0].retain);  // sent because of the new subscription (MQTT-3.3.1-8)
  // An empty retained payload clears the topic (MQTT-3.3.1-10).
  f.send(pub, make_publish("r/1", "", qos::at_most_once, 0, true));
  BOOST_TEST(f.b.retained_count() == 1u);
  auto live = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(live.size() == 1u);
  BOOST_TEST(!live[0].retain);  // forwarded to an established subscription (MQTT-3.3.1-9)
}

BOOST_AUTO_TEST_CASE(dollar_topics_not_matched_by_leading_wildcards__MQTT_4_7_2_1) {
  broker_fixture f;
  auto sub = f.connect(broker_fixture::connect_packet("sub"));
  f.send(sub, make_subscribe(1, "#"));
  f.send(sub, make_subscribe(2, "+/x"));
  f.send(sub, make_subscribe(3, "$SYS/#"));
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("$SYS/x", "sys"));
  auto msgs = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);  // only through "$SYS/#"
}

BOOST_AUTO_TEST_CASE(overlapping_subscriptions_deliver_once_at_max_qos__MQTT_3_3_5_1) {
  broker_fixture f;
  auto sub = f.connect(broker_fixture::connect_packet("sub"));
  f.send(sub, make_subscribe(1, "a/#", qos::at_most_once));
  f.send(sub, make_subscribe(2, "a/b", qos::at_least_once));
  f.received(sub);
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("a/b", "x", qos::exactly_once, 1));
  auto msgs = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  BOOST_TEST((msgs[0].qos == qos::at_least_once));
}

BOOST_AUTO_TEST_CASE(persistent_session_queues_and_resends_with_dup__MQTT_4_4_0_1) {
  broker_fixture f;
  auto sub = f.connect(broker_fixture::connect_packet("sub", false));
  f.send(sub, make_subscribe(1, "q", qos::at_least_once));
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("q", "m1", qos::at_least_once, 1));
  auto first = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(first.size() == 1u);
  f.network_close(sub);  // m1 unacknowledged
  f.send(pub, make_publish("q", "m2", qos::at_least_once, 2));  // queued offline
  f.send(pub, make_publish("q", "m0", qos::at_most_once));      // QoS 0 is not queued
  auto again = f.connect(broker_fixture::connect_packet("sub", false));
  auto in = f.received(again);
  BOOST_TEST_REQUIRE(in.size() == 3u);
  BOOST_TEST(std::get<codec::connack>(in[0]).session_present);
  auto m1 = std::get<codec::publish>(in[1]);
  auto m2 = std::get<codec::publish>(in[2]);
  BOOST_TEST(m1.payload == "m1");
  BOOST_TEST(m1.dup);  // re-delivery (MQTT-3.3.1-1)
  BOOST_TEST(m1.packet_id == first[0].packet_id);
  BOOST_TEST(m2.payload == "m2");
  BOOST_TEST(!m2.dup);
}

BOOST_AUTO_TEST_CASE(clean_session_discards_state__MQTT_3_1_2_6) {
  broker_fixture f;
  auto sub = f.connect(broker_fixture::connect_packet("sub", false));
  f.send(sub, make_subscribe(1, "q", qos::at_least_once));
  f.network_close(sub);
  auto again = f.connect(broker_fixture::connect_packet("sub", true));
  auto acks = f.received_of<codec::connack>(again);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(!acks[0].session_present);
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("q", "x", qos::at_least_once, 1));
  BOOST_TEST(f.received_of<codec::publish>(again).empty());
}

BOOST_AUTO_TEST_CASE(will_published_on_network_failure_not_on_disconnect__MQTT_3_1_2_8) {
  broker_fixture f;
  auto watcher = f.connect(broker_fixture::connect_packet("watcher"));
  f.send(watcher, make_subscribe(1, "wills/#", qos::at_least_once));
  f.received(watcher);
  auto with_will = [&](std::string_view id) {
    auto c = broker_fixture::connect_packet(id);
    c.will = codec::will_message{"wills/x", "gone", qos::at_least_once, false, {}};
    return f.connect(c);
  };
  auto polite = with_will("polite");
  f.send(polite, codec::disconnect{});
  BOOST_TEST(f.received_of<codec::publish>(watcher).empty());
  auto rude = with_will("rude");
  f.network_close(rude);
  auto wills = f.received_of<codec::publish>(watcher);
  BOOST_TEST_REQUIRE(wills.size() == 1u);
  BOOST_TEST(wills[0].payload == "gone");
}

BOOST_AUTO_TEST_CASE(keep_alive_timeout_closes_and_publishes_will__MQTT_3_1_2_24) {
  broker_fixture f;
  auto watcher = f.connect(broker_fixture::connect_packet("watcher"));
  f.send(watcher, make_subscribe(1, "w"));
  auto c = broker_fixture::connect_packet("sleepy");
  c.keep_alive_s = 10;
  c.will = codec::will_message{"w", "timeout", qos::at_most_once, false, {}};
  auto sleepy = f.connect(c);
  f.advance(14'000);
  f.send(sleepy, codec::pingreq{});
  BOOST_TEST(f.received_of<codec::pingresp>(sleepy).size() == 1u);
  f.advance(14'999);
  BOOST_TEST(!f.closed(sleepy));  // 1.5 x 10 s after the PINGREQ not yet reached
  f.advance(2);
  BOOST_TEST(f.closed(sleepy));
  BOOST_TEST(f.received_of<codec::publish>(watcher).size() == 1u);
}

BOOST_AUTO_TEST_CASE(takeover_closes_old_connection_and_publishes_its_will__MQTT_3_1_4_2) {
  broker_fixture f;
  auto watcher = f.connect(broker_fixture::connect_packet("watcher"));
  f.send(watcher, make_subscribe(1, "w"));
  auto c = broker_fixture::connect_packet("dup", false);
  c.will = codec::will_message{"w", "taken", qos::at_most_once, false, {}};
  auto first = f.connect(c);
  auto second = f.connect(broker_fixture::connect_packet("dup", false));
  BOOST_TEST(f.closed(first));
  BOOST_TEST(!f.closed(second));
  auto acks = f.received_of<codec::connack>(second);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks[0].session_present);
  BOOST_TEST(f.received_of<codec::publish>(watcher).size() == 1u);
}

BOOST_AUTO_TEST_CASE(malformed_packet_closes_connection__MQTT_2_2_2_2) {
  broker_fixture f;
  auto c = f.connect(broker_fixture::connect_packet("c"));
  std::vector<std::uint8_t> bad_pingreq{0xC1, 0x00};
  f.send_raw(c, bad_pingreq);
  BOOST_TEST(f.closed(c));
  bool logged = false;
  for (const auto& l : f.logs) logged = logged || l.find("reserved fixed header flags") != std::string::npos;
  BOOST_TEST(logged);
}

BOOST_AUTO_TEST_CASE(unsubscribe_stops_delivery__MQTT_3_10_4_2) {
  broker_fixture f;
  auto sub = f.connect(broker_fixture::connect_packet("sub"));
  f.send(sub, make_subscribe(1, "u"));
  codec::unsubscribe u;
  u.packet_id = 2;
  u.filters.push_back("u");
  f.send(sub, u);
  BOOST_TEST(f.received_of<codec::unsuback>(sub).size() == 1u);
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("u", "after"));
  BOOST_TEST(f.received_of<codec::publish>(sub).empty());
}

BOOST_AUTO_TEST_CASE(inflight_window_limits_unacknowledged_messages) {
  mqtt::broker::options o;
  o.limits.inflight_max = 2;
  broker_fixture f(o);
  auto sub = f.connect(broker_fixture::connect_packet("sub"));
  f.send(sub, make_subscribe(1, "w", qos::at_least_once));
  f.received(sub);
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  for (std::uint16_t i = 1; i <= 5; ++i) f.send(pub, make_publish("w", "m", qos::at_least_once, i));
  auto msgs = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(msgs.size() == 2u);
  f.send(sub, codec::puback{msgs[0].packet_id, 0, {}});
  BOOST_TEST(f.received_of<codec::publish>(sub).size() == 1u);
}

BOOST_AUTO_TEST_CASE(v31_client_ids_longer_than_23_refused) {
  broker_fixture f;
  auto c = f.connect(broker_fixture::connect_packet("abcdefghijklmnopqrstuvwxyz", true, codec::protocol_version::v3_1));
  auto acks = f.received_of<codec::connack>(c);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks[0].reason_code == 0x02);
}

// Found by the broker fuzzer: a resumed 3.1 session must not set the reserved flag byte.
BOOST_AUTO_TEST_CASE(v31_resumed_session_connack_has_no_session_present) {
  broker_fixture f;
  auto first = f.connect(broker_fixture::connect_packet("old", false, codec::protocol_version::v3_1));
  f.network_close(first);
  auto again = f.connect(broker_fixture::connect_packet("old", false, codec::protocol_version::v3_1));
  auto acks = f.received_of<codec::connack>(again);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(!acks[0].session_present);
  BOOST_TEST(acks[0].reason_code == 0);
}

// 3.1 has neither MQTT-3.1.2-3 nor MQTT-2.2.2-1: a 3.1 CONNECT with the unused Connect Flags
// bit 0 or fixed header flags set is accepted, as mosquitto does; 3.1.1 still refuses both.
BOOST_AUTO_TEST_CASE(v31_connect_with_unused_flags_set_is_accepted__MQTT_3_1_2_3__MQTT_2_2_2_1) {
  const std::vector<std::uint8_t> v31_cases[] = {
      {0x10, 0x0f, 0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03, 0x03, 0x00, 0x00, 0x00, 0x01, 'a'},
      {0x1f, 0x0f, 0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03, 0x02, 0x00, 0x00, 0x00, 0x01, 'b'},
  };
  broker_fixture f;
  for (const auto& bytes : v31_cases) {
    auto c = f.open(codec::protocol_version::v3_1);
    f.send_raw(c, bytes);
    auto acks = f.received_of<codec::connack>(c);
    BOOST_TEST_REQUIRE(acks.size() == 1u);
    BOOST_TEST(acks[0].reason_code == 0);
    BOOST_TEST(!f.closed(c));
  }
  BOOST_TEST(f.b.has_session("a"));
  BOOST_TEST(f.b.has_session("b"));
  const std::vector<std::uint8_t> v311_cases[] = {
      {0x10, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x03, 0x00, 0x00, 0x00, 0x01, 'c'},
      {0x1f, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x00, 0x00, 0x01, 'd'},
  };
  for (const auto& bytes : v311_cases) {
    auto c = f.open();
    f.send_raw(c, bytes);
    BOOST_TEST(f.received(c).empty());
    BOOST_TEST(f.closed(c));
  }
}

BOOST_AUTO_TEST_CASE(authentication_refusals) {
  struct only_alice : mqtt::broker::authenticator {
    mqtt::broker::auth_result authenticate(std::string_view, const std::optional<std::string_view>& u,
                                           const std::optional<std::string_view>& p) override {
      if (u && *u == "alice" && p && *p == "secret") return mqtt::broker::auth_result::accepted;
      return mqtt::broker::auth_result::bad_credentials;
    }
  };
  mqtt::broker::options o;
  o.allow_anonymous = false;
  broker_fixture f(o, std::make_shared<only_alice>());
  auto anon = f.connect(broker_fixture::connect_packet("anon"));
  BOOST_TEST(f.received_of<codec::connack>(anon).at(0).reason_code == 0x05);
  auto c = broker_fixture::connect_packet("wrong");
  c.user_name = "alice";
  c.password = "nope";
  auto wrong = f.connect(c);
  BOOST_TEST(f.received_of<codec::connack>(wrong).at(0).reason_code == 0x04);
  c.password = "secret";
  auto right = f.connect(c);
  BOOST_TEST(f.received_of<codec::connack>(right).at(0).reason_code == 0x00);
}

// A 3.1.1 PUBLISH the ACL denies is acknowledged positively and dropped (MQTT-3.3.5-2).
BOOST_AUTO_TEST_CASE(acl_denied_publish_from_v311_client_gets_plain_puback__MQTT_3_3_5_2) {
  struct read_only : mqtt::broker::authorizer {
    bool may_write(const mqtt::broker::client_identity&, std::string_view) override { return false; }
    bool may_subscribe(const mqtt::broker::client_identity&, std::string_view) override { return true; }
    bool may_read_topic(const mqtt::broker::client_identity&, std::string_view) override { return true; }
  };
  broker_fixture f({}, nullptr, std::make_shared<read_only>());
  auto sub = f.connect(broker_fixture::connect_packet("sub"));
  f.send(sub, make_subscribe(1, "t", qos::at_least_once));
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("t", "no", qos::at_least_once, 1));
  f.send(pub, make_publish("t", "no", qos::exactly_once, 2));
  auto in = f.received(pub);
  BOOST_TEST_REQUIRE(in.size() == 3u);  // CONNACK, PUBACK, PUBREC
  BOOST_TEST(std::get<codec::puback>(in[1]).reason_code == 0);
  BOOST_TEST(std::get<codec::pubrec>(in[2]).reason_code == 0);
  BOOST_TEST(!f.closed(pub));
  BOOST_TEST(f.received_of<codec::publish>(sub).empty());
}

// 3.1.1 has no Receive Maximum: many unreleased QoS 2 messages are all acknowledged.
BOOST_AUTO_TEST_CASE(v311_unreleased_qos2_beyond_inflight_max_is_accepted__MQTT_4_3_3_2) {
  broker_fixture f;
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.received(pub);
  for (std::uint16_t id = 1; id <= 30; ++id) f.send(pub, make_publish("t", "m", qos::exactly_once, id));
  BOOST_TEST(f.received_of<codec::pubrec>(pub).size() == 30u);
  BOOST_TEST(!f.closed(pub));
}

// PUBREC or PUBCOMP for a QoS 1 PUBLISH used to make the broker send PUBREL, resend PUBREL
// instead of the PUBLISH, and let a PUBCOMP discard a message never acknowledged by PUBACK
// (MQTT-4.3.2-1). The client broke MQTT-4.3.2-2 (it answers a QoS 1 PUBLISH with PUBACK).
BOOST_AUTO_TEST_CASE(pubrec_or_pubcomp_for_qos1_delivery_closes__MQTT_4_3_2_1__MQTT_4_8_0_1) {
  wrong_ack_closes_and_keeps_message(qos::at_least_once, false, packet_type::pubrec, "MQTT-4.3.2-2");
  wrong_ack_closes_and_keeps_message(qos::at_least_once, false, packet_type::pubcomp, "MQTT-4.3.2-2");
}

// A QoS 2 PUBLISH is answered with PUBREC, and a PUBREL with PUBCOMP (MQTT-4.3.3-2).
BOOST_AUTO_TEST_CASE(puback_or_pubcomp_for_qos2_awaiting_pubrec_closes__MQTT_4_3_3_1__MQTT_4_8_0_1) {
  wrong_ack_closes_and_keeps_message(qos::exactly_once, false, packet_type::puback, "MQTT-4.3.3-2");
  wrong_ack_closes_and_keeps_message(qos::exactly_once, false, packet_type::pubcomp, "MQTT-4.3.3-2");
}

BOOST_AUTO_TEST_CASE(puback_after_pubrel_closes__MQTT_4_3_3_1__MQTT_4_8_0_1) {
  wrong_ack_closes_and_keeps_message(qos::exactly_once, true, packet_type::puback, "MQTT-4.3.3-2");
}

// A PUBREC again after PUBREL is the right kind: PUBREL again, nothing else changes
// (MQTT-4.3.3-1: the sender answers every PUBREC with PUBREL), as mosquitto does.
BOOST_AUTO_TEST_CASE(pubrec_again_after_pubrel_gets_pubrel_again__MQTT_4_3_3_1) {
  broker_fixture f;
  auto sub = f.connect(broker_fixture::connect_packet("sub"));
  f.send(sub, make_subscribe(1, "w", qos::exactly_once));
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("w", "m", qos::exactly_once, 1));
  auto msgs = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(msgs.size() == 1u);
  const std::uint16_t id = msgs[0].packet_id;
  f.send(sub, make_ack(packet_type::pubrec, id));
  f.send(sub, make_ack(packet_type::pubrec, id));
  auto rels = f.received_of<codec::pubrel>(sub);
  BOOST_TEST_REQUIRE(rels.size() == 2u);
  BOOST_TEST(rels[1].packet_id == id);
  f.send(sub, make_ack(packet_type::pubcomp, id));
  BOOST_TEST(!f.closed(sub));
  f.send(pub, make_publish("w", "next", qos::exactly_once, 2));
  BOOST_TEST(f.received_of<codec::publish>(sub).size() == 1u);
}

// Acknowledgements naming no message in flight: PUBACK and PUBCOMP are ignored, PUBREC gets
// PUBREL and PUBREL gets PUBCOMP (the other side may have lost its state), as mosquitto does.
BOOST_AUTO_TEST_CASE(acks_for_identifiers_not_in_flight) {
  broker_fixture f;
  auto c = f.connect(broker_fixture::connect_packet("c"));
  f.received(c);
  f.send(c, make_ack(packet_type::puback, 41));
  f.send(c, make_ack(packet_type::pubcomp, 42));
  BOOST_TEST(f.received(c).empty());
  f.send(c, make_ack(packet_type::pubrec, 43));
  auto rel = f.received_of<codec::pubrel>(c);
  BOOST_TEST_REQUIRE(rel.size() == 1u);
  BOOST_TEST(rel[0].packet_id == 43);
  f.send(c, make_ack(packet_type::pubrel, 44));
  auto comp = f.received_of<codec::pubcomp>(c);
  BOOST_TEST_REQUIRE(comp.size() == 1u);
  BOOST_TEST(comp[0].packet_id == 44);
  BOOST_TEST(!f.closed(c));
}

BOOST_AUTO_TEST_CASE(statement_probe_counts_enforcement_points) {
  broker_fixture f;
  auto c = f.connect(broker_fixture::connect_packet("c"));
  f.send(c, codec::pingreq{});
  f.send(c, codec::pingreq{});
  BOOST_TEST(f.b.probe().counts().at("MQTT-3.12.4-1") == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
