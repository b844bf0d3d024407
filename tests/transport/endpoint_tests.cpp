// Endpoint URLs: every scheme and its defaults, hosts (names, IPv4, bracketed IPv6), and the
// errors, each a value whose message says what is wrong.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

#include "transport/endpoint.hpp"

namespace tr = harness::transport;
namespace data = boost::unit_test::data;

namespace {

struct good_url {
  const char* url;
  tr::scheme scheme;
  const char* host;
  std::uint16_t port;
  const char* path;
};

std::ostream& operator<<(std::ostream& os, const good_url& g) { return os << g.url; }

const good_url good_urls[] = {
    {"tcp://127.0.0.1:1883", tr::scheme::tcp, "127.0.0.1", 1883, ""},
    {"mqtt://broker.example:1884", tr::scheme::tcp, "broker.example", 1884, ""},
    {"tcp://h/", tr::scheme::tcp, "h", 1883, ""},
    {"TLS://Broker.Example:8884", tr::scheme::tls, "Broker.Example", 8884, ""},
    {"mqtts://h", tr::scheme::tls, "h", 8883, ""},
    {"tls://[::1]:8883", tr::scheme::tls, "::1", 8883, ""},
    {"tcp://[::1]", tr::scheme::tcp, "::1", 1883, ""},
    {"ws://127.0.0.1:8080", tr::scheme::ws, "127.0.0.1", 8080, "/mqtt"},
    {"ws://127.0.0.1:8080/", tr::scheme::ws, "127.0.0.1", 8080, "/"},
    {"ws://h", tr::scheme::ws, "h", 80, "/mqtt"},
    {"ws://h:1?a=b", tr::scheme::ws, "h", 1, "/?a=b"},
    {"ws://[::1]:9001/mqtt", tr::scheme::ws, "::1", 9001, "/mqtt"},
    {"wss://my_broker-1.example/mqtt/ws?x=1", tr::scheme::wss, "my_broker-1.example", 443, "/mqtt/ws?x=1"},
    {"WSS://h:65535/p", tr::scheme::wss, "h", 65535, "/p"},
};

struct bad_url {
  std::string url;
  const char* message_part;  // a part of the error message that says what is wrong
};

std::ostream& operator<<(std::ostream& os, const bad_url& b) { return os << b.url.substr(0, 60); }

const bad_url bad_urls[] = {
    {"", "no scheme"},
    {"127.0.0.1:1883", "no scheme"},
    {"http://h:80", "unknown scheme 'http'"},
    {"tcp://", "no host"},
    {"tcp://:1883", "no host"},
    {"tcp://h:", "port ''"},
    {"tcp://h:0", "port '0'"},
    {"tcp://h:65536", "port '65536'"},
    {"tcp://h:12a", "port '12a'"},
    {"tcp://h:-1", "port '-1'"},
    {"tcp://h:1883/path", "a path has no meaning for tcp://"},
    {"mqtts://h:8883/mqtt", "a path has no meaning for mqtts://"},
    {"tcp://user:pw@h:1883", "user information"},
    {"ws://h/mqtt#top", "fragment"},
    {"tcp://::1:1883", "needs brackets"},
    {"tcp://[::1:1883", "without ']'"},
    {"tcp://[::1]x", "after ']'"},
    {"tcp://[zz]:1", "'zz' is not an IPv6 address"},
    {"tcp://[]:1", "is not an IPv6 address"},
    {"tcp://h h:1", "'h h' is not a host name"},
    {"ws://h/a b", "spaces or control characters"},
    {"ws://h:1" + std::string(tr::url_size_max, '1'), "longer than"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(endpoint_url)

BOOST_DATA_TEST_CASE(parses, data::make(good_urls), g) {
  auto r = tr::parse_endpoint(g.url);
  BOOST_TEST_REQUIRE(r.ok(), (r.ok() ? "" : r.error().message));
  BOOST_TEST(tr::to_string(r->scheme) == tr::to_string(g.scheme));
  BOOST_TEST(r->host == g.host);
  BOOST_TEST(r->port == g.port);
  BOOST_TEST(r->path == g.path);
  // The canonical form parses back to the same endpoint.
  auto again = tr::parse_endpoint(r->url());
  BOOST_TEST_REQUIRE(again.ok(), r->url());
  BOOST_TEST((*again == *r), r->url());
}

BOOST_DATA_TEST_CASE(refuses, data::make(bad_urls), b) {
  auto r = tr::parse_endpoint(b.url);
  BOOST_TEST_REQUIRE(!r.ok(), "parsed as " << (r.ok() ? r->url() : ""));
  BOOST_TEST(r.error().message.find(b.message_part) != std::string::npos, r.error().message);
}

BOOST_AUTO_TEST_CASE(canonical_urls) {
  BOOST_TEST(tr::parse_endpoint("mqtt://h")->url() == "tcp://h:1883");
  BOOST_TEST(tr::parse_endpoint("mqtts://[::1]")->url() == "tls://[::1]:8883");
  BOOST_TEST(tr::parse_endpoint("wss://h")->url() == "wss://h:443/mqtt");
}

BOOST_AUTO_TEST_SUITE_END()
