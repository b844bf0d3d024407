// mqtt-harness: the command line of the MQTT conformance and simulation harness.
#include <iostream>
#include <string_view>
#include <vector>

#include "cli/bench_command.hpp"
#include "cli/decode_command.hpp"
#ifdef MQTT_HARNESS_REAL_TARGETS
#include "cli/fuzz_command.hpp"
#include "cli/proxy_command.hpp"
#include "cli/chaos_command.hpp"
#endif
#include "cli/rules_command.hpp"
#include "cli/run_command.hpp"
#include "cli/scram_entry_command.hpp"
#include "cli/sim_command.hpp"

namespace {

constexpr std::string_view usage =
    "usage: mqtt-harness COMMAND [ARGS...]\n"
    "commands:\n"
    "  run       run the conformance scenarios on the simulated reference broker or a real broker\n"
    "  report    merge the reports of several runs into one page\n"
    "  decode    decode a hex dump of MQTT traffic into JSON Lines\n"
    "  bench     load a broker: publishers, subscribers, msgs/s and latency\n"
    "  rules     list the wire-level rules the codec enforces, with statement IDs\n"
    "  scram-entry  print a SCRAM-SHA-256 line for mqtt-ref-broker's scram_password_file\n"
    "  sim       run seeded simulations of broker and clients under faults, check each run\n"
    "  replay    run a recorded simulation again from its replay file\n"
    "  shrink    reduce a failing replay file to fewer faults and a shorter chaos phase\n"
    "  fuzz      fuzz a broker over the network: crash, hang, memory and violation oracles\n"
    "  proxy     a fault-injecting TCP proxy in front of a broker (latency, resets, partitions, ...)\n"
    "  chaos     the simulator's workloads and checkers on a real broker, faults through proxies\n"
    "Run 'mqtt-harness COMMAND --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << usage;
    return 2;
  }
  std::string_view command = args.front();
  std::span<const std::string_view> rest(args.data() + 1, args.size() - 1);
  if (command == "run") return harness::cli::run_command(rest);
  if (command == "report") return harness::cli::report_command(rest);
  if (command == "decode") return harness::cli::decode_command(rest);
  if (command == "bench") return harness::cli::bench_command(rest);
  if (command == "rules") return harness::cli::rules_command(rest);
  if (command == "scram-entry") return harness::cli::scram_entry_command(rest);
  if (command == "sim") return harness::cli::sim_command(rest);
#ifdef MQTT_HARNESS_REAL_TARGETS
  if (command == "fuzz") return harness::cli::fuzz_command(rest);
  if (command == "proxy") return harness::cli::proxy_command(rest);
  if (command == "chaos") return harness::cli::chaos_command(rest);
  if (command == "replay" && harness::cli::is_fuzz_replay(rest)) return harness::cli::fuzz_replay_command(rest);
#endif
  if (command == "replay") return harness::cli::replay_command(rest);
  if (command == "shrink") return harness::cli::shrink_command(rest);
  if (command == "-h" || command == "--help" || command == "help") {
    std::cout << usage;
    return 0;
  }
  std::cerr << "mqtt-harness: unknown command '" << command << "'\n" << usage;
  return 2;
}
