// A sweep of seeded runs: the seeds of one shard run on several threads, each checked (and run
// twice under a determinism check); results come back in seed order whatever the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "check/checkers.hpp"
#include "sim/faults.hpp"
#include "sim/run.hpp"
#include "sim/world.hpp"

namespace harness::sim {

inline constexpr std::uint64_t seeds_max = 10'000'000;
inline constexpr unsigned jobs_max = 256;
inline constexpr std::uint64_t shards_max = 1'000'000;
inline constexpr sim_ms chaos_ms_max = 3'600'000;
// Failing seeds whose evidence is kept (the lowest seeds); the others still keep their first
// violation's rule and message, and a replay command or file.
inline constexpr std::size_t failures_with_evidence_max = 1'000;

struct sweep_options {
  std::string workload = "standard";
  std::string profile = "flaky";
  std::string planted_bug;  // empty: none
  bool persistence = false;  // the broker keeps its state across a crash
  std::uint64_t first_seed = 1;
  std::uint64_t seed_count = 100;  // the whole sweep, before sharding
  unsigned jobs = 1;               // threads; the results do not depend on it
  // The shard runs the seeds whose index i in the sweep has i % shard_count == shard_index.
  std::uint64_t shard_index = 0;
  std::uint64_t shard_count = 1;
  sim_ms chaos_ms = run_config{}.chaos_ms;
  bool check_determinism = false;  // every seed twice; a trace-hash difference fails the seed
  // Where DIR/seed-S.replay is written for each failing seed; none: no replay files.
  std::optional<std::string> out_dir;
  // Keep a seed_result per seed (56 bytes each) in sweep_result::seeds.
  bool keep_seed_results = true;
  // Only for a sweep of one seed: keep its whole history, and send its traffic here.
  bool keep_history = false;
  traffic_sink* traffic = nullptr;
};

// Why the options cannot be swept (unknown names, counts out of their bounds, seeds past
// 2^64 - 1, a history or traffic sink asked of more than one seed); nullopt when they can.
std::optional<std::string> sweep_options_error(const sweep_options& o);

// The seeds this shard runs.
std::uint64_t seeds_in_shard(const sweep_options& o);

// The run of one seed of the sweep, with the sweep's workload, profile, chaos phase and bug.
run_config config_for(const sweep_options& o, std::uint64_t seed);

struct seed_result {
  std::uint64_t seed = 0;
  bool ran = false;  // false: the run threw before it gave a result
  bool passed = true;
  std::uint64_t trace_hash = 0;
  std::optional<std::uint64_t> second_hash;  // set when the second run's hash differs
  std::uint64_t events = 0;                  // both runs under a determinism check
  sim_ms simulated_ms = 0;                   // both runs under a determinism check
  friend bool operator==(const seed_result&, const seed_result&) = default;
};

// Everything one seed's run gave: what sweep_result::only holds for a sweep of one seed.
struct seed_run {
  seed_result result;
  std::vector<check::violation> violations;
  fault_schedule schedule;
  std::vector<std::string> history;  // only with keep_history
};

struct seed_failure {
  std::uint64_t seed = 0;
  std::optional<check::violation> first;  // the run's first violation; none for a pure hash mismatch
  std::size_t violation_count = 0;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> hashes;  // first and second run, when they differ
  bool evidence_dropped = false;  // beyond failures_with_evidence_max: first->evidence cleared
  std::string replay_path;        // empty: no replay file
  std::string write_error;        // why the replay file could not be written
};

struct sweep_summary {
  std::uint64_t seeds = 0;  // run in this shard
  std::uint64_t failed = 0;
  std::uint64_t events = 0;
  sim_ms simulated_ms = 0;
};

struct sweep_result {
  std::vector<seed_result> seeds;      // in seed order; empty unless keep_seed_results
  std::vector<seed_failure> failures;  // in seed order
  sweep_summary summary;
  // The whole run, when the sweep is of one seed and this shard ran it.
  std::optional<seed_run> only;
};

struct sweep_progress {
  std::uint64_t done = 0;
  std::uint64_t total = 0;  // seeds in the shard
  std::uint64_t failed = 0;
};

// Called after every seed from the thread that ran it, one call at a time.
using sweep_progress_callback = std::function<void(const sweep_progress&)>;

// Runs every seed of the shard on o.jobs threads (the calling thread among them). The options
// must be valid (sweep_options_error); a thread that cannot be started throws std::system_error.
sweep_result run_sweep(const sweep_options& o, const sweep_progress_callback& progress = {});

// The command that reproduces a failure: `mqtt-harness replay FILE` when its replay file was
// written, else the `mqtt-harness sim` line of its seed.
std::string replay_command_line(const sweep_options& o, const seed_failure& f);

// summary.json: the options, the counts, the failures with their replay commands, and the
// rates over `wall_seconds` (measured by the caller: nothing here reads a clock).
std::string summary_json(const sweep_options& o, const sweep_result& r, double wall_seconds);

struct sweep_rates {
  double seeds_per_s = 0;
  double simulated_s_per_wall_s = 0;
  double events_per_s = 0;
};
sweep_rates rates_of(const sweep_summary& s, double wall_seconds);

}  // namespace harness::sim
