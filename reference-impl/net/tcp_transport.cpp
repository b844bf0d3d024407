// MQTT over plain TCP. Idle connections hold no read buffer: the socket is waited on for
// readability and then read, without blocking, into the driver's shared buffer.
#include <boost/asio/write.hpp>

#include "transport.hpp"

namespace mqtt::net {
namespace {

constexpr int reads_per_wakeup_max = 4;  // then yield to other connections

class tcp_connection final : public connection {
 public:
  tcp_connection(driver& d, tcp::socket socket) : connection(d), socket_(std::move(socket)) {}

  void start() {
    error_code ec;
    tcp::endpoint remote = socket_.remote_endpoint(ec);
    if (!ec) socket_.non_blocking(true, ec);
    if (ec) {
      abort();
      return;
    }
    if (!open({endpoint_string(remote), "tcp"})) return;
    wait_readable();
  }

 private:
  void wait_readable() {
    socket_.async_wait(tcp::socket::wait_read, [self = shared_self()](const error_code& ec) {
      self->readable(ec);
    });
  }

  void readable(const error_code& ec) {
    if (is_closed()) return;
    if (ec) {
      failed("read failed: " + ec.message());
      return;
    }
    for (int i = 0; i < reads_per_wakeup_max; ++i) {
      std::span<std::uint8_t> buf = drv().shared_read_buffer();
      error_code rec;
      std::size_t n = socket_.read_some(asio::buffer(buf.data(), buf.size()), rec);
      if (rec == asio::error::would_block || rec == asio::error::try_again) break;
      if (rec == asio::error::eof) {
        failed("closed by the peer");
        return;
      }
      if (rec) {
        failed("read failed: " + rec.message());
        return;
      }
      received(buf.first(n));
      if (is_closed()) return;
      if (n < buf.size()) break;
    }
    wait_readable();
  }

  void start_write(std::span<const std::uint8_t> bytes) override {
    asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                      [self = shared_self()](const error_code& ec, std::size_t) { self->write_done(ec); });
  }

  // Half-close after the last byte; reading goes on until the peer's FIN (or the linger
  // timeout) so that unread input does not turn the close into a reset.
  void start_graceful_close() override {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

  void close_now() override {
    error_code ignored;
    socket_.close(ignored);
  }

  std::shared_ptr<tcp_connection> shared_self() {
    return std::static_pointer_cast<tcp_connection>(shared_from_this());
  }

  tcp::socket socket_;
};

}  // namespace

void start_tcp_connection(driver& d, tcp::socket socket) {
  std::make_shared<tcp_connection>(d, std::move(socket))->start();
}

}  // namespace mqtt::net
