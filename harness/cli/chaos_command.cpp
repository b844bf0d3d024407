// `mqtt-harness chaos --target URL | --spawn "CMD {port}" [--profile FILE] [--workload W]
// [--faults P] [--duration S] [--drain S] [--seed S] [--replay FILE] [--out DIR]`: one chaos
// run (harness/chaos/chaos.hpp), its verdict per rule on standard output, its folder in DIR.
#include "cli/chaos_command.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "chaos/chaos.hpp"
#include "cli/options.hpp"
#include "netfuzz/campaign.hpp"
#include "run/profile.hpp"
#include "sim/run.hpp"
#include "transport/endpoint.hpp"

namespace harness::cli {
namespace {

constexpr std::string_view chaos_footer =
    "The run: the workload's clients (reference client cores) connect to the broker, each through a\n"
    "fault-injecting proxy of its own (the clients speak MQTT over TCP to it; it carries that on to\n"
    "the broker over the target's transport: TCP, TLS or WebSocket); the fault schedule drawn from the seed acts during the chaos\n"
    "phase (--duration); then every fault heals and the clients drain (--drain); then the simulator's\n"
    "checkers judge the history: the clients' records and the broker's side as the proxies saw it\n"
    "(whole CONNECTs delivered, how each connection ended on the broker's side, DISCONNECTs).\n"
    "Broker crashes need --spawn (SIGKILL, then the same command on the same port) or the\n"
    "profile's [restart] crash and command; without them they are skipped and counted.\n"
    "A run is re-driven from replay.json (seed, schedule), not replayed bit for bit.\n"
    "Output in DIR: summary.json, history.txt, proxy-records.jsonl, clients.pcap, broker.pcap,\n"
    "replay.json, log.txt. Exit status: 0 every rule held, 1 a violation, 2 the run could not start.\n";

}  // namespace

int chaos_command(std::span<const std::string_view> args) {
  CLI::App app{"The simulator's workloads and checkers on a real broker, faults through proxies.", "mqtt-harness chaos"};
  app.footer(std::string(chaos_footer));
  std::string target, spawn, profile_file, replay_file, out = "reports/chaos";
  chaos::chaos_options o;
  double duration_s = 10, drain_s = 10;
  bool allow_remote = false, quiet = false;
  std::string ca_file;
  bool insecure = false;
  app.add_option("--target", target, "the broker: tcp://, tls://, ws:// or wss://HOST:PORT[/PATH]")->type_name("URL");
  app.add_option("--ca-file", ca_file, "TLS: verify the broker against this CA")->type_name("FILE");
  app.add_flag("--insecure", insecure, "TLS: do not verify the broker's certificate");
  app.add_option("--spawn", spawn, "start the broker with this command ({port}: a free port) and crash it with SIGKILL")->type_name("CMD");
  app.add_option("--profile", profile_file, "the target's profile (TOML): credentials, [restart] commands")->type_name("FILE");
  app.add_option("--workload", o.workload, "the clients and what they do (mqtt-harness sim --list)")->type_name("W")->capture_default_str();
  app.add_option("--faults", o.faults, "the fault profile (mqtt-harness sim --list)")->type_name("P")->capture_default_str();
  app.add_option("--duration", duration_s, "the chaos phase in seconds (default 10)")->type_name("S")->check(CLI::Range(0.1, 86'400.0));
  app.add_option("--drain", drain_s, "the drain phase after heal, in seconds (default 10)")->type_name("S")->check(CLI::Range(1.0, 3'600.0));
  add_number<std::uint64_t>(app, "--seed", o.seed, 0, UINT64_MAX, "the run's seed (default 1)")->type_name("S");
  app.add_option("--replay", replay_file, "run again from a chaos run's replay.json (seed, workload, faults, schedule)")->type_name("FILE");
  app.add_option("--out", out, "the run's folder (default reports/chaos)")->type_name("DIR");
  app.add_flag("--broker-keeps-state", o.broker_keeps_state,
               "the broker persists its state across a crash: sessions and acknowledged messages are owed across broker crashes");
  app.add_flag("--allow-remote", allow_remote, "allow a broker outside loopback");
  app.add_flag("-q,--quiet", quiet, "no progress lines");
  if (auto status = parse(app, args)) return *status;

  if (target.empty() == spawn.empty()) {
    std::cerr << "mqtt-harness chaos: give --target URL or --spawn CMD (one of them)\n";
    return 2;
  }
  if (!target.empty()) {
    auto where = transport::parse_endpoint(target);
    if (!where) {
      std::cerr << "mqtt-harness chaos: --target: " << where.error().message << "\n";
      return 2;
    }
    o.target = *where;
    o.target_options.tls.ca_file = ca_file;
    o.target_options.tls.insecure = insecure;
    const std::string host = where->host == "localhost" ? "127.0.0.1" : where->host;
    if (!allow_remote && !netfuzz::is_loopback(host)) {
      std::cerr << "mqtt-harness chaos: " << host << " is not a loopback address (--allow-remote to allow it)\n";
      return 2;
    }
    o.target_name = where->url();
  } else {
    if (spawn.find("{port}") == std::string::npos) {
      std::cerr << "mqtt-harness chaos: --spawn: the command needs {port}, where the broker is to listen\n";
      return 2;
    }
    o.spawn = spawn;
    o.target_name = spawn;
  }
  if (!profile_file.empty()) {
    run::profile_result p = run::load_profile(profile_file);
    if (!p.value) {
      std::cerr << "mqtt-harness chaos: " << p.error << "\n";
      return 2;
    }
    o.credentials = p.value->connect_credentials();
    o.v5 = std::find(p.value->versions.begin(), p.value->versions.end(), mqtt::codec::protocol_version::v5) !=
           p.value->versions.end();
    o.max_qos = p.value->max_qos;
    if (p.value->crash_command) {
      o.crash_command = *p.value->crash_command;
      o.restart_command = *p.value->restart_command;
    }
  }
  o.chaos_ms = static_cast<sim::sim_ms>(duration_s * 1000);
  o.drain_ms = static_cast<sim::sim_ms>(drain_s * 1000);
  if (!replay_file.empty()) {
    std::ifstream in(replay_file);
    std::stringstream ss;
    ss << in.rdbuf();
    try {
      sim::replay_file r = sim::replay_from_json(ss.str());
      o.seed = r.config.seed;
      o.workload = r.config.workload;
      o.faults = r.config.profile;
      o.chaos_ms = r.config.chaos_ms;
      o.drain_ms = r.config.drain_ms;
      o.schedule = r.config.schedule;
    } catch (const std::exception& e) {
      std::cerr << "mqtt-harness chaos: --replay " << replay_file << ": " << e.what() << "\n";
      return 2;
    }
  }
  o.out_dir = out;
  if (!quiet) o.log = [](const std::string& s) { std::cerr << "chaos: " << s << "\n"; };

  chaos::chaos_result r = chaos::run_chaos(o);
  if (!r.started) {
    std::cerr << "mqtt-harness chaos: " << r.error << "\n";
    return 2;
  }
  std::cout << "chaos: " << o.target_name << ", workload " << o.workload << ", faults " << o.faults << ", seed " << o.seed
            << ": " << r.schedule.size() << " faults scheduled, " << r.counts.faults_applied << " applied, "
            << r.counts.faults_skipped << " skipped, " << r.counts.broker_crashes << " broker crashes, " << r.counts.connections
            << " connections, " << r.records << " records, " << static_cast<int>(r.seconds) << " s\n";
  for (const chaos::rule_verdict& v : r.rules) {
    std::cout << "  " << v.rule << ": " << v.verdict << (v.violations ? " (" + std::to_string(v.violations) + ")" : "") << "\n";
  }
  for (const check::violation& v : r.violations) {
    std::cout << "VIOLATION " << v.rule << " [" << v.statement << "]: " << v.message << "\n";
    for (const std::string& e : v.evidence) std::cout << "    " << e << "\n";
  }
  std::cout << "chaos: " << (r.violations.empty() ? "every rule held" : std::to_string(r.violations.size()) + " violations")
            << "; " << out << "/summary.json, history.txt, clients.pcap, broker.pcap, replay.json\n";
  return chaos::exit_status(r);
}

}  // namespace harness::cli
