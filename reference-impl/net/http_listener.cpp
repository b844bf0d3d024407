// The HTTP publish endpoint: `POST /publish?topic=T&qos=Q&retain=0|1` publishes the request
// body as the broker itself, with the same rules as a PUBLISH from a client.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>

#include "mqtt/codec/validate.hpp"
#include "transport.hpp"

namespace mqtt::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::chrono::seconds http_idle_timeout{30};
constexpr std::size_t topic_length_max = 65'535;
constexpr std::size_t query_parameters_max = 16;

struct publish_request {
  std::string topic;
  codec::qos qos = codec::qos::at_most_once;
  bool retain = false;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding of one query component. `+` stays `+` (it is no space here), so a topic
// with `+` is refused as a wildcard.
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]);
    int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// Parses the query string; the error is the text of a 400 answer.
std::variant<publish_request, std::string> parse_publish_query(std::string_view query) {
  publish_request p;
  bool have_topic = false;
  std::size_t count = 0;
  while (!query.empty()) {
    if (++count > query_parameters_max) return std::string("too many query parameters");
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!value) return "bad percent-encoding in '" + std::string(name) + "'";
    if (name == "topic") {
      p.topic = std::move(*value);
      have_topic = true;
    } else if (name == "qos") {
      if (*value != "0" && *value != "1" && *value != "2") return std::string("qos must be 0, 1 or 2");
      p.qos = static_cast<codec::qos>((*value)[0] - '0');
    } else if (name == "retain") {
      if (*value != "0" && *value != "1") return std::string("retain must be 0 or 1");
      p.retain = *value == "1";
    } else {
      return "unknown query parameter '" + std::string(name) + "'";
    }
  }
  if (!have_topic || p.topic.empty()) return std::string("a non-empty topic is required");
  if (p.topic.size() > topic_length_max) return std::string("topic longer than 65535 bytes");
  if (auto v = codec::check_topic_name(p.topic)) {
    return "invalid topic name: " + std::string(codec::info(v->id).message);
  }
  return p;
}

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(driver& d, tcp::socket socket, std::size_t body_max)
      : driver_(d), stream_(std::move(socket)), body_max_(body_max) {}

  void start() {
    error_code ec;
    remote_ = endpoint_string(stream_.socket().remote_endpoint(ec));
    read();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(http_header_size_max));
    parser_->body_limit(body_max_);
    stream_.expires_after(http_idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](const error_code& ec, std::size_t) { self->got(ec); });
  }

  void got(const error_code& ec) {
    if (ec == http::error::body_limit) {
      return answer(http::status::payload_too_large, 11,
                    "body larger than max_packet_size (" + std::to_string(body_max_) + " bytes)\n", false);
    }
    if (ec) {
      error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.close();
      return;
    }
    http::request<http::string_body> req = parser_->release();
    handle(req);
  }

  void handle(http::request<http::string_body>& req) {
    std::string_view target(req.target().data(), req.target().size());
    std::size_t q = target.find('?');
    std::string_view path = target.substr(0, q);
    std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    unsigned version = req.version();
    bool keep = req.keep_alive();
    if (path != "/publish") return answer(http::status::not_found, version, "not found\n", keep);
    if (req.method() != http::verb::post) {
      return answer(http::status::method_not_allowed, version, "use POST\n", keep, true);
    }
    auto parsed = parse_publish_query(query);
    if (auto* why = std::get_if<std::string>(&parsed)) {
      return answer(http::status::bad_request, version, *why + "\n", keep);
    }
    publish_request& p = std::get<publish_request>(parsed);
    driver_.log().write(broker::log_level::info, "http " + remote_ + ": publish to '" + p.topic + "' qos " +
                                                     std::to_string(static_cast<int>(p.qos)) +
                                                     (p.retain ? " retained" : "") + ", " +
                                                     std::to_string(req.body().size()) + " bytes");
    broker::message msg;
    msg.topic = std::move(p.topic);
    msg.payload = std::move(req.body());
    msg.qos = p.qos;
    msg.retain = p.retain;
    msg.received_at_ms = driver_.now();
    driver_.publish(std::move(msg));
    answer(http::status::ok, version, "published\n", keep);
  }

  void answer(http::status status, unsigned version, std::string body, bool keep_alive, bool allow_post = false) {
    auto res = std::make_shared<http::response<http::string_body>>(status, version);
    res->set(http::field::server, "mqtt-ref-broker");
    res->set(http::field::content_type, "text/plain");
    if (allow_post) res->set(http::field::allow, "POST");
    res->keep_alive(keep_alive);
    res->body() = std::move(body);
    res->prepare_payload();
    stream_.expires_after(http_idle_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](const error_code& ec, std::size_t) {
      if (ec || !res->keep_alive()) {
        error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        self->stream_.close();
        return;
      }
      self->read();
    });
  }

  driver& driver_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::size_t body_max_;
  std::string remote_;
};

}  // namespace

void start_http_connection(driver& d, tcp::socket socket, std::size_t body_size_max) {
  std::make_shared<http_session>(d, std::move(socket), body_size_max)->start();
}

}  // namespace mqtt::net
