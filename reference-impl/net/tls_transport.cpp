// MQTT over TLS (Asio SSL): the server context built from a listener's files, and the
// connection that handshakes, then reads and writes through the TLS stream.
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <stdexcept>

#include "transport.hpp"

namespace mqtt::net {
namespace {

constexpr std::size_t tls_read_size = 16 * 1024;  // one TLS record at most

class tls_connection final : public connection {
 public:
  tls_connection(driver& d, asio::ssl::context& tls, tcp::socket socket)
      : connection(d), stream_(std::move(socket), tls), handshake_timer_(d.io()) {}

  void start() {
    handshake_timer_.expires_after(handshake_timeout);
    handshake_timer_.async_wait([self = shared_self()](const error_code& ec) {
      if (!ec) self->abort();
    });
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = shared_self()](const error_code& ec) { self->handshaken(ec); });
  }

 private:
  void handshaken(const error_code& ec) {
    handshake_timer_.cancel();
    if (is_closed()) return;
    error_code rec;
    tcp::endpoint remote = stream_.lowest_layer().remote_endpoint(rec);
    if (ec || rec) {
      drv().log().write(broker::log_level::info,
                        "TLS handshake failed" + (rec ? std::string() : " from " + endpoint_string(remote)) +
                            ": " + (ec ? ec.message() : rec.message()));
      abort();
      return;
    }
    if (!open({endpoint_string(remote), "tls"})) return;
    read();
  }

  void read() {
    reading_ = true;
    stream_.async_read_some(asio::buffer(buffer_), [self = shared_self()](const error_code& ec, std::size_t n) {
      self->reading_ = false;
      self->got(ec, n);
    });
  }

  void got(const error_code& ec, std::size_t n) {
    if (is_closed()) return;
    if (shutdown_wanted_) {
      begin_shutdown();
      return;
    }
    if (ec) {
      failed(ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ? "closed by the peer"
                                                                                : "read failed: " + ec.message());
      return;
    }
    received(std::span<const std::uint8_t>(buffer_.data(), n));
    if (is_closed()) return;
    if (shutdown_wanted_) {
      begin_shutdown();
      return;
    }
    read();
  }

  void start_write(std::span<const std::uint8_t> bytes) override {
    asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()),
                      [self = shared_self()](const error_code& ec, std::size_t) { self->write_done(ec); });
  }

  // close_notify needs the read side: stop the pending read first, then shut down.
  void start_graceful_close() override {
    shutdown_wanted_ = true;
    if (reading_) {
      error_code ignored;
      stream_.lowest_layer().cancel(ignored);
    } else {
      begin_shutdown();
    }
  }

  void begin_shutdown() {
    if (shutdown_started_) return;
    shutdown_started_ = true;
    stream_.async_shutdown([self = shared_self()](const error_code&) { self->abort(); });
  }

  void close_now() override {
    error_code ignored;
    stream_.lowest_layer().close(ignored);
  }

  std::shared_ptr<tls_connection> shared_self() {
    return std::static_pointer_cast<tls_connection>(shared_from_this());
  }

  asio::ssl::stream<tcp::socket> stream_;
  asio::steady_timer handshake_timer_;
  std::array<std::uint8_t, tls_read_size> buffer_{};
  bool reading_ = false;
  bool shutdown_wanted_ = false;
  bool shutdown_started_ = false;
};

}  // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const listener_config& l) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  auto load = [&](auto&& step, const std::string& what, const std::string& file) {
    error_code ec;
    step(ec);
    if (ec) throw std::runtime_error("listener " + std::to_string(l.port) + ": cannot use " + what + " '" + file + "': " + ec.message());
  };
  load([&](error_code& ec) { ctx->use_certificate_chain_file(l.certfile, ec); }, "certfile", l.certfile);
  load([&](error_code& ec) { ctx->use_private_key_file(l.keyfile, asio::ssl::context::pem, ec); }, "keyfile", l.keyfile);
  if (!l.cafile.empty()) {
    load([&](error_code& ec) { ctx->load_verify_file(l.cafile, ec); }, "cafile", l.cafile);
  }
  if (l.require_certificate) {
    ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  } else {
    ctx->set_verify_mode(asio::ssl::verify_none);
  }
  return ctx;
}

void start_tls_connection(driver& d, asio::ssl::context& tls, tcp::socket socket) {
  std::make_shared<tls_connection>(d, tls, std::move(socket))->start();
}

}  // namespace mqtt::net
