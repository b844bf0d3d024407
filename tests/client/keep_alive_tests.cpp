// Keep alive under a virtual clock: PINGREQ after a keep-alive period of silence, a broker
// that stops answering declared dead one keep-alive period after the PINGREQ, the 5.0
// Server Keep Alive, and no timers at all with keep alive 0.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

namespace {

using namespace mqtt::client;
using namespace mqtt::client::test;
using mqtt::codec::qos;
using pt = mqtt::codec::packet_type;

options keep_alive(mqtt::codec::protocol_version v, std::uint16_t seconds) {
  options o = default_options(v);
  o.keep_alive_s = seconds;
  return o;
}

BOOST_AUTO_TEST_SUITE(keep_alive_suite)

BOOST_AUTO_TEST_CASE(pingreq_after_keep_alive_of_silence) {
  fixture f(keep_alive(v311, 10));
  f.now = 0;
  f.connect();
  BOOST_TEST(f.c().next_deadline().value() == 10'000u);
  BOOST_TEST(f.timer(9'999).events.empty());
  step s = f.timer(10'000);
  const std::vector<pt> ping = {pt::pingreq};
  BOOST_TEST(s.sent_types() == ping, boost::test_tools::per_element());  // MQTT-3.1.2-23
  // Waiting for the answer: the deadline is one keep-alive period after the PINGREQ.
  BOOST_TEST(f.c().next_deadline().value() == 20'000u);
  f.now = 10'500;
  BOOST_TEST(f.feed(mqtt::codec::pingresp{}).events.empty());
  BOOST_TEST(f.c().next_deadline().value() == 20'000u);  // next PINGREQ after the last one
  BOOST_TEST(f.timer(20'000).sent_types() == ping, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(traffic_both_ways_postpones_the_ping) {
  fixture f(keep_alive(v5, 10));
  f.now = 0;
  f.connect();
  f.now = 4'000;
  f.publish(make_message("t", "p", qos::at_least_once));
  // Sent at 4 s but nothing received since 0: a PINGREQ is still due at 10 s.
  BOOST_TEST(f.c().next_deadline().value() == 10'000u);
  f.now = 6'000;
  f.feed(ack<mqtt::codec::puback>(f.last_id.value()));
  BOOST_TEST(f.c().next_deadline().value() == 14'000u);
  BOOST_TEST(f.timer(13'999).events.empty());
  BOOST_TEST(f.timer(14'000).sent<mqtt::codec::pingreq>().size() == 1u);
}

BOOST_AUTO_TEST_CASE(dead_broker_detected) {
  fixture f(keep_alive(v311, 10));
  f.now = 0;
  f.connect();
  f.timer(10'000);  // PINGREQ
  BOOST_TEST(f.timer(19'999).events.empty());
  step s = f.timer(20'000);
  BOOST_TEST(s.closed());
  BOOST_TEST(s.count<connection_lost>() == 1u);
  BOOST_TEST(s.packets.empty());
  BOOST_TEST(!f.c().is_connected());
  BOOST_TEST(!f.c().next_deadline().has_value());
  BOOST_TEST(f.closed().events.empty());
}

BOOST_AUTO_TEST_CASE(any_packet_answers_the_ping) {
  fixture f(keep_alive(v311, 10));
  f.now = 0;
  f.connect();
  f.timer(10'000);
  f.now = 15'000;
  f.feed(broker_publish("t", "x", qos::at_most_once));
  // Not dead at 20 s: the next PINGREQ is due then, a keep-alive period after the last one.
  step s = f.timer(20'000);
  BOOST_TEST(!s.closed());
  BOOST_TEST(s.sent<mqtt::codec::pingreq>().size() == 1u);
  BOOST_TEST(f.c().is_connected());
}

BOOST_AUTO_TEST_CASE(server_keep_alive_replaces_ours) {
  fixture f(keep_alive(v5, 60));
  f.now = 0;
  mqtt::codec::connack a;
  a.props.server_keep_alive_s = 5;
  f.connect(a);
  BOOST_TEST(f.c().next_deadline().value() == 5'000u);  // MQTT-3.2.2-21
  BOOST_TEST(f.timer(5'000).sent<mqtt::codec::pingreq>().size() == 1u);
}

BOOST_AUTO_TEST_CASE(server_keep_alive_zero_turns_it_off) {
  fixture f(keep_alive(v5, 60));
  mqtt::codec::connack a;
  a.props.server_keep_alive_s = 0;
  f.connect(a);
  BOOST_TEST(!f.c().next_deadline().has_value());
}

BOOST_AUTO_TEST_CASE(keep_alive_zero_has_no_timer) {
  options o = keep_alive(v311, 0);
  o.connect_timeout_ms = 0;
  fixture f(o);
  f.open();
  BOOST_TEST(!f.c().next_deadline().has_value());
  f.feed(connack_with(false));
  BOOST_TEST(!f.c().next_deadline().has_value());
  BOOST_TEST(f.timer(1'000'000'000).events.empty());
}

BOOST_AUTO_TEST_CASE(deadlines_saturate_at_the_end_of_time) {
  fixture f(keep_alive(v311, 10));
  f.now = std::numeric_limits<clock_ms>::max() - 5;
  f.connect();
  BOOST_TEST(f.c().next_deadline().value() == std::numeric_limits<clock_ms>::max());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
