// The reference client core, sans-IO: the driver opens a transport and reports it, feeds
// received bytes, timer ticks and "now"; the core emits bytes to send, closes, and events
// (connected, message received, publish completed, ...). The session (inflight messages,
// packet identifiers) outlives a connection, so a reconnect resumes it and resends with DUP.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mqtt/codec/types.hpp"
#include "mqtt/spec/statement_id.hpp"

namespace mqtt::client {

using clock_ms = std::uint64_t;

struct user_property {
  std::string key;
  std::string value;
  friend bool operator==(const user_property&, const user_property&) = default;
};

// Application message with the 5.0 properties a client sets or receives.
struct message {
  std::string topic;
  std::string payload;
  codec::qos qos = codec::qos::at_most_once;
  bool retain = false;
  bool dup = false;  // as received
  std::optional<std::uint8_t> payload_format_indicator;
  std::optional<std::uint32_t> message_expiry_interval_s;
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;
  std::vector<user_property> user_properties;
  std::vector<std::uint32_t> subscription_identifiers;  // as received
};

struct will {
  message msg;
  std::uint32_t delay_interval_s = 0;  // 5.0 Will Delay Interval
};

struct options {
  codec::protocol_version version = codec::protocol_version::v3_1_1;
  std::string client_id;
  bool clean_start = true;
  std::uint16_t keep_alive_s = 60;
  std::uint32_t session_expiry_interval_s = 0;  // 5.0
  std::optional<will> last_will;
  std::optional<std::string> user_name;
  std::optional<std::string> password;
  std::uint16_t receive_maximum = 65'535;        // 5.0, what we accept inflight
  std::uint32_t maximum_packet_size = 268'435'460;
  std::uint16_t topic_alias_maximum = 0;         // 5.0, aliases the broker may use
  std::uint16_t inflight_max = 20;               // our own send window (min with broker's)
  std::size_t pending_max = 10'000;              // publishes queued behind the window
  std::uint32_t connect_timeout_ms = 10'000;     // CONNACK must arrive within this
};

struct subscription_request {
  std::string filter;
  codec::qos max_qos = codec::qos::at_most_once;
  bool no_local = false;
  bool retain_as_published = false;
  std::uint8_t retain_handling = 0;
};

// Events.
struct send_bytes {
  std::vector<std::uint8_t> bytes;
};
struct close_transport {};  // close after writing what was sent before
struct connected {
  bool session_present;
  std::uint8_t reason_code;  // 0 on success; a refusal is followed by connection_lost
  std::optional<std::string> assigned_client_id;
};
struct connection_lost {
  std::string why;
};
struct message_received {
  message msg;
  std::uint16_t packet_id;
};
struct publish_completed {  // PUBACK / PUBCOMP received, or PUBREC with an error code
  std::uint16_t packet_id;
  std::uint8_t reason_code;
};
struct subscribed {
  std::uint16_t packet_id;
  std::vector<std::uint8_t> reason_codes;
};
struct unsubscribed {
  std::uint16_t packet_id;
  std::vector<std::uint8_t> reason_codes;
};
struct disconnected_by_server {
  std::uint8_t reason_code;
};
struct protocol_violation {  // the broker broke a rule; the client closes the connection
  std::string text;
  spec::statement_id statement;  // the statement the broker broke, or the section stating the rule
};
using event = std::variant<send_bytes, close_transport, connected, connection_lost,
                           message_received, publish_completed, subscribed, unsubscribed,
                           disconnected_by_server, protocol_violation>;

class client {
 public:
  explicit client(options opts);
  ~client();
  client(client&&) noexcept;
  client& operator=(client&&) noexcept;

  // The transport is open: the core sends CONNECT. 3.1/3.1.1 send options.clean_start every
  // time; 5.0 sends Clean Start 0 on a reconnect when the session outlives the connection
  // (Session Expiry Interval > 0), else options.clean_start.
  void on_transport_open(clock_ms now);
  void on_bytes(std::span<const std::uint8_t> bytes, clock_ms now);
  // The transport ended; the session stays for the next on_transport_open.
  void on_transport_closed(clock_ms now);
  void on_timer(clock_ms now);
  // Earliest of: the CONNACK timeout; the next PINGREQ (keep alive after the last packet sent
  // or received, whichever is older); the end of the wait for any packet after a PINGREQ (one
  // keep-alive period, after which the broker is declared dead). nullopt when none applies.
  std::optional<clock_ms> next_deadline() const;

  // Returns the packet identifier (0 for QoS 0). Held back while the window is full or the
  // client is not connected; nullopt when pending_max is reached.
  // Messages of every QoS are queued in order, first in first out. A message that cannot be
  // encoded (bad topic, QoS 3, ...) throws std::invalid_argument. One the broker cannot take
  // (5.0 Maximum QoS, Retain Available, Maximum Packet Size) completes locally with 0x9B,
  // 0x9A or 0x95 (QoS 0: dropped).
  std::optional<std::uint16_t> publish(message msg, clock_ms now);
  // Queued while not connected and sent after the next CONNACK; one left unanswered by a lost
  // connection is sent again on the next. nullopt when 1,024 requests await their answer or
  // no packet identifier is free. `subscription_id` and the 5.0 options are left out in 3.1
  // and 3.1.1. An empty list or an invalid filter throws std::invalid_argument.
  std::optional<std::uint16_t> subscribe(std::vector<subscription_request> subs,
                                         std::optional<std::uint32_t> subscription_id,
                                         clock_ms now);
  std::optional<std::uint16_t> unsubscribe(std::vector<std::string> filters, clock_ms now);
  // Normal DISCONNECT (5.0: with `reason_code`, e.g. 0x04 to have the will sent), then
  // close_transport. No connection_lost follows: that event means an end nobody asked for,
  // which is the driver's cue to reconnect. Without a transport it does nothing.
  void disconnect(std::uint8_t reason_code, clock_ms now);

  std::vector<event> take_events();

  // Replaces the will sent in the next CONNECT (a driver that names each connection in its
  // will). A will that cannot be encoded throws std::invalid_argument and changes nothing.
  void set_last_will(std::optional<will> w);

  bool is_connected() const;
  std::size_t inflight_count() const;
  std::size_t pending_count() const;
  const options& config() const;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace mqtt::client
