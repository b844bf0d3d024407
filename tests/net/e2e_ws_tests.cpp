// End-to-end runs over WebSocket (section 6): the `mqtt` subprotocol (MQTT-6.0.0-3,
// MQTT-6.0.0-4), binary frames only (MQTT-6.0.0-1), packets spanning frames (MQTT-6.0.0-2).
#include <boost/test/unit_test.hpp>

#include <thread>

#include "mqtt/codec/encoder.hpp"
#include "net_clients.hpp"
#include "test_support.hpp"

using namespace net_test;
namespace codec = mqtt::codec;

namespace {

struct ws_broker {
  temp_dir dir;
  broker_process broker{{"-c", dir.write("ws.conf",
                                         "listener 0 127.0.0.1\n"
                                         "listener 0 127.0.0.1\n"
                                         "protocol websockets\n")},
                        2};
};

mqtt_test_client ws_client(std::uint16_t port, const std::string& id) {
  auto r = connect_ws(port, {});
  BOOST_TEST_REQUIRE(r.stream != nullptr, r.error);
  BOOST_TEST(r.subprotocol == "mqtt");
  mqtt_test_client c(std::move(r.stream));
  connect_options o;
  o.client_id = id;
  BOOST_TEST_REQUIRE(c.connect(o).code == 0);
  return c;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(e2e_ws, ws_broker)

BOOST_AUTO_TEST_CASE(answers_with_the_mqtt_subprotocol) {
  ws_client_options o;
  o.subprotocols = {"wamp", "mqtt"};
  auto r = connect_ws(broker.port("ws"), o);
  BOOST_TEST_REQUIRE(r.stream != nullptr, r.error);
  BOOST_TEST(r.status == 101u);
  BOOST_TEST(r.subprotocol == "mqtt");  // MQTT-6.0.0-4
}

BOOST_AUTO_TEST_CASE(refuses_an_upgrade_without_mqtt) {
  ws_client_options o;
  o.subprotocols = {"wamp"};
  auto r = connect_ws(broker.port("ws"), o);
  BOOST_TEST(r.stream == nullptr);
  BOOST_TEST(r.status == 400u);
  o.subprotocols = {};
  r = connect_ws(broker.port("ws"), o);
  BOOST_TEST(r.stream == nullptr);
  BOOST_TEST(r.status == 400u);
}

BOOST_AUTO_TEST_CASE(publish_subscribe_across_transports) {
  auto ws_sub = ws_client(broker.port("ws"), "ws-sub");
  BOOST_TEST(ws_sub.subscribe("x/#", codec::qos::at_least_once)[0] == 1);
  mqtt_test_client tcp_pub(connect_tcp(broker.port("tcp")));
  connect_options o;
  o.client_id = "tcp-pub";
  BOOST_TEST_REQUIRE(tcp_pub.connect(o).code == 0);
  tcp_pub.publish("x/1", "over tcp", codec::qos::at_least_once);
  auto m = ws_sub.next_publish();
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->payload == "over tcp");

  auto ws_pub = ws_client(broker.port("ws"), "ws-pub");
  ws_pub.publish("x/2", "over ws", codec::qos::exactly_once);
  m = ws_sub.next_publish();
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->topic == "x/2");
  BOOST_TEST(m->payload == "over ws");
}

BOOST_AUTO_TEST_CASE(packets_span_frames_and_share_frames) {
  auto sub = ws_client(broker.port("ws"), "sub");
  sub.subscribe("frames", codec::qos::at_most_once);
  auto r = connect_ws(broker.port("ws"), {});
  BOOST_TEST_REQUIRE(r.stream != nullptr, r.error);
  mqtt_test_client pub(std::move(r.stream));
  std::vector<std::uint8_t> connect_bytes;
  codec::connect c;
  c.client_id = "split";
  BOOST_TEST_REQUIRE(codec::encode(c, codec::protocol_version::v3_1_1, connect_bytes).ok());
  // CONNECT one byte per WebSocket message (MQTT-6.0.0-2).
  for (std::uint8_t byte : connect_bytes) pub.send_raw(std::span<const std::uint8_t>(&byte, 1));
  auto ack = pub.next_packet();
  BOOST_TEST_REQUIRE(ack.has_value());
  BOOST_TEST((*ack)[0] == 0x20);  // CONNACK
  // Two PUBLISH packets in one message.
  std::vector<std::uint8_t> two;
  codec::publish p;
  p.topic = "frames";
  p.payload = "one";
  BOOST_TEST_REQUIRE(codec::encode(p, codec::protocol_version::v3_1_1, two).ok());
  p.payload = "two";
  BOOST_TEST_REQUIRE(codec::encode(p, codec::protocol_version::v3_1_1, two).ok());
  pub.send_raw(two);
  auto m1 = sub.next_publish();
  auto m2 = sub.next_publish();
  BOOST_TEST_REQUIRE((m1 && m2));
  BOOST_TEST(m1->payload == "one");
  BOOST_TEST(m2->payload == "two");
}

BOOST_AUTO_TEST_CASE(text_frame_closes_the_connection) {
  auto r = connect_ws(broker.port("ws"), {});
  BOOST_TEST_REQUIRE(r.stream != nullptr, r.error);
  mqtt_test_client c(std::move(r.stream));
  connect_options o;
  o.client_id = "texter";
  BOOST_TEST_REQUIRE(c.connect(o).code == 0);
  BOOST_TEST_REQUIRE(ws_write_text(c.stream(), "hello"));
  BOOST_TEST(c.closed_by_peer(5s));  // MQTT-6.0.0-1
  bool logged = false;
  for (int i = 0; i < 20 && !logged; ++i) {
    logged = broker.log_text().find("MQTT-6.0.0-1") != std::string::npos;
    if (!logged) std::this_thread::sleep_for(50ms);
  }
  BOOST_TEST(logged);
}

BOOST_AUTO_TEST_SUITE_END()
