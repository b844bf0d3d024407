// One seeded run end to end: draw (or take) the fault schedule, simulate, check. And the
// replay file that carries a run to `replay` and `shrink`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <span>
#include <utility>
#include <vector>

#include "check/checkers.hpp"
#include "sim/faults.hpp"
#include "sim/world.hpp"

namespace harness::sim {

struct run_config {
  std::uint64_t seed = 1;
  std::string workload = "standard";
  std::string profile = "flaky";
  sim_ms chaos_ms = 10'000;
  sim_ms drain_ms = 10'000;
  std::optional<fault_schedule> schedule;  // nullopt: drawn from the seed and the profile
  std::string planted_bug;                 // empty: none
  bool persistence = false;                // the broker keeps its state across a crash
  traffic_sink* traffic = nullptr;
};

struct run_result {
  bool passed = true;
  std::vector<check::violation> violations;
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
  sim_ms simulated_ms = 0;
  fault_schedule schedule;
  std::vector<std::string> history;  // formatted records, filled only when asked
};

// Throws std::invalid_argument for an unknown workload, profile or planted bug.
run_result run_one(const run_config& config, bool keep_history = false);

std::string harness_version();

// The replay file: seed, version, workload, profile, durations, planted bug, fault schedule
// and the trace hash (and verdict) the run gave.
struct replay_file {
  run_config config;
  // The harness version that wrote the file; a run replays bit for bit only on the version
  // that recorded it (a changed broker or checker is a different run).
  std::string tool_version = harness_version();
  std::uint64_t trace_hash = 0;
  std::string first_rule;  // the rule that failed, empty when the run passed
};

// `extra`: more string fields, for files that carry more (a chaos run's replay.json).
std::string to_json(const replay_file& r, std::span<const std::pair<std::string, std::string>> extra = {});
// Throws std::invalid_argument with a reason for a malformed file.
replay_file replay_from_json(std::string_view text);

std::string hex64(std::uint64_t v);

}  // namespace harness::sim
