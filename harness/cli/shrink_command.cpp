// `mqtt-harness shrink FILE [-o OUT]`: reduces a failing run to fewer faults and a shorter chaos
// phase that still fail with the same first rule (Zeller's ddmin over the fault schedule).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/sim_command.hpp"
#include "cli/sim_support.hpp"
#include "sim/run.hpp"

namespace harness::cli {
namespace {

// Each run is a whole simulation; the bound keeps a shrink of a long schedule to minutes.
constexpr std::size_t shrink_runs_max = 2'000;
constexpr auto progress_interval = std::chrono::seconds(2);

constexpr std::string_view usage =
    "usage: mqtt-harness shrink FILE [-o OUT]\n"
    "  Takes a failing replay file and looks for a smaller run that fails with the same first\n"
    "  rule: delta debugging over the fault schedule (removing halves, quarters, ... single\n"
    "  faults), then a shorter chaos phase (faults at or after its end are dropped). Seed,\n"
    "  workload, profile and planted bug stay. At most 2000 runs. Writes the smallest failing\n"
    "  run to OUT (default: FILE with .shrunk.replay in place of .replay).\n"
    "  Exit status: 0 a shrunk file was written, 1 it could not be written, 2 usage error,\n"
    "  unreadable or malformed file, or a run that does not fail.\n";

int usage_error(const std::string& message) {
  std::cerr << "mqtt-harness shrink: " << message << "\n" << usage;
  return exit_usage;
}

int plain_error(const std::string& message, int status) {
  std::cerr << "mqtt-harness shrink: " << message << "\n";
  return status;
}

std::string default_output(const std::string& input) {
  constexpr std::string_view suffix = ".replay";
  if (input.ends_with(suffix)) return input.substr(0, input.size() - suffix.size()) + ".shrunk.replay";
  return input + ".shrunk.replay";
}

using fault_set = std::vector<std::size_t>;  // indexes into the original schedule, ascending

// Splits `c` into n nearly equal, contiguous, non-empty chunks (n <= c.size()).
std::vector<fault_set> split(const fault_set& c, std::size_t n) {
  std::vector<fault_set> chunks;
  for (std::size_t k = 0; k < n; ++k) {
    auto first = c.begin() + static_cast<std::ptrdiff_t>(k * c.size() / n);
    auto last = c.begin() + static_cast<std::ptrdiff_t>((k + 1) * c.size() / n);
    chunks.emplace_back(first, last);
  }
  return chunks;
}

fault_set without(const fault_set& c, const fault_set& chunk) {
  fault_set rest;
  std::set_difference(c.begin(), c.end(), chunk.begin(), chunk.end(), std::back_inserter(rest));
  return rest;
}

class shrinker {
 public:
  // `base` gives everything but the faults, which come from `original`.
  shrinker(sim::run_config base, sim::fault_schedule original, std::string rule)
      : base_(std::move(base)), original_(std::move(original)), rule_(std::move(rule)), chaos_ms_(base_.chaos_ms) {
    for (std::size_t i = 0; i < original_.size(); ++i) current_.push_back(i);
    last_progress_ = std::chrono::steady_clock::now();
  }

  // Records the original run, already known to fail with the rule.
  void seed_cache(std::uint64_t trace_hash) {
    tried_[{current_, chaos_ms_}] = verdict{true, trace_hash};
    runs_ = 1;
  }

  void shrink() {
    const sim::sim_ms chaos_before = chaos_ms_;
    ddmin();
    shorten_chaos();
    if (chaos_ms_ != chaos_before && !current_.empty()) ddmin();
  }

  sim::fault_schedule schedule() const {
    sim::fault_schedule s;
    for (std::size_t i : current_) s.push_back(original_[i]);
    return s;
  }
  sim::sim_ms chaos_ms() const { return chaos_ms_; }
  std::uint64_t trace_hash() const { return tried_.at({current_, chaos_ms_}).trace_hash; }
  std::size_t runs() const { return runs_; }
  bool bound_hit() const { return bound_hit_; }

 private:
  struct verdict {
    bool same_rule = false;
    std::uint64_t trace_hash = 0;
  };

  // Whether the run with these faults and this chaos phase still fails with the rule. Past the
  // run bound every untried candidate counts as passing, which ends the search.
  bool still_fails(const fault_set& faults, sim::sim_ms chaos_ms) {
    auto key = std::pair{faults, chaos_ms};
    if (auto it = tried_.find(key); it != tried_.end()) return it->second.same_rule;
    if (runs_ >= shrink_runs_max) {
      bound_hit_ = true;
      return false;
    }
    ++runs_;
    sim::run_config c = base_;
    c.chaos_ms = chaos_ms;
    sim::fault_schedule schedule;
    for (std::size_t i : faults) schedule.push_back(original_[i]);
    c.schedule = std::move(schedule);
    verdict v;
    try {
      sim::run_result r = sim::run_one(c);
      v = {!r.violations.empty() && r.violations.front().rule == rule_, r.trace_hash};
    } catch (const std::exception&) {
      v = {false, 0};  // a different failure than the one being shrunk
    }
    tried_.emplace(std::move(key), v);
    report_progress(faults.size());
    return v.same_rule;
  }

  void accept(fault_set faults, sim::sim_ms chaos_ms) {
    current_ = std::move(faults);
    chaos_ms_ = chaos_ms;
    std::cout << "shrink: " << count_of(runs_, "run") << " tried: " << count_of(current_.size(), "fault") << ", chaos "
              << format_seconds(chaos_ms_) << " s\n"
              << std::flush;
  }

  void report_progress(std::size_t trying) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_progress_ < progress_interval) return;
    last_progress_ = now;
    std::cerr << "shrink: " << count_of(runs_, "run") << " tried, " << count_of(current_.size(), "fault")
              << ", trying " << trying << "\n";
  }

  void ddmin() {
    if (current_.empty()) return;
    if (still_fails({}, chaos_ms_)) {
      accept({}, chaos_ms_);
      return;
    }
    std::size_t n = 2;
    while (current_.size() >= 2 && !bound_hit_) {
      n = std::min(n, current_.size());
      std::vector<fault_set> chunks = split(current_, n);
      std::optional<fault_set> smaller;
      std::size_t next_n = n;
      for (const fault_set& chunk : chunks) {
        if (still_fails(chunk, chaos_ms_)) {
          smaller = chunk;
          next_n = 2;
          break;
        }
      }
      // With two chunks each complement is the other chunk, already tried.
      for (std::size_t k = 0; !smaller && n > 2 && k < chunks.size(); ++k) {
        fault_set rest = without(current_, chunks[k]);
        if (still_fails(rest, chaos_ms_)) {
          smaller = std::move(rest);
          next_n = std::max<std::size_t>(n - 1, 2);
        }
      }
      if (smaller) {
        accept(std::move(*smaller), chaos_ms_);
        n = next_n;
      } else if (n >= current_.size()) {
        break;
      } else {
        n = std::min(n * 2, current_.size());
      }
    }
  }

  // Halves the chaos phase while the run still fails, then tries ever smaller cuts.
  void shorten_chaos() {
    sim::sim_ms step = chaos_ms_ / 2;
    while (step >= 1 && !bound_hit_) {
      if (chaos_ms_ > step) {
        const sim::sim_ms shorter = chaos_ms_ - step;
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

  const sim::run_config base_;
  const sim::fault_schedule original_;
  const std::string rule_;
  fault_set current_;
  sim::sim_ms chaos_ms_;
  std::map<std::pair<fault_set, sim::sim_ms>, verdict> tried_;
  std::size_t runs_ = 0;
  bool bound_hit_ = false;
  std::chrono::steady_clock::time_point last_progress_;
};

}  // namespace

int shrink_command(std::span<const std::string_view> args) {
  std::optional<std::string> file;
  std::optional<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      return exit_pass;
    }
    if (a == "-o" || a == "--out") {
      if (i + 1 == args.size() || args[i + 1].empty()) return usage_error(std::string(a) + " needs a file name");
      out = std::string(args[++i]);
    } else if (a.starts_with("--out=")) {
      if (a.size() == 6) return usage_error("--out needs a file name");
      out = std::string(a.substr(6));
    } else if (a.starts_with("-") && a.size() > 1) {
      return usage_error("unknown option " + std::string(a));
    } else if (file) {
      return usage_error("one replay file at a time");
    } else {
      file = std::string(a);
    }
  }
  if (!file) return usage_error("which replay file?");
  if (!out) out = default_output(*file);

  std::string error;
  std::optional<sim::replay_file> replay = load_replay(*file, error);
  if (!replay) return plain_error(error, exit_usage);

  sim::run_result first;
  try {
    first = sim::run_one(replay->config);
  } catch (const std::invalid_argument& e) {
    return plain_error(*file + ": " + e.what(), exit_usage);
  } catch (const std::exception& e) {
    return plain_error(std::string("the run threw: ") + e.what(), exit_usage);
  }
  if (first.passed) {
    return plain_error(*file + " does not fail (trace-hash " + sim::hex64(first.trace_hash) +
                           "): nothing to shrink",
                       exit_usage);
  }
  const std::string rule = first.violations.front().rule;
  if (!replay->first_rule.empty() && replay->first_rule != rule) {
    std::cerr << "mqtt-harness shrink: the file recorded rule '" << replay->first_rule << "', the run now fails '"
              << rule << "' first; shrinking for '" << rule << "'\n";
  }
  const sim::fault_schedule original = first.schedule;
  const std::size_t faults_before = original.size();
  const sim::sim_ms chaos_before = replay->config.chaos_ms;
  std::cout << "shrink: " << *file << " fails with " << rule << ": " << count_of(faults_before, "fault") << ", chaos "
            << format_seconds(chaos_before) << " s\n";

  shrinker s(replay->config, original, rule);
  s.seed_cache(first.trace_hash);
  s.shrink();

  std::cout << "shrunk in " << count_of(s.runs(), "run") << ": " << count_of(s.schedule().size(), "fault") << " (from "
            << faults_before << "), chaos " << format_seconds(s.chaos_ms()) << " s (from "
            << format_seconds(chaos_before) << " s), still failing " << rule << "\n";
  if (s.bound_hit()) {
    std::cout << "shrink: stopped at the bound of " << shrink_runs_max
              << " runs; the result still fails but may not be minimal\n";
  }
  std::cout << "faults:\n";
  print_schedule(std::cout, s.schedule(), "  ");

  sim::replay_file shrunk;
  shrunk.config = replay->config;
  shrunk.config.traffic = nullptr;
  shrunk.config.chaos_ms = s.chaos_ms();
  shrunk.config.schedule = s.schedule();
  shrunk.trace_hash = s.trace_hash();
  shrunk.first_rule = rule;
  if (!write_file(*out, sim::to_json(shrunk), error)) return plain_error(error, exit_fail);
  std::cout << "wrote " << *out << "\n"
            << "replay: mqtt-harness replay " << shell_word(*out) << "\n";
  return exit_pass;
}

}  // namespace harness::cli
