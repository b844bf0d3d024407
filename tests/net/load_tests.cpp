// Ten thousand concurrent idle MQTT connections on loopback: each sends CONNECT and gets
// CONNACK, and they all stay open. Labelled `load`; CTest runs it as its own entry.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <array>

#include "mqtt/codec/encoder.hpp"
#include "test_support.hpp"

using namespace net_test;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace codec = mqtt::codec;

namespace {

constexpr std::size_t connections_wanted = 10'000;
constexpr std::size_t connects_in_flight_max = 200;
constexpr std::size_t descriptors_spare = 64;  // for the test's own files and pipes
constexpr auto load_time_max = 60s;

struct idle_client {
  explicit idle_client(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  std::vector<std::uint8_t> connect_bytes;
  std::array<std::uint8_t, 4> connack{};
  bool connected = false;
};

class load_run {
 public:
  load_run(std::uint16_t port, std::size_t total) : endpoint_(asio::ip::make_address("127.0.0.1"), port), total_(total) {
    clients_.reserve(total);
  }

  void start() {
    for (std::size_t i = 0; i < connects_in_flight_max && i < total_; ++i) launch();
  }

  asio::io_context io{1};
  std::size_t succeeded = 0;
  std::size_t failed = 0;
  std::string first_error;
  std::vector<std::unique_ptr<idle_client>> clients_;

 private:
  void launch() {
    if (clients_.size() >= total_) return;
    auto& c = *clients_.emplace_back(std::make_unique<idle_client>(io));
    codec::connect p;
    std::string id = "load-" + std::to_string(clients_.size());
    p.client_id = id;
    p.keep_alive_s = 0;
    codec::encode(p, codec::protocol_version::v3_1_1, c.connect_bytes);
    c.socket.async_connect(endpoint_, [this, &c](const boost::system::error_code& ec) {
      if (ec) return fail(c, "connect: " + ec.message());
      asio::async_write(c.socket, asio::buffer(c.connect_bytes), [this, &c](const boost::system::error_code& e, std::size_t) {
        if (e) return fail(c, "write: " + e.message());
        asio::async_read(c.socket, asio::buffer(c.connack), [this, &c](const boost::system::error_code& r, std::size_t) {
          if (r) return fail(c, "read: " + r.message());
          if (c.connack != std::array<std::uint8_t, 4>{0x20, 0x02, 0x00, 0x00}) return fail(c, "not a successful CONNACK");
          c.connected = true;
          ++succeeded;
          launch();
        });
      });
    });
  }

  void fail(idle_client& c, const std::string& why) {
    if (first_error.empty()) first_error = why;
    ++failed;
    boost::system::error_code ignored;
    c.socket.close(ignored);
    launch();
  }

  tcp::endpoint endpoint_;
  std::size_t total_;
};

// PINGREQ / PINGRESP on one connection, proving it is still served.
bool still_alive(asio::io_context& io, tcp::socket& s) {
  const std::array<std::uint8_t, 2> ping{0xC0, 0x00};
  std::array<std::uint8_t, 2> pong{};
  bool done = false;
  boost::system::error_code result;
  asio::async_write(s, asio::buffer(ping), [&](const boost::system::error_code& ec, std::size_t) {
    if (ec) {
      result = ec;
      done = true;
      return;
    }
    asio::async_read(s, asio::buffer(pong), [&](const boost::system::error_code& e, std::size_t) {
      result = e;
      done = true;
    });
  });
  io.restart();
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_until(deadline);
  if (!done) {
    boost::system::error_code ig;
    s.close(ig);
    io.restart();
    io.run_for(1s);
    return false;
  }
  return !result && pong == std::array<std::uint8_t, 2>{0xD0, 0x00};
}

// The resident set size of a process, from /proc, for the report ("" if unknown).
std::string resident_size(pid_t pid) {
  std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  std::size_t at = status.find("VmRSS:");
  if (at == std::string::npos) return {};
  std::size_t end = status.find('\n', at);
  std::string line = status.substr(at + 6, end - at - 6);
  line.erase(0, line.find_first_not_of(" \t"));
  return line;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(load, *boost::unit_test::label("load"))

BOOST_AUTO_TEST_CASE(ten_thousand_idle_connections) {
  std::uint64_t limit = raise_descriptor_limit();
  std::size_t target = connections_wanted;
  if (limit < connections_wanted + descriptors_spare) {
    target = limit > descriptors_spare ? static_cast<std::size_t>(limit - descriptors_spare) : 0;
    BOOST_TEST_MESSAGE("RLIMIT_NOFILE hard limit " << limit << " allows only " << target << " connections");
  }
  broker_process b({"-p", "0"});
  load_run run(b.port("tcp"), target);
  auto start = std::chrono::steady_clock::now();
  run.start();
  run.io.run_for(load_time_max);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  BOOST_TEST_MESSAGE("connections with CONNACK: " << run.succeeded << " of " << target << " in " << elapsed.count()
                                                   << " ms; failures " << run.failed
                                                   << (run.first_error.empty() ? "" : " (first: " + run.first_error + ")"));
  std::cout << "net-connections: reached " << run.succeeded << " concurrent connections; broker RSS "
            << resident_size(b.pid()) << std::endl;
  // A machine whose descriptor hard limit is below 10,000 gets a warning and the number it
  // allows; everything it allows must work.
  BOOST_WARN(target == connections_wanted);
  BOOST_TEST(run.succeeded == target);
  BOOST_TEST(run.failed == 0u);
  // All idle connections are still served: ping the first, the last and some in between.
  std::size_t pinged = 0;
  std::size_t alive = 0;
  for (std::size_t i = 0; i < run.clients_.size(); i += std::max<std::size_t>(1, run.clients_.size() / 50)) {
    auto& c = *run.clients_[i];
    if (!c.connected) continue;
    ++pinged;
    if (still_alive(run.io, c.socket)) ++alive;
  }
  if (!run.clients_.empty() && run.clients_.back()->connected) {
    ++pinged;
    if (still_alive(run.io, run.clients_.back()->socket)) ++alive;
  }
  BOOST_TEST(alive == pinged);
  BOOST_TEST(b.running());
}

BOOST_AUTO_TEST_SUITE_END()
