// The broker-side streams over WebSocket (ws) and secure WebSocket (wss), with Beast: the
// upgrade offers the options' subprotocols (MQTT-6.0.0-3); each write is one binary message
// (MQTT-6.0.0-1); what the broker sends is read as one byte stream, its messages' boundaries
// aside (MQTT-6.0.0-2).
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <optional>
#include <type_traits>

#include "proxy/upstream.hpp"
#include "transport/ws_support.hpp"

namespace harness::proxy::detail {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;

template <class NextLayer>
class ws_upstream final : public upstream_stream {
 public:
  static constexpr bool secure = !std::is_same_v<NextLayer, tcp::socket>;

  ws_upstream(asio::io_context& io, std::shared_ptr<const upstream_setup> setup) : setup_(std::move(setup)) {
    if constexpr (secure) {
      ws_.emplace(io, *setup_->tls);
    } else {
      ws_.emplace(io);
    }
  }

  tcp::socket& socket() override { return beast::get_lowest_layer(*ws_); }

  void async_handshake(std::function<void(std::string)> done) override {
    if constexpr (secure) {
      transport::detail::prepare_client_stream(ws_->next_layer(), setup_->where, setup_->options.tls);
      ws_->next_layer().async_handshake(ssl::stream_base::client,
                                        [self = shared_self(), done = std::move(done)](const error_code& ec) mutable {
                                          if (ec) return done("TLS handshake: " + ec.message());
                                          self->upgrade(std::move(done));
                                        });
    } else {
      upgrade(std::move(done));
    }
  }

  void async_read_some(asio::mutable_buffer into, std::function<void(const error_code&, std::size_t)> done) override {
    ws_->async_read_some(into, [self = shared_self(), done = std::move(done)](const error_code& ec, std::size_t n) {
      done(ec, n);
    });
  }

  void async_write(asio::const_buffer bytes, std::function<void(const error_code&)> done) override {
    ws_->async_write(bytes, [self = shared_self(), done = std::move(done)](const error_code& ec, std::size_t) { done(ec); });
  }

  void shutdown_send() override {
    // Beast's close reads on (discarding) until the broker's close frame; the pending read
    // then ends, and the proxy's read handler sees the end.
    ws_->async_close(websocket::close_code::normal, [self = shared_self()](const error_code&) {});
  }

  bool orderly_end(const error_code& ec) const override {
    return ec == websocket::error::closed || ec == asio::error::eof || ec == ssl::error::stream_truncated ||
           ec == beast::http::error::end_of_stream;
  }

  std::string_view name() const override { return secure ? "wss" : "ws"; }

 private:
  void upgrade(std::function<void(std::string)> done) {
    std::string protocols;
    for (const std::string& p : setup_->options.ws_subprotocols) protocols += (protocols.empty() ? "" : ", ") + p;
    ws_->set_option(websocket::stream_base::decorator([protocols](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "mqtt-harness proxy");
      if (!protocols.empty()) req.set(beast::http::field::sec_websocket_protocol, protocols);
    }));
    ws_->read_message_max(0);  // reads are bounded by the proxy's buffer
    ws_->async_handshake(response_, transport::detail::host_header(setup_->where), setup_->where.path,
                         [self = shared_self(), done = std::move(done)](const error_code& ec) {
                           const unsigned status = self->response_.result_int();
                           self->response_ = {};
                           if (ec) {
                             return done("WebSocket upgrade: " + ec.message() +
                                         (status == 0 ? "" : " (HTTP " + std::to_string(status) + ")"));
                           }
                           self->ws_->binary(true);
                           done({});
                         });
  }

  std::shared_ptr<ws_upstream> shared_self() { return std::static_pointer_cast<ws_upstream>(shared_from_this()); }

  std::shared_ptr<const upstream_setup> setup_;  // before ws_, which uses its TLS context
  std::optional<websocket::stream<NextLayer>> ws_;
  websocket::response_type response_;
};

}  // namespace

std::shared_ptr<upstream_stream> make_ws_upstream(asio::io_context& io, const std::shared_ptr<const upstream_setup>& setup) {
  if (setup->where.scheme == transport::scheme::wss) {
    return std::make_shared<ws_upstream<transport::detail::tls_stream>>(io, setup);
  }
  return std::make_shared<ws_upstream<tcp::socket>>(io, setup);
}

}  // namespace harness::proxy::detail
