// mosquitto.conf subset: every directive, the mapping to broker options, and errors that
// name FILE:LINE.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <limits>

#include "config.hpp"
#include "test_support.hpp"

namespace net = mqtt::net;
namespace bdata = boost::unit_test::data;

namespace {

net::config parse_ok(std::string_view text) {
  auto r = net::parse_config(text, "test.conf");
  if (auto* e = std::get_if<net::config_error>(&r)) BOOST_FAIL("unexpected error: " << e->to_string());
  return std::get<net::config>(std::move(r));
}

net::config_error parse_error(std::string_view text) {
  auto r = net::parse_config(text, "test.conf");
  if (std::holds_alternative<net::config>(r)) BOOST_FAIL("expected an error for:\n" << text);
  return std::get<net::config_error>(r);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(empty_text_gives_defaults) {
  net::config c = parse_ok("# nothing\n\n   \n\t# indented comment\n");
  BOOST_TEST(c.listeners.empty());
  BOOST_TEST(c.options.allow_anonymous);
  BOOST_TEST(c.options.retain_available);
  BOOST_TEST(!c.password_file);
  BOOST_TEST(!c.acl_file);
}

BOOST_AUTO_TEST_CASE(default_config_is_loopback_1883) {
  net::config c = net::default_config();
  BOOST_TEST_REQUIRE(c.listeners.size() == 1u);
  BOOST_TEST(c.listeners[0].port == 1883);
  BOOST_TEST(c.listeners[0].address == "127.0.0.1");
  BOOST_TEST(c.listeners[0].scheme() == "tcp");
}

BOOST_AUTO_TEST_CASE(every_directive) {
  net::config c = parse_ok(
      "listener 1883 127.0.0.1\n"
      "listener 8080\n"
      "protocol websockets\n"
      "listener 8883 ::1\n"
      "certfile /c/server.crt\n"
      "keyfile /c/server.key\n"
      "cafile /c/ca.crt\n"
      "require_certificate true\n"
      "listener 8443 127.0.0.1\n"
      "protocol websockets\n"
      "certfile s.crt\n"
      "keyfile s.key\n"
      "protocol mqtt\n"
      "protocol websockets\n"
      "http_listener 8081 127.0.0.1\n"
      "allow_anonymous false\n"
      "password_file /etc/p\n"
      "acl_file /etc/a\n"
      "max_packet_size 1000\n"
      "max_inflight_messages 7\n"
      "max_queued_messages 42\n"
      "retain_available false\n"
      "max_qos 1\n"
      "max_keepalive 60\n"
      "auth_method SCRAM-SHA-256\n"
      "scram_password_file /etc/scram\n"
      "response_information_prefix reply/\n");
  BOOST_TEST_REQUIRE(c.listeners.size() == 5u);
  BOOST_TEST(c.listeners[0].port == 1883);
  BOOST_TEST(c.listeners[0].address == "127.0.0.1");
  BOOST_TEST(c.listeners[0].scheme() == "tcp");
  BOOST_TEST(c.listeners[1].port == 8080);
  BOOST_TEST(c.listeners[1].address == "");
  BOOST_TEST(c.listeners[1].scheme() == "ws");
  BOOST_TEST(c.listeners[2].scheme() == "tls");
  BOOST_TEST(c.listeners[2].address == "::1");
  BOOST_TEST(c.listeners[2].certfile == "/c/server.crt");
  BOOST_TEST(c.listeners[2].keyfile == "/c/server.key");
  BOOST_TEST(c.listeners[2].cafile == "/c/ca.crt");
  BOOST_TEST(c.listeners[2].require_certificate);
  BOOST_TEST(c.listeners[3].scheme() == "wss");
  BOOST_TEST(!c.listeners[3].require_certificate);
  BOOST_TEST(c.listeners[4].scheme() == "http");
  BOOST_TEST(c.listeners[4].port == 8081);
  BOOST_TEST(!c.options.allow_anonymous);
  BOOST_TEST(*c.password_file == "/etc/p");
  BOOST_TEST(*c.acl_file == "/etc/a");
  BOOST_TEST(c.options.limits.packet_size_max == 1000u);
  BOOST_TEST(c.options.limits.inflight_max == 7);
  BOOST_TEST(c.options.limits.queued_messages_max == 42u);
  BOOST_TEST(!c.options.retain_available);
  BOOST_TEST(static_cast<int>(c.options.max_qos) == 1);
  BOOST_TEST(c.options.limits.keep_alive_max_s == 60);
  BOOST_TEST(c.auth_methods == std::vector<std::string>{"SCRAM-SHA-256"});
  BOOST_TEST(*c.scram_password_file == "/etc/scram");
  BOOST_TEST(c.options.response_information_prefix == "reply/");
}

BOOST_AUTO_TEST_CASE(zero_means_no_limit_as_in_mosquitto) {
  net::config c = parse_ok("max_packet_size 0\nmax_inflight_messages 0\nmax_queued_messages 0\n");
  BOOST_TEST(c.options.limits.packet_size_max == 268'435'460u);
  BOOST_TEST(c.options.limits.inflight_max == 65535);
  BOOST_TEST(c.options.limits.queued_messages_max == std::numeric_limits<std::size_t>::max());
}

BOOST_AUTO_TEST_CASE(port_zero_and_crlf_and_blanks) {
  net::config c = parse_ok("  listener   0\t127.0.0.1  \r\nmax_qos 0\r\n");
  BOOST_TEST_REQUIRE(c.listeners.size() == 1u);
  BOOST_TEST(c.listeners[0].port == 0);
  BOOST_TEST(c.listeners[0].address == "127.0.0.1");
  BOOST_TEST(static_cast<int>(c.options.max_qos) == 0);
}

BOOST_AUTO_TEST_CASE(port_override) {
  net::config c = parse_ok("listener 8080\nprotocol websockets\nlistener 1884\nlistener 1885\n");
  net::apply_port_override(c, 0);
  BOOST_TEST(c.listeners[0].port == 8080);
  BOOST_TEST(c.listeners[1].port == 0);
  BOOST_TEST(c.listeners[2].port == 1885);
  net::config only_ws = parse_ok("listener 8080\nprotocol websockets\n");
  net::apply_port_override(only_ws, 1999);
  BOOST_TEST_REQUIRE(only_ws.listeners.size() == 2u);
  BOOST_TEST(only_ws.listeners[1].port == 1999);
  BOOST_TEST(only_ws.listeners[1].address == "127.0.0.1");
}

struct bad_case {
  const char* text;
  std::size_t line;
  const char* message_part;
};

std::ostream& operator<<(std::ostream& os, const bad_case& b) { return os << b.text; }

const bad_case bad_cases[] = {
    {"bogus_directive 1\n", 1, "unknown directive"},
    {"listener 1883\nlistener\n", 2, "usage"},
    {"listener 70000\n", 1, "out of range"},
    {"listener 1883 a b\n", 1, "usage"},
    {"listener x\n", 1, "not a number"},
    {"protocol mqtt\n", 1, "must follow a listener"},
    {"listener 1\nprotocol carrier-pigeon\n", 2, "unknown protocol"},
    {"certfile a\n", 1, "must follow a listener"},
    {"listener 1\n\n# c\nrequire_certificate yes\n", 4, "true or false"},
    {"allow_anonymous maybe\n", 1, "true or false"},
    {"allow_anonymous\n", 1, "usage"},
    {"retain_available 1\n", 1, "true or false"},
    {"max_qos 3\n", 1, "out of range"},
    {"max_qos -1\n", 1, "not a number"},
    {"max_packet_size 10\n", 1, "at least 20"},
    {"max_packet_size 300000000\n", 1, "out of range"},
    {"max_inflight_messages 65536\n", 1, "out of range"},
    {"max_queued_messages many\n", 1, "not a number"},
    {"max_keepalive 65536\n", 1, "out of range"},
    {"password_file\n", 1, "usage"},
    {"acl_file a b\n", 1, "usage"},
    {"http_listener\n", 1, "usage"},
    {"http_listener 80\nprotocol websockets\n", 2, "http_listener"},
    {"http_listener 80\ncertfile x\n", 2, "http_listener"},
    {"listener 1\ncertfile a\n", 1, "both certfile and keyfile"},
    {"listener 1\nkeyfile a\n", 1, "both certfile and keyfile"},
    {"listener 1\ncafile a\n", 1, "cafile without"},
    {"listener 1\ncertfile a\nkeyfile b\nrequire_certificate true\n", 1, "needs a cafile"},
    {"auth_method SCRAM-SHA-1\n", 1, "unknown auth_method"},
    {"auth_method\n", 1, "usage"},
    {"scram_password_file a\nauth_method SCRAM-SHA-256\nauth_method SCRAM-SHA-256\n", 3, "twice"},
    {"auth_method SCRAM-SHA-256\n", 0, "needs scram_password_file"},
    {"scram_password_file /etc/s\n", 0, "without auth_method"},
    {"response_information_prefix reply/#\n", 1, "no wildcards"},
    {"response_information_prefix\n", 1, "usage"},
};

BOOST_DATA_TEST_CASE(errors_name_the_line, bdata::make(bad_cases), bad) {
  net::config_error e = parse_error(bad.text);
  BOOST_TEST(e.line == bad.line);
  BOOST_TEST(e.message.find(bad.message_part) != std::string::npos, "message: " << e.message);
  BOOST_TEST(e.to_string().rfind("test.conf:" + std::to_string(bad.line) + ": ", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(load_from_file) {
  net_test::temp_dir dir;
  std::string path = dir.write("m.conf", "listener 0 127.0.0.1\nmax_qos 1\n");
  auto r = net::load_config(path);
  BOOST_TEST_REQUIRE(std::holds_alternative<net::config>(r));
  BOOST_TEST(std::get<net::config>(r).listeners.size() == 1u);

  std::string bad = dir.write("bad.conf", "max_qos 1\nnot_a_directive\n");
  auto e = net::load_config(bad);
  BOOST_TEST_REQUIRE(std::holds_alternative<net::config_error>(e));
  BOOST_TEST(std::get<net::config_error>(e).to_string() == bad + ":2: unknown directive 'not_a_directive'");

  auto missing = net::load_config((dir.path() / "none.conf").string());
  BOOST_TEST_REQUIRE(std::holds_alternative<net::config_error>(missing));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(persistence_as_in_mosquitto) {
  BOOST_TEST(!parse_ok("").persistence);
  net::config c = parse_ok("persistence true\npersistence_location /var/lib/ref/\n");
  BOOST_TEST(c.persistence);
  BOOST_TEST(c.persistence_path() == "/var/lib/ref/mqtt-ref-broker.db");
  c = parse_ok("persistence true\npersistence_location /tmp/x\npersistence_file state.db\n");
  BOOST_TEST(c.persistence_path() == "/tmp/x/state.db");
  BOOST_TEST(parse_ok("persistence true\n").persistence_path() == "mqtt-ref-broker.db");
  BOOST_TEST(parse_error("persistence maybe\n").line == 1u);
}
