// The test transports beyond plain TCP: WebSocket, TLS and secure WebSocket byte streams on
// 127.0.0.1, blocking wrappers of harness::transport connections (transport_stream.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mqtt_test_client.hpp"

namespace net_test {

struct tls_client_options {
  std::string ca_file;    // verify the server against this CA (and the name "localhost")
  std::string cert_file;  // client certificate, optional
  std::string key_file;
};

struct ws_client_options {
  std::vector<std::string> subprotocols{"mqtt"};
  std::string target = "/mqtt";
  tls_client_options tls;  // connect_wss only
};

struct ws_connect_result {
  std::unique_ptr<byte_stream> stream;  // null when the handshake failed
  std::string error;
  unsigned status = 0;                  // HTTP status of the upgrade answer
  std::string subprotocol;              // Sec-WebSocket-Protocol of the answer
};

// Each write() on the stream is one binary WebSocket message.
ws_connect_result connect_ws(std::uint16_t port, const ws_client_options& o);
ws_connect_result connect_wss(std::uint16_t port, const ws_client_options& o);
// Sends a text message on a stream from connect_ws or connect_wss (false for other streams).
bool ws_write_text(byte_stream& s, std::string_view text);

struct tls_connect_result {
  std::unique_ptr<byte_stream> stream;  // null when the handshake failed
  std::string error;
};
tls_connect_result connect_tls(std::uint16_t port, const tls_client_options& o);

}  // namespace net_test
