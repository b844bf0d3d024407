// CONNECT as the options ask for it (golden bytes per version), CONNACK acceptance and
// refusal, the CONNACK timeout, the 5.0 Assigned Client Identifier, and option checks.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

namespace {

namespace data = boost::unit_test::data;
using namespace mqtt::client;
using namespace mqtt::client::test;

BOOST_AUTO_TEST_SUITE(connect)

BOOST_AUTO_TEST_CASE(connect_bytes_3_1_1) {
  fixture f(v311);
  step s = f.open();
  BOOST_TEST(s.wire == from_hex("10 0E 00 04 4D 51 54 54 04 02 00 3C 00 02 63 31"),
             boost::test_tools::per_element());
  BOOST_TEST(!f.c().is_connected());
}

BOOST_AUTO_TEST_CASE(connect_bytes_3_1) {
  fixture f(v3_1);
  step s = f.open();
  BOOST_TEST(s.wire == from_hex("10 10 00 06 4D 51 49 73 64 70 03 02 00 3C 00 02 63 31"),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(connect_bytes_5_0) {
  options o = default_options(v5);
  o.session_expiry_interval_s = 10;
  fixture f(o);
  step s = f.open();
  // Session Expiry Interval 10 is the only property: the others are at their defaults.
  BOOST_TEST(
      s.wire == from_hex("10 14 00 04 4D 51 54 54 05 02 00 3C 05 11 00 00 00 0A 00 02 63 31"),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(connect_fields_3_1_1_will_and_credentials) {
  options o = default_options(v311);
  o.clean_start = false;
  o.keep_alive_s = 5;
  o.user_name = "user";
  o.password = std::string("pa\0ss", 5);
  o.last_will = will{make_message("will/t", "gone", mqtt::codec::qos::at_least_once, true), 0};
  fixture f(o);
  step s = f.open();
  auto sent = s.sent<mqtt::codec::connect>();
  BOOST_TEST_REQUIRE(sent.size() == 1u);
  const mqtt::codec::connect& c = *sent.front();
  BOOST_TEST(!c.clean_start);
  BOOST_TEST(c.keep_alive_s == 5);
  BOOST_TEST(c.client_id == "c1");
  BOOST_TEST_REQUIRE(c.will.has_value());
  BOOST_TEST(c.will->topic == "will/t");
  BOOST_TEST(c.will->payload == "gone");
  BOOST_TEST((c.will->qos == mqtt::codec::qos::at_least_once));
  BOOST_TEST(c.will->retain);
  BOOST_TEST(c.user_name.value() == "user");
  BOOST_TEST(c.password.value() == std::string_view("pa\0ss", 5));
  BOOST_TEST(c.props.empty());
}

BOOST_AUTO_TEST_CASE(connect_fields_5_0_properties_and_will_properties) {
  options o = default_options(v5);
  o.session_expiry_interval_s = 300;
  o.receive_maximum = 7;
  o.maximum_packet_size = 4096;
  o.topic_alias_maximum = 3;
  message wm = make_message("will/t", "gone", mqtt::codec::qos::exactly_once);
  wm.content_type = "text/plain";
  wm.message_expiry_interval_s = 99;
  wm.payload_format_indicator = 1;
  wm.response_topic = "reply/here";
  wm.correlation_data = "xyz";
  wm.user_properties = {{"k", "v"}};
  o.last_will = will{wm, 30};
  o.user_name = "u";
  o.password = "p";
  fixture f(o);
  step s = f.open();
  auto sent = s.sent<mqtt::codec::connect>();
  BOOST_TEST_REQUIRE(sent.size() == 1u);
  const mqtt::codec::connect& c = *sent.front();
  BOOST_TEST(c.clean_start);
  BOOST_TEST(c.props.session_expiry_interval_s.value() == 300u);
  BOOST_TEST(c.props.receive_maximum.value() == 7);
  BOOST_TEST(c.props.maximum_packet_size.value() == 4096u);
  BOOST_TEST(c.props.topic_alias_maximum.value() == 3);
  BOOST_TEST_REQUIRE(c.will.has_value());
  BOOST_TEST((c.will->qos == mqtt::codec::qos::exactly_once));
  BOOST_TEST(c.will->props.will_delay_interval_s.value() == 30u);
  BOOST_TEST(c.will->props.content_type.value() == "text/plain");
  BOOST_TEST(c.will->props.message_expiry_interval_s.value() == 99u);
  BOOST_TEST(c.will->props.payload_format_indicator.value() == 1);
  BOOST_TEST(c.will->props.response_topic.value() == "reply/here");
  BOOST_TEST(c.will->props.correlation_data.value() == "xyz");
  BOOST_TEST_REQUIRE(c.will->props.user_properties.size() == 1u);
  BOOST_TEST(c.will->props.user_properties[0].first == "k");
  BOOST_TEST(c.user_name.value() == "u");
  BOOST_TEST(c.password.value() == "p");
}

BOOST_DATA_TEST_CASE(connack_accepted, data::make(all_versions), version) {
  fixture f(version);
  step s = f.connect();
  const connected& ev = s.only<connected>();
  BOOST_TEST(!ev.session_present);
  BOOST_TEST(ev.reason_code == 0);
  BOOST_TEST(!ev.assigned_client_id.has_value());
  BOOST_TEST(f.c().is_connected());
  BOOST_TEST(s.packets.empty());
}

BOOST_DATA_TEST_CASE(connack_refused, data::make(all_versions), version) {
  fixture f(version);
  const std::uint8_t code = version == v5 ? std::uint8_t{0x87} : std::uint8_t{5};
  step s = f.connect(connack_with(false, code));
  BOOST_TEST(s.only<connected>().reason_code == code);
  BOOST_TEST(s.closed());
  BOOST_TEST(s.count<connection_lost>() == 1u);
  BOOST_TEST(!f.c().is_connected());
  // The transport closing afterwards reports nothing more.
  BOOST_TEST(f.closed().events.empty());
}

BOOST_AUTO_TEST_CASE(connack_timeout) {
  options o = default_options(v311);
  o.connect_timeout_ms = 2'000;
  fixture f(o);
  f.open();
  BOOST_TEST(f.c().next_deadline().value() == f.now + 2'000);
  BOOST_TEST(f.timer(f.now + 1'999).events.empty());
  step s = f.timer(f.now + 1);
  BOOST_TEST(s.closed());
  BOOST_TEST(s.count<connection_lost>() == 1u);
  BOOST_TEST(!f.c().next_deadline().has_value());
  // A CONNACK arriving after the timeout is not read.
  BOOST_TEST(f.feed_raw(encode_packet(connack_with(false), v311)).events.empty());
  BOOST_TEST(f.closed().events.empty());
}

BOOST_AUTO_TEST_CASE(transport_closed_while_waiting_for_connack) {
  fixture f(v311);
  f.open();
  step s = f.closed();
  BOOST_TEST(s.count<connection_lost>() == 1u);
  BOOST_TEST(!s.closed());
}

BOOST_AUTO_TEST_CASE(assigned_client_identifier_used_on_reconnect) {
  options o = default_options(v5);
  o.client_id.clear();
  fixture f(o);
  mqtt::codec::connack a;
  a.props.assigned_client_identifier = "auto-17";
  step s = f.connect(a);
  BOOST_TEST(s.only<connected>().assigned_client_id.value() == "auto-17");
  f.closed();
  step again = f.open();
  BOOST_TEST_REQUIRE(again.sent<mqtt::codec::connect>().size() == 1u);
  BOOST_TEST(again.sent<mqtt::codec::connect>().front()->client_id == "auto-17");
}

BOOST_AUTO_TEST_CASE(reconnect_sends_connect_again_3_1_1) {
  fixture f(v311);
  f.connect();
  BOOST_TEST(f.closed().count<connection_lost>() == 1u);
  step s = f.open();
  BOOST_TEST(s.sent<mqtt::codec::connect>().size() == 1u);
  BOOST_TEST(s.sent<mqtt::codec::connect>().front()->clean_start);
}

BOOST_AUTO_TEST_CASE(reopen_without_close_is_treated_as_a_close) {
  fixture f(v311);
  f.connect();
  step s = f.open();
  BOOST_TEST(s.count<connection_lost>() == 1u);
  BOOST_TEST(s.sent<mqtt::codec::connect>().size() == 1u);
}

BOOST_AUTO_TEST_CASE(options_that_no_connect_can_carry_throw) {
  options zero_receive = default_options(v5);
  zero_receive.receive_maximum = 0;
  BOOST_CHECK_THROW(client{zero_receive}, std::invalid_argument);
  options empty_id = default_options(v311);
  empty_id.client_id.clear();
  empty_id.clean_start = false;  // MQTT-3.1.3-7
  BOOST_CHECK_THROW(client{empty_id}, std::invalid_argument);
  options password_only = default_options(v311);
  password_only.password = "p";  // MQTT-3.1.2-22
  BOOST_CHECK_THROW(client{password_only}, std::invalid_argument);
  options bad_will = default_options(v5);
  bad_will.last_will = will{make_message("a/#", "x", mqtt::codec::qos::at_most_once), 0};
  BOOST_CHECK_THROW(client{bad_will}, std::invalid_argument);
  options window = default_options(v5);
  window.inflight_max = 0;
  BOOST_CHECK_THROW(client{window}, std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
