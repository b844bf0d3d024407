// `mqtt-harness replay FILE [--pcap FILE] [--verbose]`: runs a recorded run again from its
// replay file and prints the verdict and the trace hash, so a fix (or a drift) shows at once.
#include <iostream>
#include <optional>
#include <string>

#include "cli/sim_command.hpp"
#include "cli/sim_support.hpp"
#include "sim/run.hpp"

namespace harness::cli {
namespace {

constexpr std::string_view usage =
    "usage: mqtt-harness replay FILE [--pcap FILE] [--verbose]\n"
    "  Runs the run recorded in a replay file (written by 'sim --out' or 'shrink') again and\n"
    "  prints the verdict, its violations and 'trace-hash: HEX'. A trace hash other than the\n"
    "  recorded one is reported on stderr. --pcap writes the run's traffic as a pcap file,\n"
    "  --verbose prints the fault schedule and the whole history.\n"
    "  Exit status: 0 the run passed, 1 it failed, 2 usage error or unreadable/malformed file.\n";

int usage_error(const std::string& message) {
  std::cerr << "mqtt-harness replay: " << message << "\n" << usage;
  return exit_usage;
}

int file_error(const std::string& message) {
  std::cerr << "mqtt-harness replay: " << message << "\n";
  return exit_usage;
}

void print_header(const sim::run_config& c) {
  std::cout << "replay: seed " << c.seed << ", workload " << c.workload << ", faults " << c.profile << ", chaos "
            << format_seconds(c.chaos_ms) << " s, drain " << format_seconds(c.drain_ms) << " s";
  if (!c.planted_bug.empty()) std::cout << ", planted bug " << c.planted_bug;
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
  std::optional<std::string> file;
  std::optional<std::string> pcap_file;
  bool verbose = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      return exit_pass;
    }
    if (a == "--verbose") {
      verbose = true;
    } else if (a == "--pcap" || a.starts_with("--pcap=")) {
      std::string_view v;
      if (a == "--pcap") {
        if (i + 1 == args.size()) return usage_error("--pcap needs a file name");
        v = args[++i];
      } else {
        v = a.substr(7);
      }
      if (v.empty()) return usage_error("--pcap needs a file name");
      pcap_file = std::string(v);
    } else if (a.starts_with("-") && a.size() > 1) {
      return usage_error("unknown option " + std::string(a));
    } else if (file) {
      return usage_error("one replay file at a time");
    } else {
      file = std::string(a);
    }
  }
  if (!file) return usage_error("which replay file?");

  std::string error;
  std::optional<sim::replay_file> replay = load_replay(*file, error);
  if (!replay) return file_error(error);
  std::optional<pcap_file_sink> pcap;
  if (pcap_file) {
    pcap.emplace(*pcap_file);
    if (!pcap->is_open()) return usage_error("cannot write " + *pcap_file);
    replay->config.traffic = &*pcap;
  }

  print_header(replay->config);
  sim::run_result r;
  try {
    r = sim::run_one(replay->config, verbose);
  } catch (const std::invalid_argument& e) {
    return file_error(*file + ": " + e.what());
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
