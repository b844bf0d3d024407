// mqtt-ref-broker configuration: a subset of mosquitto.conf(5), parsed into listeners and
// the broker core's options. Plain parsing, no I/O besides reading the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mqtt/broker/broker.hpp"

namespace mqtt::net {

enum class listener_protocol : std::uint8_t { mqtt, websockets, http };

struct listener_config {
  std::uint16_t port = 1883;   // 0: the operating system picks a free port
  std::string address;         // empty: every interface (as mosquitto's `listener PORT`)
  listener_protocol protocol = listener_protocol::mqtt;
  std::string certfile;        // with keyfile: TLS (mqtt -> tls, websockets -> wss)
  std::string keyfile;
  std::string cafile;
  bool require_certificate = false;
  std::size_t line = 0;        // where the listener was declared, for error messages

  bool tls() const { return !certfile.empty(); }
  // "tcp", "tls", "ws", "wss" or "http": the scheme printed in `listening on` lines.
  std::string_view scheme() const;
};

struct config {
  std::vector<listener_config> listeners;
  broker::options options;
  std::optional<std::string> password_file;
  std::optional<std::string> acl_file;
  // Enhanced authentication methods to offer (`auth_method NAME`); "SCRAM-SHA-256" needs
  // scram_password_file.
  std::vector<std::string> auth_methods;
  std::optional<std::string> scram_password_file;
  // persistence true: the durable state is kept in persistence_location/persistence_file
  // (state_file.hpp) and loaded at start.
  bool persistence = false;
  std::string persistence_location;  // a folder; empty: the working directory
  std::string persistence_file = "mqtt-ref-broker.db";
  std::string persistence_path() const;
};

struct config_error {
  std::string file;
  std::size_t line = 0;  // 1-based; 0 when the error is about the file as a whole
  std::string message;
  // "FILE:LINE: message", as printed on stderr.
  std::string to_string() const;
};

// Parses configuration text; `file` only names the source in errors.
std::variant<config, config_error> parse_config(std::string_view text, std::string_view file);
// Reads and parses a configuration file.
std::variant<config, config_error> load_config(const std::string& path);

// The configuration used without -c: one plain MQTT listener on 127.0.0.1:1883.
config default_config();

// Applies `-p PORT`: sets the port of the first plain MQTT listener (TCP, no TLS), or adds
// one on 127.0.0.1 when there is none.
void apply_port_override(config& cfg, std::uint16_t port);

}  // namespace mqtt::net
