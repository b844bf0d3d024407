// The runner on a shared broker: hostile cases feed the broker one at a time and a broker that
// stops answering is blamed on the case whose input came last; the cases after it are not run.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "run/runner.hpp"
#include "script/parse.hpp"

namespace hs = harness::script;
namespace hr = harness::run;

namespace {

// A broker shared by every case that dies once the case named `killer` has acted on it. Every
// case acts once at its start, then waits `wait_ms` before its verdict (a slow close).
class fake_broker final : public hr::target {
 public:
  fake_broker(std::string killer, int wait_ms) : killer_(std::move(killer)), wait_ms_(wait_ms) {}
  std::string name() const override { return "fake"; }
  bool shared() const override { return true; }
  hr::case_run run_case(const hs::scenario& s, const hs::case_context&, hr::case_activity* activity) override {
    if (s.hostile) {
      int now = ++hostile_now_;
      int seen = max_hostile_acting_.load();
      while (now > seen && !max_hostile_acting_.compare_exchange_weak(seen, now)) {}
    }
    int in = ++in_case_;
    int most = max_in_case_.load();
    while (in > most && !max_in_case_.compare_exchange_weak(most, in)) {}
    if (activity) activity->touch();
    if (s.id == killer_) dead_ = true;
    if (s.hostile) --hostile_now_;  // its input is in; what follows is waiting
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms_));
    --in_case_;
    hr::case_run r;
    r.outcome.result = hs::verdict::pass;
    return r;
  }
  std::optional<std::string> probe() override {
    ++probes_;
    if (dead_) return std::string("connection refused");
    return std::nullopt;
  }
  int probes() const { return probes_; }
  int max_hostile_acting() const { return max_hostile_acting_; }
  int max_in_case() const { return max_in_case_; }

 private:
  std::string killer_;
  int wait_ms_;
  std::atomic<bool> dead_{false};
  std::atomic<int> probes_{0};
  std::atomic<int> hostile_now_{0};
  std::atomic<int> max_hostile_acting_{0};
  std::atomic<int> in_case_{0};
  std::atomic<int> max_in_case_{0};
};

std::string hostile(const std::string& id) {
  return "scenario " + id + " \"t\"\nspec MQTT-4.8.0-1\nversion 3.1.1\nopen c\nsend c raw \"c1 00\"\nexpect c closed\n\n";
}

struct fixture {
  hs::parse_result parsed;
  hr::suite s;
  explicit fixture(const std::string& text) : parsed(hs::parse_scenarios(text, "t.scenario")) {
    for (const auto& e : parsed.errors) BOOST_TEST_MESSAGE(e.format());
    BOOST_TEST_REQUIRE(parsed.errors.empty());
    s.scenarios = parsed.scenarios;
  }
  hr::run_result run(hr::target& t, unsigned jobs) {
    hr::run_options o;
    o.prof.versions = {hs::protocol_version::v3_1_1};
    o.jobs = jobs;
    return hr::run_cases(hr::select_cases(s, o), o, t, nullptr);
  }
};

const hr::case_result& find(const hr::run_result& r, const std::string& id) {
  for (const auto& c : r.cases) {
    if (c.sc->id == id) return c;
  }
  throw std::runtime_error("no case " + id);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(runner_tests)

BOOST_AUTO_TEST_CASE(death_is_blamed_on_the_case_whose_input_came_last) {
  fixture f(hostile("h/1") + hostile("h/2") + hostile("h/3") + hostile("h/4"));
  // Each case waits 400 ms for its verdict, longer than the quiet time after which the next
  // one may start: the cases overlap while waiting, yet only h/3 had acted before the probe failed.
  fake_broker broker("h/3", 400);
  auto r = f.run(broker, 4);
  BOOST_TEST(broker.max_hostile_acting() == 1);
  BOOST_TEST(!find(r, "h/1").broker_died);
  BOOST_TEST(hs::to_string(find(r, "h/1").result) == "pass");
  BOOST_TEST(!find(r, "h/2").broker_died);
  BOOST_TEST(find(r, "h/3").broker_died);
  BOOST_TEST(hs::to_string(find(r, "h/3").result) == "fail");
  BOOST_TEST(find(r, "h/3").run.outcome.message.find("stopped answering after this scenario") != std::string::npos);
  // h/4 never reached the dead broker: not its fault, and not a verdict on it either.
  BOOST_TEST(!find(r, "h/4").broker_died);
  BOOST_TEST(hs::to_string(find(r, "h/4").result) == "inconclusive");
  BOOST_TEST(find(r, "h/4").run.outcome.message.find("h/3") != std::string::npos);
  BOOST_TEST(r.liveness_failure.has_value());
  BOOST_TEST(hr::exit_status(r) == 1);
}

BOOST_AUTO_TEST_CASE(hostile_cases_overlap_while_they_wait) {
  std::string text;
  for (int i = 0; i < 6; ++i) text += hostile("h/" + std::to_string(i));
  fixture f(text);
  fake_broker broker("none", 600);
  auto r = f.run(broker, 2);
  BOOST_TEST(broker.max_hostile_acting() == 1);
  for (const auto& c : r.cases) BOOST_TEST(hs::to_string(c.result) == "pass");
  // One probe after each case's input and one at the end.
  BOOST_TEST(broker.probes() == 7);
  // A case is quiet 250 ms after its input and waits 600 ms: the next one starts meanwhile.
  BOOST_TEST(broker.max_in_case() >= 2);
  BOOST_TEST(hr::exit_status(r) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
