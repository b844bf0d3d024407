// The sweep runner: worker threads take the shard's seeds in order from one counter; results
// are filed by seed, so neither the results nor the kept evidence depend on which thread ran what.
#include "sim/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "mqtt/assert.hpp"
#include "mqtt/broker/planted.hpp"
#include "sim/command_line.hpp"
#include "sim/workload.hpp"

namespace harness::sim {
namespace {

namespace json = boost::json;

seed_run run_seed(const sweep_options& o, std::uint64_t seed, bool keep_history, traffic_sink* sink) {
  seed_run out;
  out.result.seed = seed;
  run_config cfg = config_for(o, seed);
  cfg.traffic = sink;
  try {
    run_result r = run_one(cfg, keep_history);
    out.result.ran = true;
    out.result.trace_hash = r.trace_hash;
    out.result.events = r.events;
    out.result.simulated_ms = r.simulated_ms;
    out.violations = std::move(r.violations);
    out.schedule = std::move(r.schedule);
    out.history = std::move(r.history);
    if (o.check_determinism) {
      cfg.traffic = nullptr;
      run_result again = run_one(cfg, false);
      out.result.events += again.events;
      out.result.simulated_ms += again.simulated_ms;
      if (again.trace_hash != r.trace_hash) out.result.second_hash = again.trace_hash;
    }
  } catch (const std::exception& e) {
    out.violations.insert(out.violations.begin(),
                          check::violation{"exception", "harness", std::string("the run threw: ") + e.what(), {}});
  }
  out.result.passed = out.violations.empty() && !out.result.second_hash;
  return out;
}

bool write_text(const std::string& path, const std::string& text, std::string& error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (out) out.close();
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

// Writes the seed's replay file when out_dir is set; the failure carries its path or the error.
void write_replay(const sweep_options& o, const seed_run& s, seed_failure& f) {
  if (!o.out_dir || !s.result.ran) return;
  replay_file r;
  r.config = config_for(o, s.result.seed);
  r.config.schedule = s.schedule;
  r.trace_hash = s.result.trace_hash;
  r.first_rule = s.violations.empty() ? "" : s.violations.front().rule;
  std::string path =
      (std::filesystem::path(*o.out_dir) / ("seed-" + std::to_string(s.result.seed) + ".replay")).string();
  if (write_text(path, to_json(r), f.write_error)) f.replay_path = path;
}

seed_failure failure_of(const sweep_options& o, const seed_run& s) {
  seed_failure f;
  f.seed = s.result.seed;
  f.violation_count = s.violations.size();
  if (!s.violations.empty()) f.first = s.violations.front();
  if (s.result.second_hash) f.hashes = std::pair{s.result.trace_hash, *s.result.second_hash};
  write_replay(o, s, f);
  return f;
}

class sweeper {
 public:
  sweeper(const sweep_options& o, const sweep_progress_callback& progress)
      : o_(o), progress_(progress), total_(seeds_in_shard(o)), single_(o.seed_count == 1) {
    if (o_.keep_seed_results) seeds_.resize(total_);
  }

  sweep_result run() {
    {
      // jthreads join on the way out, also when starting a later one throws.
      std::vector<std::jthread> helpers;
      const std::uint64_t threads = std::min<std::uint64_t>(o_.jobs, total_);
      for (std::uint64_t t = 1; t < threads; ++t) helpers.emplace_back([this] { work(); });
      work();
    }
    MQTT_ASSERT(done_ == total_);
    sweep_result r;
    r.seeds = std::move(seeds_);
    for (auto& [seed, f] : failures_) r.failures.push_back(std::move(f));
    r.summary = {done_, failures_.size(), events_, simulated_ms_};
    r.only = std::move(only_);
    return r;
  }

 private:
  std::uint64_t seed_at(std::uint64_t k) const { return o_.first_seed + o_.shard_index + k * o_.shard_count; }

  void work() {
    for (;;) {
      std::uint64_t k = next_.fetch_add(1);
      if (k >= total_) return;
      seed_run s = run_seed(o_, seed_at(k), single_ && o_.keep_history, single_ ? o_.traffic : nullptr);
      record(k, std::move(s));
    }
  }

  void record(std::uint64_t k, seed_run s) {
    std::optional<seed_failure> f;
    if (!s.result.passed) f = failure_of(o_, s);
    std::lock_guard lock(mutex_);
    events_ += s.result.events;
    simulated_ms_ += s.result.simulated_ms;
    ++done_;
    if (o_.keep_seed_results) seeds_[k] = s.result;
    if (f) add_failure(std::move(*f));
    if (single_) only_ = std::move(s);
    if (progress_) progress_(sweep_progress{done_, total_, failures_.size()});
  }

  // Keeps evidence only for the lowest failing seeds, so memory stays bounded whatever the
  // sweep length and the kept set does not depend on which thread finished first.
  void add_failure(seed_failure f) {
    std::uint64_t seed = f.seed;
    bool has_evidence = f.first && !f.first->evidence.empty();
    failures_.emplace(seed, std::move(f));
    if (!has_evidence) return;
    with_evidence_.insert(seed);
    if (with_evidence_.size() <= failures_with_evidence_max) return;
    std::uint64_t highest = *with_evidence_.rbegin();
    with_evidence_.erase(highest);
    seed_failure& dropped = failures_.at(highest);
    dropped.first->evidence.clear();
    dropped.evidence_dropped = true;
  }

  const sweep_options& o_;
  const sweep_progress_callback& progress_;
  const std::uint64_t total_;
  const bool single_;
  std::atomic<std::uint64_t> next_{0};
  std::mutex mutex_;
  std::uint64_t done_ = 0;
  std::uint64_t events_ = 0;
  sim_ms simulated_ms_ = 0;
  std::vector<seed_result> seeds_;
  std::map<std::uint64_t, seed_failure> failures_;
  std::set<std::uint64_t> with_evidence_;
  std::optional<seed_run> only_;
};

}  // namespace

std::optional<std::string> sweep_options_error(const sweep_options& o) {
  if (!find_workload(o.workload)) return "unknown workload '" + o.workload + "'";
  if (!find_fault_profile(o.profile)) return "unknown fault profile '" + o.profile + "'";
  if (!o.planted_bug.empty() && !mqtt::broker::planted_bug_from_string(o.planted_bug)) {
    return "unknown planted bug '" + o.planted_bug + "'";
  }
  if (o.seed_count == 0 || o.seed_count > seeds_max) return "the seed count is not from 1 to " + std::to_string(seeds_max);
  if (o.first_seed > UINT64_MAX - (o.seed_count - 1)) return "the seeds run past 2^64 - 1";
  if (o.jobs == 0 || o.jobs > jobs_max) return "the job count is not from 1 to " + std::to_string(jobs_max);
  if (o.shard_count == 0 || o.shard_count > shards_max || o.shard_index >= o.shard_count) {
    return "the shard is not K/N with 1 <= K <= N <= " + std::to_string(shards_max);
  }
  if (o.chaos_ms == 0 || o.chaos_ms > chaos_ms_max) {
    return "the chaos phase is not from 1 ms to " + std::to_string(chaos_ms_max) + " ms";
  }
  if ((o.keep_history || o.traffic) && o.seed_count != 1) return "a history or traffic needs a single seed";
  return std::nullopt;
}

std::uint64_t seeds_in_shard(const sweep_options& o) {
  if (o.seed_count <= o.shard_index) return 0;
  return (o.seed_count - o.shard_index + o.shard_count - 1) / o.shard_count;
}

run_config config_for(const sweep_options& o, std::uint64_t seed) {
  run_config c;
  c.seed = seed;
  c.workload = o.workload;
  c.profile = o.profile;
  c.chaos_ms = o.chaos_ms;
  c.planted_bug = o.planted_bug;
  c.persistence = o.persistence;
  return c;
}

sweep_result run_sweep(const sweep_options& o, const sweep_progress_callback& progress) {
  MQTT_ASSERT(!sweep_options_error(o));
  return sweeper(o, progress).run();
}

std::string replay_command_line(const sweep_options& o, const seed_failure& f) {
  if (!f.replay_path.empty()) return "mqtt-harness replay " + shell_word(f.replay_path);
  return sim_command_line(config_for(o, f.seed), f.hashes.has_value());
}

sweep_rates rates_of(const sweep_summary& s, double wall_seconds) {
  double wall = std::max(wall_seconds, 1e-9);
  return {static_cast<double>(s.seeds) / wall, static_cast<double>(s.simulated_ms) / 1'000 / wall,
          static_cast<double>(s.events) / wall};
}

std::string summary_json(const sweep_options& o, const sweep_result& r, double wall_seconds) {
  sweep_rates rates = rates_of(r.summary, wall_seconds);
  json::object j;
  j["workload"] = o.workload;
  j["profile"] = o.profile;
  j["planted_bug"] = o.planted_bug;
  j["persistence"] = o.persistence;
  j["first_seed"] = o.first_seed;
  j["seed_count"] = o.seed_count;
  j["shard"] = std::to_string(o.shard_index + 1) + "/" + std::to_string(o.shard_count);
  j["chaos_seconds"] = static_cast<double>(o.chaos_ms) / 1'000;
  j["drain_seconds"] = static_cast<double>(run_config{}.drain_ms) / 1'000;
  j["check_determinism"] = o.check_determinism;
  j["jobs"] = o.jobs;
  j["seeds"] = r.summary.seeds;
  j["failed"] = r.summary.failed;
  json::array seeds;
  json::array details;
  for (const seed_failure& f : r.failures) {
    seeds.push_back(f.seed);
    json::object d;
    d["seed"] = f.seed;
    d["rule"] = f.first ? f.first->rule : (f.hashes ? "determinism" : "");
    d["statement"] = f.first ? f.first->statement : "";
    d["message"] = f.first ? f.first->message : "";
    if (f.hashes) {
      d["trace_hash"] = hex64(f.hashes->first);
      d["second_trace_hash"] = hex64(f.hashes->second);
    }
    d["replay"] = replay_command_line(o, f);
    details.push_back(std::move(d));
  }
  j["failed_seeds"] = std::move(seeds);
  j["failures"] = std::move(details);
  j["wall_seconds"] = wall_seconds;
  j["simulated_seconds"] = static_cast<double>(r.summary.simulated_ms) / 1'000;
  j["events"] = r.summary.events;
  j["seeds_per_second"] = rates.seeds_per_s;
  j["simulated_seconds_per_wall_second"] = rates.simulated_s_per_wall_s;
  j["events_per_second"] = rates.events_per_s;
  return json::serialize(j) + "\n";
}

}  // namespace harness::sim
