// What every transport shares: the public connection object, the open sequence (resolve,
// connect, the transport's handshake, under one timeout), the ordered write queue, and the
// rules for calling handlers (only while attached, never after close/reset/destruction).
#include "transport/connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>

#include "mqtt/assert.hpp"
#include "transport/core.hpp"

namespace harness::transport {

std::string_view to_string(close_kind k) {
  switch (k) {
    case close_kind::fin: return "fin";
    case close_kind::reset: return "reset";
    case close_kind::read_error: return "read_error";
    case close_kind::write_error: return "write_error";
    case close_kind::tls_close_notify: return "tls_close_notify";
    case close_kind::tls_truncated: return "tls_truncated";
    case close_kind::ws_close_frame: return "ws_close_frame";
    case close_kind::connect_failed: return "connect_failed";
    case close_kind::timeout: return "timeout";
  }
  return "?";
}

namespace detail {

close_kind socket_close_kind(const error_code& ec, bool reading) {
  if (ec == asio::error::eof) return close_kind::fin;
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) return close_kind::reset;
  return reading ? close_kind::read_error : close_kind::write_error;
}

connection_core::connection_core(std::shared_ptr<loop_core> loop, endpoint where, connection_options options,
                                 connection::handlers h)
    : loop_(std::move(loop)),
      where_(std::move(where)),
      options_(std::move(options)),
      handlers_(std::make_shared<const connection::handlers>(std::move(h))),
      resolver_(loop_->io),
      open_timer_(loop_->io) {
  loop_->connections.insert(this);
}

connection_core::~connection_core() { loop_->connections.erase(this); }

void connection_core::open() {
  MQTT_ASSERT(state_ == state::idle || state_ == state::closed);  // open() once
  if (state_ != state::idle || loop_->gone) return;
  state_ = state::opening;
  if (!setup_error_.empty()) {
    // Reported from the loop like every other failure, not from inside open().
    asio::post(io(), [self = shared_from_this()] { self->ended(close_kind::connect_failed, self->setup_error_); });
    return;
  }
  open_timer_.expires_at(loop_->at(loop_->now_ms() + options_.open_timeout_ms));
  open_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->state_ != state::opening) return;
    self->ended(close_kind::timeout, "no connection within " + std::to_string(self->options_.open_timeout_ms) +
                                         " ms (" + self->step_ + ")");
  });
  set_step("resolving " + where_.host);
  resolver_.async_resolve(where_.host, std::to_string(where_.port),
                          [self = shared_from_this()](const error_code& ec, const tcp::resolver::results_type& results) {
                            self->resolved(ec, results);
                          });
}

void connection_core::resolved(const error_code& ec, const tcp::resolver::results_type& results) {
  if (state_ != state::opening) return;
  if (ec) return ended(close_kind::connect_failed, "resolve " + where_.host + ": " + ec.message());
  set_step("connecting to " + where_.host + ":" + std::to_string(where_.port));
  asio::async_connect(socket(), results, [self = shared_from_this()](const error_code& e, const tcp::endpoint&) {
    self->connected(e);
  });
}

void connection_core::connected(const error_code& ec) {
  if (state_ != state::opening) return;
  if (ec) {
    return ended(close_kind::connect_failed,
                 "connect to " + where_.host + ":" + std::to_string(where_.port) + ": " + ec.message());
  }
  error_code ignored;
  socket().set_option(tcp::no_delay(true), ignored);  // MQTT packets are small and latency matters
  start_handshake();
}

void connection_core::opened() {
  if (state_ != state::opening) return;
  open_timer_.cancel();
  state_ = state::open;
  set_step("open");
  start_read();
  flush();
  if (auto h = attached_handlers(); h && h->on_open) h->on_open();
}

void connection_core::received(std::span<const std::uint8_t> bytes) {
  if (state_ != state::open) return;
  if (auto h = attached_handlers(); h && h->on_data) h->on_data(bytes);
}

bool connection_core::write(std::span<const std::uint8_t> bytes, bool text) {
  if (state_ == state::closed || half_close_wanted_ || loop_->gone) return false;
  if (text && !can_write_text()) return false;
  queue_.push_back({std::vector<std::uint8_t>(bytes.begin(), bytes.end()), text});
  queued_bytes_ += bytes.size();
  flush();
  return true;
}

void connection_core::flush() {
  if (write_busy_ || state_ != state::open) return;
  if (queue_.empty()) {
    if (half_close_wanted_ && !half_close_started_) {
      half_close_started_ = true;
      start_half_close();
    }
    return;
  }
  write_busy_ = true;
  start_write(queue_.front().bytes, queue_.front().text);
}

void connection_core::write_done(const error_code& ec) {
  MQTT_ASSERT(write_busy_ && !queue_.empty());
  write_busy_ = false;
  queued_bytes_ -= queue_.front().bytes.size();
  queue_.pop_front();
  if (state_ != state::open) return;
  if (ec) return ended(socket_close_kind(ec, false), "write: " + ec.message());
  if (queue_.empty()) {
    if (auto h = attached_handlers(); h && h->on_drained) h->on_drained();
  }
  flush();
}

void connection_core::half_close() {
  if (state_ == state::closed || half_close_wanted_) return;
  half_close_wanted_ = true;
  flush();
}

void connection_core::ended(close_kind kind, std::string detail, std::uint16_t ws_close_code) {
  if (state_ == state::closed) return;
  state_ = state::closed;
  set_step("closed");
  release_socket(false);
  auto h = std::move(handlers_);
  if (h && h->on_close) h->on_close(close_info{kind, std::move(detail), ws_close_code});
}

void connection_core::close_quietly(bool with_reset) {
  auto keep = shared_from_this();  // dropping the handlers may destroy the public object
  if (state_ == state::closed) return;
  state_ = state::closed;
  set_step("closed");
  release_socket(with_reset);
  handlers_.reset();
}

void connection_core::release_socket(bool with_reset) {
  error_code ignored;
  open_timer_.cancel();
  resolver_.cancel();
  tcp::socket& s = socket();
  if (with_reset && s.is_open()) s.set_option(tcp::socket::linger(true, 0), ignored);
  s.close(ignored);
}

}  // namespace detail

connection::connection(event_loop& loop, endpoint where, connection_options options, handlers h) {
  auto& core = loop.core_;
  switch (where.scheme) {
    case scheme::tcp: core_ = detail::make_tcp_connection(core, std::move(where), std::move(options), std::move(h)); break;
    case scheme::tls: core_ = detail::make_tls_connection(core, std::move(where), std::move(options), std::move(h)); break;
    case scheme::ws: core_ = detail::make_ws_connection(core, std::move(where), std::move(options), std::move(h)); break;
    case scheme::wss: core_ = detail::make_wss_connection(core, std::move(where), std::move(options), std::move(h)); break;
  }
  MQTT_ASSERT(core_ != nullptr);
}

connection::~connection() { core_->close_quietly(false); }

void connection::open() { core_->open(); }
bool connection::write(std::span<const std::uint8_t> bytes) { return core_->write(bytes, false); }
bool connection::write_text(std::string_view text) {
  return core_->write(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), true);
}
void connection::half_close() { core_->half_close(); }
void connection::close() { core_->close_quietly(false); }
void connection::reset() { core_->close_quietly(true); }
bool connection::is_open() const { return core_->is_open(); }
std::size_t connection::queued_bytes() const { return core_->queued_bytes(); }
const upgrade_answer& connection::upgrade() const { return core_->upgrade(); }
const endpoint& connection::where() const { return core_->where(); }
std::uint16_t connection::local_port() const { return core_->local_port(); }

}  // namespace harness::transport
