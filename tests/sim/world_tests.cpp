// Whole simulated runs: determinism, fault schedules and their JSON form, clean runs of every
// profile and workload, and that every planted broker bug is caught with the rule it breaks.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <set>

#include "mqtt/broker/planted.hpp"
#include "sim/run.hpp"

namespace bdata = boost::unit_test::data;
using namespace harness::sim;

namespace {

const std::vector<std::string> profile_names{"none", "flaky", "lossy", "partition", "crash", "chaos"};

std::string first_rule(const run_result& r) {
  return r.violations.empty() ? std::string("(none)") : r.violations.front().rule;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_world)

// The checkers learn what each client was promised from facts_of(): versions, sessions,
// wills on their own topics, which subscriptions come and go and which are shared.
BOOST_AUTO_TEST_CASE(facts_of_tells_the_checkers_what_each_client_was_promised) {
  const workload& standard = *find_workload("standard");
  harness::check::run_facts f = facts_of(standard);
  BOOST_TEST(f.topics == standard.topics, boost::test_tools::per_element());
  BOOST_TEST(f.filters == standard.filters, boost::test_tools::per_element());
  BOOST_TEST(f.will_topic_prefix == "will/");
  BOOST_TEST(!f.event_budget_exhausted);
  BOOST_TEST_REQUIRE(f.clients.size() == standard.clients.size());
  for (std::size_t i = 0; i < f.clients.size(); ++i) {
    const client_spec& spec = standard.clients[i];
    const harness::check::client_facts& c = f.clients[i];
    BOOST_TEST_CONTEXT("client " << spec.name) {
      BOOST_TEST(c.name == spec.name);
      BOOST_TEST((c.version == spec.version));
      BOOST_TEST(c.persistent == spec.persistent);
      BOOST_TEST(c.session_expiry_s == spec.session_expiry_s);
      BOOST_TEST(c.will.has_value() == spec.will);
      if (c.will) {
        BOOST_TEST(f.topics.at(c.will->topic) == "will/" + spec.name);
        BOOST_TEST(c.will->qos == spec.will_qos);
        BOOST_TEST(c.will->delay_s == spec.will_delay_s);
      }
      BOOST_TEST_REQUIRE(c.subscriptions.size() == spec.subscriptions.size());
      for (std::size_t s = 0; s < c.subscriptions.size(); ++s) {
        BOOST_TEST(c.subscriptions[s].filter == spec.subscriptions[s].filter);
        BOOST_TEST(c.subscriptions[s].cycled == (spec.subscriptions[s].cycle_max_ms != 0));
      }
      BOOST_TEST(!c.raw_peer);
    }
  }
  BOOST_TEST(f.clients[1].subscriptions[1].cycled);  // c1's u/# comes and goes
  harness::check::run_facts shared = facts_of(*find_workload("shared"));
  BOOST_TEST(shared.clients[0].subscriptions.at(0).share_group == "g");
  harness::check::run_facts malformed = facts_of(*find_workload("malformed"));
  BOOST_TEST(malformed.clients.back().raw_peer);
  BOOST_TEST(malformed.clients.back().raw_must_close.text() == "MQTT-3.3.1-4");
}

BOOST_DATA_TEST_CASE(schedules_are_drawn_from_the_seed_and_sorted, bdata::make(profile_names),
                     name) {
  const fault_profile* p = find_fault_profile(name);
  BOOST_TEST_REQUIRE(p != nullptr);
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    BOOST_TEST_CONTEXT("seed=" << seed) {
      fault_schedule a = draw_schedule(*p, seed, 10'000, 5);
      BOOST_TEST((a == draw_schedule(*p, seed, 10'000, 5)));
      for (std::size_t i = 1; i < a.size(); ++i) BOOST_TEST(a[i - 1].at_ms <= a[i].at_ms);
      for (const fault& f : a) {
        BOOST_TEST(f.at_ms < 10'000u);
        BOOST_TEST(f.target < 5u);
      }
      if (name == "none") BOOST_TEST(a.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(every_fault_kind_occurs_in_chaos) {
  std::set<fault_kind> seen;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    for (const fault& f : draw_schedule(*find_fault_profile("chaos"), seed, 10'000, 5)) {
      seen.insert(f.kind);
    }
  }
  BOOST_TEST(seen.size() == 9u);
}

BOOST_AUTO_TEST_CASE(replay_file_round_trips_through_json) {
  replay_file r;
  r.config.seed = 12345678901234ULL;
  r.config.workload = "standard";
  r.config.profile = "chaos";
  r.config.chaos_ms = 7'500;
  r.config.planted_bug = "forget-retained";
  r.config.schedule = draw_schedule(*find_fault_profile("chaos"), 9, 10'000, 5);
  BOOST_TEST_REQUIRE(!r.config.schedule->empty());
  r.trace_hash = 0xfedcba9876543210ULL;
  r.first_rule = "retained-missing";
  replay_file back = replay_from_json(to_json(r));
  BOOST_TEST(back.config.seed == r.config.seed);
  BOOST_TEST(back.config.workload == r.config.workload);
  BOOST_TEST(back.config.profile == r.config.profile);
  BOOST_TEST(back.config.chaos_ms == r.config.chaos_ms);
  BOOST_TEST(back.config.drain_ms == r.config.drain_ms);
  BOOST_TEST(back.config.planted_bug == r.config.planted_bug);
  BOOST_TEST((*back.config.schedule == *r.config.schedule));
  BOOST_TEST(back.trace_hash == r.trace_hash);
  BOOST_TEST(back.first_rule == r.first_rule);
}

BOOST_AUTO_TEST_CASE(malformed_replay_files_are_refused_with_a_reason) {
  BOOST_CHECK_THROW(replay_from_json("not json"), std::invalid_argument);
  BOOST_CHECK_THROW(replay_from_json("{}"), std::invalid_argument);
  BOOST_CHECK_THROW(replay_from_json(R"({"format":"mqtt-harness-replay","version":1,"seed":-1})"),
                    std::invalid_argument);
  replay_file one_fault;
  one_fault.config.schedule = fault_schedule{fault{}};
  std::string bad_kind = to_json(one_fault);
  bad_kind.replace(bad_kind.find("\"reset\""), 7, "\"melt\"");
  BOOST_CHECK_THROW(replay_from_json(bad_kind), std::invalid_argument);
}

BOOST_DATA_TEST_CASE(the_same_seed_gives_the_same_trace, bdata::make(profile_names), name) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    BOOST_TEST_CONTEXT("profile=" << name << " seed=" << seed) {
      run_config c;
      c.seed = seed;
      c.profile = name;
      run_result a = run_one(c);
      run_result b = run_one(c);
      BOOST_TEST(a.trace_hash == b.trace_hash);
      BOOST_TEST(a.events == b.events);
      c.seed = seed + 1000;
      BOOST_TEST(run_one(c).trace_hash != a.trace_hash);
      // Replaying the drawn schedule explicitly is the same run.
      c.seed = seed;
      c.schedule = a.schedule;
      BOOST_TEST(run_one(c).trace_hash == a.trace_hash);
    }
  }
}

BOOST_AUTO_TEST_CASE(runs_do_real_work) {
  run_config c;
  c.seed = 3;
  run_result r = run_one(c, true);
  BOOST_TEST(r.passed);
  BOOST_TEST(r.simulated_ms == 20'000u);
  BOOST_TEST(r.events > 500u);
  std::size_t delivered = 0;
  for (const std::string& line : r.history) delivered += line.find(" delivered ") != std::string::npos;
  BOOST_TEST(delivered > 100u);
}

BOOST_DATA_TEST_CASE(the_reference_broker_passes_every_profile_and_workload,
                     bdata::make(profile_names) * bdata::make({"standard", "small", "shared", "malformed"}),
                     profile, workload) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    run_config c;
    c.seed = seed;
    c.profile = profile;
    c.workload = workload;
    run_result r = run_one(c);
    BOOST_TEST_CONTEXT("mqtt-harness sim --workload " << workload << " --faults " << profile
                                                      << " --seed " << seed) {
      BOOST_TEST(r.passed, "first violation: " << first_rule(r) << " "
                                               << (r.violations.empty() ? "" : r.violations[0].message));
    }
  }
}

// Each planted bug is caught within 200 seeds of the default sweep, by the rule it breaks.
BOOST_DATA_TEST_CASE(planted_bugs_are_caught_by_their_rule,
                     bdata::make(std::vector<std::string>{
                         "drop-offline-qos1", "qos2-duplicate-on-reconnect",
                         "will-after-normal-disconnect", "no-will-on-keepalive-timeout",
                         "forget-retained", "reorder-topic", "deliver-after-unsubscribe"}) ^
                         bdata::make(std::vector<std::string>{
                             "qos1-lost", "qos2-duplicate", "will-after-disconnect",
                             "will-missing", "retained-missing", "order",
                             "delivered-after-unsubscribe"}),
                     bug, rule) {
  BOOST_TEST(mqtt::broker::planted_bug_from_string(bug).has_value());
  std::optional<std::uint64_t> caught;
  for (std::uint64_t seed = 1; seed <= 200 && !caught; ++seed) {
    run_config c;
    c.seed = seed;
    c.planted_bug = bug;
    run_result r = run_one(c);
    for (const harness::check::violation& v : r.violations) {
      if (v.rule == rule) caught = seed;
    }
  }
  BOOST_TEST_MESSAGE(bug << ": first caught at seed " << (caught ? std::to_string(*caught) : "-"));
  BOOST_TEST(caught.has_value(), bug << " was not caught by " << rule << " in 200 seeds");
}

BOOST_AUTO_TEST_SUITE_END()
