// `mqtt-harness replay FILE [--pcap FILE] [--verbose]`: runs a recorded run again from its
// replay file and prints the verdict and the trace hash, so a fix (or a drift) shows at once.
#include <iostream>
#include <optional>
#include <string>

#include "cli/options.hpp"
#include "cli/sim_command.hpp"
#include "cli/sim_support.hpp"
#include "sim/run.hpp"

namespace harness::cli {
namespace {

constexpr std::string_view description =
    "Runs the run recorded in a replay file (written by 'sim --out' or 'shrink') again and\n"
    "prints the verdict, its violations and 'trace-hash: HEX'. A trace hash other than the\n"
    "recorded one is reported on stderr.";

constexpr std::string_view footer =
    "Exit status: 0 the run passed, 1 it failed, 2 usage error or unreadable/malformed file.";

int file_error(const std::string& message) {
  std::cerr << "mqtt-harness replay: " << message << "\n";
  return exit_usage;
}

void print_header(const sim::run_config& c) {
  std::cout << "replay: seed " << c.seed << ", workload " << c.workload << ", faults " << c.profile << ", chaos "
            << format_seconds(c.chaos_ms) << " s, drain " << format_seconds(c.drain_ms) << " s";
  if (!c.planted_bug.empty()) std::cout << ", planted bug " << c.planted_bug;
  if (c.persistence) std::cout << ", broker persistence";
  std::cout << ", " << count_of(c.schedule ? c.schedule->size() : 0, "fault") << "\n";
}

void print_verdict(const sim::run_result& r) {
  if (r.passed) {
    std::cout << "PASS\n";
    return;
  }
  std::cout << "FAIL: " << count_of(r.violations.size(), "violation") << "\n";
  for (const check::violation& v : r.violations) print_violation(std::cout, v, "  ");
}

}  // namespace

int replay_command(std::span<const std::string_view> args) {
  CLI::App app{std::string(description), "mqtt-harness replay"};
  app.footer(std::string(footer));
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::string file, pcap_name;
  bool verbose = false;
  app.add_option("FILE", file, "the replay file")->type_name("")->required();
  CLI::Option* pcap_given =
      app.add_option("--pcap", pcap_name, "write the run's traffic as a pcap file")->type_name("FILE")->check(non_empty("a file name"));
  app.add_flag("--verbose", verbose, "print the fault schedule and the whole history");
  if (auto status = parse(app, args)) return *status;
  std::optional<std::string> pcap_file;
  if (pcap_given->count() != 0) pcap_file = pcap_name;

  std::string error;
  std::optional<sim::replay_file> replay = load_replay(file, error);
  if (!replay) return file_error(error);
  std::optional<pcap_file_sink> pcap;
  if (pcap_file) {
    pcap.emplace(*pcap_file);
    if (!pcap->is_open()) return usage_error(app, "cannot write " + *pcap_file);
    replay->config.traffic = &*pcap;
  }

  print_header(replay->config);
  sim::run_result r;
  try {
    r = sim::run_one(replay->config, verbose);
  } catch (const std::invalid_argument& e) {
    return file_error(file + ": " + e.what());
  } catch (const std::exception& e) {
    std::cerr << "mqtt-harness replay: the run threw: " << e.what() << "\n";
    return exit_fail;
  }
  if (verbose) {
    std::cout << "faults:\n";
    print_schedule(std::cout, r.schedule, "  ");
    std::cout << "history:\n";
    for (const std::string& line : r.history) std::cout << "  " << line << "\n";
  }
  print_verdict(r);
  std::cout << "trace-hash: " << sim::hex64(r.trace_hash) << "\n";
  if (r.trace_hash != replay->trace_hash) {
    std::cerr << "trace-hash differs from the replay file (recorded " << sim::hex64(replay->trace_hash) << ")\n";
    if (replay->tool_version != sim::harness_version()) {
      std::cerr << "the replay file was written by mqtt-harness " << replay->tool_version
                << ", this is " << sim::harness_version() << "\n";
    }
  }
  std::string rule = r.violations.empty() ? "" : r.violations.front().rule;
  if (rule != replay->first_rule) {
    std::cerr << "first failed rule differs from the replay file (recorded '" << replay->first_rule << "', now '"
              << rule << "')\n";
  }
  if (pcap) {
    if (!pcap->finish()) {
      std::cerr << "mqtt-harness replay: writing " << *pcap_file << " failed\n";
      return exit_fail;
    }
    std::cout << "pcap: " << *pcap_file << " (" << pcap->packets_written() << " packets)\n";
  }
  return r.passed ? exit_pass : exit_fail;
}

}  // namespace harness::cli
