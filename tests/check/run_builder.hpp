// Hand-written runs for the checker tests: run facts (clients, topics, filters) and a history
// written a step at a time, each step the records the simulator would have made for it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "check/checkers.hpp"

namespace check_test {

using harness::check::client_facts;
using harness::check::node_id;
using harness::check::record;
using harness::check::run_facts;
using harness::check::sim_ms;
using harness::check::violation;
using mqtt::codec::protocol_version;

// The topic and filter tables of every test run.
enum topic_id : std::uint16_t { t_a, t_b, r_x, will_pub, will_nobody, s_x };
enum filter_id : std::uint16_t { f_t_all, f_r_all, f_will_all, f_s_all };

std::string_view version_name(protocol_version v);

// A client core of version `v`; persistent ones keep their 5.0 session for an hour.
client_facts client(std::string name, protocol_version v, bool persistent);

class run_builder {
 public:
  run_builder();

  run_facts& facts() { return facts_; }
  node_id add(client_facts c);

  // The client's first connection: Clean Start 1, except a persistent 3.1.1 client (Clean
  // Session 0), answered with Session Present 0.
  void connect_first(sim_ms at, node_id n, std::uint64_t conn);
  // The broker gets the CONNECT at `at`, the client its CONNACK 1 ms later.
  void connect(sim_ms at, node_id n, std::uint64_t conn, bool clean_start, bool session_present);
  // SUBSCRIBE at `at` (request serial `serial`), SUBACK granting `granted` 1 ms later.
  void subscribe(sim_ms at, node_id n, std::uint32_t serial, std::uint16_t filter,
                 std::uint8_t granted);
  void unsubscribe(sim_ms at, node_id n, std::uint32_t serial, std::uint16_t filter);
  // Message m<n>.<seq>; QoS 1 and 2 are acknowledged 1 ms later.
  void publish(sim_ms at, node_id n, std::uint32_t seq, std::uint16_t topic, std::uint8_t qos,
               bool retain = false);
  // The publish alone, and its acknowledgement (PUBACK, PUBCOMP) when it comes.
  void publish_only(sim_ms at, node_id n, std::uint32_t seq, std::uint16_t topic,
                    std::uint8_t qos, bool retain = false);
  void acknowledge(sim_ms at, node_id n, std::uint32_t seq);
  void deliver(sim_ms at, node_id n, node_id publisher, std::uint32_t seq, std::uint16_t topic,
               std::uint8_t qos, bool retain = false);
  // The will of connection `conn`, delivered to `n`.
  void deliver_will(sim_ms at, node_id n, std::uint64_t conn, std::uint16_t topic);
  // The connection ends without DISCONNECT (a reset, a keep-alive timeout): both ends see it.
  void lose(sim_ms at, node_id n, std::uint64_t conn);
  // A normal DISCONNECT, taken by the broker 1 ms later.
  void disconnect(sim_ms at, node_id n, std::uint64_t conn);
  // The broker closes the connection of a raw peer.
  void broker_closes(sim_ms at, node_id n, std::uint64_t conn);
  // The broker dies at `at`, with the connections given (client, conn), and restarts.
  void broker_crash(sim_ms at, sim_ms restart_at,
                    std::initializer_list<std::pair<node_id, std::uint64_t>> connections);
  void client_reports(sim_ms at, node_id n, std::string text);
  void heal(sim_ms at);

  // The history, records in time order (stable: a step's records keep theirs).
  harness::check::history history() const;
  std::vector<violation> check() const;

 private:
  void add(record r) { records_.push_back(std::move(r)); }

  run_facts facts_;
  std::vector<record> records_;
};

}  // namespace check_test
