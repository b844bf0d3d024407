// WebSocket test client on plain TCP.
#include "ws_client.hpp"

namespace net_test {

ws_connect_result connect_ws(std::uint16_t port, const ws_client_options& o) {
  auto s = std::make_unique<ws_byte_stream<tcp::socket>>();
  auto* raw = s.get();
  return raw->connect(port, o, std::move(s));
}

bool ws_write_text(byte_stream& s, std::string_view text) {
  auto* w = dynamic_cast<ws_text_writer*>(&s);
  return w != nullptr && w->write_text(text);
}

}  // namespace net_test
