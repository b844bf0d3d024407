// End-to-end runs over TLS and secure WebSocket, with a throwaway CA and certificates made
// by the openssl command line for each run (test_pki).
#include <boost/test/unit_test.hpp>

#include "net_clients.hpp"
#include "test_pki.hpp"
#include "test_support.hpp"

using namespace net_test;
namespace codec = mqtt::codec;

namespace {

mqtt_test_client connected(std::unique_ptr<byte_stream> s, const std::string& id) {
  mqtt_test_client c(std::move(s));
  connect_options o;
  o.client_id = id;
  BOOST_TEST_REQUIRE(c.connect(o).code == 0);
  return c;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(e2e_tls, test_pki)

BOOST_AUTO_TEST_CASE(tls_and_wss_publish_subscribe) {
  std::string conf = dir.write("tls.conf",
                               "listener 0 127.0.0.1\n"
                               "certfile " + server_crt + "\nkeyfile " + server_key + "\n"
                               "listener 0 127.0.0.1\n"
                               "protocol websockets\n"
                               "certfile " + server_crt + "\nkeyfile " + server_key + "\n");
  broker_process b({"-c", conf}, 2);
  tls_client_options tls{ca_crt, "", ""};
  auto r = connect_tls(b.port("tls"), tls);
  BOOST_TEST_REQUIRE(r.stream != nullptr, r.error);
  auto sub = connected(std::move(r.stream), "tls-sub");
  BOOST_TEST(sub.subscribe("secure/#", codec::qos::exactly_once)[0] == 2);

  ws_client_options wo;
  wo.tls = tls;
  auto w = connect_wss(b.port("wss"), wo);
  BOOST_TEST_REQUIRE(w.stream != nullptr, w.error);
  BOOST_TEST(w.subprotocol == "mqtt");
  auto pub = connected(std::move(w.stream), "wss-pub");
  pub.publish("secure/a", "through TLS", codec::qos::exactly_once);
  auto m = sub.next_publish();
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->topic == "secure/a");
  BOOST_TEST(m->payload == "through TLS");
  BOOST_TEST(static_cast<int>(m->qos) == 2);
}

BOOST_AUTO_TEST_CASE(require_certificate_verifies_the_client) {
  std::string conf = dir.write("mtls.conf",
                               "listener 0 127.0.0.1\n"
                               "certfile " + server_crt + "\nkeyfile " + server_key + "\n"
                               "cafile " + ca_crt + "\nrequire_certificate true\n");
  broker_process b({"-c", conf});
  // Without a client certificate: the handshake fails, or (TLS 1.3) the server drops the
  // connection right after it; either way no CONNACK.
  auto anon = connect_tls(b.port("tls"), {ca_crt, "", ""});
  if (anon.stream) {
    mqtt_test_client c(std::move(anon.stream));
    connect_options o;
    o.client_id = "no-cert";
    BOOST_CHECK_THROW(c.connect(o), std::exception);
  }
  auto with_cert = connect_tls(b.port("tls"), {ca_crt, client_crt, client_key});
  BOOST_TEST_REQUIRE(with_cert.stream != nullptr, with_cert.error);
  connected(std::move(with_cert.stream), "cert").disconnect();
}

BOOST_AUTO_TEST_CASE(unusable_certificate_exits_1) {
  std::string conf = dir.write("broken.conf",
                               "listener 0 127.0.0.1\n"
                               "certfile " + (dir.path() / "missing.crt").string() + "\nkeyfile " + server_key + "\n");
  auto r = run_program({broker_path(), "-c", conf}, 10s);
  BOOST_TEST(r.exit_status == 1);
  BOOST_TEST(r.err.find("certfile") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()
