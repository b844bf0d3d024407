// The simulator's virtual clock and event queue: events run in (time, sequence) order, so two
// events at the same virtual millisecond run in the order they were scheduled, on every run.
// Nothing here reads a real clock.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace harness::sim {

using sim_ms = std::uint64_t;  // virtual milliseconds since the start of the run

class event_queue {
 public:
  using handler = std::function<void()>;

  sim_ms now() const { return now_; }
  // Schedules `h` at virtual time `at` (not before now).
  void schedule(sim_ms at, handler h);
  void after(sim_ms delay, handler h) { schedule(now_ + delay, std::move(h)); }
  // Runs events due up to `until` (inclusive), at most `max_events` of them; the clock ends
  // at `until` unless the event budget ran out first. Returns the number of events run.
  std::uint64_t run_until(sim_ms until, std::uint64_t max_events);
  // The same, but it also stops after an event that leaves `stop` true: then the clock stays
  // at that event's time. For drivers that look at the world between events.
  std::uint64_t run_until(sim_ms until, std::uint64_t max_events, const bool& stop);
  bool empty() const { return events_.empty(); }
  std::size_t size() const { return events_.size(); }
  std::uint64_t events_run() const { return events_run_; }

 private:
  struct event {
    sim_ms at;
    std::uint64_t seq;
    handler h;
  };
  // A binary heap on a vector (not std::priority_queue, whose top() cannot be moved from): the
  // earliest (time, sequence) first.
  struct later {
    bool operator()(const event& a, const event& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  std::vector<event> events_;
  sim_ms now_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t events_run_ = 0;
};

}  // namespace harness::sim
