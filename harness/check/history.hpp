// The recorded history of one simulated run: every publish invoked and acknowledged, every
// delivery, every subscription change and every connection event, in virtual-time order.
// Checkers read only this (plus the run's facts, facts.hpp), never the broker's internals.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace harness::check {

using sim_ms = std::uint64_t;
using node_id = std::uint32_t;  // a client node: its index in run_facts::clients
inline constexpr node_id no_node = 0xFFFF'FFFF;

enum class record_kind : std::uint8_t {
  publish_invoked,      // node, seq, topic, qos, retain
  publish_acked,        // node, seq, reason (PUBACK / PUBCOMP / PUBREC >= 0x80)
  delivered,            // node (subscriber), publisher, seq or conn (will), topic, qos, retain, dup
  subscribe_invoked,    // node, seq (request serial), filter, qos
  subscribe_acked,      // node, seq (its request's serial), filter, reason (granted QoS)
  unsubscribe_invoked,  // node, seq (request serial), filter
  unsubscribe_acked,    // node, seq (its request's serial), filter
  connect_started,      // node, conn: TCP connect attempted
  connected,            // node, conn, session_present, clean_start, reason (CONNACK seen by client)
  connection_lost,      // node, conn: the client saw its connection end unasked
  disconnect_sent,      // node, conn: the client sent a normal DISCONNECT
  connect_delivered,    // node, conn, clean_start: the broker received the whole CONNECT
  broker_conn_end,      // node, conn, graceful (broker took a DISCONNECT), crash (broker died)
  broker_crash,
  broker_restart,
  client_crash,         // node
  client_restart,       // node
  protocol_violation,   // node: the client core caught the broker breaking a rule; text
  heal,                 // the chaos phase ended: faults healed, the workload stops publishing
};

struct record {
  sim_ms at = 0;
  record_kind kind{};
  node_id node = no_node;
  node_id publisher = no_node;  // delivered: who published (no_node for a will)
  std::uint64_t conn = 0;       // connection id; for a delivered will, the connection it ended
  std::uint32_t seq = 0;        // message number (payload "m<publisher>.<seq>"), request serial
  std::uint16_t topic = 0;      // index into run_facts::topics
  std::uint16_t filter = 0;     // index into run_facts::filters
  std::uint8_t qos = 0;
  std::uint8_t reason = 0;
  bool retain = false;
  bool dup = false;
  bool session_present = false;
  bool clean_start = false;
  bool graceful = false;
  bool crash = false;
  std::string text;  // protocol_violation only
};

class history {
 public:
  void add(record r);
  const std::vector<record>& records() const { return records_; }
  // A hash over every record's fields, in order: two runs with the same inputs have the same.
  std::uint64_t trace_hash() const { return hash_; }
  void reserve(std::size_t n) { records_.reserve(n); }

 private:
  std::vector<record> records_;
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace harness::check
