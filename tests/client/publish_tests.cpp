// Our PUBLISH flows: QoS 0, QoS 1 (PUBACK), QoS 2 (PUBREC, PUBREL, PUBCOMP), packet
// identifiers, the send window (inflight_max and the broker's Receive Maximum), the queue
// bound, and what the broker's CONNACK limits do to a message.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <set>

#include "client_fixture.hpp"

namespace {

namespace data = boost::unit_test::data;
using namespace mqtt::client;
using namespace mqtt::client::test;
using mqtt::codec::qos;
using pt = mqtt::codec::packet_type;

BOOST_AUTO_TEST_SUITE(publish)

BOOST_DATA_TEST_CASE(qos0_sent_at_once_when_connected, data::make(all_versions), version) {
  fixture f(version);
  f.connect();
  step s = f.publish(make_message("a/b", "hello", qos::at_most_once, true));
  BOOST_TEST(f.last_id.value() == 0);
  auto sent = s.sent<mqtt::codec::publish>();
  BOOST_TEST_REQUIRE(sent.size() == 1u);
  BOOST_TEST(sent.front()->topic == "a/b");
  BOOST_TEST(sent.front()->payload == "hello");
  BOOST_TEST(sent.front()->retain);
  BOOST_TEST(!sent.front()->dup);
  BOOST_TEST(f.c().inflight_count() == 0u);
  BOOST_TEST(f.c().pending_count() == 0u);
}

BOOST_AUTO_TEST_CASE(qos0_queued_while_disconnected) {
  fixture f(v311);
  step s = f.publish(make_message("a", "1", qos::at_most_once));
  BOOST_TEST(f.last_id.value() == 0);
  BOOST_TEST(s.events.empty());
  BOOST_TEST(f.c().pending_count() == 1u);
  step c = f.connect();
  BOOST_TEST(c.sent<mqtt::codec::publish>().size() == 1u);
  BOOST_TEST(f.c().pending_count() == 0u);
}

BOOST_DATA_TEST_CASE(qos1_flow, data::make(all_versions), version) {
  fixture f(version);
  f.connect();
  step s = f.publish(make_message("t", "p", qos::at_least_once));
  const std::uint16_t id = f.last_id.value();
  BOOST_TEST(id != 0);
  auto sent = s.sent<mqtt::codec::publish>();
  BOOST_TEST_REQUIRE(sent.size() == 1u);
  BOOST_TEST(sent.front()->packet_id == id);
  BOOST_TEST(!sent.front()->dup);  // MQTT-4.3.2-2
  BOOST_TEST(f.c().inflight_count() == 1u);
  step a = f.feed(ack<mqtt::codec::puback>(id));
  const publish_completed& done = a.only<publish_completed>();
  BOOST_TEST(done.packet_id == id);
  BOOST_TEST(done.reason_code == 0);
  BOOST_TEST(f.c().inflight_count() == 0u);
  // A second PUBACK for it is tolerated.
  step again = f.feed(ack<mqtt::codec::puback>(id));
  BOOST_TEST(again.events.empty());
  BOOST_TEST(f.c().is_connected());
}

BOOST_DATA_TEST_CASE(qos2_flow, data::make(all_versions), version) {
  fixture f(version);
  f.connect();
  f.publish(make_message("t", "p", qos::exactly_once));
  const std::uint16_t id = f.last_id.value();
  step rec = f.feed(ack<mqtt::codec::pubrec>(id));
  BOOST_TEST(rec.count<publish_completed>() == 0u);
  auto rel = rec.sent<mqtt::codec::pubrel>();
  BOOST_TEST_REQUIRE(rel.size() == 1u);
  BOOST_TEST(rel.front()->packet_id == id);  // MQTT-4.3.3-4
  BOOST_TEST(f.c().inflight_count() == 1u);  // until PUBCOMP (MQTT-4.3.3-5)
  // A repeated PUBREC gets a repeated PUBREL.
  BOOST_TEST(f.feed(ack<mqtt::codec::pubrec>(id)).sent<mqtt::codec::pubrel>().size() == 1u);
  step comp = f.feed(ack<mqtt::codec::pubcomp>(id));
  BOOST_TEST(comp.only<publish_completed>().packet_id == id);
  BOOST_TEST(comp.only<publish_completed>().reason_code == 0);
  BOOST_TEST(f.c().inflight_count() == 0u);
}

BOOST_AUTO_TEST_CASE(qos2_pubrec_error_completes_without_pubrel) {
  fixture f(v5);
  f.connect();
  f.publish(make_message("t", "p", qos::exactly_once));
  const std::uint16_t id = f.last_id.value();
  step s = f.feed(ack<mqtt::codec::pubrec>(id, 0x87));
  BOOST_TEST(s.only<publish_completed>().reason_code == 0x87);  // MQTT-4.4.0-2
  BOOST_TEST(s.sent<mqtt::codec::pubrel>().empty());
  BOOST_TEST(f.c().inflight_count() == 0u);
}

BOOST_AUTO_TEST_CASE(qos2_no_matching_subscribers_reported_at_pubcomp) {
  fixture f(v5);
  f.connect();
  f.publish(make_message("t", "p", qos::exactly_once));
  const std::uint16_t id = f.last_id.value();
  f.feed(ack<mqtt::codec::pubrec>(id, 0x10));
  BOOST_TEST(f.feed(ack<mqtt::codec::pubcomp>(id)).only<publish_completed>().reason_code == 0x10);
}

BOOST_AUTO_TEST_CASE(puback_for_qos2_and_pubcomp_before_pubrec_are_ignored) {
  fixture f(v311);
  f.connect();
  f.publish(make_message("t", "p", qos::exactly_once));
  const std::uint16_t id = f.last_id.value();
  BOOST_TEST(f.feed(ack<mqtt::codec::puback>(id)).events.empty());
  BOOST_TEST(f.feed(ack<mqtt::codec::pubcomp>(id)).events.empty());
  BOOST_TEST(f.feed(ack<mqtt::codec::puback>(999)).events.empty());
  BOOST_TEST(f.c().inflight_count() == 1u);
  BOOST_TEST(f.c().is_connected());
}

BOOST_AUTO_TEST_CASE(packet_identifiers_are_nonzero_and_unused) {
  options o = default_options(v311);
  o.inflight_max = 100;
  fixture f(o);
  f.connect();
  std::set<std::uint16_t> in_use;
  // 300 publishes, acknowledging every other one: the identifiers in use never repeat.
  for (int i = 0; i < 300; ++i) {
    step s = f.publish(make_message("t", "p", qos::at_least_once));
    const std::uint16_t id = f.last_id.value();
    BOOST_TEST(id != 0);
    BOOST_TEST(in_use.insert(id).second);
    if (i % 2 == 1) {
      f.feed(ack<mqtt::codec::puback>(id));
      in_use.erase(id);
    }
    if (in_use.size() >= 90) {
      for (std::uint16_t done : in_use) f.feed(ack<mqtt::codec::puback>(done));
      in_use.clear();
    }
  }
}

BOOST_AUTO_TEST_CASE(window_limits_inflight_and_keeps_order) {
  options o = default_options(v311);
  o.inflight_max = 2;
  fixture f(o);
  f.connect();
  std::vector<std::uint16_t> ids;
  std::size_t sent = 0;
  for (int i = 0; i < 5; ++i) {
    step s = f.publish(make_message("t", std::to_string(i), qos::at_least_once));
    ids.push_back(f.last_id.value());
    sent += s.sent<mqtt::codec::publish>().size();
  }
  BOOST_TEST(sent == 2u);
  BOOST_TEST(f.c().inflight_count() == 2u);
  BOOST_TEST(f.c().pending_count() == 3u);
  // A QoS 0 message waits behind them: the queue is first in, first out.
  f.publish(make_message("t", "q0", qos::at_most_once));
  BOOST_TEST(f.c().pending_count() == 4u);
  step a = f.feed(ack<mqtt::codec::puback>(ids[0]));
  auto next = a.sent<mqtt::codec::publish>();
  BOOST_TEST_REQUIRE(next.size() == 1u);
  BOOST_TEST(next.front()->packet_id == ids[2]);
  BOOST_TEST(next.front()->payload == "2");
  f.feed(ack<mqtt::codec::puback>(ids[1]));
  step third = f.feed(ack<mqtt::codec::puback>(ids[2]));
  auto tail = third.sent<mqtt::codec::publish>();
  BOOST_TEST_REQUIRE(tail.size() == 2u);
  BOOST_TEST(tail[0]->payload == "4");
  BOOST_TEST(tail[1]->payload == "q0");  // QoS 0 takes no quota once it is at the head
  BOOST_TEST(f.c().pending_count() == 0u);
}

BOOST_AUTO_TEST_CASE(broker_receive_maximum_limits_window) {
  options o = default_options(v5);
  o.inflight_max = 10;
  fixture f(o);
  mqtt::codec::connack a;
  a.props.receive_maximum = 1;
  f.connect(a);
  f.publish(make_message("t", "1", qos::exactly_once));
  const std::uint16_t first = f.last_id.value();
  BOOST_TEST(
      f.publish(make_message("t", "2", qos::at_least_once)).sent<mqtt::codec::publish>().empty());
  BOOST_TEST(f.c().inflight_count() == 1u);
  // MQTT-3.3.4-7: still unacknowledged after PUBREC; quota freed by PUBCOMP.
  step rec = f.feed(ack<mqtt::codec::pubrec>(first));
  BOOST_TEST(rec.sent<mqtt::codec::publish>().empty());
  step comp = f.feed(ack<mqtt::codec::pubcomp>(first));
  BOOST_TEST(comp.sent<mqtt::codec::publish>().size() == 1u);
}

BOOST_AUTO_TEST_CASE(pending_max_bounds_the_queue) {
  options o = default_options(v311);
  o.pending_max = 3;
  fixture f(o);
  for (int i = 0; i < 3; ++i) {
    f.publish(make_message("t", "p", qos::at_least_once));
    BOOST_TEST(f.last_id.has_value());
  }
  f.publish(make_message("t", "p", qos::at_most_once));
  BOOST_TEST(!f.last_id.has_value());
  BOOST_TEST(f.c().pending_count() == 3u);
}

BOOST_AUTO_TEST_CASE(broker_maximum_qos_and_retain_available) {
  fixture f(v5);
  mqtt::codec::connack a;
  a.props.maximum_qos = 0;
  a.props.retain_available = 0;
  f.connect(a);
  step q1 = f.publish(make_message("t", "p", qos::at_least_once));
  BOOST_TEST(q1.only<publish_completed>().reason_code == 0x9B);  // MQTT-3.2.2-11
  BOOST_TEST(q1.sent<mqtt::codec::publish>().empty());
  step q0r = f.publish(make_message("t", "p", qos::at_most_once, true));
  BOOST_TEST(q0r.events.empty());  // MQTT-3.2.2-14: dropped, QoS 0 has nothing to report
  step q0 = f.publish(make_message("t", "p", qos::at_most_once));
  BOOST_TEST(q0.sent<mqtt::codec::publish>().size() == 1u);
  BOOST_TEST(f.c().inflight_count() == 0u);
}

BOOST_AUTO_TEST_CASE(broker_maximum_packet_size) {
  fixture f(v5);
  mqtt::codec::connack a;
  a.props.maximum_packet_size = 32;
  f.connect(a);
  step big = f.publish(make_message("t", std::string(64, 'x'), qos::at_least_once));
  BOOST_TEST(big.only<publish_completed>().reason_code == 0x95);  // MQTT-3.2.2-15
  BOOST_TEST(big.packets.empty());
  step small = f.publish(make_message("t", "x", qos::at_least_once));
  BOOST_TEST(small.sent<mqtt::codec::publish>().size() == 1u);
}

BOOST_AUTO_TEST_CASE(properties_sent_in_5_0_without_subscription_identifiers) {
  fixture f(v5);
  f.connect();
  message m = make_message("t", "p", qos::at_least_once);
  m.content_type = "application/json";
  m.correlation_data = "id-1";
  m.user_properties = {{"a", "1"}, {"b", "2"}};
  m.subscription_identifiers = {5};
  step s = f.publish(m);
  auto sent = s.sent<mqtt::codec::publish>();
  BOOST_TEST_REQUIRE(sent.size() == 1u);
  BOOST_TEST(sent.front()->props.content_type.value() == "application/json");
  BOOST_TEST(sent.front()->props.correlation_data.value() == "id-1");
  BOOST_TEST(sent.front()->props.user_properties.size() == 2u);
  BOOST_TEST(sent.front()->props.subscription_identifiers.empty());  // MQTT-3.3.4-6
}

BOOST_AUTO_TEST_CASE(properties_left_out_before_5_0) {
  fixture f(v311);
  f.connect();
  message m = make_message("t", "p", qos::at_most_once);
  m.content_type = "text/plain";
  step s = f.publish(m);
  BOOST_TEST(s.sent<mqtt::codec::publish>().size() == 1u);
}

BOOST_AUTO_TEST_CASE(invalid_messages_throw) {
  fixture f(v311);
  f.connect();
  BOOST_CHECK_THROW(f.c().publish(make_message("a/+", "p", qos::at_least_once), f.now),
                    std::invalid_argument);
  BOOST_CHECK_THROW(f.c().publish(make_message("", "p", qos::at_most_once), f.now),
                    std::invalid_argument);
  BOOST_CHECK_THROW(f.c().publish(make_message("t", "p", static_cast<qos>(3)), f.now),
                    std::invalid_argument);
  BOOST_TEST(f.c().inflight_count() == 0u);
  // The identifier given to the refused QoS 1 message is free again: nothing is in use.
  f.publish(make_message("t", "p", qos::at_least_once));
  BOOST_TEST(f.last_id.value() != 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
