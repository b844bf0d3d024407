// One simulated run of a named workload: the workload driver puts the workload's client
// cores and raw peers into a sim_world, applies the fault schedule, records the history.
// Phases: chaos until chaos_ms, then heal and drain.
#pragma once

#include <cstdint>
#include <string>

#include "check/history.hpp"
#include "sim/faults.hpp"
#include "sim/sim_world.hpp"
#include "sim/workload.hpp"

namespace harness::sim {

struct world_config {
  std::uint64_t seed = 1;
  const workload* load = nullptr;
  const fault_profile* profile = nullptr;
  fault_schedule schedule;
  sim_ms chaos_ms = 10'000;
  sim_ms drain_ms = 10'000;
  std::string planted_bug;  // empty: none; else a name from mqtt/broker/planted.hpp
  bool persistence = false;  // the broker keeps its state across a crash
  traffic_sink* traffic = nullptr;
  std::uint64_t events_max = 20'000'000;  // a run that needs more is reported, not run on
};

struct world_stats {
  std::uint64_t events = 0;
  sim_ms simulated_ms = 0;
  bool event_budget_exhausted = false;
};

world_stats simulate(const world_config& config, check::history& out);

}  // namespace harness::sim
