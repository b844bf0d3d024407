// TLS test client (Asio SSL) verifying the server against a test CA.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include "net_clients.hpp"
#include "test_io.hpp"

namespace net_test {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

asio::ssl::context make_tls_client_context(const tls_client_options& o);

namespace {

constexpr std::size_t read_size = 64 * 1024;

class tls_byte_stream final : public byte_stream {
 public:
  explicit tls_byte_stream(const tls_client_options& o) : ctx_(make_tls_client_context(o)), stream_(io_, ctx_) {}

  std::string connect(std::uint16_t port) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    auto cancel = [&] { close(); };
    op_result r = run_op(io_, 5s, [&](auto h) { stream_.lowest_layer().async_connect(ep, h); }, cancel);
    if (r.ec) return "connect: " + r.ec.message();
    SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
    stream_.set_verify_callback(asio::ssl::host_name_verification("localhost"));
    r = run_op(io_, 5s, [&](auto h) { stream_.async_handshake(asio::ssl::stream_base::client, h); }, cancel);
    if (r.ec) return "TLS handshake: " + r.ec.message();
    return {};
  }

  bool write(std::span<const std::uint8_t> bytes) override {
    op_result r = run_op(io_, 10s, [&](auto h) { asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), h); },
                         [&] { close(); });
    return !r.ec;
  }

  read_status read_some(std::vector<std::uint8_t>& out, std::chrono::milliseconds timeout) override {
    std::size_t old = out.size();
    out.resize(old + read_size);
    op_result r = run_op(io_, timeout, [&](auto h) { stream_.async_read_some(asio::buffer(out.data() + old, read_size), h); },
                         [&] { close(); });
    out.resize(old + (r.ec ? 0 : r.bytes));
    if (r.ec == asio::error::timed_out) return read_status::timeout;
    return r.ec ? read_status::eof : read_status::data;
  }

  void close() override {
    boost::system::error_code ig;
    stream_.lowest_layer().close(ig);
  }

 private:
  asio::io_context io_{1};
  asio::ssl::context ctx_;
  asio::ssl::stream<tcp::socket> stream_;
};

}  // namespace

asio::ssl::context make_tls_client_context(const tls_client_options& o) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  if (!o.ca_file.empty()) {
    ctx.load_verify_file(o.ca_file);
    ctx.set_verify_mode(asio::ssl::verify_peer);
  }
  if (!o.cert_file.empty()) {
    ctx.use_certificate_file(o.cert_file, asio::ssl::context::pem);
    ctx.use_private_key_file(o.key_file, asio::ssl::context::pem);
  }
  return ctx;
}

tls_connect_result connect_tls(std::uint16_t port, const tls_client_options& o) {
  auto s = std::make_unique<tls_byte_stream>(o);
  std::string error = s->connect(port);
  if (!error.empty()) return {nullptr, error};
  return {std::move(s), {}};
}

}  // namespace net_test
