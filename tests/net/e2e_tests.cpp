// End-to-end runs of the real mqtt-ref-broker binary over TCP: delivery, listeners from a
// configuration file, configuration errors, signals, password file, ACL, wills, keep-alive
// and the bound on a slow reader's output.
#include <signal.h>

#include <thread>

#include <boost/test/unit_test.hpp>

#include "mqtt/codec/encoder.hpp"
#include "mqtt_test_client.hpp"
#include "test_support.hpp"

using namespace net_test;
namespace codec = mqtt::codec;

namespace {

mqtt_test_client connected(std::uint16_t port, const std::string& id,
                           codec::protocol_version v = codec::protocol_version::v3_1_1) {
  mqtt_test_client c(connect_tcp(port), v);
  connect_options o;
  o.version = v;
  o.client_id = id;
  auto ack = c.connect(o);
  BOOST_TEST_REQUIRE(ack.code == 0);
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e_tcp)

BOOST_AUTO_TEST_CASE(prints_one_listening_line_for_port_zero) {
  broker_process b({"-p", "0"});
  BOOST_TEST_REQUIRE(b.listening_lines().size() == 1u);
  BOOST_TEST(b.listening_lines()[0].rfind("listening on tcp://127.0.0.1:", 0) == 0u);
  BOOST_TEST(b.port("tcp") != 0);
}

BOOST_AUTO_TEST_CASE(publish_and_subscribe_every_qos) {
  broker_process b({"-p", "0"});
  auto sub = connected(b.port("tcp"), "sub");
  auto codes = sub.subscribe("t/#", codec::qos::exactly_once);
  BOOST_TEST_REQUIRE(codes.size() == 1u);
  BOOST_TEST(codes[0] == 2);
  auto pub = connected(b.port("tcp"), "pub", codec::protocol_version::v5);
  for (int q = 0; q <= 2; ++q) {
    pub.publish("t/" + std::to_string(q), "payload " + std::to_string(q), static_cast<codec::qos>(q));
  }
  for (int q = 0; q <= 2; ++q) {
    auto m = sub.next_publish();
    BOOST_TEST_REQUIRE(m.has_value());
    BOOST_TEST(m->topic == "t/" + std::to_string(q));
    BOOST_TEST(m->payload == "payload " + std::to_string(q));
    BOOST_TEST(static_cast<int>(m->qos) == q);
  }
  sub.disconnect();
  pub.disconnect();
}

BOOST_AUTO_TEST_CASE(bytes_in_any_chunking) {
  broker_process b({"-p", "0"});
  auto sub = connected(b.port("tcp"), "sub");
  sub.subscribe("chunk", codec::qos::at_most_once);
  mqtt_test_client pub(connect_tcp(b.port("tcp")));
  std::vector<std::uint8_t> bytes;
  codec::connect c;
  c.client_id = "pub";
  BOOST_TEST_REQUIRE(codec::encode(c, codec::protocol_version::v3_1_1, bytes).ok());
  codec::publish p;
  p.topic = "chunk";
  p.payload = "x";
  BOOST_TEST_REQUIRE(codec::encode(p, codec::protocol_version::v3_1_1, bytes).ok());
  for (std::uint8_t byte : bytes) pub.send_raw(std::span<const std::uint8_t>(&byte, 1));
  auto m = sub.next_publish();
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->payload == "x");
}

BOOST_AUTO_TEST_CASE(listeners_from_a_configuration_file) {
  temp_dir dir;
  std::string conf = dir.write("m.conf",
                               "# three listeners, all on free ports\n"
                               "listener 0 127.0.0.1\n"
                               "listener 0 127.0.0.1\n"
                               "protocol websockets\n"
                               "http_listener 0 127.0.0.1\n");
  broker_process b({"-c", conf}, 3);
  BOOST_TEST(b.listening_lines()[0].rfind("listening on tcp://127.0.0.1:", 0) == 0u);
  BOOST_TEST(b.listening_lines()[1].rfind("listening on ws://127.0.0.1:", 0) == 0u);
  BOOST_TEST(b.listening_lines()[2].rfind("listening on http://127.0.0.1:", 0) == 0u);
  connected(b.port("tcp"), "c1").disconnect();
}

BOOST_AUTO_TEST_CASE(configuration_error_exits_with_file_and_line) {
  temp_dir dir;
  std::string conf = dir.write("bad.conf", "listener 0 127.0.0.1\n# ok so far\nmax_qos 7\n");
  auto r = run_program({broker_path(), "-c", conf}, 10s);
  BOOST_TEST(r.exit_status == 3);
  BOOST_TEST(r.err.find(conf + ":3: ") != std::string::npos, r.err);
  BOOST_TEST(r.out.empty());

  std::string unknown = dir.write("unknown.conf", "bridge_protocol_version mqttv311\n");
  r = run_program({broker_path(), "-c", unknown}, 10s);
  BOOST_TEST(r.exit_status == 3);
  BOOST_TEST(r.err.find(unknown + ":1: unknown directive") != std::string::npos, r.err);

  r = run_program({broker_path(), "-c", (dir.path() / "missing.conf").string()}, 10s);
  BOOST_TEST(r.exit_status == 3);
  r = run_program({broker_path(), "--bogus"}, 10s);
  BOOST_TEST(r.exit_status == 3);
  r = run_program({broker_path(), "-h"}, 10s);
  BOOST_TEST(r.exit_status == 0);
  BOOST_TEST(r.out.find("usage") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(listener_in_use_exits_1) {
  broker_process first({"-p", "0"});
  auto r = run_program({broker_path(), "-p", std::to_string(first.port("tcp"))}, 10s);
  BOOST_TEST(r.exit_status == 1);
  BOOST_TEST(r.err.find("cannot listen") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(sigterm_closes_connections_and_exits_0) {
  broker_process b({"-p", "0"});
  auto c = connected(b.port("tcp"), "victim");
  BOOST_TEST(b.stop(SIGTERM, 5s) == 0);
  BOOST_TEST(c.closed_by_peer(2s));
}

// SIGTERM ends every session (nothing survives the process): the wills go out first, then
// 5.0 clients get DISCONNECT 0x8B, Server shutting down (MQTT-3.1.2-8, MQTT-4.13.1-1).
BOOST_AUTO_TEST_CASE(sigterm_publishes_wills_and_sends_disconnect_0x8b) {
  broker_process b({"-p", "0"});
  auto watcher = connected(b.port("tcp"), "watcher", codec::protocol_version::v5);
  watcher.subscribe("w/#", codec::qos::at_most_once);
  mqtt_test_client victim(connect_tcp(b.port("tcp")));
  connect_options o;
  o.client_id = "victim";
  o.will = received_publish{"w/victim", "gone", codec::qos::at_most_once, false, false, 0};
  BOOST_TEST_REQUIRE(victim.connect(o).code == 0);
  BOOST_TEST(b.stop(SIGTERM, 5s) == 0);
  std::optional<received_publish> will = watcher.next_publish(2s);
  BOOST_TEST_REQUIRE(will.has_value());
  BOOST_TEST(will->topic == "w/victim");
  BOOST_TEST(will->payload == "gone");
  std::optional<std::vector<std::uint8_t>> last = watcher.next_packet(2s);
  BOOST_TEST_REQUIRE(last.has_value());
  BOOST_TEST_REQUIRE(last->size() >= 3u);
  BOOST_TEST((*last)[0] == 0xE0);  // DISCONNECT
  BOOST_TEST((*last)[2] == codec::reason::server_shutting_down);
  BOOST_TEST(victim.closed_by_peer(2s));
}

BOOST_AUTO_TEST_CASE(sigint_exits_0) {
  broker_process b({"-p", "0"});
  auto c = connected(b.port("tcp"), "victim");
  BOOST_TEST(b.stop(SIGINT, 5s) == 0);
}

BOOST_AUTO_TEST_CASE(password_file_from_mosquitto_passwd) {
  auto tool = find_program("mosquitto_passwd");
  BOOST_TEST_REQUIRE(tool.has_value(), "mosquitto_passwd not found: install the mosquitto package (tools/bootstrap)");
  temp_dir dir;
  std::string pw = (dir.path() / "passwd").string();
  BOOST_TEST_REQUIRE(run_program({*tool, "-c", "-b", pw, "alice", "wonderland"}).exit_status == 0);
  std::string conf = dir.write("m.conf", "listener 0 127.0.0.1\nallow_anonymous false\npassword_file " + pw + "\n");
  broker_process b({"-c", conf});
  auto attempt = [&](std::optional<std::string> user, std::optional<std::string> pass) {
    mqtt_test_client c(connect_tcp(b.port("tcp")));
    connect_options o;
    o.client_id = "auth";
    o.user_name = user;
    o.password = pass;
    return c.connect(o).code;
  };
  BOOST_TEST(attempt("alice", "wonderland") == 0);
  BOOST_TEST(attempt("alice", "looking-glass") == 4);  // bad user name or password
  BOOST_TEST(attempt("mallory", "wonderland") == 4);
  BOOST_TEST(attempt(std::nullopt, std::nullopt) == 5);  // not authorized
}

BOOST_AUTO_TEST_CASE(acl_file_limits_publish_and_subscribe) {
  temp_dir dir;
  std::string acl = dir.write("acl",
                              "# anonymous clients\n"
                              "topic read news/#\n"
                              "pattern readwrite clients/%c/#\n"
                              "topic write news/#\n"
                              "topic deny news/secret\n");
  std::string conf = dir.write("m.conf", "listener 0 127.0.0.1\nacl_file " + acl + "\n");
  broker_process b({"-c", conf});
  auto sub = connected(b.port("tcp"), "reader");
  BOOST_TEST(sub.subscribe("news/#", codec::qos::at_least_once)[0] == 1);
  BOOST_TEST(sub.subscribe("private/#", codec::qos::at_least_once)[0] == 0x80);
  BOOST_TEST(sub.subscribe("clients/reader/#", codec::qos::at_most_once)[0] == 0);
  auto pub = connected(b.port("tcp"), "writer", codec::protocol_version::v5);
  pub.publish("news/secret", "hidden", codec::qos::at_least_once);  // PUBACK 0x87 in 5.0
  pub.publish("clients/reader/inbox", "not yours", codec::qos::at_most_once);
  pub.publish("news/today", "visible", codec::qos::at_least_once);
  auto m = sub.next_publish();
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->topic == "news/today");
  BOOST_TEST(m->payload == "visible");

  std::string bad_acl = dir.write("bad.acl", "topic read a\nuser\n");
  std::string bad_conf = dir.write("bad.conf", "acl_file " + bad_acl + "\n");
  auto r = run_program({broker_path(), "-c", bad_conf, "-p", "0"}, 10s);
  BOOST_TEST(r.exit_status == 3);
  BOOST_TEST(r.err.find(bad_acl + ":2: ") != std::string::npos, r.err);
}

// 3.1.1 has no reason code in PUBACK/PUBREC: a publish the ACL refuses is acknowledged as
// usual and dropped (as mosquitto does), and the broker keeps running.
BOOST_AUTO_TEST_CASE(acl_denied_qos1_publish_from_a_3_1_1_client) {
  temp_dir dir;
  std::string acl = dir.write("acl", "topic read allowed/#\n");
  std::string conf = dir.write("m.conf", "listener 0 127.0.0.1\nacl_file " + acl + "\n");
  broker_process b({"-c", conf});
  auto pub = connected(b.port("tcp"), "writer");
  BOOST_CHECK_NO_THROW(pub.publish("denied", "x", codec::qos::at_least_once));
  BOOST_CHECK_NO_THROW(pub.publish("denied", "x", codec::qos::exactly_once));
  connected(b.port("tcp"), "still-there").disconnect();
}

BOOST_AUTO_TEST_CASE(connection_loss_publishes_the_will) {
  broker_process b({"-p", "0"});
  auto sub = connected(b.port("tcp"), "watcher");
  sub.subscribe("wills/#", codec::qos::at_least_once);
  {
    mqtt_test_client doomed(connect_tcp(b.port("tcp")));
    connect_options o;
    o.client_id = "doomed";
    o.will = received_publish{"wills/doomed", "gone", codec::qos::at_least_once};
    BOOST_TEST_REQUIRE(doomed.connect(o).code == 0);
    doomed.stream().close();  // no DISCONNECT
  }
  auto m = sub.next_publish();
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->topic == "wills/doomed");
  BOOST_TEST(m->payload == "gone");
}

BOOST_AUTO_TEST_CASE(keep_alive_expiry_closes_the_connection) {
  broker_process b({"-p", "0"});
  mqtt_test_client c(connect_tcp(b.port("tcp")));
  connect_options o;
  o.client_id = "sleepy";
  o.keep_alive_s = 1;
  BOOST_TEST_REQUIRE(c.connect(o).code == 0);
  // One and a half keep-alive periods of silence (MQTT-3.1.2-24), with some slack.
  auto start = std::chrono::steady_clock::now();
  BOOST_TEST(c.closed_by_peer(5s));
  auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_TEST(elapsed >= 1200ms);
}

BOOST_AUTO_TEST_CASE(slow_reader_is_dropped_beyond_its_output_bound) {
  broker_process b({"-p", "0"});
  auto slow = connected(b.port("tcp"), "slow");
  slow.subscribe("flood", codec::qos::at_most_once);
  auto fast = connected(b.port("tcp"), "fast");
  std::string payload(256 * 1024, 'f');
  // 64 MiB for a reader that never reads: far beyond the 16 MiB bound plus socket buffers.
  for (int i = 0; i < 256; ++i) fast.publish("flood", payload, codec::qos::at_most_once);
  fast.publish("done", "", codec::qos::at_least_once);  // the broker has handled the flood
  bool dropped = false;
  for (int i = 0; i < 50 && !dropped; ++i) {
    dropped = b.log_text().find("slow reader") != std::string::npos;
    if (!dropped) std::this_thread::sleep_for(100ms);
  }
  BOOST_TEST(dropped);
  BOOST_TEST(slow.closed_by_peer(10s));
}

BOOST_AUTO_TEST_SUITE_END()
