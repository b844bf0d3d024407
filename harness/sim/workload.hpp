// Workloads: named mixes of simulated clients (publishers, subscribers, persistent and clean
// sessions, wills, retained messages, 3.1.1 and 5.0) that drive the reference client core.
// facts_of() tells the checkers what each client was promised.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "check/facts.hpp"
#include "mqtt/codec/types.hpp"

namespace harness::sim {

using sim_ms = std::uint64_t;

struct subscription_spec {
  std::uint16_t filter;  // index into workload::filters
  std::uint8_t qos;
  // Unsubscribed and subscribed again now and then (0: held for the whole run). Each new
  // SUBSCRIBE gets the retained messages again (MQTT-3.3.1-6, MQTT-3.8.4-3).
  sim_ms cycle_min_ms = 0;
  sim_ms cycle_max_ms = 0;
  // 5.0 shared subscription group name for this filter, empty for an ordinary one.
  std::string share_group;
};

struct publish_spec {
  std::vector<std::uint16_t> topics;  // indexes into workload::topics, picked uniformly
  std::vector<std::uint8_t> qos;      // picked uniformly
  double retain_probability = 0;
  sim_ms interval_min_ms = 100;
  sim_ms interval_max_ms = 300;
};

// A scripted raw peer sends these bytes, each `after_ms` after its connection opened, instead
// of running the client core (for malformed input the broker must refuse).
struct raw_send {
  sim_ms after_ms = 0;
  std::vector<std::uint8_t> bytes;
};

struct client_spec {
  std::string name;
  std::vector<raw_send> raw;        // non-empty: a raw peer, not a client core
  mqtt::spec::statement_id raw_must_close;  // the broker must close the raw peer's connection
  mqtt::codec::protocol_version version = mqtt::codec::protocol_version::v3_1_1;
  // 3.1.1: Clean Session 0. 5.0: Clean Start 1 once, then a Session Expiry Interval of
  // session_expiry_s keeps the session across connections.
  bool persistent = false;
  std::uint32_t session_expiry_s = 0;
  std::uint16_t keep_alive_s = 2;
  // A will on topic "will/<name>" (will_topic_prefix) whose payload names the connection, so
  // each one is traced.
  bool will = false;
  std::uint8_t will_qos = 1;
  std::uint32_t will_delay_s = 0;  // 5.0 Will Delay Interval
  std::vector<subscription_spec> subscriptions;
  std::optional<publish_spec> publishes;
  // Goes offline with a normal DISCONNECT now and then and comes back (0: stays online).
  sim_ms offline_every_min_ms = 0;
  sim_ms offline_every_max_ms = 0;
  sim_ms offline_for_min_ms = 0;
  sim_ms offline_for_max_ms = 0;
};

// Deliveries on topics starting with this are wills; nothing else is published there.
inline constexpr std::string_view will_topic_prefix = "will/";

struct workload {
  std::string name;
  std::string description;
  std::vector<std::string> topics;
  std::vector<std::string> filters;
  std::vector<client_spec> clients;

  std::uint16_t topic_index(std::string_view topic) const;  // topics.size() when unknown
};

std::span<const workload> workloads();
const workload* find_workload(std::string_view name);

// What the checkers need to know of the workload's clients (check/facts.hpp); the caller adds
// how the run ended.
check::run_facts facts_of(const workload& w);

}  // namespace harness::sim
