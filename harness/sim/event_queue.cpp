// Virtual clock and (time, sequence)-ordered event queue.
#include "sim/event_queue.hpp"

#include <algorithm>

#include "mqtt/assert.hpp"

namespace harness::sim {

void event_queue::schedule(sim_ms at, handler h) {
  MQTT_ASSERT(at >= now_);
  events_.push_back(event{at, next_seq_++, std::move(h)});
  std::push_heap(events_.begin(), events_.end(), later{});
}

std::uint64_t event_queue::run_until(sim_ms until, std::uint64_t max_events) {
  const bool never = false;
  return run_until(until, max_events, never);
}

std::uint64_t event_queue::run_until(sim_ms until, std::uint64_t max_events, const bool& stop) {
  std::uint64_t ran = 0;
  while (!stop && !events_.empty() && events_.front().at <= until && ran < max_events) {
    std::pop_heap(events_.begin(), events_.end(), later{});
    event e = std::move(events_.back());
    events_.pop_back();
    now_ = e.at;
    e.h();  // may schedule more events
    ++ran;
  }
  events_run_ += ran;
  if (ran < max_events && !stop && until > now_) now_ = until;
  return ran;
}

}  // namespace harness::sim
