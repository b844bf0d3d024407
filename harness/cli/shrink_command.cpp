// `mqtt-harness shrink FILE [-o OUT]`: reduces a failing run to fewer faults and a shorter chaos
// phase that still fail with the same first rule, by the shrinker of sim/shrink.hpp.
#include <chrono>
#include <iostream>
#include <optional>
#include <string>

#include "cli/options.hpp"
#include "cli/sim_command.hpp"
#include "cli/sim_support.hpp"
#include "sim/run.hpp"
#include "sim/shrink.hpp"

namespace harness::cli {
namespace {

constexpr auto progress_interval = std::chrono::seconds(2);

std::string description() {
  return "Takes a failing replay file and looks for a smaller run that fails with the same first\n"
         "rule: delta debugging over the fault schedule (removing halves, quarters, ... single\n"
         "faults), then a shorter chaos phase (faults at or after its end are dropped). Seed,\n"
         "workload, profile and planted bug stay. At most " +
         std::to_string(sim::shrink_runs_max) +
         " runs. Writes the smallest failing\n"
         "run to OUT (default: FILE with .shrunk.replay in place of .replay).";
}

constexpr std::string_view footer =
    "Exit status: 0 a shrunk file was written, 1 it could not be written, 2 usage error,\n"
    "unreadable or malformed file, or a run that does not fail.";

int plain_error(const std::string& message, int status) {
  std::cerr << "mqtt-harness shrink: " << message << "\n";
  return status;
}

std::string default_output(const std::string& input) {
  constexpr std::string_view suffix = ".replay";
  if (input.ends_with(suffix)) return input.substr(0, input.size() - suffix.size()) + ".shrunk.replay";
  return input + ".shrunk.replay";
}

// Each smaller failing run on stdout; on stderr, every 2 s, how far the search got.
sim::shrink_observer printing_observer() {
  sim::shrink_observer o;
  o.accepted = [](const sim::shrink_step& s) {
    std::cout << "shrink: " << count_of(s.runs, "run") << " tried: " << count_of(s.faults, "fault") << ", chaos "
              << format_seconds(s.chaos_ms) << " s\n"
              << std::flush;
  };
  o.tried = [last = std::chrono::steady_clock::now()](const sim::shrink_step& s) mutable {
    auto now = std::chrono::steady_clock::now();
    if (now - last < progress_interval) return;
    last = now;
    std::cerr << "shrink: " << count_of(s.runs, "run") << " tried, " << count_of(s.faults, "fault") << ", trying "
              << s.trying << "\n";
  };
  return o;
}

}  // namespace

int shrink_command(std::span<const std::string_view> args) {
  CLI::App app{description(), "mqtt-harness shrink"};
  app.footer(std::string(footer));
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::string file, out;
  app.add_option("FILE", file, "the failing replay file")->type_name("")->required();
  CLI::Option* out_given = app.add_option("-o,--out", out, "where the shrunk replay file goes")
                               ->type_name("OUT")
                               ->check(non_empty("a file name"));
  if (auto status = parse(app, args)) return *status;
  if (out_given->count() == 0) out = default_output(file);

  std::string error;
  std::optional<sim::replay_file> replay = load_replay(file, error);
  if (!replay) return plain_error(error, exit_usage);

  sim::run_result first;
  try {
    first = sim::run_one(replay->config);
  } catch (const std::invalid_argument& e) {
    return plain_error(file + ": " + e.what(), exit_usage);
  } catch (const std::exception& e) {
    return plain_error(std::string("the run threw: ") + e.what(), exit_usage);
  }
  if (first.passed) {
    return plain_error(file + " does not fail (trace-hash " + sim::hex64(first.trace_hash) + "): nothing to shrink",
                       exit_usage);
  }
  const std::string rule = first.violations.front().rule;
  if (!replay->first_rule.empty() && replay->first_rule != rule) {
    std::cerr << "mqtt-harness shrink: the file recorded rule '" << replay->first_rule << "', the run now fails '"
              << rule << "' first; shrinking for '" << rule << "'\n";
  }
  sim::run_config failing = replay->config;
  failing.schedule = first.schedule;
  const std::size_t faults_before = first.schedule.size();
  const sim::sim_ms chaos_before = failing.chaos_ms;
  std::cout << "shrink: " << file << " fails with " << rule << ": " << count_of(faults_before, "fault") << ", chaos "
            << format_seconds(chaos_before) << " s\n";

  sim::shrink_result s =
      sim::shrink(failing, first.trace_hash, sim::fails_first_with(rule), sim::shrink_bounds{}, printing_observer());

  std::cout << "shrunk in " << count_of(s.runs, "run") << ": " << count_of(s.schedule.size(), "fault") << " (from "
            << faults_before << "), chaos " << format_seconds(s.chaos_ms) << " s (from " << format_seconds(chaos_before)
            << " s), still failing " << rule << "\n";
  if (s.bound_hit) {
    std::cout << "shrink: stopped at the bound of " << sim::shrink_runs_max
              << " runs; the result still fails but may not be minimal\n";
  }
  std::cout << "faults:\n";
  print_schedule(std::cout, s.schedule, "  ");

  sim::replay_file shrunk;
  shrunk.config = replay->config;
  shrunk.config.traffic = nullptr;
  shrunk.config.chaos_ms = s.chaos_ms;
  shrunk.config.schedule = s.schedule;
  shrunk.trace_hash = s.trace_hash;
  shrunk.first_rule = rule;
  if (!write_file(out, sim::to_json(shrunk), error)) return plain_error(error, exit_fail);
  std::cout << "wrote " << out << "\n"
            << "replay: mqtt-harness replay " << shell_word(out) << "\n";
  return exit_pass;
}

}  // namespace harness::cli
