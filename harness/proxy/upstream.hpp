// Internal to harness_proxy: the broker's side of a proxied connection in the upstream's
// transport. tcp passes bytes as they are; tls, ws and wss carry the MQTT bytes the proxy's
// clients send over plain TCP on to the broker in TLS records or WebSocket binary messages
// (MQTT-6.0.0-1), so the proxy's faults and records work on MQTT whatever the broker speaks.
// Includes Asio's socket; never include it from a public header.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>

#include "transport/endpoint.hpp"

namespace boost::asio::ssl {
class context;
}

namespace harness::proxy::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// What every broker-side stream of one proxy shares: the endpoint, the options, the TLS
// context (made once, for tls and wss).
struct upstream_setup {
  transport::endpoint where;
  transport::connection_options options;
  std::shared_ptr<asio::ssl::context> tls;
};

// Null, with `error` in words, when the TLS options are unusable (an unreadable CA file).
std::shared_ptr<const upstream_setup> make_upstream_setup(const transport::endpoint& where,
                                                          const transport::connection_options& options,
                                                          std::string& error);

// One broker-side stream. One read and one write at a time, as on a socket.
class upstream_stream : public std::enable_shared_from_this<upstream_stream> {
 public:
  virtual ~upstream_stream() = default;
  // The lowest layer: the TCP connect, TCP_NODELAY, resets (SO_LINGER 0) and closing.
  virtual tcp::socket& socket() = 0;
  // After the TCP connect: the TLS handshake and/or the WebSocket upgrade, then `done` with
  // the failure in words (empty: open).
  virtual void async_handshake(std::function<void(std::string error)> done) = 0;
  virtual void async_read_some(asio::mutable_buffer into, std::function<void(const error_code&, std::size_t)> done) = 0;
  // All of `bytes` (one WebSocket message on ws and wss).
  virtual void async_write(asio::const_buffer bytes, std::function<void(const error_code&)> done) = 0;
  // The end of what the proxy sends, once no write is pending: a TCP FIN; on TLS a
  // close_notify and the FIN; on WebSocket a close frame (1000). Reading goes on.
  virtual void shutdown_send() = 0;
  // A read's error is the broker's orderly end (FIN, close_notify, close frame, or TCP closed
  // under TLS), not a reset or a failure.
  virtual bool orderly_end(const error_code& ec) const = 0;
  // The transport in words for log lines: "tcp", "tls", "ws", "wss".
  virtual std::string_view name() const = 0;
};

std::shared_ptr<upstream_stream> make_upstream(asio::io_context& io, const std::shared_ptr<const upstream_setup>& setup);

// ws and wss, in their own translation unit (Beast is slow to compile).
std::shared_ptr<upstream_stream> make_ws_upstream(asio::io_context& io, const std::shared_ptr<const upstream_setup>& setup);

}  // namespace harness::proxy::detail
