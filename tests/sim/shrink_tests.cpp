// The shrinker: ddmin and the chaos cut on a predicate known in advance, the run bound, and a
// planted broker bug shrunk to a run no larger than the original that fails the same rule.
#include <boost/test/unit_test.hpp>

#include "sim/run.hpp"
#include "sim/shrink.hpp"
#include "sim/sweep.hpp"

using namespace harness::sim;

namespace {

fault reset_at(sim_ms at) {
  fault f;
  f.at_ms = at;
  f.kind = fault_kind::reset;
  return f;
}

// Ten faults at 100, 200, ... 1000 ms in a 10 s chaos phase.
run_config ten_faults() {
  run_config c;
  c.schedule = fault_schedule{};
  for (sim_ms at = 100; at <= 1'000; at += 100) c.schedule->push_back(reset_at(at));
  return c;
}

bool has_fault_at(const fault_schedule& s, sim_ms at) {
  return std::any_of(s.begin(), s.end(), [at](const fault& f) { return f.at_ms == at; });
}

// "Fails" while the faults at 300 and 700 ms are both in the schedule; the hash names the
// schedule's size and chaos phase so the result's hash can be checked.
shrink_trial needs_300_and_700(const run_config& c) {
  bool fails = has_fault_at(*c.schedule, 300) && has_fault_at(*c.schedule, 700);
  return {fails, c.schedule->size() * 1'000'000 + c.chaos_ms};
}

// The first seed of the default sweep that `bug` fails and whose schedule has faults.
std::optional<run_result> first_failure(const std::string& bug, run_config& config) {
  sweep_options o;
  o.planted_bug = bug;
  o.seed_count = 200;
  o.jobs = 2;
  for (const seed_result& s : run_sweep(o).seeds) {
    if (s.passed) continue;
    config = config_for(o, s.seed);
    run_result r = run_one(config);
    if (!r.schedule.empty()) return r;
  }
  return std::nullopt;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_shrink)

BOOST_AUTO_TEST_CASE(ddmin_finds_the_two_faults_that_matter_and_the_chaos_cut_follows) {
  run_config c = ten_faults();
  std::size_t accepted = 0, tried = 0;
  shrink_observer watch;
  watch.accepted = [&accepted](const shrink_step& s) {
    ++accepted;
    BOOST_TEST(s.trying == s.faults);
  };
  watch.tried = [&tried](const shrink_step& s) { tried = s.runs; };
  shrink_result r = shrink(c, 10'010'000, needs_300_and_700, {}, watch);
  BOOST_TEST_REQUIRE(r.schedule.size() == 2u);
  BOOST_TEST(r.schedule[0].at_ms == 300u);
  BOOST_TEST(r.schedule[1].at_ms == 700u);
  // Faults at or after the end of the chaos phase are dropped, so 701 ms is the shortest
  // phase that keeps the fault at 700.
  BOOST_TEST(r.chaos_ms == 701u);
  BOOST_TEST(r.trace_hash == 2'000'701u);
  BOOST_TEST(!r.bound_hit);
  BOOST_TEST(r.runs == tried);  // every run but the original was reported
  BOOST_TEST(accepted > 0u);
  BOOST_TEST(r.runs < 100u);
}

BOOST_AUTO_TEST_CASE(a_run_that_fails_without_faults_shrinks_to_none) {
  run_config c = ten_faults();
  shrink_result r = shrink(c, 1, [](const run_config& x) { return shrink_trial{true, x.chaos_ms}; });
  BOOST_TEST(r.schedule.empty());
  BOOST_TEST(r.chaos_ms == 1u);  // the chaos phase can shrink to 1 ms as well
  BOOST_TEST(r.trace_hash == 1u);
}

BOOST_AUTO_TEST_CASE(the_run_bound_stops_the_search_with_a_failing_run) {
  run_config c = ten_faults();
  shrink_result r = shrink(c, 10'010'000, needs_300_and_700, shrink_bounds{4});
  BOOST_TEST(r.bound_hit);
  BOOST_TEST(r.runs == 4u);
  run_config result = c;
  result.schedule = r.schedule;
  result.chaos_ms = r.chaos_ms;
  BOOST_TEST(needs_300_and_700(result).still_fails);
  BOOST_TEST(r.schedule.size() <= 10u);
}

BOOST_AUTO_TEST_CASE(a_planted_bug_shrinks_to_a_smaller_run_failing_the_same_rule) {
  run_config failing;
  std::optional<run_result> first = first_failure("qos2-duplicate-on-reconnect", failing);
  BOOST_TEST_REQUIRE(first.has_value(), "no seed of 200 fails qos2-duplicate-on-reconnect with faults");
  const std::string rule = first->violations.front().rule;
  BOOST_TEST_CONTEXT("seed=" << failing.seed << " rule=" << rule) {
    failing.schedule = first->schedule;
    shrink_result r = shrink(failing, first->trace_hash, fails_first_with(rule));
    BOOST_TEST_MESSAGE("seed " << failing.seed << " (" << rule << "): " << first->schedule.size() << " faults, "
                               << failing.chaos_ms << " ms chaos shrunk to " << r.schedule.size() << " faults, "
                               << r.chaos_ms << " ms in " << r.runs << " runs");
    BOOST_TEST(r.schedule.size() <= first->schedule.size());
    BOOST_TEST(r.chaos_ms <= failing.chaos_ms);
    BOOST_TEST(r.runs >= 1u);
    BOOST_TEST(r.runs <= shrink_runs_max);
    // Every fault kept is one of the original's, in its order.
    auto at = first->schedule.begin();
    for (const fault& f : r.schedule) {
      at = std::find(at, first->schedule.end(), f);
      BOOST_TEST_REQUIRE((at != first->schedule.end()));
      ++at;
    }
    // The shrunk run fails the same rule first, with the trace hash the shrinker reports.
    run_config shrunk = failing;
    shrunk.schedule = r.schedule;
    shrunk.chaos_ms = r.chaos_ms;
    run_result again = run_one(shrunk);
    BOOST_TEST_REQUIRE(!again.violations.empty());
    BOOST_TEST(again.violations.front().rule == rule);
    BOOST_TEST(again.trace_hash == r.trace_hash);
    // ddmin's result is 1-minimal: without any one of its faults the run no longer fails so.
    BOOST_TEST_REQUIRE(!r.bound_hit);
    for (std::size_t i = 0; i < r.schedule.size(); ++i) {
      run_config fewer = shrunk;
      fewer.schedule->erase(fewer.schedule->begin() + static_cast<std::ptrdiff_t>(i));
      BOOST_TEST(!fails_first_with(rule)(fewer).still_fails, "the run still fails without fault " << i);
    }
    // And the shrinker is deterministic.
    shrink_result twice = shrink(failing, first->trace_hash, fails_first_with(rule));
    BOOST_TEST((twice.schedule == r.schedule));
    BOOST_TEST(twice.chaos_ms == r.chaos_ms);
    BOOST_TEST(twice.trace_hash == r.trace_hash);
    BOOST_TEST(twice.runs == r.runs);
  }
}

BOOST_AUTO_TEST_CASE(the_usual_predicate_is_the_first_rule) {
  run_config c;
  c.seed = 1;
  c.planted_bug = "will-after-normal-disconnect";
  c.profile = "none";
  run_result r = run_one(c);
  BOOST_TEST_REQUIRE(!r.violations.empty());
  shrink_trial same = fails_first_with(r.violations.front().rule)(c);
  BOOST_TEST(same.still_fails);
  BOOST_TEST(same.trace_hash == r.trace_hash);
  BOOST_TEST(!fails_first_with("no-such-rule")(c).still_fails);
  run_config broken = c;
  broken.workload = "no-such-workload";  // run_one throws: a different failure
  BOOST_TEST(!fails_first_with(r.violations.front().rule)(broken).still_fails);
}

BOOST_AUTO_TEST_SUITE_END()
