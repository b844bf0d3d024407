// `mqtt-harness fuzz --target URL | --spawn "COMMAND" ...` and `mqtt-harness replay FINDING.json
// --target URL | --spawn "COMMAND"`: the command lines of harness/netfuzz.
#include "cli/fuzz_command.hpp"

#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "cli/options.hpp"
#include "netfuzz/campaign.hpp"
#include "netfuzz/replay.hpp"
#include "netfuzz/to_scenario.hpp"
#include "run/profile.hpp"
#include "transport/endpoint.hpp"

namespace harness::cli {
namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_sigint(int) { interrupted = true; }

constexpr std::string_view fuzz_description =
    "Fuzzes a broker over the network: sessions generated from a state model of MQTT 3.1.1 and\n"
    "5.0, the scenario suite's traffic and the malformed-packet catalogue, mutated field by field\n"
    "or byte by byte and cut into writes at random points; every case is a function of --seed and\n"
    "its number. Oracles: crash (a spawned broker exits, or a fresh connection is refused), sanitizer\n"
    "(a report in a spawned broker's output), hang (a CONNECT/PINGREQ round trip times out),\n"
    "resource (a spawned or watched broker's memory grows past --rss-growth-mb), violation (the\n"
    "broker's answer departs from what the standard prescribes; with --differential also where the\n"
    "reference broker refuses what the broker accepts). Each new finding is shrunk and\n"
    "saved as DIR/findings/SIGNATURE.json; DIR/summary.json sums the campaign up.";

constexpr std::string_view fuzz_footer =
    "Exit status: 0 nothing found, 1 findings, 2 usage error or the campaign could not start.\n"
    "Targets outside 127.0.0.0/8 and ::1 are refused without --allow-remote. Ctrl-C stops the\n"
    "campaign; its summary is still written.";

std::optional<std::pair<std::uint32_t, std::uint32_t>> parse_shard(const std::string& s) {
  auto slash = s.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto k = decimal<std::uint32_t>(std::string_view(s).substr(0, slash));
  auto n = decimal<std::uint32_t>(std::string_view(s).substr(slash + 1));
  if (!k || !n || *n == 0 || *k == 0 || *k > *n) return std::nullopt;
  return std::pair{*k - 1, *n};
}

// The suite's scenarios as seed material: --scenarios, else ./scenarios, else the folder beside
// the build tree the binary lives in (build/bin/../../scenarios).
std::string default_scenarios() {
  if (std::ifstream("scenarios/README.md")) return "scenarios";
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = 0;
    std::string dir(self);
    for (int up = 0; up < 3; ++up) dir = dir.substr(0, dir.rfind('/'));
    if (std::ifstream(dir + "/scenarios/README.md")) return dir + "/scenarios";
  }
  return "";
}

void print_findings(const netfuzz::campaign_options& o, const netfuzz::campaign_result& r, const std::string& target_arg) {
  const double checking_s = r.seconds - r.fuzzing_seconds;
  std::cout << "fuzz: " << r.cases << " cases in " << static_cast<std::uint64_t>(r.fuzzing_seconds) << " s ("
            << static_cast<std::uint64_t>(r.fuzzing_seconds > 0 ? static_cast<double>(r.cases) / r.fuzzing_seconds : 0)
            << " cases/s";
  if (checking_s >= 1) std::cout << ", then " << static_cast<std::uint64_t>(checking_s) << " s checking and shrinking";
  std::cout << "), model "
            << r.model_covered << "/" << r.model_total << " edges, stopped by " << r.stopped_by << ", "
            << r.findings.size() << " finding" << (r.findings.size() == 1 ? "" : "s") << "\n";
  for (const netfuzz::finding& f : r.findings) {
    std::cout << "  " << f.v.signature() << " (" << f.count << " case" << (f.count == 1 ? "" : "s") << ", "
              << f.steps_after << " of " << f.steps_before << " steps" << (f.reproduced ? "" : ", not reproduced when shrunk")
              << ")\n    " << f.v.detail << "\n";
    if (!f.file.empty()) std::cout << "    mqtt-harness replay " << o.out_dir << "/" << f.file << " " << target_arg << "\n";
  }
  if (!r.unconfirmed.empty()) {
    std::cout << "  not findings: " << r.unconfirmed.size() << " violation signature" << (r.unconfirmed.size() == 1 ? "" : "s")
              << " seen in a campaign case but not again when it was played alone (listed in summary.json as unconfirmed)\n";
  }
  std::cout << "summary: " << o.out_dir << "/summary.json\n";
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

int fuzz_command(std::span<const std::string_view> args) {
  CLI::App app{std::string(fuzz_description), "mqtt-harness fuzz"};
  app.footer(std::string(fuzz_footer));
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::string target, spawn, protocol = "all", out_dir = "fuzz-out", shard = "1/1", scenarios, profile_file, o_trace;
  double duration_s = 0;
  std::uint64_t cases = 0, seed = 0, rss_mb = 192, restart_every = 0;
  unsigned jobs = 1;
  std::size_t concurrency = 128, shrink_runs = 60;
  std::uint32_t deadline_ms = 1'000, probe_ms = 1'000;
  int watch_pid = 0;
  bool allow_remote = false, insecure = false, no_seeds = false, quiet = false, stop_on_finding = false, differential = false,
       no_cleanup = false;
  app.add_option("--target", target, "the broker: tcp://, ws://, tls:// or wss:// URL")->type_name("URL");
  app.add_option("--spawn", spawn, "start the broker with this command ({port} becomes a free port), restart it after a crash")
      ->type_name("COMMAND");
  app.add_option("--protocol", protocol, "3.1.1, 5 or all (default)")->type_name("VERSION");
  app.add_option("--duration", duration_s, "seconds to fuzz for")->type_name("S")->check(CLI::PositiveNumber);
  add_number<std::uint64_t>(app, "--cases", cases, 1, 1'000'000'000'000, "cases to play (with --duration: whichever comes first)")
      ->type_name("N");
  add_number<std::uint64_t>(app, "--seed", seed, 0, UINT64_MAX, "campaign seed (default: random, printed)")->type_name("S");
  add_number<unsigned>(app, "--jobs", jobs, 1, 64, "threads playing cases (default 1)")->type_name("N");
  add_number<std::size_t>(app, "--concurrency", concurrency, 1, 256, "cases in flight per job (default 128)")->type_name("N");
  app.add_option("--out", out_dir, "where findings/ and summary.json go (default fuzz-out)")->type_name("DIR");
  app.add_option("--shard", shard, "play shard K of N of the case numbers (default 1/1)")->type_name("K/N");
  app.add_flag("--allow-remote", allow_remote, "allow a target outside loopback");
  app.add_flag("--differential", differential,
               "play each case into the reference broker core too; where it closes for a Malformed Packet or a "
               "Protocol Error and the broker kept the connection, a violation");
  app.add_option("--scenarios", scenarios, "the scenario folder whose traffic seeds the cases (default: the suite's)")->type_name("DIR");
  app.add_flag("--no-seeds", no_seeds, "model walks only, no suite traffic or catalogue");
  add_number<std::uint32_t>(app, "--case-deadline-ms", deadline_ms, 50, 60'000, "how long a case waits for a silent broker (default 1000)")
      ->type_name("MS");
  add_number<std::uint32_t>(app, "--probe-interval-ms", probe_ms, 50, 600'000, "liveness probe every MS (default 1000)")->type_name("MS");
  add_number<std::uint64_t>(app, "--rss-growth-mb", rss_mb, 1, 1'000'000, "memory growth bound of a spawned or watched broker (default 192)")
      ->type_name("MB");
  add_number<std::uint64_t>(app, "--restart-every", restart_every, 0, 1'000'000'000, "restart a spawned broker every N cases, for its leak check (default 0: never)")
      ->type_name("N");
  add_number<int>(app, "--watch-pid", watch_pid, 1, 1 << 30, "a broker started elsewhere: watch its exit and memory")->type_name("PID");
  add_number<std::size_t>(app, "--shrink-runs", shrink_runs, 1, 10'000, "replays a shrink may spend (default 60)")->type_name("N");
  app.add_flag("--insecure", insecure, "tls/wss: do not verify the broker's certificate");
  app.add_flag("--quiet", quiet, "no progress line");
  app.add_option("--profile", profile_file, "the target's profile (TOML): its user, whether it needs one (anonymous = false), and its versions (the default for --protocol)")
      ->type_name("FILE");
  app.add_option("--trace", o_trace, "write one JSON line per case (origin, mutation, how it ended) to FILE")->type_name("FILE");
  app.add_flag("--stop-on-finding", stop_on_finding, "end the campaign once the first finding is saved");
  app.add_flag("--no-cleanup", no_cleanup,
               "leave each case's sessions and retained messages in the broker (by default a cleanup case after it "
               "removes them, so memory growth means a leak)");
  if (auto status = parse(app, args)) return *status;

  netfuzz::campaign_options o;
  o.stop_on_finding = stop_on_finding;
  o.cleanup = !no_cleanup;
  o.trace_file = o_trace;
  o.differential = differential;
  std::vector<mqtt::codec::protocol_version> profile_versions;  // 3.1.1 and 5.0 among the profile's
  if (!profile_file.empty()) {
    auto p = run::load_profile(profile_file);
    if (!p.value) return usage_error(app, "--profile: " + p.error);
    if (p.value->user_name) o.user_name = *p.value->user_name;
    if (p.value->password) o.password = *p.value->password;
    o.credentials_always = p.value->connect_credentials().has_value();
    for (mqtt::codec::protocol_version v : p.value->versions) {
      if (v != mqtt::codec::protocol_version::v3_1) profile_versions.push_back(v);
    }
  }
  if (target.empty() == spawn.empty()) return usage_error(app, "give --target URL or --spawn COMMAND (one of them)");
  if (!target.empty()) {
    auto ep = transport::parse_endpoint(target);
    if (!ep) return usage_error(app, "--target: " + ep.error().message);
    if (!allow_remote && !netfuzz::is_loopback(ep->host)) {
      return usage_error(app, "--target: " + ep->host + " is not a loopback address; give --allow-remote to fuzz it");
    }
    o.where = *ep;
  } else if (spawn.find("{port}") == std::string::npos) {
    return usage_error(app, "--spawn: the command needs {port} where the broker's port goes");
  }
  o.spawn = spawn;
  if (protocol == "all" && app.count("--protocol") == 0 && !profile_versions.empty()) {
    o.versions = profile_versions;  // what the profile says the broker offers
  } else if (protocol == "all") o.versions = {mqtt::codec::protocol_version::v3_1_1, mqtt::codec::protocol_version::v5};
  else if (protocol == "3.1.1") o.versions = {mqtt::codec::protocol_version::v3_1_1};
  else if (protocol == "5" || protocol == "5.0") o.versions = {mqtt::codec::protocol_version::v5};
  else return usage_error(app, "--protocol is 3.1.1, 5 or all");
  if (duration_s <= 0 && cases == 0) return usage_error(app, "give --duration S or --cases N");
  auto sh = parse_shard(shard);
  if (!sh) return usage_error(app, "--shard: K/N with 1 <= K <= N, not '" + shard + "'");
  if (app.count("--seed") == 0) seed = std::random_device{}() | (std::uint64_t{std::random_device{}()} << 32);
  if (!no_seeds) {
    if (scenarios.empty()) scenarios = default_scenarios();
    if (!scenarios.empty()) o.scenario_paths = {scenarios};
  }
  o.connection.tls.insecure = insecure;
  o.duration_s = duration_s;
  o.cases_max = cases;
  o.seed = seed;
  o.jobs = jobs;
  o.concurrency = concurrency;
  o.shard_index = sh->first;
  o.shard_count = sh->second;
  o.out_dir = out_dir;
  o.case_deadline_ms = deadline_ms;
  o.probe_interval_ms = probe_ms;
  o.rss_growth_limit_mb = rss_mb;
  o.restart_every = restart_every;
  o.watch_pid = watch_pid;
  o.shrink_runs_max = shrink_runs;
  o.interrupted = &interrupted;
  const bool tty = ::isatty(2) != 0;
  if (!quiet) {
    o.progress = [tty](const std::string& line) {
      if (tty) std::cerr << "\r" << line << "\x1b[K" << std::flush;
      else std::cerr << line << "\n";
    };
  }
  o.log = [tty](const std::string& line) { std::cerr << (tty ? "\r\x1b[K" : "") << "fuzz: " << line << "\n"; };
  std::cerr << "fuzz: seed " << seed << ", " << (spawn.empty() ? o.where.url() : "spawned: " + spawn) << ", " << jobs
            << " job" << (jobs == 1 ? "" : "s") << " x " << concurrency << " cases in flight, shard " << shard << "\n";
  std::signal(SIGINT, on_sigint);
  netfuzz::campaign_result r = netfuzz::run_campaign(o);
  std::signal(SIGINT, SIG_DFL);
  if (tty && !quiet) std::cerr << "\n";
  if (r.start_error) {
    std::cerr << "mqtt-harness fuzz: " << *r.start_error << "\n";
    netfuzz::write_summary(o, r);
    return exit_usage;
  }
  netfuzz::write_summary(o, r);
  print_findings(o, r, spawn.empty() ? "--target " + o.where.url() : "--spawn " + shell_quoted(spawn));
  return netfuzz::exit_status(r);
}

bool is_fuzz_replay(std::span<const std::string_view> args) {
  for (std::string_view a : args) {
    if (a.starts_with("-")) continue;
    std::ifstream in{std::string(a)};
    if (!in) return false;
    std::stringstream s;
    s << in.rdbuf();
    boost::system::error_code ec;
    auto v = boost::json::parse(s.str(), ec);
    return !ec && v.is_object() && netfuzz::is_finding_json(v.as_object());
  }
  return false;
}

int fuzz_replay_command(std::span<const std::string_view> args) {
  CLI::App app{
      "Plays the cases of a fuzz finding's replay file (written by 'fuzz') against a broker, one\n"
      "at a time with the recorded bytes, cuts and pauses, and asks the finding's oracle again.",
      "mqtt-harness replay"};
  app.footer("Exit status: 0 the finding did not show, 1 it showed again, 2 usage error or no broker.");
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::string file, target, spawn, scenario_out, scenario_id, found = "BROKER VERSION";
  bool allow_remote = false, insecure = false, verbose = false;
  app.add_option("FILE", file, "the replay file")->type_name("")->required();
  app.add_option("--target", target, "the broker's URL")->type_name("URL");
  app.add_option("--spawn", spawn, "start the broker with this command ({port} becomes a free port)")->type_name("COMMAND");
  app.add_flag("--allow-remote", allow_remote, "allow a target outside loopback");
  app.add_flag("--insecure", insecure, "tls/wss: do not verify the broker's certificate");
  app.add_flag("--verbose", verbose, "print each connection's bytes both ways");
  app.add_option("--scenario", scenario_out, "write the finding as a regression scenario to FILE (no broker needed)")->type_name("FILE");
  app.add_option("--scenario-id", scenario_id, "its id (default regressions/fuzz/SIGNATURE)")->type_name("ID");
  app.add_option("--found", found, "its found line: the broker and version (default \"BROKER VERSION\")")->type_name("TEXT");
  if (auto status = parse(app, args)) return *status;
  std::string error;
  auto f = netfuzz::read_finding(file, error);
  if (!f) {
    std::cerr << "mqtt-harness replay: " << error << "\n";
    return exit_usage;
  }
  if (!scenario_out.empty()) {
    if (scenario_id.empty()) {
      scenario_id = "regressions/fuzz/";
      for (char ch : netfuzz::file_name_for(f->v.signature())) {
        const char out = ch == '_' || ch == '.' || ch == '-' ? '-' : static_cast<char>(std::tolower(ch));
        if (out != '-' || scenario_id.back() != '-') scenario_id += out;
      }
    }
    netfuzz::scenario_text t = netfuzz::to_scenario(*f, scenario_id, found);
    if (!t.text) {
      std::cerr << "mqtt-harness replay: " << t.error << "\n";
      return exit_usage;
    }
    std::ofstream out(scenario_out, std::ios::app);
    if (!out) return usage_error(app, "cannot write " + scenario_out);
    out << "\n" << *t.text;
    std::cout << "scenario " << scenario_id << " appended to " << scenario_out << "\n";
    return exit_pass;
  }
  netfuzz::replay_options o;
  if (target.empty() == spawn.empty()) return usage_error(app, "give --target URL or --spawn COMMAND (one of them)");
  if (!target.empty()) {
    auto ep = transport::parse_endpoint(target);
    if (!ep) return usage_error(app, "--target: " + ep.error().message);
    if (!allow_remote && !netfuzz::is_loopback(ep->host)) return usage_error(app, "--target: not a loopback address (--allow-remote)");
    o.where = *ep;
  }
  o.spawn = spawn;
  o.connection.tls.insecure = insecure;
  std::cout << "replay: " << f->v.signature() << ", " << f->cases.size() << " case" << (f->cases.size() == 1 ? "" : "s") << "\n  "
            << f->v.detail << "\n";
  netfuzz::replay_result r = netfuzz::replay(*f, o);
  if (r.error) {
    std::cerr << "mqtt-harness replay: " << *r.error << "\n";
    return exit_usage;
  }
  for (const netfuzz::verdict& v : r.verdicts) std::cout << "  judged: " << v.signature() << ": " << v.detail << "\n";
  if (verbose) {
    for (const netfuzz::case_record& rec : r.records) std::cout << boost::json::serialize(netfuzz::record_json(rec)) << "\n";
  }
  std::cout << "broker: " << r.broker << "\n" << (r.reproduced ? "REPRODUCED" : "NOT REPRODUCED") << "\n";
  return r.reproduced ? exit_fail : exit_pass;
}

}  // namespace harness::cli
