// The run and report commands: options, progress on a terminal, the summary, and the report
// files in reports/<run-id>/ with reports/latest pointing at the newest.
#include "cli/run_command.hpp"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <unistd.h>

#ifdef MQTT_HARNESS_REAL_TARGETS
#include "real/real_target.hpp"
#include "transport/endpoint.hpp"
#endif
#include "cli/options.hpp"
#include "mqtt/broker/planted.hpp"
#include "report/mutation_report.hpp"
#include "report/suite_report.hpp"
#include "run/runner.hpp"
#include "run/sim_target.hpp"

namespace harness::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using script::protocol_version;
using script::verdict;

bool write_text(const fs::path& path, const std::string& text, std::string& error) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    error = "cannot write " + path.string();
    return false;
  }
  return true;
}

std::string utc_stamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

std::string target_slug(const std::string& target) {
  std::string s;
  for (char c : target) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  while (s.find("--") != std::string::npos) s.erase(s.find("--"), 1);
  if (!s.empty() && s.back() == '-') s.pop_back();
  return s.substr(0, 40);
}

void print_list(const std::vector<run::case_result>& cases) {
  for (const auto& c : cases) {
    std::cout << c.sc->id << " [" << mqtt::codec::to_string(c.version) << "] " << c.sc->title;
    for (const auto& id : c.sc->statements_for(c.version)) std::cout << " " << id;
    if (c.result == verdict::skip) std::cout << "  (skip: " << c.skip_reason << ")";
    std::cout << "\n";
  }
}

// `run --plant all`: the suite against the clean broker and every planted bug; writes
// OUT/<stamp>-mutation/mutation.json and mutation.html and prints the score.
int mutation_run(const std::vector<run::case_result>& cases, const run::run_options& o, const run::sim_options& sim,
                 const std::string& out_dir, const std::string& json_file, const std::string& html, bool quiet) {
  bool tty = !quiet && ::isatty(STDERR_FILENO);
  auto progress = [&](std::size_t done, std::size_t total, const std::string& name) {
    if (tty) std::cerr << "\r\033[K[" << done << "/" << total << "] " << name << std::flush;
  };
  std::vector<mqtt::broker::planted_bug> bugs(mqtt::broker::all_planted_bugs().begin(), mqtt::broker::all_planted_bugs().end());
  run::mutation_result m = run::run_mutation(cases, o, sim, bugs, progress);
  if (tty) std::cerr << "\r\033[K";
  std::string run_dir_name = utc_stamp() + "-mutation";
  fs::path dir = fs::path(out_dir) / run_dir_name;
  std::string json_text = json::serialize(report::mutation_json(m)) + "\n";
  std::string html_text = report::mutation_html(m);
  std::string error;
  bool ok = write_text(dir / "mutation.json", json_text, error) && write_text(dir / "mutation.html", html_text, error);
  if (ok && !json_file.empty()) ok = write_text(json_file, json_text, error);
  if (ok && !html.empty()) ok = write_text(html, html_text, error);
  if (!ok) {
    std::cerr << "mqtt-harness run: " << error << "\n";
    return exit_usage;
  }
  std::cout << "mqtt-harness run --plant all: " << report::mutation_summary(m) << "\n";
  for (const auto& c : m.clean_failing) {
    std::cout << "  clean broker: " << script::to_string(c.result) << " " << c.sc->id << " [" << mqtt::codec::to_string(c.version)
              << "]: " << c.run.outcome.message << "\n";
  }
  for (const run::bug_outcome& b : m.bugs) {
    if (b.caught()) continue;
    std::cout << "  not caught: " << b.name << " ("
              << (b.failing.empty() ? std::string("no case failed") : std::to_string(b.failing.size()) + " failing cases, none citing its statements")
              << ")\n";
  }
  std::cout << "  reports: " << (dir / "mutation.html").string() << " (also mutation.json)\n";
  return m.exit_status();
}

}  // namespace

int run_command(std::span<const std::string_view> args) {
  CLI::App app{"Runs scenario scripts against the simulated reference broker (default) or a real broker.", "mqtt-harness run"};
  std::vector<std::string> paths;
  std::string target = "sim", profile_file, protocol = "all", baseline_file, junit, json_file, html, out_dir = "reports", plant, ca_file;
  unsigned jobs = 0;  // 0: the cores on the simulator, 16 on a real broker (cases mostly wait)
  std::vector<std::string> filters, statements;
  bool list = false, insecure = false, quiet = false;
  std::uint64_t seed = 1;
  app.add_option("paths", paths, "scenario files or folders (default: scenarios/)");
  app.add_option("--target", target, "sim, or a broker URL: tcp://, mqtt://, ws://, wss://, tls://, mqtts://")->capture_default_str();
  app.add_option("--profile", profile_file, "the target's profile (TOML); default: the reference broker's");
  app.add_option("--protocol", protocol, "3.1, 3.1.1, 5 or all")->capture_default_str();
  app.add_option("--jobs,-j", jobs, "cases run at once (default: the cores on the simulator, 16 on a real broker)");
  app.add_option("--filter", filters, "only scenarios whose id matches this glob (repeatable)");
  app.add_option("--statement", statements, "only scenarios citing this statement ID (repeatable)");
  app.add_flag("--list", list, "list the selected cases and exit");
  app.add_option("--baseline", baseline_file, "known deviations of the target (TOML)");
  app.add_option("--junit", junit, "also write JUnit XML here");
  app.add_option("--json", json_file, "also write the JSON report here");
  app.add_option("--html", html, "also write the HTML report here");
  app.add_option("--out", out_dir, "reports go to OUT/<run-id>/, OUT/latest points at the newest")->capture_default_str();
  app.add_option("--plant", plant,
                 "simulator only: run against the reference broker with this planted bug; 'all': the mutation "
                 "score, the suite against every planted bug");
  app.add_option("--seed", seed, "simulator only: the seed")->capture_default_str();
  app.add_option("--ca-file", ca_file, "TLS: verify the broker against this CA");
  app.add_flag("--insecure", insecure, "TLS: do not verify the broker's certificate");
  app.add_flag("--quiet,-q", quiet, "no progress line");
  if (auto status = parse(app, args)) return *status;

  run::run_options o;
  o.jobs = jobs != 0 ? jobs : target == "sim" ? std::max(1u, std::thread::hardware_concurrency()) : 16u;
  o.filters = filters;
  o.statements = statements;
  if (!plant.empty() && target != "sim") {
    std::cerr << "mqtt-harness run: --plant works on the simulator only\n";
    return exit_usage;
  }
  const bool mutation = plant == "all";
  if (!plant.empty() && !mutation && !mqtt::broker::planted_bug_from_string(plant)) {
    std::cerr << "mqtt-harness run: unknown planted bug '" << plant << "' (known:";
    for (auto bug : mqtt::broker::all_planted_bugs()) std::cerr << " " << mqtt::broker::to_string(bug);
    std::cerr << " all)\n";
    return exit_usage;
  }
  if (auto v = mqtt::codec::protocol_version_from(protocol)) o.protocols = {*v};
  else if (protocol != "all") {
    std::cerr << "mqtt-harness run: --protocol is 3.1, 3.1.1, 5 or all\n";
    return exit_usage;
  }
  if (!profile_file.empty()) {
    auto p = run::load_profile(profile_file);
    if (!p.value) {
      std::cerr << "mqtt-harness run: " << p.error << "\n";
      return exit_usage;
    }
    o.prof = *p.value;
  }
  if (profile_file.empty()) {
    if (target == "sim") {
      o.prof = run::builtin_sim_profile();
    } else {
      o.prof.name = "default (the reference broker's capabilities, no credentials, no denied topic)";
    }
  }
  std::unique_ptr<run::target> where;
  if (target == "sim") {
    where = std::make_unique<run::sim_target>(o.prof, run::sim_options{seed, 1, mutation ? "" : plant, 2'000'000});
  } else {
#ifndef MQTT_HARNESS_REAL_TARGETS
    std::cerr << "mqtt-harness run: this build has no real-broker target\n";
    return exit_usage;
#else
    auto ep = transport::parse_endpoint(target);
    if (!ep) {
      std::cerr << "mqtt-harness run: --target: " << ep.error().message << "\n";
      return exit_usage;
    }
    o.transport = std::string(transport::to_string(ep->scheme));
    real::real_options ro;
    ro.url = target;
    ro.ca_file = ca_file;
    ro.insecure = insecure;
    where = std::make_unique<real::real_target>(std::move(ro), o.prof);
#endif
  }
  if (!baseline_file.empty()) {
    auto b = run::load_baseline(baseline_file);
    if (!b.value) {
      std::cerr << "mqtt-harness run: " << b.error << "\n";
      return exit_usage;
    }
    o.waivers = *b.value;
  }
  if (paths.empty()) paths.push_back("scenarios");
  run::suite s = run::load_suite(paths);
  o.classes = s.classes;
  for (const auto& e : s.errors) std::cerr << e.format();
  if (!s.errors.empty()) {
    std::cerr << "mqtt-harness run: " << s.errors.size() << " error(s) in the scenarios; nothing was run\n";
    return exit_usage;
  }
  std::string stamp = utc_stamp();
  o.run_id = target == "sim" ? "sim-" + std::to_string(seed) : stamp + "-" + std::to_string(::getpid());
  auto cases = run::select_cases(s, o);
  if (list) {
    print_list(cases);
    return 0;
  }
  if (cases.empty()) {
    std::cerr << "mqtt-harness run: no scenario matches\n";
    return exit_usage;
  }
  if (mutation) return mutation_run(cases, o, run::sim_options{seed, 1, "", 2'000'000}, out_dir, json_file, html, quiet);
  bool tty = !quiet && ::isatty(STDERR_FILENO);
  auto progress = [&](std::size_t done, std::size_t total, const run::case_result& c) {
    bool bad = !c.waived && (c.result == verdict::fail || c.result == verdict::error);
    if (tty) std::cerr << "\r\033[K";
    if (bad) {
      std::cerr << report::shown_verdict(c) << " " << c.sc->id << " [" << mqtt::codec::to_string(c.version) << "]: " << c.run.outcome.message << "\n";
    }
    if (tty) std::cerr << "[" << done << "/" << total << "] " << report::shown_verdict(c) << " " << c.sc->id << std::flush;
  };
  run::run_result r = run::run_cases(std::move(cases), o, *where, progress);
  if (tty) std::cerr << "\r\033[K";

  // Reports.
  std::string run_dir_name = stamp + "-" + target_slug(target);
  fs::path dir = fs::path(out_dir) / run_dir_name;
  std::string error;
  std::string junit_text = report::junit_xml(r);
  std::string json_text = json::serialize(report::json_report(r)) + "\n";
  std::string html_text = report::html_report(r);
  bool ok = write_text(dir / "junit.xml", junit_text, error) && write_text(dir / "report.json", json_text, error) &&
            write_text(dir / "report.html", html_text, error);
  if (ok && !junit.empty()) ok = write_text(junit, junit_text, error);
  if (ok && !json_file.empty()) ok = write_text(json_file, json_text, error);
  if (ok && !html.empty()) ok = write_text(html, html_text, error);
  if (!ok) {
    std::cerr << "mqtt-harness run: " << error << "\n";
    return exit_usage;
  }
  std::error_code ec;
  fs::path latest = fs::path(out_dir) / "latest";
  fs::remove(latest, ec);
  fs::create_directory_symlink(run_dir_name, latest, ec);

  run::counts n = run::count(r);
  std::cout << "mqtt-harness run: " << r.cases.size() << " cases on " << (target == "sim" ? "the simulated reference broker" : target) << " in "
            << r.wall_ms << " ms: " << n.pass << " pass, " << n.nonstrict << " nonstrict, " << n.fail << " fail, " << n.waived << " waived, "
            << n.unsupported << " unsupported, " << n.inconclusive << " inconclusive, " << n.error << " error, " << n.skip << " skip\n";
  for (const auto& m : report::statement_matrix(r)) {
    std::cout << "  MQTT " << mqtt::codec::to_string(m.version) << ": " << m.covered << " of " << m.cells.size() << " statements covered\n";
  }
  if (n.stale) std::cout << "  " << n.stale << " baseline entries no longer fail: remove them\n";
  if (r.liveness_failure) std::cout << "  the broker failed the final liveness probe: " << *r.liveness_failure << "\n";
  std::cout << "  reports: " << (dir / "report.html").string() << " (also junit.xml, report.json; " << latest.string() << " -> " << run_dir_name << ")\n";
  return run::exit_status(r);
}

int report_command(std::span<const std::string_view> args) {
  CLI::App app{"Works on reports of earlier runs.", "mqtt-harness report"};
  app.require_subcommand(1);
  CLI::App* merge = app.add_subcommand("merge", "put several runs side by side in one statement matrix page");
  std::vector<std::string> runs;
  std::string out = "reports/merged.html";
  merge->add_option("runs", runs, "run folders (holding report.json) or report.json files")->required();
  merge->add_option("--out,-o", out, "the page to write")->capture_default_str();
  if (auto status = parse(app, args)) return *status;
  std::vector<json::object> reports;
  for (const auto& r : runs) {
    fs::path p = fs::is_directory(r) ? fs::path(r) / "report.json" : fs::path(r);
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    json::value v = json::parse(ss.str(), ec);
    if (ec || !v.is_object() || !v.as_object().contains("statements")) {
      std::cerr << "mqtt-harness report merge: " << p.string() << " is not a run's report.json\n";
      return exit_usage;
    }
    reports.push_back(std::move(v.as_object()));
  }
  std::string error;
  if (!write_text(out, report::html_merged(reports), error)) {
    std::cerr << "mqtt-harness report merge: " << error << "\n";
    return exit_usage;
  }
  std::cout << "mqtt-harness report merge: " << reports.size() << " runs -> " << out << "\n";
  return 0;
}

}  // namespace harness::cli
