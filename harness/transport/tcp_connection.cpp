// MQTT's plain TCP transport (tcp://, mqtt://): reads into a bounded buffer, half-closes with
// shutdown(send).
#include <boost/asio/write.hpp>

#include <array>

#include "transport/core.hpp"

namespace harness::transport::detail {
namespace {

class tcp_connection final : public connection_core {
 public:
  tcp_connection(std::shared_ptr<loop_core> loop, endpoint where, connection_options o, connection::handlers h)
      : connection_core(std::move(loop), std::move(where), std::move(o), std::move(h)), socket_(io()) {}

 private:
  tcp::socket& socket() override { return socket_; }

  void start_handshake() override { opened(); }

  void start_read() override {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_self()](const error_code& ec, std::size_t n) {
      self->got(ec, n);
    });
  }

  void got(const error_code& ec, std::size_t n) {
    if (!reading()) return;
    if (ec) return ended(socket_close_kind(ec, true), "read: " + ec.message());
    received(std::span<const std::uint8_t>(buffer_.data(), n));
    if (reading()) start_read();
  }

  void start_write(std::span<const std::uint8_t> bytes, bool) override {
    asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                      [self = shared_self()](const error_code& ec, std::size_t) { self->write_done(ec); });
  }

  void start_half_close() override {
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) ended(socket_close_kind(ec, false), "shutdown: " + ec.message());
  }

  std::shared_ptr<tcp_connection> shared_self() {
    return std::static_pointer_cast<tcp_connection>(shared_from_this());
  }

  tcp::socket socket_;
  std::array<std::uint8_t, read_size_max> buffer_{};
};

}  // namespace

core_ptr make_tcp_connection(std::shared_ptr<loop_core> loop, endpoint where, connection_options o, connection::handlers h) {
  return std::make_shared<tcp_connection>(std::move(loop), std::move(where), std::move(o), std::move(h));
}

}  // namespace harness::transport::detail
