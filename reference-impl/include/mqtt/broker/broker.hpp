// The reference broker core, sans-IO: bytes, connection events, timer ticks and "now" in;
// bytes to send and connections to close out. No sockets, clocks, threads or randomness,
// so the same core runs on real sockets (mqtt-ref-broker) and in the simulator.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mqtt/broker/access.hpp"
#include "mqtt/broker/enhanced_auth.hpp"
#include "mqtt/broker/message.hpp"
#include "mqtt/codec/types.hpp"
#include "mqtt/spec/statement_id.hpp"

namespace mqtt::broker {

using connection_id = std::uint64_t;
enum class planted_bug : std::uint8_t;  // mqtt/broker/planted.hpp

// Every bound the broker keeps, in one place (mosquitto.conf names in comments).
struct limits {
  std::size_t connections_max = 100'000;
  std::uint32_t packet_size_max = 16 * 1024 * 1024;  // max_packet_size: largest packet accepted
  std::uint16_t inflight_max = 20;               // max_inflight_messages, our Receive Maximum
  std::size_t queued_messages_max = 1'000;       // max_queued_messages per session
  std::size_t subscriptions_per_client_max = 1'000;
  std::size_t retained_messages_max = 100'000;
  std::size_t topic_length_max = 65'535;
  std::uint16_t topic_alias_max = 10;            // Topic Alias Maximum we accept
  std::size_t sessions_max = 200'000;
  std::uint16_t keep_alive_max_s = 65'535;       // max_keepalive (5.0: Server Keep Alive)
  std::uint32_t session_expiry_max_s = 0xFFFF'FFFF;
  std::size_t client_id_length_max = 65'535;
  std::size_t auth_rounds_max = 16;  // AUTH packets from the client in one enhanced authentication
};

struct options {
  struct limits limits;
  codec::qos max_qos = codec::qos::exactly_once;  // max_qos
  bool retain_available = true;                   // retain_available
  bool allow_anonymous = true;                    // allow_anonymous
  bool allow_zero_length_client_id = true;
  bool queue_qos0_when_offline = false;           // QoS 0 is dropped for offline sessions
  std::string assigned_client_id_prefix = "auto-";
  // 5.0 enhanced authentication (section 4.12): the Authentication Methods offered, by name.
  // A CONNECT naming any other method is refused with 0x8C (MQTT-4.12.0-1).
  std::map<std::string, std::shared_ptr<enhanced_authenticator>, std::less<>> enhanced_auth;
  // response_information_prefix: a 5.0 client that sets Request Response Information to 1 gets
  // this followed by its client identifier as Response Information (section 3.1.2.11.7), a
  // topic prefix of its own for Response Topics. Empty: none is offered.
  std::string response_information_prefix;
};

// Outputs.
struct send_bytes {
  connection_id conn;
  std::vector<std::uint8_t> bytes;
};
// Close the network connection after writing what was sent before.
struct close_connection {
  connection_id conn;
};
using action = std::variant<send_bytes, close_connection>;

enum class log_level : std::uint8_t { debug, info, warning };

struct log_record {
  log_level level;
  connection_id conn;
  std::string client_id;
  std::string text;
  spec::statement_id statement;  // the normative statement involved, or empty
};

// Counts how often each normative statement was enforced, for statement coverage.
class statement_probe {
 public:
  void hit(spec::statement_id statement) { ++counts_[statement]; }
  const std::map<spec::statement_id, std::uint64_t>& counts() const { return counts_; }

 private:
  std::map<spec::statement_id, std::uint64_t> counts_;
};

struct connection_info {
  std::string remote;     // "127.0.0.1:52344", for logs
  std::string transport;  // "tcp", "ws", "tls", "wss", "sim"
};

class broker {
 public:
  explicit broker(options opts = {}, std::shared_ptr<authenticator> authn = nullptr,
                  std::shared_ptr<authorizer> authz = nullptr);
  ~broker();
  broker(const broker&) = delete;
  broker& operator=(const broker&) = delete;

  // A transport accepted a connection. Connection ids must never be reused within the life of
  // the broker (timers refer to them). Returns false when connections_max is reached (the
  // transport then closes it).
  bool on_open(connection_id conn, const connection_info& info, clock_ms now);
  // Bytes received on a connection, in any chunking.
  void on_bytes(connection_id conn, std::span<const std::uint8_t> bytes, clock_ms now);
  // The transport saw the connection end (peer close, reset, error). Ignored for
  // connections the broker itself closed.
  void on_closed(connection_id conn, clock_ms now);
  // Runs everything due at `now`: keep-alive expiry, will delays, session expiry, retries.
  void on_timer(clock_ms now);
  // The earliest time on_timer has work to do.
  std::optional<clock_ms> next_deadline() const;

  // The broker is going away (SIGTERM): publishes every will now (no session survives the
  // process), sends 5.0 clients DISCONNECT 0x8B (Server shutting down) and closes every
  // connection. Nothing is accepted after it.
  void shutdown(clock_ms now);

  // Publishes as the broker itself (the HTTP publish endpoint), with the rules of a PUBLISH
  // from a client: retained handling, matching, QoS downgrade.
  void publish(message msg, clock_ms now);

  // Persistence (src/broker/persist.cpp): the durable state as bytes, to be written before the
  // actions taken since are sent, so that nothing acknowledged is lost in a crash: sessions
  // (with their subscriptions, inflight and queued messages, QoS 2 packet ids awaiting PUBREL
  // and pending wills) and retained messages; what lives with a connection is not kept.
  // Sessions that end with their connection are left out. `wall_ms`: a clock that runs on
  // across restarts (the system clock), so the next process counts the time in between.
  std::vector<std::uint8_t> save_state(clock_ms now, std::uint64_t wall_ms) const;
  // Into a broker that has no state yet (before any connection): every session offline,
  // expiry and will-delay timers resumed with the time they had left. The error in words for
  // a damaged or foreign file; the broker is then unchanged (the whole file is checked first).
  // Sessions online at the save count as offline since the save.
  std::optional<std::string> load_state(std::span<const std::uint8_t> bytes, clock_ms now, std::uint64_t wall_ms);
  // Takes the actions produced so far, oldest first; sends to one connection are coalesced.
  std::vector<action> take_actions();

  void set_logger(std::function<void(const log_record&)> logger);
  const statement_probe& probe() const;

  // Observations for tests, the simulator and reports.
  std::size_t connection_count() const;
  std::size_t session_count() const;
  std::size_t retained_count() const;
  bool has_session(std::string_view client_id) const;

 private:
  // Defined only in the mqtt_broker_planted library (mqtt/broker/planted.hpp).
  friend void plant_bug(broker& b, planted_bug bug);

  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace mqtt::broker
