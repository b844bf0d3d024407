// Internal to mqtt_net: the driver that feeds the single-threaded broker core from Asio,
// and the connection base class every transport (TCP, TLS, WebSocket) builds on.
// Includes Asio; never include it from a header the protocol cores see.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "config.hpp"
#include "log.hpp"
#include "mqtt/broker/broker.hpp"

namespace boost::asio::ssl {
class context;
}

namespace mqtt::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// Bounds of the transport layer.
inline constexpr std::size_t output_queued_max = 16 * 1024 * 1024;  // then a slow reader is dropped
inline constexpr std::size_t read_chunk_size = 64 * 1024;           // one read from a socket
inline constexpr std::chrono::seconds handshake_timeout{10};       // TLS and WebSocket handshakes
inline constexpr std::chrono::seconds linger_timeout{2};           // graceful close, then close
inline constexpr std::size_t http_header_size_max = 16 * 1024;

class driver;
class state_file;

// One MQTT connection on some transport, as the driver sees it. Holds the write queue: at
// most one write in flight, the rest gathered into one pending buffer.
class connection : public std::enable_shared_from_this<connection> {
 public:
  explicit connection(driver& d);
  virtual ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Queues bytes for the peer; false when that would exceed output_queued_max.
  bool send(std::vector<std::uint8_t>&& bytes);
  // The broker closed the connection: write what is queued, then close.
  void close_after_flush();
  // Closes at once without telling the broker (shutdown, output overflow).
  void abort();

 protected:
  // Registers with the driver once the transport's handshake is done; false if refused.
  bool open(const broker::connection_info& info);
  // Input from the transport.
  void received(std::span<const std::uint8_t> bytes);
  // The transport ended (EOF, reset, error, protocol violation): tells the broker.
  void failed(const std::string& why);
  void write_done(const error_code& ec);
  // Closes after the graceful close has had linger_timeout to finish.
  void arm_linger();

  bool is_open() const { return state_ == state::open; }
  bool is_closed() const { return state_ == state::closed; }
  broker::connection_id id() const { return id_; }
  driver& drv() { return driver_; }

  // Transport hooks.
  virtual void start_write(std::span<const std::uint8_t> bytes) = 0;  // calls write_done
  virtual void start_graceful_close() = 0;  // after the last write: close frame, close_notify, FIN
  virtual void close_now() = 0;             // release the socket now

 private:
  enum class state : std::uint8_t { handshake, open, closing, closed };
  void flush();

  driver& driver_;
  broker::connection_id id_ = 0;
  state state_ = state::handshake;
  bool write_busy_ = false;
  bool graceful_started_ = false;
  std::vector<std::uint8_t> pending_;
  std::vector<std::uint8_t> writing_;
  std::unique_ptr<asio::steady_timer> linger_;
};

// Feeds the broker core from one io_context thread: input events in, actions out, one timer
// re-armed to the core's next deadline after every event.
class driver {
 public:
  driver(asio::io_context& io, broker::broker& core, const logger& log);
  driver(const driver&) = delete;
  driver& operator=(const driver&) = delete;

  asio::io_context& io() { return io_; }
  const logger& log() const { return log_; }
  // Milliseconds of the steady clock since the driver started: the core's "now".
  broker::clock_ms now() const;
  // A buffer for one read, shared by every plain TCP connection (one thread, one read at a time).
  std::span<std::uint8_t> shared_read_buffer() { return read_buffer_; }

  std::optional<broker::connection_id> open(std::shared_ptr<connection> c,
                                            const broker::connection_info& info);
  void bytes(broker::connection_id id, std::span<const std::uint8_t> bytes);
  void closed(broker::connection_id id, const std::string& why);
  void publish(broker::message msg);
  // SIGTERM: the core publishes the wills and sends 5.0 clients DISCONNECT 0x8B; every
  // connection then closes after writing what it was sent (within linger_timeout), and the
  // timer stops. Nothing more is read.
  void shutdown();
  std::size_t connection_count() const { return connections_.size(); }
  // Persistence: the core's state is written to `f` before anything it produced is sent
  // (state_file.hpp). nullptr: none.
  void set_state_file(state_file* f) { state_ = f; }
  // Connection objects still alive (a closing one until its socket is released).
  std::size_t live_connections() const { return live_; }

 private:
  void after_event();
  void drain_actions();
  void arm_timer();
  void persist();

  asio::io_context& io_;
  state_file* state_ = nullptr;
  std::uint64_t persist_failures_ = 0;
  broker::broker& core_;
  const logger& log_;
  std::chrono::steady_clock::time_point start_;
  asio::steady_timer timer_;
  std::optional<broker::clock_ms> armed_deadline_;
  std::unordered_map<broker::connection_id, std::shared_ptr<connection>> connections_;
  broker::connection_id next_id_ = 1;
  std::vector<std::uint8_t> read_buffer_;
  bool stopped_ = false;
  std::size_t live_ = 0;
  friend class connection;
};

std::string endpoint_string(const tcp::endpoint& ep);

// Starts serving one accepted socket; each lives in its own translation unit.
void start_tcp_connection(driver& d, tcp::socket socket);
void start_ws_connection(driver& d, tcp::socket socket);
void start_tls_connection(driver& d, asio::ssl::context& tls, tcp::socket socket);
void start_wss_connection(driver& d, asio::ssl::context& tls, tcp::socket socket);
void start_http_connection(driver& d, tcp::socket socket, std::size_t body_size_max);

// A server TLS context from a listener's certfile, keyfile, cafile and require_certificate;
// throws std::runtime_error with a readable message when a file is unusable.
std::shared_ptr<asio::ssl::context> make_tls_context(const listener_config& l);

}  // namespace mqtt::net
