// MQTT over TLS (tls://, mqtts://) with Asio SSL: the shared client context and stream
// set-up, and the TLS connection, whose half-close sends close_notify and reads on.
#include <boost/asio/write.hpp>
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <array>
#include <optional>

#include "transport/tls_support.hpp"

namespace harness::transport::detail {

std::shared_ptr<ssl::context> make_client_tls_context(const tls_options& o, std::string& error) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  error_code ec;
  auto failed = [&](const std::string& what, const std::string& file) {
    error = "TLS: cannot use " + what + " '" + file + "': " + ec.message();
    return nullptr;
  };
  if (o.insecure) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    if (o.ca_file.empty()) {
      ctx->set_default_verify_paths(ec);
      if (ec) return failed("the system's CA store", "");
    } else {
      ctx->load_verify_file(o.ca_file, ec);
      if (ec) return failed("ca_file", o.ca_file);
    }
    ctx->set_verify_mode(ssl::verify_peer);
  }
  if (!o.cert_file.empty()) {
    ctx->use_certificate_chain_file(o.cert_file, ec);
    if (ec) return failed("cert_file", o.cert_file);
    const std::string& key = o.key_file.empty() ? o.cert_file : o.key_file;
    ctx->use_private_key_file(key, ssl::context::pem, ec);
    if (ec) return failed("key_file", key);
  } else if (!o.key_file.empty()) {
    error = "TLS: key_file '" + o.key_file + "' without cert_file";
    return nullptr;
  }
  return ctx;
}

void prepare_client_stream(tls_stream& s, const endpoint& where, const tls_options& o) {
  const std::string& name = o.server_name.empty() ? where.host : o.server_name;
  error_code ec;
  asio::ip::make_address(name, ec);
  bool is_address = !ec;
  if (!is_address) SSL_set_tlsext_host_name(s.native_handle(), name.c_str());
  if (!o.insecure) s.set_verify_callback(ssl::host_name_verification(name));
}

close_kind tls_close_kind(const error_code& ec, bool reading) {
  if (ec == asio::error::eof) return close_kind::tls_close_notify;
  if (ec == ssl::error::stream_truncated) return close_kind::tls_truncated;
  return socket_close_kind(ec, reading);
}

// The close_notify record, made by one SSL_shutdown with the write BIO swapped for a memory
// BIO, so that the alert goes out on the socket and SSL_read goes on.
std::optional<std::vector<std::uint8_t>> close_notify_record(SSL* ssl) {
  BIO* network = SSL_get_wbio(ssl);
  BIO* memory = BIO_new(BIO_s_mem());
  if (network == nullptr || memory == nullptr || BIO_up_ref(network) != 1) {
    BIO_free(memory);
    return std::nullopt;
  }
  SSL_set0_wbio(ssl, memory);  // drops the SSL's reference to `network`, ours remains
  int r = SSL_shutdown(ssl);   // 0: sent, the peer's not yet received
  std::vector<std::uint8_t> record(static_cast<std::size_t>(BIO_ctrl_pending(memory)));
  int n = record.empty() ? 0 : BIO_read(memory, record.data(), static_cast<int>(record.size()));
  SSL_set0_wbio(ssl, network);  // takes our reference back, frees `memory`
  if (r < 0 || n <= 0) return std::nullopt;
  record.resize(static_cast<std::size_t>(n));
  return record;
}

namespace {

constexpr std::size_t tls_record_size_max = 16 * 1024;
static_assert(read_size_max <= tls_record_size_max, "one TLS record fills one read at most");

class tls_connection final : public connection_core {
 public:
  tls_connection(std::shared_ptr<loop_core> loop, endpoint where, connection_options o, connection::handlers h)
      : connection_core(std::move(loop), std::move(where), std::move(o), std::move(h)) {
    std::string error;
    context_ = make_client_tls_context(options().tls, error);
    if (!context_) {
      set_setup_error(error);
      context_ = std::make_shared<ssl::context>(ssl::context::tls_client);  // never handshakes
    }
    stream_.emplace(io(), *context_);
  }

 private:
  tcp::socket& socket() override { return stream_->next_layer(); }

  void start_handshake() override {
    set_step("TLS handshake");
    prepare_client_stream(*stream_, where(), options().tls);
    stream_->async_handshake(ssl::stream_base::client, [self = shared_self()](const error_code& ec) {
      if (ec) return self->ended(close_kind::connect_failed, "TLS handshake: " + ec.message());
      self->opened();
    });
  }

  void start_read() override {
    stream_->async_read_some(asio::buffer(buffer_), [self = shared_self()](const error_code& ec, std::size_t n) {
      self->got(ec, n);
    });
  }

  void got(const error_code& ec, std::size_t n) {
    if (!reading()) return;
    if (ec) return ended(tls_close_kind(ec, true), "read: " + ec.message());
    received(std::span<const std::uint8_t>(buffer_.data(), n));
    if (reading()) start_read();
  }

  void start_write(std::span<const std::uint8_t> bytes, bool) override {
    asio::async_write(*stream_, asio::buffer(bytes.data(), bytes.size()),
                      [self = shared_self()](const error_code& ec, std::size_t) { self->write_done(ec); });
  }

  void start_half_close() override {
    auto record = close_notify_record(stream_->native_handle());
    if (!record) return ended(close_kind::write_error, "TLS close_notify could not be made");
    close_notify_ = std::move(*record);
    asio::async_write(stream_->next_layer(), asio::buffer(close_notify_),
                      [self = shared_self()](const error_code& ec, std::size_t) {
                        if (ec && self->reading()) self->ended(socket_close_kind(ec, false), "close_notify: " + ec.message());
                      });
  }

  std::shared_ptr<tls_connection> shared_self() {
    return std::static_pointer_cast<tls_connection>(shared_from_this());
  }

  std::shared_ptr<ssl::context> context_;  // before stream_, which uses it
  std::optional<tls_stream> stream_;
  std::array<std::uint8_t, read_size_max> buffer_{};
  std::vector<std::uint8_t> close_notify_;
};

}  // namespace

core_ptr make_tls_connection(std::shared_ptr<loop_core> loop, endpoint where, connection_options o, connection::handlers h) {
  return std::make_shared<tls_connection>(std::move(loop), std::move(where), std::move(o), std::move(h));
}

}  // namespace harness::transport::detail
