// MQTT over WebSocket on TLS (wss://).
#include "ws_connection.hpp"

namespace mqtt::net {

void start_wss_connection(driver& d, asio::ssl::context& tls, tcp::socket socket) {
  std::make_shared<ws_connection<asio::ssl::stream<tcp::socket>>>(d, std::move(socket), tls)->start();
}

}  // namespace mqtt::net
