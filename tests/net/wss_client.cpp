// WebSocket test client on TLS (wss).
#include "ws_client.hpp"

namespace net_test {
namespace {

struct tls_context_holder {
  explicit tls_context_holder(const tls_client_options& o) : ctx(make_tls_client_context(o)) {}
  asio::ssl::context ctx;
};

// The context is a base so that it is built before, and outlives, the stream using it.
class wss_byte_stream final : private tls_context_holder, public ws_byte_stream<asio::ssl::stream<tcp::socket>> {
 public:
  explicit wss_byte_stream(const tls_client_options& o) : tls_context_holder(o), ws_byte_stream(ctx) {}
};

}  // namespace

ws_connect_result connect_wss(std::uint16_t port, const ws_client_options& o) {
  auto s = std::make_unique<wss_byte_stream>(o.tls);
  auto* raw = s.get();
  return raw->connect(port, o, std::move(s));
}

}  // namespace net_test
