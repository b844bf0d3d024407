// Internal to mqtt_net: MQTT over WebSocket (section 6) with Beast, over plain TCP or TLS.
// The upgrade request must offer the `mqtt` subprotocol and the answer names it
// (MQTT-6.0.0-3, MQTT-6.0.0-4); only binary messages carry MQTT (MQTT-6.0.0-1), and packets
// may span messages and frames (MQTT-6.0.0-2), so the payload is one byte stream.
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <array>
#include <optional>
#include <type_traits>

#include "transport.hpp"

namespace mqtt::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

inline constexpr std::size_t ws_read_size = 16 * 1024;

// True when one of the Sec-WebSocket-Protocol values offered is exactly "mqtt".
template <class Request>
bool offers_mqtt_subprotocol(const Request& req) {
  auto range = req.equal_range(http::field::sec_websocket_protocol);
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view list(it->value().data(), it->value().size());
    while (!list.empty()) {
      std::size_t comma = list.find(',');
      std::string_view item = list.substr(0, comma);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (item == "mqtt") return true;
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
  }
  return false;
}

template <class NextLayer>
class ws_connection final : public connection {
 public:
  static constexpr bool secure = !std::is_same_v<NextLayer, tcp::socket>;

  template <class... Args>
  ws_connection(driver& d, Args&&... next_layer_args)
      : connection(d), ws_(std::forward<Args>(next_layer_args)...), handshake_timer_(d.io()) {}

  void start() {
    handshake_timer_.expires_after(handshake_timeout);
    handshake_timer_.async_wait([self = shared_self()](const error_code& ec) {
      if (!ec) self->abort();
    });
    if constexpr (secure) {
      ws_.next_layer().async_handshake(asio::ssl::stream_base::server,
                                       [self = shared_self()](const error_code& ec) {
                                         if (ec) return self->handshake_failed("TLS handshake failed: " + ec.message());
                                         self->read_request();
                                       });
    } else {
      read_request();
    }
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(http_header_size_max));
    parser_->body_limit(0);
    http::async_read(ws_.next_layer(), http_buffer_, *parser_,
                     [self = shared_self()](const error_code& ec, std::size_t) { self->got_request(ec); });
  }

  void got_request(const error_code& ec) {
    if (is_closed()) return;
    if (ec) return handshake_failed("bad upgrade request: " + ec.message());
    const auto& req = parser_->get();
    if (!websocket::is_upgrade(req)) return reject(req.version(), "this is an MQTT WebSocket endpoint; upgrade to WebSocket");
    if (!offers_mqtt_subprotocol(req)) {
      // The client must offer "mqtt" (MQTT-6.0.0-3); we can only answer with it (MQTT-6.0.0-4).
      return reject(req.version(), "the WebSocket subprotocol \"mqtt\" must be offered [MQTT-6.0.0-3]");
    }
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::sec_websocket_protocol, "mqtt");
      res.set(http::field::server, "mqtt-ref-broker");
    }));
    ws_.read_message_max(0);  // a message may carry any number of packets; the core bounds packets
    ws_.binary(true);         // MQTT-6.0.0-1
    ws_.async_accept(req, [self = shared_self()](const error_code& e) { self->accepted(e); });
  }

  void accepted(const error_code& ec) {
    handshake_timer_.cancel();
    parser_.reset();
    if (is_closed()) return;
    if (ec) return handshake_failed("WebSocket handshake failed: " + ec.message());
    error_code rec;
    tcp::endpoint remote = beast::get_lowest_layer(ws_).remote_endpoint(rec);
    if (rec) return handshake_failed("WebSocket handshake failed: " + rec.message());
    if (!open({endpoint_string(remote), secure ? "wss" : "ws"})) return;
    read();
  }

  void reject(unsigned version, std::string why) {
    handshake_timer_.cancel();
    auto res = std::make_shared<http::response<http::string_body>>(http::status::bad_request, version);
    res->set(http::field::server, "mqtt-ref-broker");
    res->set(http::field::content_type, "text/plain");
    res->keep_alive(false);
    res->body() = why + "\n";
    res->prepare_payload();
    drv().log().write(broker::log_level::info, "WebSocket upgrade refused: " + why);
    // The answer gets the handshake timeout to go out, then the socket closes.
    handshake_timer_.expires_after(handshake_timeout);
    handshake_timer_.async_wait([self = shared_self()](const error_code& ec) {
      if (!ec) self->abort();
    });
    http::async_write(ws_.next_layer(), *res, [self = shared_self(), res](const error_code&, std::size_t) {
      self->handshake_timer_.cancel();
      self->abort();
    });
  }

  void handshake_failed(const std::string& why) {
    handshake_timer_.cancel();
    drv().log().write(broker::log_level::info, why);
    abort();
  }

  void read() {
    ws_.async_read_some(asio::buffer(buffer_), [self = shared_self()](const error_code& ec, std::size_t n) {
      self->got(ec, n);
    });
  }

  void got(const error_code& ec, std::size_t n) {
    if (is_closed()) return;
    if (ec) {
      failed(ec == websocket::error::closed ? "closed by the peer" : "read failed: " + ec.message());
      return;
    }
    if (ws_.got_text()) {
      drv().log().write(broker::log_level::warning,
                        "conn " + std::to_string(id()) + ": text frame received; MQTT needs binary frames [MQTT-6.0.0-1]");
      failed("text frame [MQTT-6.0.0-1]");
      return;
    }
    received(std::span<const std::uint8_t>(buffer_.data(), n));
    if (is_closed()) return;
    read();
  }

  void start_write(std::span<const std::uint8_t> bytes) override {
    ws_.async_write(asio::buffer(bytes.data(), bytes.size()),
                    [self = shared_self()](const error_code& ec, std::size_t) { self->write_done(ec); });
  }

  void start_graceful_close() override {
    ws_.async_close(websocket::close_code::normal, [self = shared_self()](const error_code&) { self->abort(); });
  }

  void close_now() override {
    error_code ignored;
    beast::get_lowest_layer(ws_).close(ignored);
  }

  std::shared_ptr<ws_connection> shared_self() {
    return std::static_pointer_cast<ws_connection>(shared_from_this());
  }

  websocket::stream<NextLayer> ws_;
  asio::steady_timer handshake_timer_;
  beast::flat_buffer http_buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::array<std::uint8_t, ws_read_size> buffer_{};
};

}  // namespace mqtt::net
