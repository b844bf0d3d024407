// Shrinking a failing run: delta debugging (Zeller's ddmin) over its fault schedule, then a
// shorter chaos phase, keeping only candidates that still fail the way the original did.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "sim/faults.hpp"
#include "sim/run.hpp"

namespace harness::sim {

// Each run is a whole simulation; the bound keeps a shrink of a long schedule to minutes.
inline constexpr std::size_t shrink_runs_max = 2'000;

struct shrink_trial {
  bool still_fails = false;  // fails the same way as the run being shrunk
  std::uint64_t trace_hash = 0;
};

// Runs one candidate (the failing run's configuration with fewer faults or a shorter chaos
// phase) and says whether it still fails the same way. Must be deterministic.
using shrink_predicate = std::function<shrink_trial(const run_config&)>;

// The usual predicate: the candidate's first violation is of `rule`. A candidate that throws
// fails some other way.
shrink_predicate fails_first_with(std::string rule);

struct shrink_bounds {
  std::size_t runs_max = shrink_runs_max;  // counting the original run
};

// Where the search stands: runs so far, the smallest failing run found, and the size of the
// candidate just tried (for `tried`) or accepted (for `accepted`, equal to `faults`).
struct shrink_step {
  std::size_t runs = 0;
  std::size_t faults = 0;
  sim_ms chaos_ms = 0;
  std::size_t trying = 0;
};

struct shrink_observer {
  std::function<void(const shrink_step&)> tried;     // after every candidate that was run
  std::function<void(const shrink_step&)> accepted;  // when a smaller failing run was found
};

struct shrink_result {
  fault_schedule schedule;  // a subset of the original, in its order
  sim_ms chaos_ms = 0;
  std::uint64_t trace_hash = 0;  // of the run with this schedule and chaos phase
  std::size_t runs = 0;          // counting the original run
  bool bound_hit = false;        // stopped at runs_max: still failing, maybe not minimal
};

// `failing` carries an explicit schedule (a run_result's `schedule`) and, by `still_fails`,
// fails with trace hash `trace_hash`: that run is taken as known and counts as the first.
// Seed, workload, profile, drain phase and planted bug stay as `failing` has them; faults at or
// after a shortened chaos phase's end are dropped.
shrink_result shrink(const run_config& failing, std::uint64_t trace_hash, const shrink_predicate& still_fails,
                     const shrink_bounds& bounds = {}, const shrink_observer& observer = {});

}  // namespace harness::sim
