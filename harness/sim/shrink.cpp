// ddmin over the indexes of the original schedule, with every tried candidate remembered so no
// run is repeated; then halving cuts of the chaos phase, and ddmin again when it got shorter.
#include "sim/shrink.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "mqtt/assert.hpp"
#include "sim/ddmin.hpp"

namespace harness::sim {
namespace {

using fault_set = index_set;  // indexes into the original schedule, ascending

class shrinker {
 public:
  shrinker(const run_config& failing, std::uint64_t trace_hash, const shrink_predicate& still_fails,
           const shrink_bounds& bounds, const shrink_observer& observer)
      : base_(failing),
        original_(*failing.schedule),
        still_fails_(still_fails),
        bounds_(bounds),
        observer_(observer),
        chaos_ms_(failing.chaos_ms) {
    base_.schedule.reset();
    base_.traffic = nullptr;
    for (std::size_t i = 0; i < original_.size(); ++i) current_.push_back(i);
    tried_[{current_, chaos_ms_}] = shrink_trial{true, trace_hash};
    runs_ = 1;
  }

  shrink_result shrink() {
    const sim_ms chaos_before = chaos_ms_;
    ddmin();
    shorten_chaos();
    if (chaos_ms_ != chaos_before && !current_.empty()) ddmin();
    shrink_result r;
    for (std::size_t i : current_) r.schedule.push_back(original_[i]);
    r.chaos_ms = chaos_ms_;
    r.trace_hash = tried_.at({current_, chaos_ms_}).trace_hash;
    r.runs = runs_;
    r.bound_hit = bound_hit_;
    return r;
  }

 private:
  // Whether the run with these faults and this chaos phase still fails the same way. Past the
  // run bound every untried candidate counts as passing, which ends the search.
  bool still_fails(const fault_set& faults, sim_ms chaos_ms) {
    auto key = std::pair{faults, chaos_ms};
    if (auto it = tried_.find(key); it != tried_.end()) return it->second.still_fails;
    if (runs_ >= bounds_.runs_max) {
      bound_hit_ = true;
      return false;
    }
    ++runs_;
    run_config c = base_;
    c.chaos_ms = chaos_ms;
    fault_schedule schedule;
    for (std::size_t i : faults) schedule.push_back(original_[i]);
    c.schedule = std::move(schedule);
    shrink_trial t = still_fails_(c);
    tried_.emplace(std::move(key), t);
    if (observer_.tried) observer_.tried(shrink_step{runs_, current_.size(), chaos_ms_, faults.size()});
    return t.still_fails;
  }

  void accept(fault_set faults, sim_ms chaos_ms) {
    current_ = std::move(faults);
    chaos_ms_ = chaos_ms;
    if (observer_.accepted) observer_.accepted(shrink_step{runs_, current_.size(), chaos_ms_, current_.size()});
  }

  void ddmin() {
    current_ = sim::ddmin(
        current_, [this](const fault_set& f) { return still_fails(f, chaos_ms_); },
        [this](const fault_set& f) { accept(f, chaos_ms_); }, [this] { return bound_hit_; });
  }

  // Halves the chaos phase while the run still fails, then tries ever smaller cuts.
  void shorten_chaos() {
    sim_ms step = chaos_ms_ / 2;
    while (step >= 1 && !bound_hit_) {
      if (chaos_ms_ > step) {
        const sim_ms shorter = chaos_ms_ - step;
        fault_set kept;
        for (std::size_t i : current_) {
          if (original_[i].at_ms < shorter) kept.push_back(i);
        }
        if (still_fails(kept, shorter)) {
          accept(std::move(kept), shorter);
          continue;
        }
      }
      step /= 2;
    }
  }

  run_config base_;
  const fault_schedule original_;
  const shrink_predicate& still_fails_;
  const shrink_bounds bounds_;
  const shrink_observer& observer_;
  fault_set current_;
  sim_ms chaos_ms_;
  std::map<std::pair<fault_set, sim_ms>, shrink_trial> tried_;
  std::size_t runs_ = 0;
  bool bound_hit_ = false;
};

}  // namespace

shrink_predicate fails_first_with(std::string rule) {
  return [rule = std::move(rule)](const run_config& c) {
    try {
      run_result r = run_one(c);
      return shrink_trial{!r.violations.empty() && r.violations.front().rule == rule, r.trace_hash};
    } catch (const std::exception&) {
      return shrink_trial{false, 0};  // a different failure than the one being shrunk
    }
  };
}

shrink_result shrink(const run_config& failing, std::uint64_t trace_hash, const shrink_predicate& still_fails,
                     const shrink_bounds& bounds, const shrink_observer& observer) {
  MQTT_ASSERT(failing.schedule.has_value());
  MQTT_ASSERT(bounds.runs_max >= 1);
  return shrinker(failing, trace_hash, still_fails, bounds, observer).shrink();
}

}  // namespace harness::sim
