// The sweep runner: results in seed order that depend neither on the thread count nor on the
// sharding, progress per seed, determinism checks, replay files and summary.json.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "sim/run.hpp"
#include "sim/sweep.hpp"

using namespace harness::sim;
namespace fs = std::filesystem;

namespace {

// A sweep with failures to compare: a planted bug under the chaos profile, short runs (as
// tests/cli/sim_test.sh's determinism case).
sweep_options planted_sweep() {
  sweep_options o;
  o.profile = "chaos";
  o.planted_bug = "drop-offline-qos1";
  o.first_seed = 1;
  o.seed_count = 30;
  o.chaos_ms = 3'000;
  return o;
}

// What a failure says, without where its replay file went.
struct failure_view {
  std::uint64_t seed;
  std::string rule, statement, message;
  std::size_t evidence, violation_count;
  bool hashes;
  friend bool operator==(const failure_view&, const failure_view&) = default;
};

std::vector<failure_view> view(const std::vector<seed_failure>& failures) {
  std::vector<failure_view> v;
  for (const seed_failure& f : failures) {
    v.push_back({f.seed, f.first ? f.first->rule : "", f.first ? f.first->statement : "",
                 f.first ? f.first->message : "", f.first ? f.first->evidence.size() : 0, f.violation_count,
                 f.hashes.has_value()});
  }
  return v;
}

std::ostream& operator<<(std::ostream& out, const failure_view& f) { return out << "seed " << f.seed << " " << f.rule; }

}  // namespace

namespace harness::sim {

std::ostream& operator<<(std::ostream& out, const seed_result& s) {
  return out << "seed " << s.seed << " " << (s.passed ? "pass" : "fail") << " " << hex64(s.trace_hash);
}

}  // namespace harness::sim

namespace {

void check_same(const sweep_result& a, const sweep_result& b) {
  BOOST_TEST(a.seeds == b.seeds, boost::test_tools::per_element());
  BOOST_TEST(view(a.failures) == view(b.failures), boost::test_tools::per_element());
  BOOST_TEST(a.summary.seeds == b.summary.seeds);
  BOOST_TEST(a.summary.failed == b.summary.failed);
  BOOST_TEST(a.summary.events == b.summary.events);
  BOOST_TEST(a.summary.simulated_ms == b.summary.simulated_ms);
}

// A fresh directory under the system's temporary one, removed at the end of the test.
struct temp_dir {
  fs::path path;
  explicit temp_dir(const std::string& name) : path(fs::temp_directory_path() / name) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sim_sweep)

BOOST_AUTO_TEST_CASE(results_come_in_seed_order_and_are_those_of_single_runs) {
  sweep_options o = planted_sweep();
  sweep_result r = run_sweep(o);
  BOOST_TEST_REQUIRE(r.seeds.size() == o.seed_count);
  std::size_t failed = 0;
  std::uint64_t events = 0;
  for (std::size_t i = 0; i < r.seeds.size(); ++i) {
    const seed_result& s = r.seeds[i];
    BOOST_TEST_CONTEXT("seed=" << s.seed) {
      BOOST_TEST(s.seed == o.first_seed + i);
      BOOST_TEST(s.ran);
      run_result alone = run_one(config_for(o, s.seed));
      BOOST_TEST(s.trace_hash == alone.trace_hash);
      BOOST_TEST(s.passed == alone.passed);
      BOOST_TEST(s.events == alone.events);
      failed += !s.passed;
      events += s.events;
    }
  }
  // The planted bug fails some seeds and not all, so the comparisons below compare something.
  BOOST_TEST(failed > 0u);
  BOOST_TEST(failed < o.seed_count);
  BOOST_TEST(r.summary.seeds == o.seed_count);
  BOOST_TEST(r.summary.failed == failed);
  BOOST_TEST(r.summary.events == events);
  BOOST_TEST_REQUIRE(r.failures.size() == failed);
  for (std::size_t i = 1; i < r.failures.size(); ++i) BOOST_TEST(r.failures[i - 1].seed < r.failures[i].seed);
  for (const seed_failure& f : r.failures) {
    BOOST_TEST_CONTEXT("seed=" << f.seed) {
      BOOST_TEST_REQUIRE(f.first.has_value());
      BOOST_TEST(f.first->rule == "qos1-lost");
      BOOST_TEST(f.replay_path.empty());  // no out_dir
      BOOST_TEST(!f.evidence_dropped);
    }
  }
  BOOST_TEST(!r.only.has_value());
}

BOOST_AUTO_TEST_CASE(the_thread_count_does_not_change_the_results) {
  sweep_options o = planted_sweep();
  sweep_result one = run_sweep(o);
  o.jobs = 2;
  sweep_result two = run_sweep(o);
  check_same(one, two);
  o.jobs = 7;  // more threads than cores, fewer than seeds
  check_same(one, run_sweep(o));
  BOOST_TEST(!one.failures.empty());
}

BOOST_AUTO_TEST_CASE(shards_together_are_the_whole_sweep) {
  sweep_options o = planted_sweep();
  o.seed_count = 11;  // not a multiple of the shard counts: shards differ in size
  sweep_result whole = run_sweep(o);
  for (std::uint64_t n : {2u, 3u}) {
    BOOST_TEST_CONTEXT("shards=" << n) {
      std::map<std::uint64_t, seed_result> seeds;
      std::vector<seed_failure> failures;
      sweep_summary sum;
      for (std::uint64_t k = 0; k < n; ++k) {
        sweep_options shard = o;
        shard.shard_index = k;
        shard.shard_count = n;
        shard.jobs = 2;
        sweep_result r = run_sweep(shard);
        BOOST_TEST(r.seeds.size() == seeds_in_shard(shard));
        for (const seed_result& s : r.seeds) {
          BOOST_TEST((s.seed - o.first_seed) % n == k);
          BOOST_TEST(seeds.emplace(s.seed, s).second);
        }
        failures.insert(failures.end(), r.failures.begin(), r.failures.end());
        sum.seeds += r.summary.seeds;
        sum.failed += r.summary.failed;
        sum.events += r.summary.events;
        sum.simulated_ms += r.summary.simulated_ms;
      }
      std::vector<seed_result> merged;
      for (auto& [seed, s] : seeds) merged.push_back(s);
      std::sort(failures.begin(), failures.end(), [](const auto& a, const auto& b) { return a.seed < b.seed; });
      sweep_result combined{merged, failures, sum, std::nullopt};
      check_same(whole, combined);
    }
  }
  sweep_options last = o;
  last.shard_index = 2;
  last.shard_count = 3;
  BOOST_TEST(seeds_in_shard(last) == 3u);  // seeds 3, 6, 9 of 1..11
  last.seed_count = 2;
  BOOST_TEST(seeds_in_shard(last) == 0u);
  BOOST_TEST(run_sweep(last).summary.seeds == 0u);
}

BOOST_AUTO_TEST_CASE(progress_comes_once_per_seed) {
  sweep_options o = planted_sweep();
  o.seed_count = 12;
  o.jobs = 3;
  std::vector<sweep_progress> calls;
  sweep_result r = run_sweep(o, [&calls](const sweep_progress& p) { calls.push_back(p); });
  BOOST_TEST_REQUIRE(calls.size() == 12u);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    BOOST_TEST(calls[i].done == i + 1);
    BOOST_TEST(calls[i].total == 12u);
    if (i > 0) BOOST_TEST(calls[i].failed >= calls[i - 1].failed);
  }
  BOOST_TEST(calls.back().failed == r.failures.size());
}

BOOST_AUTO_TEST_CASE(a_determinism_check_runs_every_seed_twice) {
  sweep_options o;
  o.profile = "chaos";
  o.seed_count = 4;
  o.chaos_ms = 2'000;
  sweep_result once = run_sweep(o);
  o.check_determinism = true;
  o.jobs = 2;
  sweep_result twice = run_sweep(o);
  BOOST_TEST(twice.failures.empty());
  BOOST_TEST(twice.summary.events == 2 * once.summary.events);
  BOOST_TEST(twice.summary.simulated_ms == 2 * once.summary.simulated_ms);
  BOOST_TEST_REQUIRE(twice.seeds.size() == once.seeds.size());
  for (std::size_t i = 0; i < once.seeds.size(); ++i) {
    BOOST_TEST(twice.seeds[i].trace_hash == once.seeds[i].trace_hash);
    BOOST_TEST(!twice.seeds[i].second_hash.has_value());
  }
}

BOOST_AUTO_TEST_CASE(a_single_seed_keeps_its_whole_run) {
  sweep_options o;
  o.first_seed = 3;
  o.seed_count = 1;
  o.keep_history = true;
  sweep_result r = run_sweep(o);
  BOOST_TEST_REQUIRE(r.only.has_value());
  run_result alone = run_one(config_for(o, 3), true);
  BOOST_TEST(r.only->result.seed == 3u);
  BOOST_TEST(r.only->result.trace_hash == alone.trace_hash);
  BOOST_TEST((r.only->schedule == alone.schedule));
  BOOST_TEST(r.only->history == alone.history, boost::test_tools::per_element());
  BOOST_TEST(!r.only->history.empty());
}

BOOST_AUTO_TEST_CASE(failing_seeds_get_replay_files_that_replay_them) {
  temp_dir dir("harness-sweep-tests-replays");
  sweep_options o = planted_sweep();
  o.seed_count = 12;
  o.jobs = 2;
  o.out_dir = dir.path.string();
  sweep_result r = run_sweep(o);
  BOOST_TEST_REQUIRE(!r.failures.empty());
  auto files = static_cast<std::size_t>(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()));
  BOOST_TEST(files == r.failures.size());  // none for passing seeds
  for (const seed_failure& f : r.failures) {
    BOOST_TEST_CONTEXT("seed=" << f.seed) {
      BOOST_TEST(f.write_error.empty());
      BOOST_TEST(f.replay_path == (dir.path / ("seed-" + std::to_string(f.seed) + ".replay")).string());
      BOOST_TEST(replay_command_line(o, f) == "mqtt-harness replay " + f.replay_path);
      replay_file back = replay_from_json(read_all(f.replay_path));
      BOOST_TEST(back.config.seed == f.seed);
      BOOST_TEST(back.first_rule == f.first->rule);
      BOOST_TEST(run_one(back.config).trace_hash == back.trace_hash);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_summary_does_not_depend_on_the_threads) {
  sweep_options o = planted_sweep();
  o.seed_count = 10;
  sweep_result one = run_sweep(o);
  std::string a = summary_json(o, one, 1.5);
  o.jobs = 2;
  std::string b = summary_json(o, run_sweep(o), 1.5);
  boost::json::object ja = boost::json::parse(a).as_object();
  boost::json::object jb = boost::json::parse(b).as_object();
  BOOST_TEST(ja["jobs"].to_number<int>() == 1);
  BOOST_TEST(jb["jobs"].to_number<int>() == 2);
  ja.erase("jobs");
  jb.erase("jobs");
  BOOST_TEST(boost::json::serialize(ja) == boost::json::serialize(jb));
  BOOST_TEST(ja["seeds"].to_number<std::size_t>() == 10u);
  BOOST_TEST(ja["failed"].to_number<std::size_t>() == one.failures.size());
  BOOST_TEST(ja["failed_seeds"].as_array().size() == one.failures.size());
  BOOST_TEST(ja["wall_seconds"].as_double() == 1.5);
  const boost::json::object& first = ja["failures"].as_array().at(0).as_object();
  BOOST_TEST(first.at("replay").as_string() ==
             "mqtt-harness sim --workload standard --faults chaos --seed " + std::to_string(one.failures[0].seed) +
                 " --duration 3 --plant drop-offline-qos1");
}

BOOST_AUTO_TEST_CASE(options_out_of_bounds_are_named) {
  BOOST_TEST(!sweep_options_error(sweep_options{}).has_value());
  auto error_with = [](auto change) {
    sweep_options o;
    change(o);
    return sweep_options_error(o).has_value();
  };
  BOOST_TEST(error_with([](sweep_options& o) { o.workload = "nope"; }));
  BOOST_TEST(error_with([](sweep_options& o) { o.profile = "nope"; }));
  BOOST_TEST(error_with([](sweep_options& o) { o.planted_bug = "nope"; }));
  BOOST_TEST(error_with([](sweep_options& o) { o.seed_count = 0; }));
  BOOST_TEST(error_with([](sweep_options& o) { o.seed_count = seeds_max + 1; }));
  BOOST_TEST(error_with([](sweep_options& o) { o.first_seed = UINT64_MAX; }));
  BOOST_TEST(!error_with([](sweep_options& o) {
    o.first_seed = UINT64_MAX;
    o.seed_count = 1;
  }));
  BOOST_TEST(error_with([](sweep_options& o) { o.jobs = 0; }));
  BOOST_TEST(error_with([](sweep_options& o) { o.jobs = jobs_max + 1; }));
  BOOST_TEST(error_with([](sweep_options& o) { o.shard_index = 1; }));
  BOOST_TEST(error_with([](sweep_options& o) { o.shard_count = shards_max + 1; }));
  BOOST_TEST(error_with([](sweep_options& o) { o.chaos_ms = 0; }));
  BOOST_TEST(error_with([](sweep_options& o) { o.chaos_ms = chaos_ms_max + 1; }));
  BOOST_TEST(error_with([](sweep_options& o) { o.keep_history = true; }));
}

BOOST_AUTO_TEST_SUITE_END()
