// Client connections against the real mqtt-ref-broker with TCP, WebSocket, TLS and secure
// WebSocket listeners on 127.0.0.1 port 0: open, CONNECT/CONNACK framed by the codec's
// stream decoder, half-close, reset, refused and hanging connects, many connections on one
// loop, bounded reads, TLS verification, and destruction at awkward moments.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "test_pki.hpp"
#include "test_support.hpp"
#include "transport/connection.hpp"
#include "transport/event_loop.hpp"

using namespace net_test;
namespace tr = harness::transport;
namespace codec = mqtt::codec;
namespace data = boost::unit_test::data;

// Named, not anonymous: the data test cases' lambdas capture these types.
namespace transport_test {

constexpr std::uint64_t wait_ms = 5000;
const char* const all_schemes[] = {"tcp", "tls", "ws", "wss"};
const char* const handshaking_schemes[] = {"tls", "ws"};

// One PKI for the whole run: making it costs more than starting a broker.
const test_pki& shared_pki() {
  static test_pki pki;
  return pki;
}

std::vector<std::uint8_t> encoded(const codec::packet& p) {
  std::vector<std::uint8_t> out;
  auto r = std::visit([&](const auto& packet) { return codec::encode(packet, codec::protocol_version::v3_1_1, out); }, p);
  BOOST_TEST_REQUIRE(r.ok());
  return out;
}

std::vector<std::uint8_t> connect_bytes(const std::string& client_id) {
  codec::connect c;
  c.client_id = client_id;
  return encoded(c);
}

std::vector<std::uint8_t> subscribe_bytes(const std::string& filter) {
  codec::subscribe s;
  s.packet_id = 1;
  codec::subscription sub;
  sub.filter = filter;
  s.subscriptions.push_back(sub);
  return encoded(s);
}

std::vector<std::uint8_t> publish_bytes(const std::string& topic, const std::string& payload) {
  codec::publish p;
  p.topic = topic;
  p.payload = payload;
  return encoded(p);
}

// A loop whose run returns after every connection event, so tests can wait for conditions.
struct test_loop {
  tr::event_loop loop;
  std::uint64_t events = 0;

  void event() {
    ++events;
    loop.stop();
  }

  // Runs until done() or the timeout; false on timeout or when nothing is left to wait for.
  template <class Done>
  bool wait(Done done, std::uint64_t timeout_ms = wait_ms) {
    std::uint64_t deadline = loop.now_ms() + timeout_ms;
    while (!done()) {
      if (loop.now_ms() >= deadline) return false;
      std::uint64_t before = events;
      loop.run_until(deadline);
      if (events == before && !done() && loop.now_ms() < deadline) return false;
    }
    return true;
  }

  // Runs for `ms` whatever happens.
  void idle(std::uint64_t ms) {
    std::uint64_t deadline = loop.now_ms() + ms;
    while (loop.now_ms() < deadline) {
      std::uint64_t before = events;
      loop.run_until(deadline);
      if (events == before) break;
    }
  }
};

struct received_publish {
  std::string topic;
  std::string payload;
};

// One MQTT client connection whose events are recorded; the broker's bytes are framed into
// packets by the codec's stream decoder.
struct peer {
  test_loop& tl;
  codec::stream_decoder decoder{client_decode_options()};
  bool opened = false;
  std::optional<std::uint8_t> connack_code;
  bool suback = false;
  std::vector<received_publish> publishes;
  std::optional<codec::error> decode_error;
  std::optional<tr::close_info> closed;
  std::size_t data_calls = 0;
  std::size_t largest_read = 0;
  std::size_t drained = 0;
  std::unique_ptr<tr::connection> conn;

  peer(test_loop& l, const tr::endpoint& where, const tr::connection_options& o) : tl(l) {
    conn = std::make_unique<tr::connection>(tl.loop, where, o, handlers());
  }

  static codec::decode_options client_decode_options() {
    codec::decode_options o;
    o.receiver = codec::receiver_role::client;
    o.adopt_connect_version = false;
    return o;
  }

  tr::connection::handlers handlers() {
    tr::connection::handlers h;
    h.on_open = [this] {
      opened = true;
      tl.event();
    };
    h.on_data = [this](std::span<const std::uint8_t> bytes) {
      ++data_calls;
      largest_read = std::max(largest_read, bytes.size());
      if (auto e = decoder.feed(bytes, [this](const codec::packet& p) { record(p); })) decode_error = e;
      tl.event();
    };
    h.on_close = [this](const tr::close_info& info) {
      closed = info;
      tl.event();
    };
    h.on_drained = [this] {
      ++drained;
      tl.event();
    };
    return h;
  }

  void record(const codec::packet& p) {
    if (const auto* ack = std::get_if<codec::connack>(&p)) connack_code = ack->reason_code;
    if (std::holds_alternative<codec::suback>(p)) suback = true;
    if (const auto* pub = std::get_if<codec::publish>(&p)) {
      publishes.push_back({std::string(pub->topic), std::string(pub->payload)});
    }
  }

  // Opens, sends CONNECT and waits for the CONNACK.
  void connect(const std::string& client_id) {
    conn->open();
    BOOST_TEST_REQUIRE(tl.wait([&] { return opened || closed; }), "no open within " << wait_ms << " ms");
    BOOST_TEST_REQUIRE(opened, "closed: " << (closed ? closed->detail : ""));
    BOOST_TEST_REQUIRE(conn->write(connect_bytes(client_id)));
    BOOST_TEST_REQUIRE(tl.wait([&] { return connack_code || closed; }));
    BOOST_TEST_REQUIRE(connack_code.has_value(), "closed before CONNACK: " << (closed ? closed->detail : ""));
    BOOST_TEST(*connack_code == 0);
    BOOST_TEST(!decode_error.has_value());
  }

  void subscribe(const std::string& filter) {
    BOOST_TEST_REQUIRE(conn->write(subscribe_bytes(filter)));
    BOOST_TEST_REQUIRE(tl.wait([&] { return suback || closed; }));
    BOOST_TEST_REQUIRE(suback);
  }
};

// mqtt-ref-broker with one listener of each transport, all on 127.0.0.1 port 0.
struct broker_fixture {
  const test_pki& pki = shared_pki();
  temp_dir dir;
  broker_process broker{{"-c", config()}, 4};
  test_loop tl;

  std::string config() const {
    std::string tls = "certfile " + pki.server_crt + "\nkeyfile " + pki.server_key + "\n";
    return dir.write("transport.conf",
                     "listener 0 127.0.0.1\n"
                     "listener 0 127.0.0.1\nprotocol websockets\n"
                     "listener 0 127.0.0.1\n" + tls +
                     "listener 0 127.0.0.1\nprotocol websockets\n" + tls);
  }

  tr::endpoint where(std::string_view scheme, const std::string& host = "127.0.0.1") const {
    std::string url = std::string(scheme) + "://" + host + ":" + std::to_string(broker.port(scheme));
    auto r = tr::parse_endpoint(url);
    BOOST_TEST_REQUIRE(r.ok(), url);
    return *r;
  }

  tr::connection_options options() const {
    tr::connection_options o;
    o.tls.ca_file = pki.ca_crt;
    return o;
  }

  // Waits (2 s at most) until the broker's log holds `text` `count` times.
  bool broker_logged(const std::string& text, std::size_t count = 1) const {
    for (int i = 0; i < 40; ++i) {
      std::string log = broker.log_text();
      std::size_t seen = 0;
      for (std::size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++seen;
      if (seen >= count) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
};

// A port on 127.0.0.1 where nothing listens (bound, then closed again).
std::uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  BOOST_TEST_REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  BOOST_TEST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  BOOST_TEST_REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A listening socket on 127.0.0.1 that never accepts: connects complete (the kernel's
// backlog) and then nothing is ever said.
class silent_listener {
 public:
  silent_listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    BOOST_TEST_REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    BOOST_TEST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    BOOST_TEST_REQUIRE(::listen(fd_, 8) == 0);
    BOOST_TEST_REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~silent_listener() { ::close(fd_); }
  silent_listener(const silent_listener&) = delete;
  silent_listener& operator=(const silent_listener&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

tr::endpoint local(std::string_view scheme, std::uint16_t port) {
  return *tr::parse_endpoint(std::string(scheme) + "://127.0.0.1:" + std::to_string(port));
}

}  // namespace transport_test

using namespace transport_test;

BOOST_FIXTURE_TEST_SUITE(transport_connection, broker_fixture)

BOOST_DATA_TEST_CASE(connect_gets_connack, data::make(all_schemes), scheme) {
  peer p(tl, where(scheme), options());
  BOOST_TEST(!p.conn->is_open());
  p.connect(std::string("connack-") + scheme);
  BOOST_TEST(p.conn->is_open());
  BOOST_TEST(!p.closed.has_value());
  BOOST_TEST(p.conn->queued_bytes() == 0u);
  BOOST_TEST(p.drained == 1u);
  if (tr::uses_websocket(p.conn->where().scheme)) {
    BOOST_TEST(p.conn->upgrade().http_status == 101u);
    BOOST_TEST(p.conn->upgrade().subprotocol == "mqtt");  // MQTT-6.0.0-4
  }
}

BOOST_DATA_TEST_CASE(half_close_ends_with_the_brokers_close, data::make(all_schemes), scheme) {
  peer p(tl, where(scheme), options());
  p.connect(std::string("half-") + scheme);
  p.conn->half_close();
  BOOST_TEST(!p.conn->write(connect_bytes("late")));  // nothing after the half-close
  BOOST_TEST_REQUIRE(tl.wait([&] { return p.closed.has_value(); }));
  BOOST_TEST_CONTEXT("close: " << tr::to_string(p.closed->kind) << ", " << p.closed->detail) {
    std::string s = scheme;
    if (s == "tcp") {
      BOOST_TEST((p.closed->kind == tr::close_kind::fin));
    } else if (s == "tls") {
      // The broker reads our close_notify as the end and closes TCP without its own.
      BOOST_TEST((p.closed->kind == tr::close_kind::tls_truncated));
    } else {
      BOOST_TEST((p.closed->kind == tr::close_kind::ws_close_frame));
      BOOST_TEST(p.closed->ws_close_code == 1000);  // the broker answers our close frame
    }
  }
  BOOST_TEST(!p.conn->is_open());
  BOOST_TEST(broker_logged("disconnected: closed by the peer"));
}

BOOST_DATA_TEST_CASE(brokers_own_close_is_reported, data::make(all_schemes), scheme) {
  peer p(tl, where(scheme), options());
  p.connect(std::string("twice-") + scheme);
  // A second CONNECT is a protocol violation (MQTT-3.1.0-2): the broker closes gracefully.
  BOOST_TEST_REQUIRE(p.conn->write(connect_bytes("again")));
  BOOST_TEST_REQUIRE(tl.wait([&] { return p.closed.has_value(); }));
  BOOST_TEST_CONTEXT("close: " << tr::to_string(p.closed->kind) << ", " << p.closed->detail) {
    std::string s = scheme;
    if (s == "tcp") {
      BOOST_TEST((p.closed->kind == tr::close_kind::fin));
    } else if (s == "tls") {
      BOOST_TEST((p.closed->kind == tr::close_kind::tls_close_notify));
    } else {
      BOOST_TEST((p.closed->kind == tr::close_kind::ws_close_frame));
      BOOST_TEST(p.closed->ws_close_code == 1000);
    }
  }
  BOOST_TEST(broker_logged("MQTT-3.1.0-2"));
}

BOOST_DATA_TEST_CASE(reset_aborts_with_rst, data::make(all_schemes), scheme) {
  peer p(tl, where(scheme), options());
  p.connect(std::string("reset-") + scheme);
  p.conn->reset();
  BOOST_TEST(!p.conn->is_open());
  BOOST_TEST(!p.conn->write(connect_bytes("late")));
  tl.idle(200);
  BOOST_TEST(!p.closed.has_value());  // no event after reset()
  BOOST_TEST(broker_logged("Connection reset by peer"), broker.log_text());
}

BOOST_DATA_TEST_CASE(refused_connect_is_connect_failed, data::make(all_schemes), scheme) {
  peer p(tl, local(scheme, closed_port()), options());
  p.conn->open();
  BOOST_TEST_REQUIRE(tl.wait([&] { return p.closed.has_value(); }));
  BOOST_TEST(!p.opened);
  BOOST_TEST((p.closed->kind == tr::close_kind::connect_failed));
  BOOST_TEST(p.closed->detail.find("refused") != std::string::npos, p.closed->detail);
}

BOOST_DATA_TEST_CASE(two_connections_on_one_loop, data::make(all_schemes), scheme) {
  peer sub(tl, where(scheme), options());
  peer pub(tl, where(scheme), options());
  // Both open and connect at once, interleaved on the one loop.
  sub.conn->open();
  pub.conn->open();
  BOOST_TEST_REQUIRE(sub.conn->write(connect_bytes("two-sub")));  // queued until open
  BOOST_TEST_REQUIRE(pub.conn->write(connect_bytes("two-pub")));
  BOOST_TEST_REQUIRE(tl.wait([&] { return sub.connack_code && pub.connack_code; }));
  sub.subscribe("two/#");
  BOOST_TEST_REQUIRE(pub.conn->write(publish_bytes("two/1", "hello")));
  BOOST_TEST_REQUIRE(tl.wait([&] { return !sub.publishes.empty(); }));
  BOOST_TEST(sub.publishes[0].topic == "two/1");
  BOOST_TEST(sub.publishes[0].payload == "hello");
  BOOST_TEST(pub.publishes.empty());
}

BOOST_AUTO_TEST_CASE(every_transport_on_one_loop) {
  peer sub(tl, where("tcp"), options());
  sub.connect("all-sub");
  sub.subscribe("all/#");
  std::vector<std::unique_ptr<peer>> pubs;
  for (const char* scheme : all_schemes) {
    pubs.push_back(std::make_unique<peer>(tl, where(scheme), options()));
    pubs.back()->conn->open();
    BOOST_TEST_REQUIRE(pubs.back()->conn->write(connect_bytes(std::string("all-") + scheme)));
    BOOST_TEST_REQUIRE(pubs.back()->conn->write(publish_bytes(std::string("all/") + scheme, scheme)));
  }
  BOOST_TEST_REQUIRE(tl.wait([&] { return sub.publishes.size() == 4; }));
  std::set<std::string> payloads;
  for (const auto& m : sub.publishes) payloads.insert(m.payload);
  BOOST_TEST(payloads == (std::set<std::string>{"tcp", "tls", "ws", "wss"}));
}

BOOST_DATA_TEST_CASE(reads_are_bounded, data::make(all_schemes), scheme) {
  peer sub(tl, where(scheme), options());
  sub.connect(std::string("big-sub-") + scheme);
  sub.subscribe("big");
  peer pub(tl, where("tcp"), options());
  pub.connect(std::string("big-pub-") + scheme);
  std::string payload(100'000, 'x');
  for (std::size_t i = 0; i < payload.size(); i += 1000) payload[i] = static_cast<char>('a' + i / 1000 % 26);
  std::size_t calls_before = sub.data_calls;
  BOOST_TEST_REQUIRE(pub.conn->write(publish_bytes("big", payload)));
  BOOST_TEST_REQUIRE(tl.wait([&] { return !sub.publishes.empty(); }));
  BOOST_TEST(sub.publishes[0].payload == payload);
  BOOST_TEST(sub.largest_read <= tr::read_size_max);
  BOOST_TEST(sub.data_calls - calls_before >= payload.size() / tr::read_size_max);
}

BOOST_AUTO_TEST_CASE(websocket_upgrade_without_mqtt_is_refused) {
  auto o = options();
  o.ws_subprotocols = {"wamp"};
  peer p(tl, where("ws"), o);
  p.conn->open();
  BOOST_TEST_REQUIRE(tl.wait([&] { return p.closed.has_value(); }));
  BOOST_TEST(!p.opened);
  BOOST_TEST((p.closed->kind == tr::close_kind::connect_failed));
  BOOST_TEST(p.conn->upgrade().http_status == 400u);  // MQTT-6.0.0-3 enforced by the broker
  BOOST_TEST(p.closed->detail.find("HTTP 400") != std::string::npos, p.closed->detail);
}

BOOST_AUTO_TEST_CASE(text_message_makes_the_broker_close) {
  peer p(tl, where("ws"), options());
  p.connect("texter");
  BOOST_TEST_REQUIRE(p.conn->write_text("hello"));
  BOOST_TEST_REQUIRE(tl.wait([&] { return p.closed.has_value(); }));
  BOOST_TEST(broker_logged("MQTT-6.0.0-1"));

  peer t(tl, where("tcp"), options());
  t.connect("not-ws");
  BOOST_TEST(!t.conn->write_text("hello"));  // only WebSocket has text messages
}

BOOST_AUTO_TEST_CASE(tls_verification) {
  // The host name is checked against the certificate (DNS:localhost, IP:127.0.0.1).
  peer by_name(tl, where("tls", "localhost"), options());
  by_name.connect("by-name");

  auto wrong_name = options();
  wrong_name.tls.server_name = "other.example";
  peer mismatch(tl, where("tls"), wrong_name);
  mismatch.conn->open();
  BOOST_TEST_REQUIRE(tl.wait([&] { return mismatch.closed.has_value(); }));
  BOOST_TEST((mismatch.closed->kind == tr::close_kind::connect_failed));
  BOOST_TEST(mismatch.closed->detail.find("TLS handshake") != std::string::npos, mismatch.closed->detail);

  // Without our CA the system's store does not know the test CA.
  peer untrusted(tl, where("wss"), tr::connection_options{});
  untrusted.conn->open();
  BOOST_TEST_REQUIRE(tl.wait([&] { return untrusted.closed.has_value(); }));
  BOOST_TEST((untrusted.closed->kind == tr::close_kind::connect_failed));
  BOOST_TEST(untrusted.closed->detail.find("certificate verify failed") != std::string::npos, untrusted.closed->detail);

  // insecure skips verification altogether.
  tr::connection_options insecure;
  insecure.tls.insecure = true;
  insecure.tls.server_name = "other.example";
  peer anyway(tl, where("wss"), insecure);
  anyway.connect("insecure");

  auto missing = options();
  missing.tls.ca_file = (dir.path() / "missing-ca.crt").string();
  peer no_ca(tl, where("tls"), missing);
  no_ca.conn->open();
  BOOST_TEST_REQUIRE(tl.wait([&] { return no_ca.closed.has_value(); }));
  BOOST_TEST((no_ca.closed->kind == tr::close_kind::connect_failed));
  BOOST_TEST(no_ca.closed->detail.find("cannot use ca_file") != std::string::npos, no_ca.closed->detail);
}

BOOST_AUTO_TEST_CASE(client_certificate_is_sent) {
  // A broker that requires client certificates signed by the test CA.
  std::string conf = dir.write("mtls.conf",
                               "listener 0 127.0.0.1\n"
                               "certfile " + pki.server_crt + "\nkeyfile " + pki.server_key + "\n"
                               "cafile " + pki.ca_crt + "\nrequire_certificate true\n");
  broker_process mtls({"-c", conf});
  auto o = options();
  o.tls.cert_file = pki.client_crt;
  o.tls.key_file = pki.client_key;
  peer with_cert(tl, local("tls", mtls.port("tls")), o);
  with_cert.connect("with-cert");
  // Without one: the handshake fails, or (TLS 1.3) the broker drops the connection after it.
  peer without(tl, local("tls", mtls.port("tls")), options());
  without.conn->open();
  BOOST_TEST_REQUIRE(tl.wait([&] { return without.closed || without.opened; }));
  if (without.opened) {
    BOOST_TEST_REQUIRE(without.conn->write(connect_bytes("without-cert")));
    BOOST_TEST_REQUIRE(tl.wait([&] { return without.closed.has_value(); }));
  }
  BOOST_TEST(!without.connack_code.has_value());
}

BOOST_DATA_TEST_CASE(open_times_out_when_the_server_is_silent, data::make(handshaking_schemes), scheme) {
  silent_listener silent;
  auto o = options();
  o.open_timeout_ms = 300;
  peer p(tl, local(scheme, silent.port()), o);
  std::uint64_t start = tl.loop.now_ms();
  p.conn->open();
  BOOST_TEST_REQUIRE(tl.wait([&] { return p.closed.has_value(); }));
  BOOST_TEST((p.closed->kind == tr::close_kind::timeout));
  BOOST_TEST(tl.loop.now_ms() - start >= 300u);
  std::string step = std::string(scheme) == "tls" ? "TLS handshake" : "WebSocket upgrade";
  BOOST_TEST(p.closed->detail.find(step) != std::string::npos, p.closed->detail);
}

BOOST_AUTO_TEST_CASE(connection_destroyed_by_its_own_handler) {
  peer sub(tl, where("ws"), options());
  sub.connect("doomed");
  // Replace the peer's connection by one whose on_data destroys it.
  bool after = false;
  std::unique_ptr<tr::connection> victim;
  tr::connection::handlers h;
  h.on_open = [&] { tl.event(); };
  h.on_data = [&](std::span<const std::uint8_t>) {
    victim.reset();
    tl.event();
  };
  h.on_close = [&](const tr::close_info&) { after = true; };
  victim = std::make_unique<tr::connection>(tl.loop, where("wss"), options(), h);
  victim->open();
  BOOST_TEST_REQUIRE(victim->write(connect_bytes("victim")));
  BOOST_TEST_REQUIRE(tl.wait([&] { return victim == nullptr; }));
  tl.idle(200);
  BOOST_TEST(!after);
  BOOST_TEST(broker_logged("disconnected"));
  // The loop goes on serving the others.
  sub.subscribe("still/#");
}

BOOST_AUTO_TEST_CASE(loop_destroyed_under_open_connections) {
  std::size_t opens = 0, reads = 0, closes = 0;
  std::vector<std::unique_ptr<tr::connection>> conns;
  {
    auto loop = std::make_unique<tr::event_loop>();
    tr::connection::handlers h;
    h.on_open = [&] { ++opens; };
    h.on_data = [&](std::span<const std::uint8_t>) { ++reads; };
    h.on_close = [&](const tr::close_info&) { ++closes; };
    for (const char* scheme : all_schemes) {
      conns.push_back(std::make_unique<tr::connection>(*loop, where(scheme), options(), h));
      conns.back()->open();
      BOOST_TEST_REQUIRE(conns.back()->write(connect_bytes(std::string("orphan-") + scheme)));
    }
    // One more that never opens.
    conns.push_back(std::make_unique<tr::connection>(*loop, where("tcp"), options(), h));
    std::uint64_t deadline = loop->now_ms() + wait_ms;
    while ((opens < 4 || reads < 4) && loop->now_ms() < deadline) loop->run_until(loop->now_ms() + 10);
    BOOST_TEST(opens == 4u);
    BOOST_TEST(reads == 4u);  // each CONNACK
    // Pending work the loop drops: a timer, a write, a half-close.
    loop->call_after(0, [&] { ++closes; });
    BOOST_TEST_REQUIRE(conns[0]->write(connect_bytes("never")));
    conns[1]->half_close();
  }
  // The loop is gone: its connections were closed without a handler, and calls do nothing.
  BOOST_TEST(closes == 0u);
  for (auto& c : conns) {
    BOOST_TEST(!c->is_open());
    BOOST_TEST(!c->write(connect_bytes("late")));
    c->half_close();
    c->reset();
    c->open();
  }
  conns.clear();
  BOOST_TEST(opens == 4u);
  BOOST_TEST(closes == 0u);
  BOOST_TEST(broker_logged("disconnected", 4));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(transport_loop)

BOOST_AUTO_TEST_CASE(timers_fire_in_order_and_cancel) {
  tr::event_loop loop;
  std::vector<int> fired;
  std::uint64_t start = loop.now_ms();
  loop.call_after(30, [&] { fired.push_back(30); });
  loop.call_after(10, [&] { fired.push_back(10); });
  auto cancelled = loop.call_after(20, [&] { fired.push_back(20); });
  loop.call_after(15, [&] { fired.push_back(15); });
  BOOST_TEST(loop.cancel(cancelled));
  BOOST_TEST(!loop.cancel(cancelled));
  loop.run_until(start + 5000);
  // Nothing is left after the last timer: run_until returns long before its deadline.
  BOOST_TEST(loop.now_ms() - start >= 30u);
  BOOST_TEST(loop.now_ms() - start < 2000u);
  BOOST_TEST(fired == (std::vector<int>{10, 15, 30}));
}

BOOST_AUTO_TEST_CASE(run_until_keeps_its_deadline_and_stop_ends_it) {
  tr::event_loop loop;
  std::uint64_t ticks = 0;
  std::function<void()> tick = [&] {
    ++ticks;
    loop.call_after(5, tick);
  };
  loop.call_after(5, tick);
  std::uint64_t start = loop.now_ms();
  loop.run_until(start + 100);
  BOOST_TEST(loop.now_ms() - start >= 100u);
  BOOST_TEST(loop.now_ms() - start < 1000u);
  BOOST_TEST(ticks >= 5u);
  loop.call_after(0, [&] { loop.stop(); });
  start = loop.now_ms();
  loop.run_until(start + 5000);
  BOOST_TEST(loop.now_ms() - start < 1000u);
}

BOOST_AUTO_TEST_SUITE_END()
