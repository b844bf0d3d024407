// The proxy's fault specs, and its faults on real connections: a blocking POSIX client talks
// to a spawned mqtt-ref-broker through the proxy and times what comes back.
#define BOOST_TEST_MODULE proxy
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "proxy/proxy.hpp"
#include "test_pki.hpp"
#include "test_support.hpp"

namespace px = harness::proxy;
using namespace std::chrono_literals;

namespace {

// A 3.1.1 CONNECT of client "pc1" (keep alive 60 s), its CONNACK, a PINGREQ and its PINGRESP.
const std::vector<std::uint8_t> connect_pc1 = {0x10, 0x0F, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02,
                                               0x00, 0x3C, 0x00, 0x03, 'p', 'c', '1'};
const std::vector<std::uint8_t> connack_ok = {0x20, 0x02, 0x00, 0x00};
const std::vector<std::uint8_t> pingreq = {0xC0, 0x00};

px::fault parsed(const std::string& spec) {
  auto f = px::parse_fault(spec);
  BOOST_TEST_REQUIRE(std::holds_alternative<px::fault>(f), spec << ": " << (std::holds_alternative<std::string>(f) ? std::get<std::string>(f) : ""));
  return std::get<px::fault>(f);
}

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

struct client {
  int fd = -1;
  explicit client(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_TEST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~client() { ::close(fd); }
  // Sends `connect` and expects CONNACK 0 within 3 s.
  void connect_ok(const std::vector<std::uint8_t>& connect = connect_pc1) {
    send(connect);
    BOOST_TEST(read(4, 3s) == connack_ok);
  }
  // Milliseconds from a PINGREQ to its PINGRESP (expected within 3 s).
  double ping_ms() {
    const auto t = std::chrono::steady_clock::now();
    send(pingreq);
    BOOST_TEST(read(2, 3s).size() == 2u);
    return ms_since(t);
  }
  void send(const std::vector<std::uint8_t>& b) { BOOST_TEST_REQUIRE(::send(fd, b.data(), b.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(b.size())); }
  // Reads until `n` bytes came, the peer closed (`closed` set, with errno's kind) or `wait` passed.
  std::vector<std::uint8_t> read(std::size_t n, std::chrono::milliseconds wait, std::string* closed = nullptr) {
    std::vector<std::uint8_t> out;
    const auto until = std::chrono::steady_clock::now() + wait;
    while (out.size() < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
      if (left <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      std::uint8_t buf[256];
      const ssize_t got = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
      if (got <= 0) {
        if (closed) *closed = got == 0 ? "fin" : errno == ECONNRESET ? "reset" : "error";
        break;
      }
      out.insert(out.end(), buf, buf + got);
    }
    return out;
  }
};

struct proxied_broker {
  net_test::broker_process broker{{"-p", "0"}};
  px::proxy proxy{[this] {
    px::proxy_options o;
    o.upstream.port = broker.port("tcp");
    return o;
  }()};
  proxied_broker() { BOOST_TEST_REQUIRE(!proxy.start().has_value()); }
  px::connection_record record(std::uint64_t n) {
    for (int k = 0; k < 100; ++k) {
      for (const auto& r : proxy.records()) {
        if (r.number == n && r.end != "open") return r;
      }
      std::this_thread::sleep_for(10ms);
    }
    for (const auto& r : proxy.records()) {
      if (r.number == n) return r;
    }
    return {};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(fault_specs_parse_and_describe_back) {
  for (const char* spec : {"latency:ms=100,jitter=20,dir=down", "bandwidth:kib=64", "slice:bytes=1,delay=2", "stall:ms=1400",
                           "reset:after=100,dir=up", "black-hole", "half-open:end=broker", "partition:ms=5000",
                           "refuse:ms=3000", "hang-connects", "latency:ms=5,conn=3"}) {
    const px::fault f = parsed(spec);
    BOOST_TEST(px::describe(f) == spec);
    BOOST_TEST((parsed(px::describe(f)) == f));
  }
  BOOST_TEST(parsed("loss:retransmits=3").ms == 1400u);
  BOOST_TEST((parsed("loss:retransmits=7").type == px::fault_type::reset));
  for (const char* bad : {"teleport", "latency", "latency:ms=x", "latency:ms=5,dir=sideways", "slice:bytes=0",
                          "reset", "bandwidth:kib=0", "latency:ms=99999999", "stall:ms", "half-open:end=both"}) {
    BOOST_TEST(std::holds_alternative<std::string>(px::parse_fault(bad)), bad);
  }
}

BOOST_AUTO_TEST_CASE(without_faults_bytes_pass_and_the_record_names_the_client) {
  proxied_broker b;
  {
    client c(b.proxy.port());
    c.connect_ok();
    c.send({0xE0, 0x00});  // DISCONNECT
    std::string closed;
    c.read(1, 3s, &closed);
    BOOST_TEST(closed == "fin");
  }
  const px::connection_record r = b.record(1);
  BOOST_TEST(r.connect_reached_broker);
  BOOST_TEST(r.client_id == "pc1");
  BOOST_TEST(r.disconnect_reached_broker);
  BOOST_TEST(r.bytes_up == connect_pc1.size() + 2);
  BOOST_TEST(r.bytes_down == 4u);
  BOOST_TEST(r.end == "broker closed");
  // The broker's side: the CONNECT first, then the broker closed after the DISCONNECT.
  BOOST_TEST(r.connect_reached_us > 0u);
  BOOST_TEST(r.broker_ended_us >= r.connect_reached_us);
  BOOST_TEST(r.broker_end == "broker closed");
}

BOOST_AUTO_TEST_CASE(latency_delays_each_direction) {
  proxied_broker b;
  b.proxy.add_fault(parsed("latency:ms=150"));
  client c(b.proxy.port());
  const auto t = std::chrono::steady_clock::now();
  c.connect_ok();
  BOOST_TEST(ms_since(t) >= 300.0);  // 150 up, 150 down
  b.proxy.clear_faults();
  BOOST_TEST(c.ping_ms() < 300.0);
}

BOOST_AUTO_TEST_CASE(reset_after_bytes_resets_both_ends) {
  proxied_broker b;
  b.proxy.add_fault(parsed("reset:after=5,dir=up"));
  client c(b.proxy.port());
  c.send(connect_pc1);
  std::string closed;
  BOOST_TEST(c.read(4, 3s, &closed).empty());
  BOOST_TEST(closed == "reset");
  const px::connection_record r = b.record(1);
  BOOST_TEST(r.end == "reset by fault");
  BOOST_TEST(r.bytes_up == 5u);
  BOOST_TEST(!r.connect_reached_broker);  // the record says the broker never saw the whole CONNECT
}

BOOST_AUTO_TEST_CASE(refuse_and_black_hole) {
  proxied_broker b;
  const std::uint64_t refuse = b.proxy.add_fault(parsed("refuse"));
  {
    client c(b.proxy.port());
    std::string closed;
    c.read(1, 2s, &closed);
    BOOST_TEST(closed == "reset");
  }
  BOOST_TEST(b.record(1).end == "refused by fault");
  b.proxy.remove_fault(refuse);
  b.proxy.add_fault(parsed("black-hole:dir=down"));
  client c(b.proxy.port());
  c.send(connect_pc1);
  std::string closed;
  BOOST_TEST(c.read(4, 500ms, &closed).empty());
  BOOST_TEST(closed.empty());  // still open: nobody is told
}

BOOST_AUTO_TEST_CASE(a_black_hole_swallows_the_fin) {
  proxied_broker b;
  client c(b.proxy.port());
  c.connect_ok();
  b.proxy.add_fault(parsed("black-hole"));
  ::shutdown(c.fd, SHUT_WR);
  std::this_thread::sleep_for(300ms);
  BOOST_TEST(b.proxy.records().front().broker_ended_us == 0u);  // the broker was not told
}

BOOST_AUTO_TEST_CASE(partition_holds_bytes_until_it_heals) {
  proxied_broker b;
  client c(b.proxy.port());
  c.connect_ok();
  b.proxy.add_fault(parsed("partition:ms=400"));
  BOOST_TEST(c.ping_ms() >= 300.0);
}

BOOST_AUTO_TEST_CASE(half_open_tells_only_the_client) {
  proxied_broker b;
  client c(b.proxy.port());
  c.connect_ok();
  b.proxy.add_fault(parsed("half-open:end=client"));
  std::string closed;
  c.read(1, 2s, &closed);
  BOOST_TEST(closed == "reset");
  BOOST_TEST(b.proxy.records().front().end == "half-open (client told)");
  // The broker was told nothing: its side is still open.
  BOOST_TEST(b.proxy.records().front().broker_ended_us == 0u);
}

BOOST_AUTO_TEST_CASE(half_open_telling_the_broker_ends_its_side_at_once) {
  const auto origin = std::chrono::steady_clock::now();
  net_test::broker_process broker{{"-p", "0"}};
  px::proxy_options o;
  o.upstream.port = broker.port("tcp");
  o.origin = origin;
  px::proxy proxy(o);
  BOOST_TEST_REQUIRE(!proxy.start().has_value());
  client c(proxy.port());
  c.connect_ok();
  const auto before = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - origin).count();
  proxy.add_fault(parsed("half-open:end=broker"));
  std::this_thread::sleep_for(200ms);
  const px::connection_record r = proxy.records().front();
  BOOST_TEST(r.end == "half-open (broker told)");
  BOOST_TEST(r.broker_end == "proxy reset");
  // In the caller's clock: after the fault was added, within the 200 ms slept.
  BOOST_TEST(r.broker_ended_us >= static_cast<std::uint64_t>(before));
  BOOST_TEST(r.broker_ended_us < static_cast<std::uint64_t>(before) + 200'000u);
  BOOST_TEST(r.connect_reached_us < static_cast<std::uint64_t>(before));
}

BOOST_AUTO_TEST_CASE(slices_arrive_whole) {
  proxied_broker b;
  b.proxy.add_fault(parsed("slice:bytes=1,delay=5"));
  client c(b.proxy.port());
  const auto t = std::chrono::steady_clock::now();
  c.connect_ok();
  BOOST_TEST(ms_since(t) >= 5.0 * static_cast<double>(connect_pc1.size() - 1));
}

BOOST_AUTO_TEST_CASE(bandwidth_paces_what_goes_up) {
  proxied_broker b;
  b.proxy.add_fault(parsed("bandwidth:kib=4,dir=up"));
  client c(b.proxy.port());
  // CONNECT, a QoS 0 PUBLISH of 4,000 bytes to "t", PINGREQ: about 4 KiB at 4 KiB a second.
  std::vector<std::uint8_t> bytes = connect_pc1;
  const std::size_t body = 2 + 1 + 4000;
  bytes.insert(bytes.end(), {0x30, static_cast<std::uint8_t>(0x80 | (body & 0x7F)), static_cast<std::uint8_t>(body >> 7), 0x00, 0x01, 't'});
  bytes.insert(bytes.end(), 4000, 'x');
  bytes.insert(bytes.end(), pingreq.begin(), pingreq.end());
  const auto t = std::chrono::steady_clock::now();
  c.send(bytes);
  const std::vector<std::uint8_t> got = c.read(6, 5s);
  BOOST_TEST(got.size() == 6u);  // CONNACK and PINGRESP
  BOOST_TEST(ms_since(t) >= 800.0);
  // Unpaced, the same round trip is quick.
  b.proxy.clear_faults();
  BOOST_TEST(c.ping_ms() < 500.0);
}

BOOST_AUTO_TEST_CASE(hang_connects_holds_new_connections_only) {
  proxied_broker b;
  client before(b.proxy.port());
  before.connect_ok();
  b.proxy.add_fault(parsed("hang-connects:ms=400"));
  // A new connection's CONNECT reaches the broker only once the window is over.
  client held(b.proxy.port());
  const auto t = std::chrono::steady_clock::now();
  std::vector<std::uint8_t> connect_pc2 = connect_pc1;
  connect_pc2.back() = '2';
  held.connect_ok(connect_pc2);
  BOOST_TEST(ms_since(t) >= 300.0);
  // The connection made before it was never held.
  BOOST_TEST(before.ping_ms() < 300.0);
}

BOOST_AUTO_TEST_CASE(a_stall_stops_a_connection_once) {
  proxied_broker b;
  client c(b.proxy.port());
  c.connect_ok();
  b.proxy.add_fault(parsed("stall:ms=400,dir=up"));
  BOOST_TEST(c.ping_ms() >= 350.0);
  // Once per connection: the next PINGREQ, fault still in force, goes through at once.
  BOOST_TEST(c.ping_ms() < 300.0);
}

// ---- upstreams in TLS and WebSocket: the clients speak plain MQTT to the proxy ----

namespace {

struct secure_broker : net_test::test_pki {
  net_test::broker_process broker{{"-c", dir.write("upstreams.conf",
                                                  "listener 0 127.0.0.1\nprotocol websockets\n"
                                                  "listener 0 127.0.0.1\ncertfile " + server_crt + "\nkeyfile " + server_key + "\n"
                                                  "listener 0 127.0.0.1\nprotocol websockets\ncertfile " + server_crt +
                                                      "\nkeyfile " + server_key + "\n")},
                                  3};
  std::unique_ptr<px::proxy> proxy;

  void proxy_to(harness::transport::scheme s, const std::string& ca_file) {
    px::proxy_options o;
    o.upstream = {.scheme = s, .host = "127.0.0.1", .port = broker.port(to_string(s)),
                  .path = harness::transport::uses_websocket(s) ? "/mqtt" : ""};
    o.upstream_options.tls.ca_file = ca_file;
    proxy = std::make_unique<px::proxy>(o);
    BOOST_TEST_REQUIRE(!proxy->start().has_value());
  }
  px::connection_record ended(std::uint64_t n) {
    for (int k = 0; k < 200; ++k) {
      for (const auto& r : proxy->records()) {
        if (r.number == n && r.end != "open") return r;
      }
      std::this_thread::sleep_for(10ms);
    }
    return {};
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(upstreams, secure_broker)

BOOST_AUTO_TEST_CASE(tls_ws_and_wss_upstreams_carry_mqtt_and_the_records_read_it) {
  namespace tr = harness::transport;
  for (const tr::scheme s : {tr::scheme::tls, tr::scheme::ws, tr::scheme::wss}) {
    BOOST_TEST_CONTEXT(to_string(s)) {
      proxy_to(s, ca_crt);
      {
        client c(proxy->port());
        c.connect_ok();
        BOOST_TEST(c.ping_ms() < 1000.0);
        c.send({0xE0, 0x00});  // DISCONNECT
        std::string closed;
        c.read(1, 3s, &closed);
        BOOST_TEST(closed == "fin");
      }
      const px::connection_record r = ended(1);
      BOOST_TEST(r.upstream_connected);
      BOOST_TEST(r.connect_reached_broker);
      BOOST_TEST(r.client_id == "pc1");
      BOOST_TEST(r.packets_to_broker == 3u);
      BOOST_TEST(r.disconnect_reached_broker);
      // The broker ended it after the DISCONNECT (TLS close or WebSocket close frame, then FIN).
      BOOST_TEST(r.broker_end == "broker closed");
      BOOST_TEST(r.end == "broker closed");
      proxy->stop();
    }
  }
}

BOOST_AUTO_TEST_CASE(a_websocket_upstream_gets_one_byte_a_message_and_still_reads_the_packets) {
  // Slicing to 1 byte: every byte of the CONNECT its own WebSocket message; the broker must
  // not take messages for packets (MQTT-6.0.0-2).
  proxy_to(harness::transport::scheme::wss, ca_crt);
  proxy->add_fault(parsed("slice:bytes=1,dir=up"));
  client c(proxy->port());
  c.connect_ok();
  BOOST_TEST(c.ping_ms() < 1000.0);
}

BOOST_AUTO_TEST_CASE(half_open_on_a_tls_upstream_tells_only_the_broker) {
  proxy_to(harness::transport::scheme::tls, ca_crt);
  client c(proxy->port());
  c.connect_ok();
  proxy->add_fault(parsed("half-open:end=broker"));
  std::string closed;
  BOOST_TEST(c.read(1, 500ms, &closed).empty());
  BOOST_TEST(closed.empty());  // the client was told nothing
  const auto records = proxy->records();
  BOOST_TEST_REQUIRE(records.size() == 1u);
  BOOST_TEST(records.front().end == "half-open (broker told)");
  BOOST_TEST(records.front().broker_end == "proxy reset");
}

BOOST_AUTO_TEST_CASE(an_upstream_certificate_that_does_not_verify_refuses_the_connection) {
  // No CA given: the system's store, which does not know the throwaway CA.
  proxy_to(harness::transport::scheme::wss, "");
  client c(proxy->port());
  c.send(connect_pc1);
  std::string closed;
  BOOST_TEST(c.read(4, 3s, &closed).empty());
  BOOST_TEST(closed == "reset");
  const px::connection_record r = ended(1);
  BOOST_TEST(!r.upstream_connected);
  BOOST_TEST(r.end.find("upstream refused: TLS handshake: certificate verify failed") == 0u, r.end);
}

BOOST_AUTO_TEST_CASE(an_unusable_ca_file_fails_the_start) {
  px::proxy_options o;
  o.upstream = {.scheme = harness::transport::scheme::tls, .host = "127.0.0.1", .port = broker.port("tls"), .path = ""};
  o.upstream_options.tls.ca_file = dir.path().string() + "/no-such-ca.pem";
  px::proxy p(o);
  const auto e = p.start();
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->find("cannot use ca_file") != std::string::npos, *e);
}

BOOST_AUTO_TEST_SUITE_END()
