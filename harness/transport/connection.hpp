// One client connection (TCP, TLS, WebSocket or secure WebSocket) on an event_loop,
// event-driven: open() connects and then reads continuously; bytes and the close (with how
// it happened) come back through handlers. The Asio/Beast stream lives behind a pimpl.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "transport/endpoint.hpp"
#include "transport/event_loop.hpp"

namespace harness::transport {

namespace detail {
class connection_core;
}

// Bytes handed to on_data at most per read (one read of the socket, the TLS stream or the
// WebSocket stream).
inline constexpr std::size_t read_size_max = 16 * 1024;

// How a connection ended, as a report should name it.
enum class close_kind : std::uint8_t {
  fin,               // end of stream: the peer closed its side (TCP FIN)
  reset,             // connection reset (RST) or broken pipe
  read_error,        // another error while reading, or a text WebSocket frame
  write_error,       // another error while writing
  tls_close_notify,  // the peer's TLS close_notify
  tls_truncated,     // TCP closed under TLS without a close_notify
  ws_close_frame,    // the peer's WebSocket close frame (code in close_info)
  connect_failed,    // resolution, TCP connect, TLS handshake or WebSocket upgrade failed
  timeout,           // open() did not finish within open_timeout_ms
};

std::string_view to_string(close_kind k);  // "fin", "reset", ...

struct close_info {
  close_kind kind = close_kind::fin;
  std::string detail;               // what happened, in words (error message, step, HTTP status)
  std::uint16_t ws_close_code = 0;  // ws_close_frame: the code in the frame (1005: none given)
};

// What the server answered to the WebSocket upgrade (also when it refused it).
struct upgrade_answer {
  unsigned http_status = 0;  // 101 when upgraded; 0 before an answer
  std::string subprotocol;   // Sec-WebSocket-Protocol of the answer
};

class connection {
 public:
  struct handlers {
    std::function<void()> on_open;                                  // connected (and handshaken)
    std::function<void(std::span<const std::uint8_t>)> on_data;      // at most read_size_max bytes
    std::function<void(const close_info&)> on_close;                 // once, unless close()/reset()
    std::function<void()> on_drained;                                // every queued write is out
  };

  // Handlers run inside loop.run_until. The connection may be destroyed at any time, also
  // from its own handlers; no handler runs after that.
  connection(event_loop& loop, endpoint where, connection_options options, handlers h);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Resolves, connects, handshakes (TLS, WebSocket upgrade), calls on_open and reads until
  // the end; a failure ends in on_close (connect_failed or timeout). Once per connection.
  void open();
  // Queues a copy of `bytes`; written in order once open. On ws/wss each write is one binary
  // message. False (and nothing queued) after half_close or the end of the connection.
  bool write(std::span<const std::uint8_t> bytes);
  // A text WebSocket message (for tests of MQTT-6.0.0-1); false on tcp and tls.
  bool write_text(std::string_view text);
  // After the queued writes: TCP shutdown(send) (FIN); TLS close_notify; WebSocket close
  // frame (1000). Reading goes on until the peer ends the connection (on_close).
  void half_close();
  // Closes the socket at once (FIN, or RST if input was unread). No handler runs after it.
  void close();
  // Aborts with a TCP reset (SO_LINGER 0). No handler runs after it.
  void reset();

  bool is_open() const;               // on_open has run and the connection has not ended
  std::size_t queued_bytes() const;   // accepted by write() and not yet written out
  const upgrade_answer& upgrade() const;  // ws/wss only
  const endpoint& where() const;
  // The local TCP port once the TCP connect succeeded (0 before, and after the end), so a
  // proxy's record of the connection can be matched with it.
  std::uint16_t local_port() const;

 private:
  std::shared_ptr<detail::connection_core> core_;
};

}  // namespace harness::transport
