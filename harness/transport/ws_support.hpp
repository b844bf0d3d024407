// Internal to harness_transport: MQTT over WebSocket (section 6) with Beast, over TCP (ws) or
// TLS (wss); ws_connection.cpp and wss_connection.cpp each instantiate it once. The upgrade
// offers the configured subprotocols (MQTT-6.0.0-3) and records the answer; each write is one
// binary message (MQTT-6.0.0-1); received messages are one byte stream (MQTT-6.0.0-2).
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <array>
#include <optional>
#include <type_traits>

#include "transport/tls_support.hpp"

namespace harness::transport::detail {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

// "HOST" or "HOST:PORT" for the Host header (RFC 6455 section 4.1, RFC 7230 section 5.4).
inline std::string host_header(const endpoint& where) {
  bool v6 = where.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + where.host + "]" : where.host;
  std::uint16_t standard = where.scheme == scheme::wss ? 443 : 80;
  return where.port == standard ? host : host + ":" + std::to_string(where.port);
}

template <class NextLayer>
class ws_connection final : public connection_core {
 public:
  static constexpr bool secure = !std::is_same_v<NextLayer, tcp::socket>;

  ws_connection(std::shared_ptr<loop_core> loop, endpoint where, connection_options o, connection::handlers h)
      : connection_core(std::move(loop), std::move(where), std::move(o), std::move(h)) {
    if constexpr (secure) {
      std::string error;
      context_ = make_client_tls_context(options().tls, error);
      if (!context_) {
        set_setup_error(error);
        context_ = std::make_shared<ssl::context>(ssl::context::tls_client);  // never handshakes
      }
      ws_.emplace(io(), *context_);
    } else {
      ws_.emplace(io());
    }
  }

 private:
  tcp::socket& socket() override { return beast::get_lowest_layer(*ws_); }
  bool can_write_text() const override { return true; }

  void start_handshake() override {
    if constexpr (secure) {
      set_step("TLS handshake");
      prepare_client_stream(ws_->next_layer(), where(), options().tls);
      ws_->next_layer().async_handshake(ssl::stream_base::client, [self = shared_self()](const error_code& ec) {
        if (ec) return self->ended(close_kind::connect_failed, "TLS handshake: " + ec.message());
        self->upgrade_request();
      });
    } else {
      upgrade_request();
    }
  }

  void upgrade_request() {
    set_step("WebSocket upgrade");
    std::string protocols;
    for (const std::string& p : options().ws_subprotocols) protocols += (protocols.empty() ? "" : ", ") + p;
    ws_->set_option(websocket::stream_base::decorator([protocols](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "mqtt-harness");
      if (!protocols.empty()) req.set(beast::http::field::sec_websocket_protocol, protocols);
    }));
    ws_->read_message_max(0);  // reads are bounded by the buffer; a message may hold many packets
    ws_->async_handshake(response_, host_header(where()), where().path,
                         [self = shared_self()](const error_code& ec) { self->upgraded(ec); });
  }

  void upgraded(const error_code& ec) {
    upgrade_.http_status = response_.result_int();
    auto proto = response_[beast::http::field::sec_websocket_protocol];
    upgrade_.subprotocol = std::string(proto.data(), proto.size());
    response_ = {};
    if (ec) {
      std::string status = upgrade_.http_status == 0 ? "" : " (HTTP " + std::to_string(upgrade_.http_status) + ")";
      return ended(close_kind::connect_failed, "WebSocket upgrade: " + ec.message() + status);
    }
    ws_->binary(true);
    opened();
  }

  void start_read() override {
    ws_->async_read_some(asio::buffer(buffer_), [self = shared_self()](const error_code& ec, std::size_t n) {
      self->got(ec, n);
    });
  }

  void got(const error_code& ec, std::size_t n) {
    if (!reading()) return;
    // While closing, Beast's close operation reads (and discards data) until the peer's
    // close frame; our read then ends aborted and the close handler reports.
    if (ec == asio::error::operation_aborted && closing_) return;
    if (ec) return end_with(ec, "read: ");
    if (ws_->got_text()) {
      return ended(close_kind::read_error, "text WebSocket message from the peer; MQTT needs binary [MQTT-6.0.0-1]");
    }
    received(std::span<const std::uint8_t>(buffer_.data(), n));
    if (reading()) start_read();
  }

  void end_with(const error_code& ec, const std::string& what) {
    if (ec == websocket::error::closed) {
      const websocket::close_reason& r = ws_->reason();
      std::string detail = "close frame " + std::to_string(r.code);
      if (!r.reason.empty()) detail += " '" + std::string(r.reason.data(), r.reason.size()) + "'";
      return ended(close_kind::ws_close_frame, detail, r.code);
    }
    close_kind kind;
    if constexpr (secure) {
      kind = tls_close_kind(ec, true);
    } else {
      kind = socket_close_kind(ec, true);
    }
    ended(kind, what + ec.message());
  }

  void start_write(std::span<const std::uint8_t> bytes, bool text) override {
    ws_->binary(!text);
    ws_->async_write(asio::buffer(bytes.data(), bytes.size()), [self = shared_self()](const error_code& ec, std::size_t) {
      self->ws_->binary(true);
      self->write_done(ec);
    });
  }

  void start_half_close() override {
    closing_ = true;
    ws_->async_close(websocket::close_code::normal, [self = shared_self()](const error_code& ec) {
      if (!self->reading() || ec == asio::error::operation_aborted) return;  // the read reports
      if (!ec) return self->end_with(websocket::error::closed, "");
      self->end_with(ec, "close: ");
    });
  }

  std::shared_ptr<ws_connection> shared_self() {
    return std::static_pointer_cast<ws_connection>(shared_from_this());
  }

  std::shared_ptr<ssl::context> context_;  // wss only; before ws_, which uses it
  std::optional<websocket::stream<NextLayer>> ws_;
  websocket::response_type response_;
  std::array<std::uint8_t, read_size_max> buffer_{};
  bool closing_ = false;
};

}  // namespace harness::transport::detail
