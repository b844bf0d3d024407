// The WebSocket test client over any next layer (TCP or TLS), included by the two
// translation units that instantiate it.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "net_clients.hpp"
#include "test_io.hpp"

namespace net_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// A client TLS context trusting o.ca_file, with the client certificate if any.
asio::ssl::context make_tls_client_context(const tls_client_options& o);

class ws_text_writer {
 public:
  virtual ~ws_text_writer() = default;
  virtual bool write_text(std::string_view text) = 0;
};

template <class NextLayer>
class ws_byte_stream : public byte_stream, public ws_text_writer {
 public:
  template <class... Args>
  explicit ws_byte_stream(Args&&... args) : ws_(io_, std::forward<Args>(args)...) {}

  asio::io_context& io() { return io_; }
  websocket::stream<NextLayer>& ws() { return ws_; }

  // TCP connect (and TLS handshake when secure), then the WebSocket upgrade.
  ws_connect_result connect(std::uint16_t port, const ws_client_options& o, std::unique_ptr<byte_stream> self) {
    ws_connect_result result;
    auto& lowest = beast::get_lowest_layer(ws_);
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    auto cancel = [&] { boost::system::error_code ig; lowest.close(ig); };
    op_result r = run_op(io_, 5s, [&](auto h) { lowest.async_connect(ep, h); }, cancel);
    if (r.ec) return {nullptr, "connect: " + r.ec.message(), 0, {}};
    if constexpr (!std::is_same_v<NextLayer, tcp::socket>) {
      SSL_set_tlsext_host_name(ws_.next_layer().native_handle(), "localhost");
      r = run_op(io_, 5s, [&](auto h) { ws_.next_layer().async_handshake(asio::ssl::stream_base::client, h); }, cancel);
      if (r.ec) return {nullptr, "TLS handshake: " + r.ec.message(), 0, {}};
    }
    std::string protocols;
    for (const auto& p : o.subprotocols) protocols += (protocols.empty() ? "" : ", ") + p;
    ws_.set_option(websocket::stream_base::decorator([protocols](websocket::request_type& req) {
      if (!protocols.empty()) req.set(beast::http::field::sec_websocket_protocol, protocols);
    }));
    websocket::response_type res;
    r = run_op(io_, 5s, [&](auto h) { ws_.async_handshake(res, "localhost", o.target, h); }, cancel);
    result.status = res.result_int();
    auto proto = res[beast::http::field::sec_websocket_protocol];
    result.subprotocol = std::string(proto.data(), proto.size());
    if (r.ec) {
      result.error = "handshake: " + r.ec.message();
      return result;
    }
    ws_.binary(true);
    result.stream = std::move(self);
    return result;
  }

  bool write(std::span<const std::uint8_t> bytes) override {
    ws_.binary(true);
    op_result r = run_op(io_, 10s, [&](auto h) { ws_.async_write(asio::buffer(bytes.data(), bytes.size()), h); },
                         [&] { close(); });
    return !r.ec;
  }

  bool write_text(std::string_view text) override {
    ws_.text(true);
    op_result r = run_op(io_, 10s, [&](auto h) { ws_.async_write(asio::buffer(text.data(), text.size()), h); },
                         [&] { close(); });
    ws_.binary(true);
    return !r.ec;
  }

  read_status read_some(std::vector<std::uint8_t>& out, std::chrono::milliseconds timeout) override {
    if (pending_.size() > 0) return take(out);
    op_result r = run_op(io_, timeout, [&](auto h) { ws_.async_read(pending_, h); }, [&] { close(); });
    if (r.ec == asio::error::timed_out) return read_status::timeout;
    if (r.ec) return read_status::eof;
    return take(out);
  }

  void close() override {
    boost::system::error_code ig;
    beast::get_lowest_layer(ws_).close(ig);
  }

 private:
  read_status take(std::vector<std::uint8_t>& out) {
    auto data = pending_.data();
    const auto* p = static_cast<const std::uint8_t*>(data.data());
    out.insert(out.end(), p, p + data.size());
    pending_.consume(pending_.size());
    return read_status::data;
  }

  asio::io_context io_{1};
  websocket::stream<NextLayer> ws_;
  beast::flat_buffer pending_;
};

}  // namespace net_test
