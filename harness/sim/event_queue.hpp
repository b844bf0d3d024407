// The simulator's virtual clock and event queue: events run in (time, sequence) order, so two
// events at the same virtual millisecond run in the order they were scheduled, on every run.
// Nothing here reads a real clock.
#pragma once

#include <algorithm>
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
  // Runs the earliest event if it is due by `until`; false when none is. For drivers that
  // look at the world between events.
  bool run_next(sim_ms until) {
    if (events_.empty() || events_.front().at > until) return false;
    std::pop_heap(events_.begin(), events_.end(), later{});
    event e = std::move(events_.back());
    events_.pop_back();
    now_ = e.at;
    e.h();  // may schedule more events
    ++events_run_;
    return true;
  }
  // Moves the clock forward to `t` (never back), as run_until does when it is done.
  void advance_to(sim_ms t) {
    if (t > now_) now_ = t;
  }
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
