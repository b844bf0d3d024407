// Internal to harness_transport: the io_context behind event_loop, and the base class whose
// subclasses (one per transport, each in its own translation unit) hold the Asio streams.
// Includes Asio; never include it from a public header.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "transport/connection.hpp"

namespace harness::transport::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// ~event_loop lets the handlers of the connections it closed run for at most this long, so
// that nothing pending still holds them.
inline constexpr std::chrono::seconds loop_drain_max{5};

class connection_core;

struct loop_core {
  struct timer {
    explicit timer(asio::io_context& io) : wait(io) {}
    asio::steady_timer wait;
    std::function<void()> fn;
  };

  asio::io_context io{1};
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::unordered_map<event_loop::timer_id, std::unique_ptr<timer>> timers;
  event_loop::timer_id next_timer_id = 1;
  // Every connection_core alive on this loop (they register themselves), so that the loop
  // can close them when it goes.
  std::unordered_set<connection_core*> connections;
  bool running = false;
  bool gone = false;  // the event_loop was destroyed; connections still held do nothing

  std::uint64_t now_ms() const;
  std::chrono::steady_clock::time_point at(std::uint64_t ms) const { return start + std::chrono::milliseconds(ms); }
};

// What a transport's read or write error means for a report. Transports map their own
// errors (TLS, WebSocket) first and fall back to this for the socket's.
close_kind socket_close_kind(const error_code& ec, bool reading);

// The state every transport shares: the open sequence (resolve, connect, the transport's
// handshake, with one timeout), the write queue (one write in flight, in order), and the
// handlers, called only while the connection is attached and only from the loop.
class connection_core : public std::enable_shared_from_this<connection_core> {
 public:
  connection_core(std::shared_ptr<loop_core> loop, endpoint where, connection_options options,
                  connection::handlers h);
  virtual ~connection_core();
  connection_core(const connection_core&) = delete;
  connection_core& operator=(const connection_core&) = delete;

  void open();
  bool write(std::span<const std::uint8_t> bytes, bool text);
  void half_close();
  // close(), reset(), ~connection and ~event_loop: no handler runs after this.
  void close_quietly(bool with_reset);

  bool is_open() const { return state_ == state::open; }
  std::size_t queued_bytes() const { return queued_bytes_; }
  const upgrade_answer& upgrade() const { return upgrade_; }
  const endpoint& where() const { return where_; }
  std::uint16_t local_port() {
    error_code ec;
    const auto at = socket().local_endpoint(ec);
    return ec ? 0 : at.port();
  }

 protected:
  asio::io_context& io() { return loop_->io; }
  const connection_options& options() const { return options_; }
  // What open() is doing now, for a timeout's detail.
  void set_step(std::string step) { step_ = std::move(step); }
  // A transport that cannot be set up (say, an unreadable CA file) reports it from open().
  void set_setup_error(std::string why) { setup_error_ = std::move(why); }

  // Transport hooks, called on the loop thread.
  virtual tcp::socket& socket() = 0;                  // the lowest layer
  virtual void start_handshake() = 0;                 // after connect: opened() or ended()
  virtual void start_read() = 0;                      // received() per read, ended() at the end
  virtual void start_write(std::span<const std::uint8_t> bytes, bool text) = 0;  // then write_done()
  virtual void start_half_close() = 0;                // FIN, close_notify or close frame
  virtual bool can_write_text() const { return false; }

  // From the transports.
  void opened();
  // Hands bytes to on_data. The caller reads on only while reading() is still true.
  void received(std::span<const std::uint8_t> bytes);
  bool reading() const { return state_ == state::open; }
  void write_done(const error_code& ec);
  void ended(close_kind kind, std::string detail, std::uint16_t ws_close_code = 0);

  upgrade_answer upgrade_;

 private:
  enum class state : std::uint8_t { idle, opening, open, closed };
  struct queued_write {
    std::vector<std::uint8_t> bytes;
    bool text = false;
  };

  void resolved(const error_code& ec, const tcp::resolver::results_type& results);
  void connected(const error_code& ec);
  void flush();
  void release_socket(bool with_reset);
  std::shared_ptr<const connection::handlers> attached_handlers() const { return handlers_; }

  std::shared_ptr<loop_core> loop_;  // first: the io_context outlives every member below
  endpoint where_;
  connection_options options_;
  // Shared so that a handler that destroys its connection does not destroy itself mid-call.
  std::shared_ptr<const connection::handlers> handlers_;
  state state_ = state::idle;
  std::string step_ = "not opened";
  std::string setup_error_;
  tcp::resolver resolver_;
  asio::steady_timer open_timer_;
  std::deque<queued_write> queue_;  // front() is being written while write_busy_
  std::size_t queued_bytes_ = 0;
  bool write_busy_ = false;
  bool half_close_wanted_ = false;
  bool half_close_started_ = false;
};

// One per transport, each in its own translation unit.
using core_ptr = std::shared_ptr<connection_core>;
core_ptr make_tcp_connection(std::shared_ptr<loop_core> loop, endpoint where, connection_options o, connection::handlers h);
core_ptr make_tls_connection(std::shared_ptr<loop_core> loop, endpoint where, connection_options o, connection::handlers h);
core_ptr make_ws_connection(std::shared_ptr<loop_core> loop, endpoint where, connection_options o, connection::handlers h);
core_ptr make_wss_connection(std::shared_ptr<loop_core> loop, endpoint where, connection_options o, connection::handlers h);

}  // namespace harness::transport::detail
