// Where a client connection goes and how: an endpoint parsed from a URL (tcp, mqtt, tls,
// mqtts, ws, wss), and the TLS and WebSocket options. No Asio here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "mqtt/assert.hpp"

namespace harness::transport {

enum class scheme : std::uint8_t { tcp, tls, ws, wss };

std::string_view to_string(scheme s);  // "tcp", "tls", "ws", "wss"
inline bool uses_tls(scheme s) { return s == scheme::tls || s == scheme::wss; }
inline bool uses_websocket(scheme s) { return s == scheme::ws || s == scheme::wss; }

// Ports a URL without one gets: MQTT's registered ports, and HTTP's for WebSocket.
inline constexpr std::uint16_t default_port_tcp = 1883;
inline constexpr std::uint16_t default_port_tls = 8883;
inline constexpr std::uint16_t default_port_ws = 80;
inline constexpr std::uint16_t default_port_wss = 443;
inline constexpr std::string_view default_ws_path = "/mqtt";
inline constexpr std::size_t url_size_max = 2048;

struct endpoint {
  transport::scheme scheme = scheme::tcp;
  std::string host;  // a name or an address; an IPv6 address without its brackets
  std::uint16_t port = default_port_tcp;
  std::string path;  // the WebSocket request target (path and query); empty for tcp and tls

  // The canonical URL: "tcp://127.0.0.1:1883", "ws://[::1]:80/mqtt".
  std::string url() const;
  bool operator==(const endpoint&) const = default;
};

struct parse_error {
  std::string message;  // one sentence that quotes what is wrong
};

// An endpoint, or why the text is not one.
class parse_result {
 public:
  parse_result(endpoint e) : state_(std::in_place_index<0>, std::move(e)) {}
  parse_result(parse_error e) : state_(std::in_place_index<1>, std::move(e)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const endpoint& value() const { MQTT_ASSERT(ok()); return *std::get_if<0>(&state_); }
  const endpoint& operator*() const { return value(); }
  const endpoint* operator->() const { return &value(); }
  const parse_error& error() const { MQTT_ASSERT(!ok()); return *std::get_if<1>(&state_); }

 private:
  std::variant<endpoint, parse_error> state_;
};

// Parses SCHEME://HOST[:PORT][/PATH]. Schemes (case-insensitive): tcp and mqtt (plain TCP),
// tls and mqtts (TLS), ws and wss (WebSocket, path defaulting to /mqtt). HOST is a name, an
// IPv4 address or a bracketed IPv6 address. A path on tcp/tls, user information, a
// fragment, an empty host or a port outside 1..65535 is an error.
parse_result parse_endpoint(std::string_view url);

struct tls_options {
  std::string ca_file;      // PEM CAs to verify the server against; empty: the system's store
  std::string cert_file;    // client certificate (PEM), optional
  std::string key_file;     // its private key (PEM); needed with cert_file
  std::string server_name;  // name checked in the certificate and sent as SNI; empty: the host
  bool insecure = false;    // skip verification altogether (self-signed test brokers)
};

struct connection_options {
  tls_options tls;  // for tls and wss
  // Offered in Sec-WebSocket-Protocol; MQTT needs "mqtt" (MQTT-6.0.0-3). Empty: no header.
  std::vector<std::string> ws_subprotocols{"mqtt"};
  // From open() to on_open: name resolution, TCP connect, TLS handshake, WebSocket upgrade.
  std::uint64_t open_timeout_ms = 10'000;
};

}  // namespace harness::transport
