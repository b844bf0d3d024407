// One chaos run on a real broker, end to end: start the broker (--spawn) or take the target
// as it is, draw the fault schedule from the seed (or take a replay file's), run the
// simulator's workload on a real_world in real time (chaos phase, heal, drain), judge the
// history with the simulator's checkers, and write the run's folder. The run is re-driven
// from its seed and schedule, never bit-identical: real sockets and a real broker decide the
// bytes and the timing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "check/checkers.hpp"
#include "chaos/real_world.hpp"
#include "sim/faults.hpp"

namespace harness::chaos {

struct chaos_options {
  // The broker: at `target` (tcp, tls, ws or wss; the clients' proxies carry their MQTT on in
  // that transport, with `target_options`' TLS and WebSocket settings), or started by the run:
  // `spawn` with {port} in it, listening on TCP there (the run crashes it with SIGKILL and
  // starts it again on the same port). Or `crash_command` and `restart_command` (shell, {port}
  // filled in) crash and restart a broker the run did not start.
  transport::endpoint target{.scheme = transport::scheme::tcp, .host = "127.0.0.1", .port = 1883, .path = {}};
  transport::connection_options target_options;
  std::string spawn;
  std::string crash_command;
  std::string restart_command;
  std::optional<std::pair<std::string, std::string>> credentials;  // every CONNECT's user and password
  // The broker speaks 5.0 (the profile's versions): without it, the workload's 5.0 clients
  // run as 3.1.1 clients (Clean Session 0 for the persistent ones, no Will Delay).
  bool v5 = true;
  // The highest QoS the broker offers (the profile's max_qos): the workload's publications,
  // subscriptions and wills above it are made at it, as an application that knows its broker
  // would (a 3.1.1 broker announces no Maximum QoS).
  std::uint8_t max_qos = 2;
  // The broker keeps its state across a crash (persistence): the checkers' crash rules then
  // owe sessions and acknowledged messages across broker-crash faults (check/facts.hpp).
  bool broker_keeps_state = false;
  std::string workload = "standard";
  std::string faults = "flaky";
  std::uint64_t seed = 1;
  sim_ms chaos_ms = 10'000;
  sim_ms drain_ms = 10'000;
  std::optional<sim::fault_schedule> schedule;  // a replay's; nullopt: drawn from the seed
  std::string target_name;                       // for the report: the URL or the spawn command
  std::string out_dir = "reports/chaos";
  std::function<void(const std::string&)> log;   // progress and what the world did
};

struct rule_verdict {
  std::string rule;
  std::string verdict;  // "held", "violated", "not judged: <why>"
  std::size_t violations = 0;
};

struct chaos_result {
  bool started = false;
  std::string error;  // why it could not start
  std::vector<check::violation> violations;
  std::vector<rule_verdict> rules;
  sim::fault_schedule schedule;
  real_world::counts counts;
  std::size_t records = 0;
  double seconds = 0;
};

chaos_result run_chaos(const chaos_options& o);

// 0 every rule held, 1 a violation, 2 the run could not start.
int exit_status(const chaos_result& r);

}  // namespace harness::chaos
