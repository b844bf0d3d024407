// `mqtt-harness sim`: a sweep of seeded simulations (workload, fault profile, planted bug) on
// one or more threads, reported in seed order, each failing seed with the command that replays it.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "check/checkers.hpp"
#include "cli/sim_command.hpp"
#include "cli/sim_support.hpp"
#include "mqtt/broker/planted.hpp"
#include "sim/faults.hpp"
#include "sim/run.hpp"
#include "sim/workload.hpp"

namespace harness::cli {
namespace {

namespace json = boost::json;
using steady = std::chrono::steady_clock;

constexpr std::uint64_t seeds_max = 10'000'000;
constexpr unsigned jobs_max = 256;
constexpr std::uint64_t shards_max = 1'000'000;
constexpr double chaos_seconds_max = 3'600;
// Failing seeds whose evidence is kept for the report (the lowest seeds); the others still get
// their first violation's rule and message, and a replay command or file.
constexpr std::size_t failures_with_evidence_max = 1'000;
constexpr auto progress_interval = std::chrono::seconds(1);

constexpr std::string_view usage =
    "usage: mqtt-harness sim [--workload W] [--faults P] [--seeds N | --seed S] [--first-seed S0]\n"
    "                        [--jobs J] [--shard K/N] [--duration SECONDS] [--out DIR]\n"
    "                        [--check-determinism] [--plant BUG] [--pcap FILE] [--verbose]\n"
    "       mqtt-harness sim --list\n"
    "  Runs seeded simulations of the reference broker and clients under a fault schedule and\n"
    "  checks each run's history. Defaults: workload standard, faults flaky, seeds 1..100\n"
    "  (--seeds N from --first-seed S0), a chaos phase of 10 simulated seconds (--duration,\n"
    "  decimals allowed) followed by the drain phase.\n"
    "  --jobs J            run seeds on J threads; the report does not depend on J\n"
    "  --shard K/N         run only the seeds whose index i in the sweep has i % N == K-1\n"
    "  --out DIR           write DIR/summary.json and DIR/seed-S.replay for each failing seed\n"
    "  --check-determinism run every seed twice; a trace-hash difference fails the seed\n"
    "                      (both runs count in the events and simulated seconds)\n"
    "  --plant BUG         plant a broker bug (see --list)\n"
    "  --pcap FILE         with a single seed: write the run's traffic as a pcap file\n"
    "  --verbose           with a single seed: print the fault schedule and the whole history\n"
    "  --list              list workloads, fault profiles, planted bugs and checker rules\n"
    "  Exit status: 0 every seed passed, 1 a seed failed, 2 usage error.\n";

struct sim_options {
  std::string workload = "standard";
  std::string profile = "flaky";
  std::string planted_bug;
  std::uint64_t first_seed = 1;
  std::uint64_t seed_count = 100;
  bool seed_given = false;
  bool seeds_given = false;
  bool first_seed_given = false;
  unsigned jobs = 1;
  std::uint64_t shard_index = 0;  // K-1
  std::uint64_t shard_count = 1;
  sim::sim_ms chaos_ms = sim::run_config{}.chaos_ms;
  std::optional<std::string> out_dir;
  bool check_determinism = false;
  std::optional<std::string> pcap_file;
  bool verbose = false;
  bool list = false;
  bool help = false;
};

int usage_error(const std::string& message) {
  std::cerr << "mqtt-harness sim: " << message << "\n" << usage;
  return exit_usage;
}

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_flag(std::string_view a) {
  return a == "--check-determinism" || a == "--verbose" || a == "--list" || a == "--help" || a == "-h";
}

// Parses one option (and its value); returns an error message or nothing.
std::optional<std::string> parse_option(std::string_view name, std::optional<std::string_view> value,
                                        sim_options& o) {
  if (is_flag(name)) {
    if (value) return std::string(name) + " takes no value";
    if (name == "--check-determinism") o.check_determinism = true;
    if (name == "--verbose") o.verbose = true;
    if (name == "--list") o.list = true;
    if (name == "--help" || name == "-h") o.help = true;
    return std::nullopt;
  }
  static constexpr std::string_view valued[] = {"--workload", "--faults", "--seeds", "--seed",
                                                "--first-seed", "--jobs", "--shard", "--duration",
                                                "--out", "--plant", "--pcap"};
  if (std::find(std::begin(valued), std::end(valued), name) == std::end(valued)) {
    return "unknown option " + std::string(name);
  }
  if (!value) return std::string(name) + " needs a value";
  std::string_view v = *value;
  if (name == "--workload") {
    o.workload = std::string(v);
  } else if (name == "--faults") {
    o.profile = std::string(v);
  } else if (name == "--plant") {
    o.planted_bug = std::string(v);
  } else if (name == "--out") {
    if (v.empty()) return "--out needs a directory";
    o.out_dir = std::string(v);
  } else if (name == "--pcap") {
    if (v.empty()) return "--pcap needs a file name";
    o.pcap_file = std::string(v);
  } else if (name == "--seeds") {
    auto n = number<std::uint64_t>(v);
    if (!n || *n == 0 || *n > seeds_max) {
      return "--seeds takes a count from 1 to " + std::to_string(seeds_max);
    }
    o.seed_count = *n;
    o.seeds_given = true;
  } else if (name == "--seed" || name == "--first-seed") {
    auto s = number<std::uint64_t>(v);
    if (!s) return std::string(name) + " takes an unsigned 64-bit seed";
    o.first_seed = *s;
    if (name == "--seed") {
      o.seed_given = true;
      o.seed_count = 1;
    } else {
      o.first_seed_given = true;
    }
  } else if (name == "--jobs") {
    auto j = number<unsigned>(v);
    if (!j || *j == 0 || *j > jobs_max) return "--jobs takes a count from 1 to " + std::to_string(jobs_max);
    o.jobs = *j;
  } else if (name == "--shard") {
    std::size_t slash = v.find('/');
    auto k = number<std::uint64_t>(v.substr(0, slash));
    auto n = slash == std::string_view::npos ? std::nullopt : number<std::uint64_t>(v.substr(slash + 1));
    if (!k || !n || *k == 0 || *n == 0 || *k > *n || *n > shards_max) {
      return "--shard takes K/N with 1 <= K <= N <= " + std::to_string(shards_max);
    }
    o.shard_index = *k - 1;
    o.shard_count = *n;
  } else if (name == "--duration") {
    auto ms = parse_seconds(v, chaos_seconds_max);
    if (!ms) return "--duration takes simulated seconds (decimals allowed) from 0.001 to 3600";
    o.chaos_ms = *ms;
  }
  return std::nullopt;
}

std::optional<std::string> parse_args(std::span<const std::string_view> args, sim_options& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (!a.starts_with("-")) return "unexpected argument " + std::string(a);
    std::string_view name = a;
    std::optional<std::string_view> value;
    if (std::size_t eq = a.find('='); a.starts_with("--") && eq != std::string_view::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    } else if (!is_flag(a) && i + 1 < args.size()) {
      value = args[++i];
    }
    if (auto error = parse_option(name, value, o)) return error;
  }
  return std::nullopt;
}

std::optional<std::string> validate(const sim_options& o) {
  if (!sim::find_workload(o.workload)) return "unknown workload '" + o.workload + "' (sim --list shows them)";
  if (!sim::find_fault_profile(o.profile)) {
    return "unknown fault profile '" + o.profile + "' (sim --list shows them)";
  }
  if (!o.planted_bug.empty() && !mqtt::broker::planted_bug_from_string(o.planted_bug)) {
    return "unknown planted bug '" + o.planted_bug + "' (sim --list shows them)";
  }
  if (o.seed_given && (o.seeds_given || o.first_seed_given)) {
    return "--seed runs one seed: it does not go with --seeds or --first-seed";
  }
  if (o.first_seed > UINT64_MAX - (o.seed_count - 1)) return "the seeds run past 2^64 - 1";
  if ((o.pcap_file || o.verbose) && o.seed_count != 1) {
    return std::string(o.pcap_file ? "--pcap" : "--verbose") + " needs a single seed (--seed S)";
  }
  return std::nullopt;
}

std::uint64_t seed_count_in_shard(const sim_options& o) {
  if (o.seed_count <= o.shard_index) return 0;
  return (o.seed_count - o.shard_index + o.shard_count - 1) / o.shard_count;
}

void print_name_list(std::string_view name, std::string_view description) {
  std::string padded(name);
  padded.resize(std::max<std::size_t>(padded.size() + 2, 32), ' ');
  std::cout << "  " << padded << description << "\n";
}

int list_everything() {
  std::cout << "workloads:\n";
  for (const sim::workload& w : sim::workloads()) print_name_list(w.name, w.description);
  std::cout << "fault profiles:\n";
  for (const sim::fault_profile& p : sim::fault_profiles()) print_name_list(p.name, p.description);
  std::cout << "planted bugs:\n";
  for (mqtt::broker::planted_bug b : mqtt::broker::all_planted_bugs()) {
    print_name_list(mqtt::broker::to_string(b), mqtt::broker::describe(b));
  }
  std::cout << "checker rules:\n";
  for (const check::rule_info& r : check::rules()) {
    print_name_list(r.name, check::describe_statements(r) + ": " + std::string(r.summary));
  }
  return exit_pass;
}

struct seed_outcome {
  std::uint64_t seed = 0;
  bool ran = false;  // false: the run threw before it gave a result
  bool passed = true;
  std::uint64_t trace_hash = 0;
  std::optional<std::uint64_t> second_hash;  // set when the second run's hash differs
  std::uint64_t events = 0;
  sim::sim_ms simulated_ms = 0;
  std::vector<check::violation> violations;
  sim::fault_schedule schedule;
  std::vector<std::string> history;
};

sim::run_config config_for(const sim_options& o, std::uint64_t seed) {
  sim::run_config c;
  c.seed = seed;
  c.workload = o.workload;
  c.profile = o.profile;
  c.chaos_ms = o.chaos_ms;
  c.planted_bug = o.planted_bug;
  return c;
}

seed_outcome run_seed(const sim_options& o, std::uint64_t seed, bool keep_history, sim::traffic_sink* sink) {
  seed_outcome out;
  out.seed = seed;
  sim::run_config cfg = config_for(o, seed);
  cfg.traffic = sink;
  try {
    sim::run_result r = sim::run_one(cfg, keep_history);
    out.ran = true;
    out.trace_hash = r.trace_hash;
    out.events = r.events;
    out.simulated_ms = r.simulated_ms;
    out.violations = std::move(r.violations);
    out.schedule = std::move(r.schedule);
    out.history = std::move(r.history);
    if (o.check_determinism) {
      cfg.traffic = nullptr;
      sim::run_result again = sim::run_one(cfg, false);
      out.events += again.events;
      out.simulated_ms += again.simulated_ms;
      if (again.trace_hash != r.trace_hash) out.second_hash = again.trace_hash;
    }
  } catch (const std::exception& e) {
    out.violations.insert(out.violations.begin(),
                          check::violation{"exception", "harness", std::string("the run threw: ") + e.what(), {}});
  }
  out.passed = out.violations.empty() && !out.second_hash;
  return out;
}

struct failure {
  std::uint64_t seed = 0;
  std::optional<check::violation> first;  // the run's first violation; none for a pure hash mismatch
  std::size_t violation_count = 0;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> hashes;  // first and second run, when they differ
  bool evidence_dropped = false;
  std::string replay_path;  // empty: no replay file
  std::string write_error;
};

std::string replay_path_for(const std::string& dir, std::uint64_t seed) {
  return (std::filesystem::path(dir) / ("seed-" + std::to_string(seed) + ".replay")).string();
}

// Writes the seed's replay file when --out is set; the failure carries its path or the error.
void write_replay(const sim_options& o, const seed_outcome& s, failure& f) {
  if (!o.out_dir || !s.ran) return;
  sim::replay_file r;
  r.config = config_for(o, s.seed);
  r.config.schedule = s.schedule;
  r.trace_hash = s.trace_hash;
  r.first_rule = s.violations.empty() ? "" : s.violations.front().rule;
  std::string path = replay_path_for(*o.out_dir, s.seed);
  if (write_file(path, sim::to_json(r), f.write_error)) f.replay_path = path;
}

class sweep {
 public:
  sweep(const sim_options& o, std::uint64_t total) : o_(o), total_(total) {}

  // Runs every seed of the shard on o.jobs threads while the calling thread reports progress.
  void run(bool keep_single) {
    keep_single_ = keep_single;
    started_ = steady::now();
    std::vector<std::thread> workers;
    const std::uint64_t threads = std::min<std::uint64_t>(o_.jobs, std::max<std::uint64_t>(total_, 1));
    for (std::uint64_t t = 0; t < threads; ++t) workers.emplace_back([this] { work(); });
    report_progress_until_done();
    for (std::thread& w : workers) w.join();
    wall_seconds_ = std::chrono::duration<double>(steady::now() - started_).count();
  }

  std::uint64_t done() const { return done_; }
  std::uint64_t events() const { return events_; }
  sim::sim_ms simulated_ms() const { return simulated_ms_; }
  double wall_seconds() const { return wall_seconds_; }
  const std::map<std::uint64_t, failure>& failures() const { return failures_; }
  std::optional<seed_outcome>& single() { return single_; }
  void set_sink(sim::traffic_sink* sink) { sink_ = sink; }

 private:
  std::uint64_t seed_at(std::uint64_t k) const { return o_.first_seed + o_.shard_index + k * o_.shard_count; }

  void work() {
    for (;;) {
      std::uint64_t k = next_.fetch_add(1);
      if (k >= total_) return;
      seed_outcome s = run_seed(o_, seed_at(k), keep_single_ && o_.verbose, keep_single_ ? sink_ : nullptr);
      record(std::move(s));
    }
  }

  void record(seed_outcome s) {
    std::optional<failure> f;
    if (!s.passed) {
      f.emplace();
      f->seed = s.seed;
      f->violation_count = s.violations.size();
      if (!s.violations.empty()) f->first = s.violations.front();
      if (s.second_hash) f->hashes = std::pair{s.trace_hash, *s.second_hash};
      write_replay(o_, s, *f);
    }
    std::lock_guard lock(mutex_);
    events_ += s.events;
    simulated_ms_ += s.simulated_ms;
    ++done_;
    if (f) add_failure(std::move(*f));
    if (keep_single_) single_ = std::move(s);
    if (done_ == total_) done_cv_.notify_all();
  }

  // Keeps evidence only for the lowest failing seeds, so memory stays bounded whatever the
  // sweep length and the kept set does not depend on which thread finished first.
  void add_failure(failure f) {
    std::uint64_t seed = f.seed;
    bool has_evidence = f.first && !f.first->evidence.empty();
    failures_.emplace(seed, std::move(f));
    if (!has_evidence) return;
    with_evidence_.insert(seed);
    if (with_evidence_.size() <= failures_with_evidence_max) return;
    std::uint64_t highest = *with_evidence_.rbegin();
    with_evidence_.erase(highest);
    failure& dropped = failures_.at(highest);
    dropped.first->evidence.clear();
    dropped.evidence_dropped = true;
  }

  void report_progress_until_done() {
    const bool tty = isatty(STDERR_FILENO) == 1;
    bool printed = false;
    std::unique_lock lock(mutex_);
    steady::time_point next = started_ + progress_interval;
    while (!done_cv_.wait_until(lock, next, [this] { return done_ == total_; })) {
      double elapsed = std::chrono::duration<double>(steady::now() - started_).count();
      char rate[32];
      std::snprintf(rate, sizeof rate, "%.1f", static_cast<double>(done_) / elapsed);
      std::cerr << (tty ? "\r" : "") << "sim: " << done_ << "/" << total_ << " seeds, " << failures_.size()
                << " failed, " << rate << " seeds/s" << (tty ? "\033[K" : "\n") << std::flush;
      printed = true;
      next = steady::now() + progress_interval;
    }
    if (printed && tty) std::cerr << "\r\033[K" << std::flush;
  }

  const sim_options& o_;
  const std::uint64_t total_;
  bool keep_single_ = false;
  sim::traffic_sink* sink_ = nullptr;
  std::atomic<std::uint64_t> next_{0};
  std::mutex mutex_;
  std::condition_variable done_cv_;
  std::uint64_t done_ = 0;
  std::uint64_t events_ = 0;
  sim::sim_ms simulated_ms_ = 0;
  std::map<std::uint64_t, failure> failures_;
  std::set<std::uint64_t> with_evidence_;
  std::optional<seed_outcome> single_;
  steady::time_point started_;
  double wall_seconds_ = 0;
};

std::string sim_command_line(const sim_options& o, std::uint64_t seed, bool determinism) {
  std::string c = "mqtt-harness sim --workload " + shell_word(o.workload) + " --faults " + shell_word(o.profile) +
                  " --seed " + std::to_string(seed);
  if (o.chaos_ms != sim::run_config{}.chaos_ms) c += " --duration " + format_seconds(o.chaos_ms);
  if (!o.planted_bug.empty()) c += " --plant " + shell_word(o.planted_bug);
  if (determinism) c += " --check-determinism";
  return c;
}

std::string replay_command_line(const sim_options& o, const failure& f) {
  if (!f.replay_path.empty()) return "mqtt-harness replay " + shell_word(f.replay_path);
  return sim_command_line(o, f.seed, f.hashes.has_value());
}

void print_failure(const sim_options& o, const failure& f) {
  std::cout << "seed " << f.seed << ": FAIL\n";
  if (f.hashes) {
    std::cout << "  not deterministic: seed " << f.seed << " gave trace hash " << sim::hex64(f.hashes->first)
              << " on the first run and " << sim::hex64(f.hashes->second) << " on the second\n";
  }
  if (f.first) {
    print_violation(std::cout, *f.first, "  ");
    if (f.evidence_dropped) std::cout << "      (evidence not kept for this many failures: replay to see it)\n";
    if (f.violation_count > 1) std::cout << "  (and " << count_of(f.violation_count - 1, "more violation") << ")\n";
  }
  if (!f.write_error.empty()) std::cout << "  (" << f.write_error << ")\n";
  std::cout << "  replay: " << replay_command_line(o, f) << "\n";
}

struct rates {
  double seeds_per_s, sim_s_per_wall_s, events_per_s;
};

rates rates_of(const sweep& s) {
  double wall = std::max(s.wall_seconds(), 1e-9);
  return {static_cast<double>(s.done()) / wall, static_cast<double>(s.simulated_ms()) / 1'000 / wall,
          static_cast<double>(s.events()) / wall};
}

void print_summary(const sweep& s) {
  rates r = rates_of(s);
  char line[256];
  std::snprintf(line, sizeof line,
                "summary: %s run, %zu failed\n"
                "  wall %.2f s, simulated %.1f s, %llu events\n"
                "  %.1f seeds/s, %.1f simulated s per wall s, %.0f events/s\n",
                count_of(s.done(), "seed").c_str(), s.failures().size(), s.wall_seconds(),
                static_cast<double>(s.simulated_ms()) / 1'000, static_cast<unsigned long long>(s.events()),
                r.seeds_per_s, r.sim_s_per_wall_s, r.events_per_s);
  std::cout << line;
}

std::string summary_json(const sim_options& o, const sweep& s) {
  rates r = rates_of(s);
  json::object j;
  j["workload"] = o.workload;
  j["profile"] = o.profile;
  j["planted_bug"] = o.planted_bug;
  j["first_seed"] = o.first_seed;
  j["seed_count"] = o.seed_count;
  j["shard"] = std::to_string(o.shard_index + 1) + "/" + std::to_string(o.shard_count);
  j["chaos_seconds"] = static_cast<double>(o.chaos_ms) / 1'000;
  j["drain_seconds"] = static_cast<double>(sim::run_config{}.drain_ms) / 1'000;
  j["check_determinism"] = o.check_determinism;
  j["jobs"] = o.jobs;
  j["seeds"] = s.done();
  j["failed"] = s.failures().size();
  json::array seeds;
  json::array details;
  for (const auto& [seed, f] : s.failures()) {
    seeds.push_back(seed);
    json::object d;
    d["seed"] = seed;
    d["rule"] = f.first ? f.first->rule : (f.hashes ? "determinism" : "");
    d["statement"] = f.first ? f.first->statement : "";
    d["message"] = f.first ? f.first->message : "";
    if (f.hashes) {
      d["trace_hash"] = sim::hex64(f.hashes->first);
      d["second_trace_hash"] = sim::hex64(f.hashes->second);
    }
    d["replay"] = replay_command_line(o, f);
    details.push_back(std::move(d));
  }
  j["failed_seeds"] = std::move(seeds);
  j["failures"] = std::move(details);
  j["wall_seconds"] = s.wall_seconds();
  j["simulated_seconds"] = static_cast<double>(s.simulated_ms()) / 1'000;
  j["events"] = s.events();
  j["seeds_per_second"] = r.seeds_per_s;
  j["simulated_seconds_per_wall_second"] = r.sim_s_per_wall_s;
  j["events_per_second"] = r.events_per_s;
  return json::serialize(j) + "\n";
}

void print_history(const seed_outcome& s) {
  if (!s.ran) return;
  std::cout << "faults:\n";
  print_schedule(std::cout, s.schedule, "  ");
  std::cout << "history:\n";
  for (const std::string& line : s.history) std::cout << "  " << line << "\n";
}

int run_sweep(const sim_options& o) {
  if (o.out_dir) {
    std::error_code ec;
    std::filesystem::create_directories(*o.out_dir, ec);
    if (ec || !std::filesystem::is_directory(*o.out_dir)) {
      return usage_error("cannot create the directory " + *o.out_dir);
    }
  }
  std::optional<pcap_file_sink> pcap;
  if (o.pcap_file) {
    pcap.emplace(*o.pcap_file);
    if (!pcap->is_open()) return usage_error("cannot write " + *o.pcap_file);
  }
  const std::uint64_t total = seed_count_in_shard(o);
  const bool single = o.seed_count == 1;
  sweep s(o, total);
  s.set_sink(pcap ? &*pcap : nullptr);
  try {
    s.run(single);
  } catch (const std::exception& e) {
    std::cerr << "mqtt-harness sim: " << e.what() << "\n";
    return exit_fail;
  }
  bool outputs_ok = true;
  if (single && s.single()) {
    if (o.verbose) print_history(*s.single());
    if (s.single()->passed) std::cout << "seed " << s.single()->seed << ": PASS\n";
  }
  for (const auto& [seed, f] : s.failures()) print_failure(o, f);
  if (single && s.single() && s.single()->ran) {
    std::cout << "trace-hash: " << sim::hex64(s.single()->trace_hash) << "\n";
  }
  if (pcap) {
    if (pcap->finish()) {
      std::cout << "pcap: " << *o.pcap_file << " (" << pcap->packets_written() << " packets)\n";
    } else {
      std::cerr << "mqtt-harness sim: writing " << *o.pcap_file << " failed\n";
      outputs_ok = false;
    }
  }
  print_summary(s);
  if (o.out_dir) {
    std::string error;
    std::string path = (std::filesystem::path(*o.out_dir) / "summary.json").string();
    if (write_file(path, summary_json(o, s), error)) {
      std::cout << "summary: " << path << "\n";
    } else {
      std::cerr << "mqtt-harness sim: " << error << "\n";
      outputs_ok = false;
    }
  }
  return s.failures().empty() && outputs_ok ? exit_pass : exit_fail;
}

}  // namespace

int sim_command(std::span<const std::string_view> args) {
  sim_options o;
  if (auto error = parse_args(args, o)) return usage_error(*error);
  if (o.help) {
    std::cout << usage;
    return exit_pass;
  }
  if (o.list) return list_everything();
  if (auto error = validate(o)) return usage_error(*error);
  return run_sweep(o);
}

}  // namespace harness::cli
