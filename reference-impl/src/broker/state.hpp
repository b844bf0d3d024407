// The broker core's internal state: connections, sessions, the subscription index, retained
// messages and timers, with the per-packet handlers (one file each) as member functions.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "mqtt/broker/broker.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/packet.hpp"
#include "lazy.hpp"
#include "planted_sites.hpp"
#include "topic_tree.hpp"

namespace mqtt::broker {

// Every statement the broker names is a literal checked against the standards (statement_id.hpp).
using spec::section;
using spec::statement_id;

inline constexpr std::uint32_t session_never_expires = 0xFFFF'FFFF;
inline constexpr clock_ms connect_timeout_ms = 30'000;  // time allowed between accept and CONNECT
// The largest packet the protocol can express (Remaining Length 268,435,455 and a 5-byte fixed
// header): a Maximum Packet Size this large, or none, bounds nothing.
inline constexpr std::uint32_t client_packet_size_unbounded = 268'435'460;

struct will_message {
  message_ptr msg;
  std::uint32_t delay_s = 0;
};

// A message on its way from the broker to one session.
struct outgoing {
  message_ptr msg;
  codec::qos qos = codec::qos::at_most_once;  // after downgrade to the granted QoS
  bool retain = false;                          // RETAIN flag as it will be sent
  std::vector<std::uint32_t> subscription_ids;
};

struct inflight_message {
  outgoing out;
  std::uint16_t packet_id = 0;
  enum class stage : std::uint8_t { awaiting_puback, awaiting_pubrec, awaiting_pubcomp };
  stage at = stage::awaiting_puback;
};

struct session {
  std::uint64_t serial = 0;
  // identity.client_id is the session's client id, set once as it is made (the key of
  // broker::state::sessions views it); a reconnect changes only identity.user_name.
  client_identity identity;
  const std::string& client_id() const { return identity.client_id; }
  std::map<std::string, subscription_entry> subscriptions;  // by filter as sent
  // Broker-to-client QoS 1/2 messages sent and not yet acknowledged, in send order, and
  // their position by packet identifier.
  // (lazy: an idle session that never had a QoS 1 or 2 flow holds no empty maps.)
  lazy<std::map<std::uint64_t, inflight_message>> inflight;
  lazy<std::unordered_map<std::uint16_t, std::uint64_t>> inflight_by_id;
  std::uint64_t inflight_seq = 0;
  // Waiting for the window or for the client to come back. A list, not a deque: libstdc++'s
  // deque allocates about 550 bytes as it is constructed, which every idle session would hold.
  std::list<outgoing> queue;
  lazy<std::set<std::uint16_t>> incoming_qos2;  // received QoS 2 packet ids awaiting PUBREL
  std::uint16_t next_packet_id = 1;
  codec::protocol_version version = codec::protocol_version::v3_1_1;
  std::uint32_t expiry_interval_s = 0;
  connection_id conn = 0;  // 0 while offline
  clock_ms offline_since = 0;  // when conn became 0 (for persistence: expiry and will delay left)
  std::unique_ptr<will_message> pending_will;  // will waiting for its delay after disconnect
  std::uint64_t timer_generation = 0;        // invalidates expiry/will timers on reconnect
};

// The planted first_packet_allocation bug's buffer for a connection's first packet (a process
// bug: see planted.hpp). Empty in every other build and run.
struct planted_first_packet {
  std::vector<std::uint8_t> buffer;  // the whole declared Remaining Length, allocated at once
  std::size_t filled = 0;
};

// An idle connection's cost is mostly this object and its session (tools/bench-idle): the
// small fields sit together, and what only some connections use is made on first use.
struct connection {
  connection_id id = 0;
  connection_info info;
  codec::stream_decoder decoder;
  session* sess = nullptr;
  clock_ms opened_at = 0;
  clock_ms last_received = 0;
  std::unique_ptr<will_message> will;  // a pointer, not an optional: most clients have none
  std::uint32_t client_maximum_packet_size = client_packet_size_unbounded;
  std::uint16_t keep_alive_s = 0;
  std::uint16_t client_receive_maximum = 65'535;
  std::uint16_t topic_alias_maximum = 0;         // 5.0: client-to-broker aliases, as the CONNACK announced
  std::uint16_t client_topic_alias_maximum = 0;  // broker-to-client aliases allowed
  // awaiting_connect -> (authenticating: a 5.0 enhanced authentication before CONNACK) -> connected
  enum class phase : std::uint8_t { awaiting_connect, authenticating, connected } at = phase::awaiting_connect;
  codec::protocol_version version = codec::protocol_version::v3_1_1;
  // A packet for the client did not fit its Maximum Packet Size and was not sent: the
  // connection ends once the input being handled returns (nothing else is read from it).
  bool unsendable = false;
  bool request_problem_information = true;
  bool session_expiry_was_zero = true;  // 5.0: DISCONNECT may not raise it from 0
  bool closed = false;  // closed by the broker; kept alive until the current input returns

  // 5.0 Topic Aliases, made on first use: a connection that uses none (every 3.1.1 one) holds
  // a null pointer instead of two empty hash maps.
  struct topic_alias_maps {
    std::unordered_map<std::uint16_t, std::string> incoming;   // client-to-broker
    std::unordered_map<std::string, std::uint16_t> outgoing;   // broker-to-client
  };
  std::unique_ptr<topic_alias_maps> alias_maps;
  topic_alias_maps& aliases() { return made_on_first_use(alias_maps); }

  // 5.0 enhanced authentication, made when a CONNECT names an Authentication Method: the
  // method, the exchange under way (before CONNACK, or a re-authentication after it), and while
  // authenticating the CONNECT itself, encoded, to be acted on once the exchange succeeds.
  struct enhanced_auth {
    std::string method;
    std::unique_ptr<auth_exchange> exchange;
    std::size_t rounds = 0;  // client AUTH packets in the exchange under way (auth_rounds_max)
    std::vector<std::uint8_t> pending_connect;
  };
  std::unique_ptr<enhanced_auth> auth_state;
  enhanced_auth& auth() { return made_on_first_use(auth_state); }
  // The CONNECT's Authentication Method; empty when it named none.
  const std::string& auth_method() const {
    static const std::string none;
    return auth_state ? auth_state->method : none;
  }
  // An exchange is under way.
  bool authenticating() const { return auth_state && auth_state->exchange; }

  std::unique_ptr<planted_first_packet> planted_first;  // planted first_packet_allocation only
};

// What a successful enhanced authentication hands the CONNACK and the session.
struct auth_grant {
  std::string data;                      // Authentication Data for the CONNACK
  std::optional<std::string> user_name;  // the identity the method proved
};

struct timer_entry {
  clock_ms at;
  enum class kind : std::uint8_t {
    keep_alive,
    connect_timeout,
    will_delay,
    session_expiry,
    release_held,  // planted reorder_topic only: sends a held-back message anyway
  } what;
  std::uint64_t id;          // connection id or session serial
  std::uint64_t generation;  // session timers: must equal the session's current generation
  bool operator>(const timer_entry& o) const { return at > o.at; }
};

// Why a connection ends: decides the will (published unless `normal`) and the log line.
enum class close_reason : std::uint8_t {
  normal_disconnect,     // DISCONNECT 0x00: the will is discarded (MQTT-3.14.4-3)
  disconnect_with_will,  // DISCONNECT 0x04
  network,
  keep_alive_timeout,
  protocol_violation,
  taken_over,
  refused,
  shutdown,
  packet_too_large,  // a packet for the client exceeds its Maximum Packet Size
};

struct broker::state {
  options opts;
  std::shared_ptr<authenticator> authn;
  std::shared_ptr<authorizer> authz;
  std::function<void(const log_record&)> logger;
  statement_probe probe;

  std::unordered_map<connection_id, std::unique_ptr<connection>> connections;
  bool shut_down = false;  // after shutdown(): no new connection is accepted
  // Connections closed during the current input call: their decoder may still be running.
  std::vector<std::unique_ptr<connection>> closed_connections;
  // By client id: the key views the session's own client_id, so the id is stored once.
  std::unordered_map<std::string_view, std::unique_ptr<session>> sessions;
  std::unordered_map<std::uint64_t, session*> sessions_by_serial;
  std::uint64_t next_session_serial = 1;
  std::uint64_t next_assigned_id = 1;
  topic_tree subscriptions;
  // Shared subscriptions: full "$share/name/filter" -> member session serials, and a rotor.
  std::map<std::string, std::vector<std::uint64_t>> share_groups;
  std::map<std::string, std::size_t> share_rotor;
  std::map<std::string, message_ptr> retained;
  std::priority_queue<timer_entry, std::vector<timer_entry>, std::greater<>> timers;
  std::vector<action> actions;
  // Set only by plant_bug (mqtt_broker_planted); the same field in every build, so both
  // libraries agree on the layout.
  planted_bug planted = planted_bug::none;
  // Planted reorder_topic only: per session serial, a message held back for its successor.
  struct held_message {
    outgoing out;
    clock_ms release_at;
  };
  std::map<std::uint64_t, held_message> planted_held;

  explicit state(options o) : opts(std::move(o)) {}

  // broker.cpp: dispatch, output, closing.
  void dispatch(connection& c, const codec::packet& p, clock_ms now);
  void on_decode_error(connection& c, const codec::error& e, clock_ms now);
  // Never beyond the client's Maximum Packet Size (MQTT-3.1.2-24): a packet that does not fit
  // is not written and marks the connection `unsendable`; false then.
  bool send(connection& c, const codec::packet& p);
  void send_raw(connection_id conn, std::span<const std::uint8_t> bytes);
  // The bytes of the send action being built for `conn` (sends to one connection coalesce).
  std::vector<std::uint8_t>& out_bytes(connection_id conn);
  // Sends DISCONNECT (5.0, after CONNACK) with `reason_code` and closes.
  void disconnect_with(connection& c, std::uint8_t reason_code, statement_id statement,
                       std::string text, close_reason why, clock_ms now);
  void close(connection& c, close_reason why, clock_ms now);
  // Ends a connection marked `unsendable` by send().
  void unsendable_close(connection& c, clock_ms now);
  void log(log_level level, const connection* c, std::string text, statement_id statement = {});
  void enforce(statement_id statement) { probe.hit(statement); }
  void arm(timer_entry t) { timers.push(t); }

  // handle_connect.cpp
  void handle_connect(connection& c, const codec::connect& p, clock_ms now);
  void refuse_connect(connection& c, std::uint8_t code_v5, std::uint8_t code_v311,
                      statement_id statement, std::string text, clock_ms now);
  // Everything after authentication: identifier, will, keep alive, session, CONNACK.
  // `grant` is set when an enhanced authentication succeeded.
  void accept_connect(connection& c, const codec::connect& p, const auth_grant* grant, clock_ms now);
  // handle_auth.cpp: enhanced authentication and re-authentication (section 4.12).
  void start_authentication(connection& c, const codec::connect& p, enhanced_authenticator& method,
                            clock_ms now);
  void handle_auth(connection& c, const codec::auth& p, clock_ms now);
  // Sends AUTH with `reason_code`, the connection's method and `data`.
  void send_auth(connection& c, std::uint8_t reason_code, const std::string& data, std::string text);
  // handle_publish.cpp (incoming PUBLISH and the acknowledgements of both directions)
  void handle_publish(connection& c, const codec::publish& p, clock_ms now);
  void handle_puback(connection& c, const codec::puback& p, clock_ms now);
  void handle_pubrec(connection& c, const codec::pubrec& p, clock_ms now);
  void handle_pubrel(connection& c, const codec::pubrel& p, clock_ms now);
  void handle_pubcomp(connection& c, const codec::pubcomp& p, clock_ms now);
  // An acknowledgement of the wrong kind for an in-flight message (PUBREC for a QoS 1
  // PUBLISH, PUBACK after PUBREL, ...): a Protocol Error that leaves the message as it was.
  void refuse_wrong_ack(connection& c, const inflight_message& m, codec::packet_type got, clock_ms now);
  // handle_subscribe.cpp
  void handle_subscribe(connection& c, const codec::subscribe& p, clock_ms now);
  void handle_unsubscribe(connection& c, const codec::unsubscribe& p, clock_ms now);
  // handle_disconnect.cpp (also PINGREQ)
  void handle_disconnect(connection& c, const codec::disconnect& p, clock_ms now);
  void handle_pingreq(connection& c, clock_ms now);

  // delivery.cpp: routing, queues, the inflight window.
  // Returns the number of sessions the message was given to.
  std::size_t route(const message_ptr& msg, clock_ms now);
  void enqueue(session& s, outgoing out, clock_ms now);
  void drain(session& s, clock_ms now);  // send queued messages while the window allows
  void resend_inflight(session& s, clock_ms now);
  // False when the message was discarded as too large for the client (MQTT-3.1.2-25).
  bool send_publish(connection& c, const outgoing& out, std::uint16_t packet_id,
                    bool dup, clock_ms now);
  std::size_t window(const session& s) const;
  std::uint16_t allocate_packet_id(session& s);
  void store_retained(const message_ptr& msg);
  void send_retained(session& s, const subscription_entry& sub, clock_ms now);

  // session.cpp: session lifetime and wills.
  session& create_session(std::string client_id, codec::protocol_version v);
  void end_session(session& s, clock_ms now);
  void remove_subscription(session& s, const std::string& filter);
  void connection_ended(connection& c, close_reason why, clock_ms now);
  void publish_will(const will_message& w, clock_ms now);
  void run_timer(const timer_entry& t, clock_ms now);

  // planted/*.cpp, defined only in mqtt_broker_planted: the larger planted bugs.
  // reorder_topic: holds back or releases `out`; true when it took the message.
  bool reorder_planted(session& s, outgoing& out, clock_ms now);
  void release_held_back(session& s, clock_ms now);
  void release_held_timer(const timer_entry& t, clock_ms now);
  // qos2_duplicate_on_reconnect: moves released QoS 2 messages back to the queue.
  void restart_released_qos2(session& s);
  // The bugs that leave a connection open after a malformed packet breaking `r`.
  bool planted_keeps_malformed(codec::rule r) const;
  // The bugs that leave out or alter a 5.0 PUBLISH's forwarded properties.
  void plant_property_bugs(codec::publish& p, const outgoing& out) const;
  // The process bugs (planted/process_bugs.cpp): a crash where `bug` is planted; the first
  // packet's buffer (true when it took the bytes); the leaked copy of a reused QoS 2 PUBLISH.
  void planted_crash(planted_bug bug) const;
  bool planted_holds_first_packet(connection& c, std::span<const std::uint8_t> bytes, clock_ms now);
  void planted_leak(const codec::publish& p) const;
  // shared_to_every_member: the message to each member of the group; returns how many.
  std::size_t planted_deliver_to_group(const std::vector<std::uint64_t>& members, const std::string& filter,
                                       const message_ptr& msg, clock_ms now);
};

// The client's view of a protocol version: 5.0 packets carry reason codes and properties.
inline bool is_v5(const connection& c) { return c.version == codec::protocol_version::v5; }

}  // namespace mqtt::broker
