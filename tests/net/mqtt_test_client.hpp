// A blocking MQTT test client over any byte stream (TCP, TLS, WebSocket), built on the
// codec. Every wait has a deadline; protocol surprises throw std::runtime_error.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/codec/packet.hpp"

namespace net_test {

using namespace std::chrono_literals;

// One connection's bytes, whatever the transport.
class byte_stream {
 public:
  enum class read_status { data, eof, timeout };
  virtual ~byte_stream() = default;
  virtual bool write(std::span<const std::uint8_t> bytes) = 0;
  // Appends what arrived to `out`.
  virtual read_status read_some(std::vector<std::uint8_t>& out, std::chrono::milliseconds timeout) = 0;
  virtual void close() = 0;
};

// A plain TCP connection to 127.0.0.1:port; throws when it cannot connect. This and the other
// streams (net_clients.hpp) are harness::transport connections (transport_stream.cpp).
std::unique_ptr<byte_stream> connect_tcp(std::uint16_t port);

// A received PUBLISH, copied out of the decoder's buffer.
struct received_publish {
  std::string topic;
  std::string payload;
  mqtt::codec::qos qos = mqtt::codec::qos::at_most_once;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;
};

struct connect_options {
  mqtt::codec::protocol_version version = mqtt::codec::protocol_version::v3_1_1;
  std::string client_id;
  bool clean_start = true;
  std::uint16_t keep_alive_s = 0;
  std::optional<std::string> user_name;
  std::optional<std::string> password;
  std::optional<received_publish> will;
};

struct connack_result {
  bool session_present = false;
  std::uint8_t code = 0xFF;
};

class mqtt_test_client {
 public:
  explicit mqtt_test_client(std::unique_ptr<byte_stream> stream,
                            mqtt::codec::protocol_version version = mqtt::codec::protocol_version::v3_1_1);

  // Sends CONNECT and waits for CONNACK.
  connack_result connect(const connect_options& o);
  // Sends SUBSCRIBE with one filter and returns the SUBACK's codes.
  std::vector<std::uint8_t> subscribe(const std::string& filter, mqtt::codec::qos qos);
  // Publishes and completes the QoS 1 or 2 flow.
  void publish(const std::string& topic, std::string_view payload, mqtt::codec::qos qos, bool retain = false);
  // Waits for the next PUBLISH and acknowledges it (QoS 1: PUBACK; QoS 2: PUBREC, PUBREL,
  // PUBCOMP). nullopt when none arrives in time.
  std::optional<received_publish> next_publish(std::chrono::milliseconds timeout = 5s);
  void disconnect();
  // True when the server closes the connection within `timeout` (input before the close
  // is ignored).
  bool closed_by_peer(std::chrono::milliseconds timeout = 5s);

  // Low level.
  void send(const mqtt::codec::packet& p);
  void send_raw(std::span<const std::uint8_t> bytes);
  // The next whole packet's bytes; nullopt on timeout or close.
  std::optional<std::vector<std::uint8_t>> next_packet(std::chrono::milliseconds timeout = 5s);
  byte_stream& stream() { return *stream_; }

 private:
  // Next packet of `type`; PUBLISH packets met on the way are kept for next_publish.
  std::vector<std::uint8_t> expect(mqtt::codec::packet_type type, std::chrono::milliseconds timeout = 5s);
  mqtt::codec::packet decode(const std::vector<std::uint8_t>& bytes) const;
  received_publish acknowledge(const std::vector<std::uint8_t>& bytes);

  std::unique_ptr<byte_stream> stream_;
  mqtt::codec::protocol_version version_;
  std::vector<std::uint8_t> input_;
  std::deque<std::vector<std::uint8_t>> stashed_publishes_;
  std::uint16_t next_packet_id_ = 1;
};

}  // namespace net_test
