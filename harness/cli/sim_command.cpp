// `mqtt-harness sim`: the options of a sweep of seeded simulations (workload, fault profile,
// planted bug), run by the sweep library (sim/sweep.hpp), reported in seed order, each failing
// seed with the command that replays it.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "check/checkers.hpp"
#include "cli/options.hpp"
#include "cli/sim_command.hpp"
#include "cli/sim_support.hpp"
#include "mqtt/broker/planted.hpp"
#include "sim/faults.hpp"
#include "sim/run.hpp"
#include "sim/sweep.hpp"
#include "sim/workload.hpp"

namespace harness::cli {
namespace {

using steady = std::chrono::steady_clock;

constexpr auto progress_interval = std::chrono::seconds(1);
constexpr double chaos_seconds_max = static_cast<double>(sim::chaos_ms_max) / 1'000;

constexpr std::string_view description =
    "Runs seeded simulations of the reference broker and clients under a fault schedule and\n"
    "checks each run's history. Defaults: workload standard, faults flaky, seeds 1..100\n"
    "(--seeds N from --first-seed S0), a chaos phase of 10 simulated seconds (--duration,\n"
    "decimals allowed) followed by the drain phase. 'mqtt-harness sim --list' lists the names.";

constexpr std::string_view footer = "Exit status: 0 every seed passed, 1 a seed failed, 2 usage error.";

// A check that a value names one of `what` ("workload", ...), as `known` says.
template <class Known>
CLI::Validator one_of(std::string what, Known known) {
  return CLI::Validator(
      [what, known](std::string& v) {
        return known(v) ? std::string() : "unknown " + what + " '" + v + "' (sim --list shows them)";
      },
      "");
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

// "sim: 40/100 seeds, 2 failed, 12.5 seeds/s" on stderr at most once a second, rewritten in
// place on a terminal.
class progress_line {
 public:
  progress_line() : tty_(isatty(STDERR_FILENO) == 1), started_(steady::now()), next_(started_ + progress_interval) {}

  void operator()(const sim::sweep_progress& p) {
    steady::time_point now = steady::now();
    if (now < next_ || p.done == p.total) return;
    double elapsed = std::chrono::duration<double>(now - started_).count();
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f", static_cast<double>(p.done) / elapsed);
    std::cerr << (tty_ ? "\r" : "") << "sim: " << p.done << "/" << p.total << " seeds, " << p.failed << " failed, "
              << rate << " seeds/s" << (tty_ ? "\033[K" : "\n") << std::flush;
    printed_ = true;
    next_ = now + progress_interval;
  }

  void finish() const {
    if (printed_ && tty_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  const bool tty_;
  const steady::time_point started_;
  steady::time_point next_;
  bool printed_ = false;
};

void print_failure(const sim::sweep_options& o, const sim::seed_failure& f) {
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
  std::cout << "  replay: " << sim::replay_command_line(o, f) << "\n";
}

void print_summary(const sim::sweep_summary& s, double wall_seconds) {
  sim::sweep_rates r = sim::rates_of(s, wall_seconds);
  char line[256];
  std::snprintf(line, sizeof line,
                "summary: %s run, %llu failed\n"
                "  wall %.2f s, simulated %.1f s, %llu events\n"
                "  %.1f seeds/s, %.1f simulated s per wall s, %.0f events/s\n",
                count_of(s.seeds, "seed").c_str(), static_cast<unsigned long long>(s.failed), wall_seconds,
                static_cast<double>(s.simulated_ms) / 1'000, static_cast<unsigned long long>(s.events),
                r.seeds_per_s, r.simulated_s_per_wall_s, r.events_per_s);
  std::cout << line;
}

void print_history(const sim::seed_run& s) {
  if (!s.result.ran) return;
  std::cout << "faults:\n";
  print_schedule(std::cout, s.schedule, "  ");
  std::cout << "history:\n";
  for (const std::string& line : s.history) std::cout << "  " << line << "\n";
}

// Runs the sweep and prints its report; the options are valid.
int sweep_and_report(const CLI::App& app, sim::sweep_options o, const std::optional<std::string>& pcap_file) {
  if (o.out_dir) {
    std::error_code ec;
    std::filesystem::create_directories(*o.out_dir, ec);
    if (ec || !std::filesystem::is_directory(*o.out_dir)) {
      return usage_error(app, "cannot create the directory " + *o.out_dir);
    }
  }
  std::optional<pcap_file_sink> pcap;
  if (pcap_file) {
    pcap.emplace(*pcap_file);
    if (!pcap->is_open()) return usage_error(app, "cannot write " + *pcap_file);
    o.traffic = &*pcap;
  }
  o.keep_seed_results = false;  // the report needs the failures and the counts only
  progress_line progress;
  const steady::time_point started = steady::now();
  sim::sweep_result r;
  try {
    r = sim::run_sweep(o, [&progress](const sim::sweep_progress& p) { progress(p); });
  } catch (const std::exception& e) {
    std::cerr << "mqtt-harness sim: " << e.what() << "\n";
    return exit_fail;
  }
  const double wall_seconds = std::chrono::duration<double>(steady::now() - started).count();
  progress.finish();

  bool outputs_ok = true;
  if (r.only) {
    if (o.keep_history) print_history(*r.only);
    if (r.only->result.passed) std::cout << "seed " << r.only->result.seed << ": PASS\n";
  }
  for (const sim::seed_failure& f : r.failures) print_failure(o, f);
  if (r.only && r.only->result.ran) std::cout << "trace-hash: " << sim::hex64(r.only->result.trace_hash) << "\n";
  if (pcap) {
    if (pcap->finish()) {
      std::cout << "pcap: " << *pcap_file << " (" << pcap->packets_written() << " packets)\n";
    } else {
      std::cerr << "mqtt-harness sim: writing " << *pcap_file << " failed\n";
      outputs_ok = false;
    }
  }
  print_summary(r.summary, wall_seconds);
  if (o.out_dir) {
    std::string error;
    std::string path = (std::filesystem::path(*o.out_dir) / "summary.json").string();
    if (write_file(path, sim::summary_json(o, r, wall_seconds), error)) {
      std::cout << "summary: " << path << "\n";
    } else {
      std::cerr << "mqtt-harness sim: " << error << "\n";
      outputs_ok = false;
    }
  }
  return r.failures.empty() && outputs_ok ? exit_pass : exit_fail;
}

}  // namespace

int sim_command(std::span<const std::string_view> args) {
  CLI::App app{std::string(description), "mqtt-harness sim"};
  app.footer(std::string(footer));
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  sim::sweep_options o;
  std::uint64_t seed = 0;
  std::string out_dir, pcap;
  bool list = false;
  app.add_option("--workload", o.workload, "the clients and what they do")
      ->type_name("W")
      ->capture_default_str()
      ->check(one_of("workload", [](const std::string& v) { return sim::find_workload(v) != nullptr; }));
  app.add_option("--faults", o.profile, "the fault profile")
      ->type_name("P")
      ->capture_default_str()
      ->check(one_of("fault profile", [](const std::string& v) { return sim::find_fault_profile(v) != nullptr; }));
  CLI::Option* seeds = add_number(app, "--seeds", o.seed_count, std::uint64_t{1}, sim::seeds_max,
                                  "run N seeds from --first-seed (default 100)")
                           ->type_name("N");
  CLI::Option* one_seed = add_number(app, "--seed", seed, std::uint64_t{0}, UINT64_MAX,
                                     "run the one seed S", "an unsigned 64-bit seed")
                              ->type_name("S");
  CLI::Option* first = add_number(app, "--first-seed", o.first_seed, std::uint64_t{0}, UINT64_MAX,
                                  "the sweep's first seed (default 1)", "an unsigned 64-bit seed")
                           ->type_name("S0");
  add_number(app, "--jobs", o.jobs, 1u, sim::jobs_max, "run seeds on J threads; the report does not depend on J (default 1)")
      ->type_name("J");
  app.add_option_function<std::string>(
         "--shard",
         [&o](const std::string& v) {
           std::size_t slash = v.find('/');
           o.shard_index = *decimal<std::uint64_t>(std::string_view(v).substr(0, slash)) - 1;
           o.shard_count = *decimal<std::uint64_t>(std::string_view(v).substr(slash + 1));
         },
         "run only the seeds whose index i in the sweep has i % N == K-1")
      ->type_name("K/N")
      ->check(CLI::Validator(
          [](std::string& v) {
            std::size_t slash = v.find('/');
            auto k = decimal<std::uint64_t>(std::string_view(v).substr(0, slash));
            auto n = slash == std::string::npos ? std::nullopt : decimal<std::uint64_t>(std::string_view(v).substr(slash + 1));
            if (k && n && *k != 0 && *k <= *n && *n <= sim::shards_max) return std::string();
            return "K/N with 1 <= K <= N <= " + std::to_string(sim::shards_max) + ", not '" + v + "'";
          },
          ""));
  app.add_option_function<std::string>(
         "--duration", [&o](const std::string& v) { o.chaos_ms = *parse_seconds(v, chaos_seconds_max); },
         "the chaos phase in simulated seconds, decimals allowed (default 10)")
      ->type_name("SECONDS")
      ->check(CLI::Validator(
          [](std::string& v) {
            return parse_seconds(v, chaos_seconds_max)
                       ? std::string()
                       : "simulated seconds (decimals allowed) from 0.001 to 3600, not '" + v + "'";
          },
          ""));
  CLI::Option* out = app.add_option("--out", out_dir, "write DIR/summary.json and DIR/seed-S.replay for each failing seed")
      ->type_name("DIR")
      ->check(non_empty("a directory"));
  app.add_flag("--check-determinism", o.check_determinism,
               "run every seed twice; a trace-hash difference fails the seed (both runs count in the "
               "events and simulated seconds)");
  app.add_flag("--persistence", o.persistence,
               "the broker keeps its state across a crash (mqtt-ref-broker's persistence true); the checkers owe sessions and acknowledged messages across it");
  app.add_option("--plant", o.planted_bug, "plant a broker bug (see --list)")
      ->type_name("BUG")
      ->check(one_of("planted bug", [](const std::string& v) {
        return mqtt::broker::planted_bug_from_string(v).has_value();
      }));
  CLI::Option* pcap_given = app.add_option("--pcap", pcap, "with a single seed: write the run's traffic as a pcap file")
      ->type_name("FILE")
      ->check(non_empty("a file name"));
  app.add_flag("--verbose", o.keep_history, "with a single seed: print the fault schedule and the whole history");
  app.add_flag("--list", list, "list workloads, fault profiles, planted bugs and checker rules");
  if (auto status = parse(app, args)) return *status;
  if (list) return list_everything();
  std::optional<std::string> pcap_file;
  if (pcap_given->count() != 0) pcap_file = pcap;
  if (out->count() != 0) o.out_dir = out_dir;

  if (one_seed->count() != 0) {
    if (seeds->count() != 0 || first->count() != 0) {
      return usage_error(app, "--seed runs one seed: it does not go with --seeds or --first-seed");
    }
    o.first_seed = seed;
    o.seed_count = 1;
  }
  if ((pcap_file || o.keep_history) && o.seed_count != 1) {
    return usage_error(app, std::string(pcap_file ? "--pcap" : "--verbose") + " needs a single seed (--seed S)");
  }
  if (auto error = sim::sweep_options_error(o)) return usage_error(app, *error);
  return sweep_and_report(app, std::move(o), pcap_file);
}

}  // namespace harness::cli
