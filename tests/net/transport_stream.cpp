// The test client's byte streams on harness::transport: each stream owns an event loop and
// one connection, and every call runs that loop until what it waits for happens or its
// deadline passes. The TCP, TLS and WebSocket client code itself lives in harness/transport.
#include <optional>
#include <stdexcept>

#include "net_clients.hpp"
#include "transport/connection.hpp"
#include "transport/event_loop.hpp"

namespace net_test {
namespace {

namespace tr = harness::transport;

constexpr auto open_timeout = 5s;
constexpr auto write_timeout = 10s;

class transport_stream final : public byte_stream {
 public:
  transport_stream(const tr::endpoint& where, tr::connection_options o) : conn_(loop_, where, std::move(o), handlers()) {}

  // Connects and handshakes; the reason when that failed.
  std::optional<std::string> open() {
    conn_.open();
    run([&] { return opened_ || closed_.has_value(); }, open_timeout);
    if (opened_ && !closed_) return std::nullopt;
    return closed_ ? closed_->detail : std::string("no connection within 5 s");
  }

  const tr::upgrade_answer& upgrade() const { return conn_.upgrade(); }

  bool write(std::span<const std::uint8_t> bytes) override { return conn_.write(bytes) && flushed(); }

  bool write_text(std::string_view text) { return conn_.write_text(text) && flushed(); }

  read_status read_some(std::vector<std::uint8_t>& out, std::chrono::milliseconds timeout) override {
    run([&] { return !inbox_.empty() || closed_.has_value(); }, timeout);
    if (!inbox_.empty()) {
      out.insert(out.end(), inbox_.begin(), inbox_.end());
      inbox_.clear();
      return read_status::data;
    }
    return closed_ ? read_status::eof : read_status::timeout;
  }

  void close() override { conn_.close(); }

 private:
  tr::connection::handlers handlers() {
    tr::connection::handlers h;
    h.on_open = [this] {
      opened_ = true;
      event();
    };
    h.on_data = [this](std::span<const std::uint8_t> bytes) {
      inbox_.insert(inbox_.end(), bytes.begin(), bytes.end());
      event();
    };
    h.on_close = [this](const tr::close_info& info) {
      closed_ = info;
      event();
    };
    h.on_drained = [this] { event(); };
    return h;
  }

  void event() {
    ++events_;
    loop_.stop();
  }

  // True once every queued byte is written.
  bool flushed() {
    run([&] { return conn_.queued_bytes() == 0 || closed_.has_value(); }, write_timeout);
    return conn_.queued_bytes() == 0;
  }

  template <class Done>
  void run(Done done, std::chrono::milliseconds timeout) {
    std::uint64_t deadline = loop_.now_ms() + static_cast<std::uint64_t>(timeout.count());
    while (!done() && loop_.now_ms() < deadline) {
      std::uint64_t before = events_;
      loop_.run_until(deadline);
      if (events_ == before) break;  // the deadline passed, or nothing is left to wait for
    }
  }

  tr::event_loop loop_;
  std::vector<std::uint8_t> inbox_;
  bool opened_ = false;
  std::optional<tr::close_info> closed_;
  std::uint64_t events_ = 0;
  tr::connection conn_;  // last: destroyed first, its handlers use the members above
};

tr::endpoint local(tr::scheme s, std::uint16_t port, const std::string& path = {}) {
  tr::endpoint e;
  e.scheme = s;
  e.host = "127.0.0.1";
  e.port = port;
  e.path = path;
  return e;
}

tr::tls_options tls_of(const tls_client_options& o) {
  tr::tls_options t;
  t.ca_file = o.ca_file;
  t.cert_file = o.cert_file;
  t.key_file = o.key_file;
  t.server_name = "localhost";
  t.insecure = o.ca_file.empty();  // as before: without a CA the server is not verified
  return t;
}

ws_connect_result open_ws(tr::scheme s, std::uint16_t port, const ws_client_options& o) {
  tr::connection_options co;
  co.ws_subprotocols = o.subprotocols;
  co.tls = tls_of(o.tls);
  auto stream = std::make_unique<transport_stream>(local(s, port, o.target), co);
  ws_connect_result r;
  auto error = stream->open();
  r.status = stream->upgrade().http_status;
  r.subprotocol = stream->upgrade().subprotocol;
  if (error) {
    r.error = *error;
  } else {
    r.stream = std::move(stream);
  }
  return r;
}

}  // namespace

std::unique_ptr<byte_stream> connect_tcp(std::uint16_t port) {
  auto stream = std::make_unique<transport_stream>(local(tr::scheme::tcp, port), tr::connection_options{});
  if (auto error = stream->open()) throw std::runtime_error("connect to port " + std::to_string(port) + ": " + *error);
  return stream;
}

ws_connect_result connect_ws(std::uint16_t port, const ws_client_options& o) { return open_ws(tr::scheme::ws, port, o); }

ws_connect_result connect_wss(std::uint16_t port, const ws_client_options& o) { return open_ws(tr::scheme::wss, port, o); }

bool ws_write_text(byte_stream& s, std::string_view text) {
  auto* t = dynamic_cast<transport_stream*>(&s);
  return t != nullptr && t->write_text(text);
}

tls_connect_result connect_tls(std::uint16_t port, const tls_client_options& o) {
  tr::connection_options co;
  co.tls = tls_of(o);
  auto stream = std::make_unique<transport_stream>(local(tr::scheme::tls, port), co);
  if (auto error = stream->open()) return {nullptr, *error};
  return {std::move(stream), {}};
}

}  // namespace net_test
