// MQTT over WebSocket on TLS (wss://).
#include "transport/ws_support.hpp"

namespace harness::transport::detail {

core_ptr make_wss_connection(std::shared_ptr<loop_core> loop, endpoint where, connection_options o, connection::handlers h) {
  return std::make_shared<ws_connection<tls_stream>>(std::move(loop), std::move(where), std::move(o), std::move(h));
}

}  // namespace harness::transport::detail
