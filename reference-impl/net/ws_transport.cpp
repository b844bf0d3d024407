// MQTT over WebSocket on plain TCP (ws://).
#include "ws_connection.hpp"

namespace mqtt::net {

void start_ws_connection(driver& d, tcp::socket socket) {
  std::make_shared<ws_connection<tcp::socket>>(d, std::move(socket))->start();
}

}  // namespace mqtt::net
