// Virtual clock and (time, sequence)-ordered event queue.
#include "sim/event_queue.hpp"

#include "mqtt/assert.hpp"

namespace harness::sim {

void event_queue::schedule(sim_ms at, handler h) {
  MQTT_ASSERT(at >= now_);
  events_.push(event{at, next_seq_++, std::move(h)});
}

std::uint64_t event_queue::run_until(sim_ms until, std::uint64_t max_events) {
  std::uint64_t ran = 0;
  while (!events_.empty() && events_.top().at <= until && ran < max_events) {
    event e = events_.top();
    events_.pop();
    now_ = e.at;
    e.h();  // may schedule more events
    ++ran;
  }
  events_run_ += ran;
  if (ran < max_events && until > now_) now_ = until;
  return ran;
}

}  // namespace harness::sim
