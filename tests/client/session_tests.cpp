// Sessions across connections: resending with DUP=1 and PUBREL after a resumed session, in
// original order and before new messages; what Session Present 0 discards; the Clean Start
// sent on reconnect; a Session Present the client cannot have.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

namespace {

namespace data = boost::unit_test::data;
using namespace mqtt::client;
using namespace mqtt::client::test;
using mqtt::codec::qos;
using pt = mqtt::codec::packet_type;

options persistent(mqtt::codec::protocol_version v) {
  options o = default_options(v);
  o.clean_start = false;
  o.session_expiry_interval_s = 3'600;  // 5.0 only
  return o;
}

options with_window(options o, std::uint16_t inflight_max) {
  o.inflight_max = inflight_max;
  return o;
}

// Three messages in flight: A (QoS 1), B (QoS 2, no PUBREC yet), C (QoS 2, past PUBREC),
// and D queued behind a window of three.
struct three_in_flight {
  explicit three_in_flight(options o) : f(with_window(std::move(o), 3)) {
    f.connect();
    f.publish(make_message("t", "A", qos::at_least_once));
    a = f.last_id.value();
    f.publish(make_message("t", "B", qos::exactly_once));
    b = f.last_id.value();
    f.publish(make_message("t", "C", qos::exactly_once));
    c = f.last_id.value();
    f.feed(ack<mqtt::codec::pubrec>(c));
    f.publish(make_message("t", "D", qos::at_least_once));
    d = f.last_id.value();
    BOOST_TEST(f.c().inflight_count() == 3u);
    BOOST_TEST(f.c().pending_count() == 1u);
    BOOST_TEST(f.closed().count<connection_lost>() == 1u);
  }
  fixture f;
  std::uint16_t a = 0, b = 0, c = 0, d = 0;
};

const std::vector<mqtt::codec::protocol_version> resumable_versions = {v3_1, v311, v5};

BOOST_AUTO_TEST_SUITE(session)

BOOST_DATA_TEST_CASE(resume_resends_with_dup_in_order, data::make(resumable_versions), version) {
  three_in_flight t(persistent(version));
  step open = t.f.open();
  BOOST_TEST(!open.sent<mqtt::codec::connect>().front()->clean_start);
  // 3.1 has no Session Present; asking to resume is taken as resumed.
  step s = t.f.feed(connack_with(version != v3_1));
  BOOST_TEST(s.only<connected>().session_present);
  const std::vector<pt> expected = {pt::publish, pt::publish, pt::pubrel};
  BOOST_TEST(s.sent_types() == expected, boost::test_tools::per_element());
  auto pubs = s.sent<mqtt::codec::publish>();
  BOOST_TEST_REQUIRE(pubs.size() == 2u);
  BOOST_TEST(pubs[0]->packet_id == t.a);  // MQTT-4.4.0-1, MQTT-4.6.0-1
  BOOST_TEST(pubs[0]->dup);               // MQTT-3.3.1-1
  BOOST_TEST(pubs[0]->payload == "A");
  BOOST_TEST(pubs[1]->packet_id == t.b);
  BOOST_TEST(pubs[1]->dup);
  BOOST_TEST(s.sent<mqtt::codec::pubrel>().front()->packet_id == t.c);
  // D goes out, DUP=0, once the window has room.
  step done = t.f.feed(ack<mqtt::codec::puback>(t.a));
  BOOST_TEST(done.only<publish_completed>().packet_id == t.a);
  auto next = done.sent<mqtt::codec::publish>();
  BOOST_TEST_REQUIRE(next.size() == 1u);
  BOOST_TEST(next.front()->packet_id == t.d);
  BOOST_TEST(!next.front()->dup);
  step comp = t.f.feed(ack<mqtt::codec::pubcomp>(t.c));
  BOOST_TEST(comp.only<publish_completed>().packet_id == t.c);
}

BOOST_DATA_TEST_CASE(session_present_0_discards_session, data::make(std::vector{v311, v5}),
                     version) {
  three_in_flight t(persistent(version));
  t.f.open();
  step s = t.f.feed(connack_with(false));
  BOOST_TEST(!s.only<connected>().session_present);
  // C was past PUBREC: the broker owns it, so it completes instead of being sent again.
  auto done = s.all<publish_completed>();
  BOOST_TEST_REQUIRE(done.size() == 1u);
  BOOST_TEST(done.front()->packet_id == t.c);
  BOOST_TEST(done.front()->reason_code == 0);
  // A and B are sent again as new messages (DUP=0, same identifiers); no PUBREL; D follows.
  BOOST_TEST(s.sent<mqtt::codec::pubrel>().empty());
  auto pubs = s.sent<mqtt::codec::publish>();
  BOOST_TEST_REQUIRE(pubs.size() == 3u);
  BOOST_TEST(pubs[0]->packet_id == t.a);
  BOOST_TEST(!pubs[0]->dup);
  BOOST_TEST(pubs[1]->packet_id == t.b);
  BOOST_TEST(!pubs[1]->dup);
  BOOST_TEST(pubs[2]->packet_id == t.d);
  BOOST_TEST(t.f.c().inflight_count() == 3u);
  BOOST_TEST(t.f.c().pending_count() == 0u);
}

BOOST_AUTO_TEST_CASE(clean_session_3_1_1_resends_as_new) {
  three_in_flight t(default_options(v311));  // clean_start = true
  step open = t.f.open();
  BOOST_TEST(open.sent<mqtt::codec::connect>().front()->clean_start);
  step s = t.f.feed(connack_with(false));
  BOOST_TEST(s.sent<mqtt::codec::publish>().size() == 3u);
  BOOST_TEST(!s.sent<mqtt::codec::publish>().front()->dup);
}

BOOST_AUTO_TEST_CASE(session_present_0_forgets_incoming_qos2) {
  fixture f(persistent(v311));
  f.connect();
  BOOST_TEST(f.feed(broker_publish("t", "x", qos::exactly_once, 5)).count<message_received>() ==
             1u);
  f.closed();
  // Resumed: the identifier is still held, the re-sent PUBLISH is a duplicate.
  f.connect(connack_with(true));
  BOOST_TEST(
      f.feed(broker_publish("t", "x", qos::exactly_once, 5, true)).count<message_received>() == 0u);
  f.closed();
  // New session: the identifier belongs to a new message.
  f.connect(connack_with(false));
  BOOST_TEST(f.feed(broker_publish("t", "y", qos::exactly_once, 5)).count<message_received>() ==
             1u);
}

BOOST_AUTO_TEST_CASE(clean_start_5_0_resumes_a_session_that_outlives_the_connection) {
  options o = default_options(v5);
  o.clean_start = true;
  o.session_expiry_interval_s = 100;
  fixture f(o);
  BOOST_TEST(f.open().sent<mqtt::codec::connect>().front()->clean_start);
  f.feed(connack_with(false));
  f.closed();
  BOOST_TEST(!f.open().sent<mqtt::codec::connect>().front()->clean_start);
  f.feed(connack_with(true));
  BOOST_TEST(f.c().is_connected());
}

BOOST_AUTO_TEST_CASE(clean_start_5_0_without_expiry_starts_clean_again) {
  fixture f(v5);  // clean_start, Session Expiry Interval 0
  f.connect();
  f.closed();
  BOOST_TEST(f.open().sent<mqtt::codec::connect>().front()->clean_start);
}

BOOST_AUTO_TEST_CASE(connack_session_expiry_overrides_ours) {
  options o = default_options(v5);
  o.session_expiry_interval_s = 100;
  fixture f(o);
  mqtt::codec::connack a;
  a.props.session_expiry_interval_s = 0;  // the broker will not keep the session
  f.connect(a);
  f.closed();
  BOOST_TEST(f.open().sent<mqtt::codec::connect>().front()->clean_start);
}

BOOST_DATA_TEST_CASE(session_present_after_clean_start_is_a_violation,
                     data::make(std::vector{v311, v5}), version) {
  fixture f(version);
  step s = f.connect(connack_with(true));
  const protocol_violation& v = s.only<protocol_violation>();
  BOOST_TEST(v.statement ==
             (version == v5 ? statement_id("MQTT-3.2.2-4") : statement_id("MQTT-3.2.2-1")));
  BOOST_TEST(s.count<connected>() == 0u);
  BOOST_TEST(s.closed());
  BOOST_TEST(s.count<connection_lost>() == 1u);
  BOOST_TEST(s.sent<mqtt::codec::disconnect>().size() == (version == v5 ? 1u : 0u));
  BOOST_TEST(!f.c().is_connected());
}

BOOST_AUTO_TEST_CASE(resend_respects_a_smaller_window) {
  options o = persistent(v5);
  o.inflight_max = 4;
  fixture f(o);
  f.connect();
  std::vector<std::uint16_t> ids;
  for (int i = 0; i < 3; ++i) {
    f.publish(make_message("t", std::to_string(i), qos::at_least_once));
    ids.push_back(f.last_id.value());
  }
  f.closed();
  f.open();
  mqtt::codec::connack a = connack_with(true);
  a.props.receive_maximum = 1;
  step s = f.feed(a);
  auto pubs = s.sent<mqtt::codec::publish>();
  BOOST_TEST_REQUIRE(pubs.size() == 1u);  // MQTT-3.3.4-7 holds for re-sent messages too
  BOOST_TEST(pubs.front()->packet_id == ids[0]);
  step next = f.feed(ack<mqtt::codec::puback>(ids[0]));
  BOOST_TEST_REQUIRE(next.sent<mqtt::codec::publish>().size() == 1u);
  BOOST_TEST(next.sent<mqtt::codec::publish>().front()->packet_id == ids[1]);
  BOOST_TEST(next.sent<mqtt::codec::publish>().front()->dup);
}

BOOST_AUTO_TEST_CASE(pubrel_resent_even_when_window_is_full) {
  options o = persistent(v5);
  fixture f(o);
  f.connect();
  f.publish(make_message("t", "1", qos::at_least_once));
  const std::uint16_t first = f.last_id.value();
  f.publish(make_message("t", "2", qos::exactly_once));
  const std::uint16_t second = f.last_id.value();
  f.feed(ack<mqtt::codec::pubrec>(second));
  f.closed();
  f.open();
  mqtt::codec::connack a = connack_with(true);
  a.props.receive_maximum = 1;
  step s = f.feed(a);
  // MQTT-3.3.4-8: the PUBREL is not held back by the quota the PUBLISH uses.
  const std::vector<pt> expected = {pt::publish, pt::pubrel};
  BOOST_TEST(s.sent_types() == expected, boost::test_tools::per_element());
  BOOST_TEST(s.sent<mqtt::codec::publish>().front()->packet_id == first);
}

BOOST_AUTO_TEST_CASE(messages_published_while_offline_follow_the_resent_ones) {
  fixture f(persistent(v311));
  f.connect();
  f.publish(make_message("t", "old", qos::at_least_once));
  f.closed();
  f.publish(make_message("t", "new", qos::at_least_once));
  BOOST_TEST(f.c().pending_count() == 1u);
  f.open();
  step s = f.feed(connack_with(true));
  auto pubs = s.sent<mqtt::codec::publish>();
  BOOST_TEST_REQUIRE(pubs.size() == 2u);
  BOOST_TEST(pubs[0]->payload == "old");
  BOOST_TEST(pubs[0]->dup);
  BOOST_TEST(pubs[1]->payload == "new");
  BOOST_TEST(!pubs[1]->dup);
}

BOOST_AUTO_TEST_CASE(pubrec_for_a_message_not_yet_resent_is_answered) {
  // The broker got the PUBLISH before the connection failed; its PUBREC arrives while the
  // re-sent copy still waits for quota. The PUBLISH is then never sent again (MQTT-4.3.3-6).
  options o = persistent(v5);
  fixture f(o);
  f.connect();
  f.publish(make_message("t", "1", qos::at_least_once));
  const std::uint16_t first = f.last_id.value();
  f.publish(make_message("t", "2", qos::exactly_once));
  const std::uint16_t second = f.last_id.value();
  f.closed();
  f.open();
  mqtt::codec::connack a = connack_with(true);
  a.props.receive_maximum = 1;
  BOOST_TEST(f.feed(a).sent<mqtt::codec::publish>().size() == 1u);
  step s = f.feed(ack<mqtt::codec::pubrec>(second));
  BOOST_TEST(s.sent<mqtt::codec::pubrel>().size() == 1u);
  BOOST_TEST(s.sent<mqtt::codec::publish>().empty());
  BOOST_TEST(f.feed(ack<mqtt::codec::pubcomp>(second)).only<publish_completed>().packet_id ==
             second);
  step last = f.feed(ack<mqtt::codec::puback>(first));
  BOOST_TEST(last.only<publish_completed>().packet_id == first);
  BOOST_TEST(last.packets.empty());
  BOOST_TEST(f.c().inflight_count() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
