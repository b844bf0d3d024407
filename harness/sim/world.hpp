// One simulated run: the reference broker core and the workload's client cores joined by
// simulated TCP connections, driven by the event queue under virtual time, with the fault
// schedule applied, the history recorded. Phases: chaos until chaos_ms, then heal and drain.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "check/history.hpp"
#include "sim/faults.hpp"
#include "sim/workload.hpp"

namespace harness::sim {

// Sees the simulated traffic as it is delivered (for pcap files).
class traffic_sink {
 public:
  virtual ~traffic_sink() = default;
  virtual void open(std::uint64_t conn, std::uint32_t client, sim_ms at) = 0;
  virtual void data(std::uint64_t conn, bool from_client, std::span<const std::uint8_t> bytes,
                    sim_ms at) = 0;
  virtual void close(std::uint64_t conn, bool from_client, bool reset, sim_ms at) = 0;
};

struct world_config {
  std::uint64_t seed = 1;
  const workload* load = nullptr;
  const fault_profile* profile = nullptr;
  fault_schedule schedule;
  sim_ms chaos_ms = 10'000;
  sim_ms drain_ms = 10'000;
  std::string planted_bug;  // empty: none; else a name from mqtt/broker/planted.hpp
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
