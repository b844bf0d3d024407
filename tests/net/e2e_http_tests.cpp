// End-to-end runs of the HTTP publish endpoint: POST /publish reaching MQTT subscribers,
// and the answers to bad requests.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>

#include "mqtt_test_client.hpp"
#include "test_io.hpp"
#include "test_support.hpp"

using namespace net_test;
namespace codec = mqtt::codec;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

struct http_answer {
  unsigned status = 0;
  std::string body;
  std::string allow;
};

http_answer request(std::uint16_t port, http::verb method, const std::string& target, const std::string& body) {
  asio::io_context io{1};
  beast::tcp_stream stream(io);
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  auto cancel = [&] { stream.close(); };
  op_result r = run_op(io, 5s, [&](auto h) { stream.async_connect(ep, h); }, cancel);
  if (r.ec) throw std::runtime_error("connect: " + r.ec.message());
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.body() = body;
  req.prepare_payload();
  r = run_op(io, 10s, [&](auto h) { http::async_write(stream, req, h); }, cancel);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  r = run_op(io, 10s, [&](auto h) { http::async_read(stream, buffer, res, h); }, cancel);
  if (r.ec) throw std::runtime_error("read: " + r.ec.message());
  return {res.result_int(), res.body(), std::string(res[http::field::allow])};
}

struct http_broker {
  temp_dir dir;
  broker_process broker{{"-c", dir.write("http.conf",
                                         "listener 0 127.0.0.1\n"
                                         "http_listener 0 127.0.0.1\n"
                                         "max_packet_size 1024\n")},
                        2};

  mqtt_test_client subscriber(const std::string& filter) {
    mqtt_test_client c(connect_tcp(broker.port("tcp")));
    connect_options o;
    o.client_id = "sub-" + filter;
    BOOST_TEST_REQUIRE(c.connect(o).code == 0);
    c.subscribe(filter, codec::qos::exactly_once);
    return c;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(e2e_http, http_broker)

BOOST_AUTO_TEST_CASE(post_publish_reaches_a_subscriber) {
  auto sub = subscriber("http/#");
  auto a = request(broker.port("http"), http::verb::post, "/publish?topic=http/a%20b&qos=1", "from http");
  BOOST_TEST(a.status == 200u, a.body);
  auto m = sub.next_publish();
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->topic == "http/a b");
  BOOST_TEST(m->payload == "from http");
  BOOST_TEST(static_cast<int>(m->qos) == 1);
  BOOST_TEST(!m->retain);
  a = request(broker.port("http"), http::verb::post, "/publish?topic=http/q2&qos=2", "");
  BOOST_TEST(a.status == 200u);
  m = sub.next_publish();
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(static_cast<int>(m->qos) == 2);
  BOOST_TEST(m->payload.empty());
}

BOOST_AUTO_TEST_CASE(retained_publish_reaches_later_subscribers) {
  auto a = request(broker.port("http"), http::verb::post, "/publish?topic=state/door&retain=1", "open");
  BOOST_TEST(a.status == 200u, a.body);
  auto sub = subscriber("state/#");
  auto m = sub.next_publish();
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->payload == "open");
  BOOST_TEST(m->retain);
}

BOOST_AUTO_TEST_CASE(bad_requests) {
  std::uint16_t port = broker.port("http");
  BOOST_TEST(request(port, http::verb::post, "/publish", "x").status == 400u);
  BOOST_TEST(request(port, http::verb::post, "/publish?topic=", "x").status == 400u);
  BOOST_TEST(request(port, http::verb::post, "/publish?topic=a/%23", "x").status == 400u);
  BOOST_TEST(request(port, http::verb::post, "/publish?topic=a/+", "x").status == 400u);
  BOOST_TEST(request(port, http::verb::post, "/publish?topic=a&qos=3", "x").status == 400u);
  BOOST_TEST(request(port, http::verb::post, "/publish?topic=a&retain=yes", "x").status == 400u);
  BOOST_TEST(request(port, http::verb::post, "/publish?topic=a&colour=red", "x").status == 400u);
  BOOST_TEST(request(port, http::verb::post, "/publish?topic=a%zz", "x").status == 400u);
  BOOST_TEST(request(port, http::verb::post, "/publish?topic=a%00b", "x").status == 400u);
  auto a = request(port, http::verb::get, "/publish?topic=a", "");
  BOOST_TEST(a.status == 405u);
  BOOST_TEST(a.allow == "POST");
  BOOST_TEST(request(port, http::verb::post, "/other", "x").status == 404u);
  BOOST_TEST(request(port, http::verb::get, "/", "").status == 404u);
  // The body is bounded by max_packet_size (1024 here).
  BOOST_TEST(request(port, http::verb::post, "/publish?topic=big", std::string(2000, 'b')).status == 413u);
  BOOST_TEST(request(port, http::verb::post, "/publish?topic=small", std::string(1000, 's')).status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
