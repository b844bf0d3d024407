// Simulator speed: whole seeded runs of a workload under a fault profile (reference broker,
// client cores, simulated network, checkers), one seed per iteration, on one core. Reports
// seeds, simulated seconds and events per wall-clock second.
#include <benchmark/benchmark.h>

#include "sim/run.hpp"

namespace {

void run_seeds(benchmark::State& state, const char* workload, const char* profile) {
  harness::sim::run_config c;
  c.workload = workload;
  c.profile = profile;
  std::uint64_t seed = 1;
  std::uint64_t events = 0;
  std::uint64_t simulated_ms = 0;
  std::uint64_t failed = 0;
  for (auto _ : state) {
    c.seed = seed++;
    harness::sim::run_result r = harness::sim::run_one(c);
    events += r.events;
    simulated_ms += r.simulated_ms;
    failed += r.passed ? 0 : 1;
    benchmark::DoNotOptimize(r.trace_hash);
  }
  using benchmark::Counter;
  state.counters["seeds_per_s"] = Counter(static_cast<double>(state.iterations()), Counter::kIsRate);
  state.counters["events_per_s"] = Counter(static_cast<double>(events), Counter::kIsRate);
  // Simulated seconds per wall second: how many times faster than real time.
  state.counters["x_real_time"] =
      Counter(static_cast<double>(simulated_ms) / 1000.0, Counter::kIsRate);
  state.counters["events_per_seed"] =
      Counter(static_cast<double>(events) / static_cast<double>(state.iterations()));
  state.counters["failed"] = Counter(static_cast<double>(failed));
}

// The standard workload: 1 broker, 5 clients, 10 simulated seconds of chaos and 10 of drain.
BENCHMARK_CAPTURE(run_seeds, standard_flaky, "standard", "flaky")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(run_seeds, standard_none, "standard", "none")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(run_seeds, standard_chaos, "standard", "chaos")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(run_seeds, small_flaky, "small", "flaky")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
