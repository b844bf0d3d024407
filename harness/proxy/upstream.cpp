// The broker-side streams over TCP and TLS, and the choice of stream by the upstream's scheme.
#include "proxy/upstream.hpp"

#include <boost/asio/write.hpp>

#include <optional>
#include <vector>

#include "transport/tls_support.hpp"

namespace harness::proxy::detail {
namespace {

namespace ssl = asio::ssl;

class tcp_upstream final : public upstream_stream {
 public:
  explicit tcp_upstream(asio::io_context& io) : socket_(io) {}
  tcp::socket& socket() override { return socket_; }
  void async_handshake(std::function<void(std::string)> done) override { done({}); }
  void async_read_some(asio::mutable_buffer into, std::function<void(const error_code&, std::size_t)> done) override {
    socket_.async_read_some(into, std::move(done));
  }
  void async_write(asio::const_buffer bytes, std::function<void(const error_code&)> done) override {
    asio::async_write(socket_, bytes, [done = std::move(done)](const error_code& ec, std::size_t) { done(ec); });
  }
  void shutdown_send() override {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }
  bool orderly_end(const error_code& ec) const override { return ec == asio::error::eof; }
  std::string_view name() const override { return "tcp"; }

 private:
  tcp::socket socket_;
};

class tls_upstream final : public upstream_stream {
 public:
  tls_upstream(asio::io_context& io, std::shared_ptr<const upstream_setup> setup)
      : setup_(std::move(setup)), stream_(io, *setup_->tls) {}
  tcp::socket& socket() override { return stream_.next_layer(); }
  void async_handshake(std::function<void(std::string)> done) override {
    transport::detail::prepare_client_stream(stream_, setup_->where, setup_->options.tls);
    stream_.async_handshake(ssl::stream_base::client, [done = std::move(done)](const error_code& ec) {
      done(ec ? "TLS handshake: " + ec.message() : std::string());
    });
  }
  void async_read_some(asio::mutable_buffer into, std::function<void(const error_code&, std::size_t)> done) override {
    stream_.async_read_some(into, std::move(done));
  }
  void async_write(asio::const_buffer bytes, std::function<void(const error_code&)> done) override {
    asio::async_write(stream_, bytes, [done = std::move(done)](const error_code& ec, std::size_t) { done(ec); });
  }
  void shutdown_send() override {
    auto record = transport::detail::close_notify_record(stream_.native_handle());
    if (!record) return finish_shutdown();
    close_notify_ = std::move(*record);
    asio::async_write(stream_.next_layer(), asio::buffer(close_notify_),
                      [self = shared_from_this(), this](const error_code& ec, std::size_t) {
                        if (ec != asio::error::operation_aborted) finish_shutdown();
                      });
  }
  bool orderly_end(const error_code& ec) const override {
    return ec == asio::error::eof || ec == ssl::error::stream_truncated;
  }
  std::string_view name() const override { return "tls"; }

 private:
  void finish_shutdown() {
    error_code ignored;
    stream_.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
  }

  std::shared_ptr<const upstream_setup> setup_;  // before stream_, which uses its context
  transport::detail::tls_stream stream_;
  std::vector<std::uint8_t> close_notify_;
};

}  // namespace

std::shared_ptr<const upstream_setup> make_upstream_setup(const transport::endpoint& where,
                                                          const transport::connection_options& options,
                                                          std::string& error) {
  auto setup = std::make_shared<upstream_setup>();
  setup->where = where;
  setup->options = options;
  if (transport::uses_tls(where.scheme)) {
    setup->tls = transport::detail::make_client_tls_context(options.tls, error);
    if (!setup->tls) return nullptr;
  }
  return setup;
}

std::shared_ptr<upstream_stream> make_upstream(asio::io_context& io, const std::shared_ptr<const upstream_setup>& setup) {
  switch (setup->where.scheme) {
    case transport::scheme::tcp: return std::make_shared<tcp_upstream>(io);
    case transport::scheme::tls: return std::make_shared<tls_upstream>(io, setup);
    case transport::scheme::ws:
    case transport::scheme::wss: return make_ws_upstream(io, setup);
  }
  return std::make_shared<tcp_upstream>(io);
}

}  // namespace harness::proxy::detail
