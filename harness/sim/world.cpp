// One simulated run of a named workload: the workload driver (workload_driver.hpp) on a
// sim_world.
#include "sim/world.hpp"

#include "mqtt/assert.hpp"
#include "sim/workload_driver.hpp"

namespace harness::sim {
namespace {

world_options options_for(const world_config& cfg, check::history& h) {
  world_options o;
  o.seed = cfg.seed;
  o.planted_bug = cfg.planted_bug;
  o.persistence = cfg.persistence;
  o.latency_max_ms = cfg.profile->latency_max_ms;
  o.segmentation_probability = cfg.profile->segmentation_probability;
  o.traffic = cfg.traffic;
  o.history = &h;
  o.topics = cfg.load->topics;
  o.events_max = cfg.events_max;
  return o;
}

}  // namespace

world_stats simulate(const world_config& config, check::history& out) {
  MQTT_ASSERT(config.load != nullptr && config.profile != nullptr);
  sim_world world(options_for(config, out));
  workload_driver<sim_world> d(world, *config.load, config.schedule, config.chaos_ms, config.drain_ms, config.seed);
  const bool finished = d.run();
  world_stats st;
  st.events = world.events_run();
  st.simulated_ms = world.now();
  st.event_budget_exhausted = !finished;
  return st;
}

}  // namespace harness::sim
