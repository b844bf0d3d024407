// Persistence: the broker's durable state saved (save_state) and loaded into a new broker
// (load_state), as mqtt-ref-broker does across a restart and the simulator across a
// broker-crash with persistence on.
#include <boost/test/unit_test.hpp>

#include "broker_fixture.hpp"

using namespace mqtt::test;
namespace codec = mqtt::codec;
using codec::packet_type;
using codec::qos;

namespace {

// A new broker, later (its clock starts elsewhere), with `from`'s saved state.
void restart_into(broker_fixture& from, broker_fixture& to, mqtt::broker::clock_ms later_ms) {
  to.now = 5'000 + later_ms;
  // The system clock runs on across the restart: `later_ms` pass.
  std::vector<std::uint8_t> saved = from.b.save_state(from.now, 1'700'000'000'000);
  auto error = to.b.load_state(saved, to.now, 1'700'000'000'000 + later_ms);
  BOOST_TEST_REQUIRE(!error.has_value(), *error);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(persistence)

BOOST_AUTO_TEST_CASE(sessions_queued_inflight_and_retained_messages_survive_a_restart) {
  broker_fixture f;
  auto sub = f.connect(broker_fixture::connect_packet("sub", false));
  f.send(sub, make_subscribe(1, "q/#", qos::exactly_once));
  f.received(sub);
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("q/1", "m1", qos::at_least_once, 1));  // inflight to sub, unacknowledged
  f.send(pub, make_publish("q/2", "m2", qos::exactly_once, 2));   // inflight, then PUBREC: awaiting PUBCOMP
  auto first = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(first.size() == 2u);
  f.send(sub, make_ack(packet_type::pubrec, first[1].packet_id));
  f.network_close(sub);
  f.send(pub, make_publish("q/3", "m3", qos::at_least_once, 3));  // queued while offline
  codec::publish retained = make_publish("r/1", "kept", qos::at_least_once, 4);
  retained.retain = true;
  f.send(pub, retained);
  // A QoS 2 message from pub awaiting its PUBREL.
  f.send(pub, make_publish("q/4", "m4", qos::exactly_once, 5));

  broker_fixture g;
  restart_into(f, g, 60'000);
  auto again = g.connect(broker_fixture::connect_packet("sub", false));
  auto in = g.received(again);
  BOOST_TEST_REQUIRE(in.size() == 5u);
  BOOST_TEST(std::get<codec::connack>(in[0]).session_present);
  const auto& m1 = std::get<codec::publish>(in[1]);
  BOOST_TEST(m1.payload == "m1");
  BOOST_TEST(m1.dup);
  BOOST_TEST(m1.packet_id == first[0].packet_id);
  BOOST_TEST_REQUIRE(std::holds_alternative<codec::pubrel>(in[2]));  // m2 was released
  BOOST_TEST(std::get<codec::pubrel>(in[2]).packet_id == first[1].packet_id);
  BOOST_TEST(std::get<codec::publish>(in[3]).payload == "m3");
  BOOST_TEST(std::get<codec::publish>(in[4]).payload == "m4");  // queued when pub sent it
  // The retained message, for a new subscriber.
  auto other = g.connect(broker_fixture::connect_packet("other"));
  g.send(other, make_subscribe(1, "r/#", qos::at_least_once));
  auto r = g.received_of<codec::publish>(other);
  BOOST_TEST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].payload == "kept");
  BOOST_TEST(r[0].retain);
  // pub's session ended with its connection (Clean Session 1): not kept; its QoS 2 id with it.
  BOOST_TEST(!g.b.has_session("pub"));
  BOOST_TEST(g.b.has_session("sub"));
}

BOOST_AUTO_TEST_CASE(a_pending_will_and_a_session_expiry_resume_with_the_time_they_had_left) {
  broker_fixture f;
  codec::connect c = broker_fixture::connect_packet("w", true, codec::protocol_version::v5);
  c.props.session_expiry_interval_s = 10;
  codec::will_message will;
  will.topic = "will/w";
  will.payload = "gone";
  will.qos = qos::at_least_once;
  will.props.will_delay_interval_s = 4;
  c.will = will;
  auto w = f.connect(c);
  auto watcher = f.connect(broker_fixture::connect_packet("watcher", false));
  f.send(watcher, make_subscribe(1, "will/#", qos::at_least_once));
  f.received(watcher);
  f.network_close(w);  // the will is due in 4 s, the session ends in 10 s
  f.advance(1'000);

  broker_fixture g;
  restart_into(f, g, 0);
  auto back = g.connect(broker_fixture::connect_packet("watcher", false));
  g.received(back);
  g.advance(2'900);  // 3.9 s after the disconnect: not yet
  BOOST_TEST(g.received_of<codec::publish>(back).empty());
  g.advance(200);
  auto wills = g.received_of<codec::publish>(back);
  BOOST_TEST_REQUIRE(wills.size() == 1u);
  BOOST_TEST(wills[0].payload == "gone");
  BOOST_TEST(g.b.has_session("w"));
  g.advance(6'000);  // 10.1 s after the disconnect
  BOOST_TEST(!g.b.has_session("w"));
}

BOOST_AUTO_TEST_CASE(time_while_the_broker_was_down_counts) {
  broker_fixture f;
  codec::connect c = broker_fixture::connect_packet("e", true, codec::protocol_version::v5);
  c.props.session_expiry_interval_s = 10;
  f.network_close(f.connect(c));
  broker_fixture g;
  restart_into(f, g, 8'000);  // down for 8 s of the 10
  BOOST_TEST(g.b.has_session("e"));
  g.advance(2'100);
  BOOST_TEST(!g.b.has_session("e"));
}

BOOST_AUTO_TEST_CASE(damaged_state_is_refused_with_a_reason_never_loaded_in_part_by_length) {
  broker_fixture f;
  auto sub = f.connect(broker_fixture::connect_packet("sub", false));
  f.send(sub, make_subscribe(1, "q/#", qos::at_least_once));
  f.network_close(sub);
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("q/1", "m1", qos::at_least_once, 1));
  const std::vector<std::uint8_t> saved = f.b.save_state(f.now, 0);
  // Every truncation, and every single-byte change, gives an error or a broker that works.
  for (std::size_t n = 0; n < saved.size(); ++n) {
    broker_fixture g;
    auto error = g.b.load_state(std::span(saved.data(), n), g.now, 0);
    BOOST_TEST(error.has_value(), "a prefix of " << n << " bytes loaded");
  }
  for (std::size_t i = 0; i < saved.size(); ++i) {
    for (int flip : {0x01, 0x80, 0xFF}) {
      std::vector<std::uint8_t> bad = saved;
      bad[i] = static_cast<std::uint8_t>(bad[i] ^ flip);
      broker_fixture g;
      (void)g.b.load_state(bad, g.now, 0);
      auto c = g.connect(broker_fixture::connect_packet("sub", false));  // still a broker
      BOOST_TEST(std::holds_alternative<codec::connack>(g.received(c).at(0)));
    }
  }
  broker_fixture g;
  BOOST_TEST(g.b.load_state(std::vector<std::uint8_t>{'x', 'y'}, g.now, 0).value().find("not a mqtt-ref-broker state file") == 0u);
  // Into a broker that has state already: refused.
  BOOST_TEST(f.b.load_state(saved, f.now, 0).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
