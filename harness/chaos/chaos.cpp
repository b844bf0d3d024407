// run_chaos: see chaos.hpp. The run's folder: summary.json (verdict per rule, violations
// with their evidence, what the world did), history.txt (every record, formatted as the
// simulator prints them), proxy-records.jsonl (each node's proxy records), clients.pcap
// (between the clients and their proxies) and broker.pcap (between the proxies and the
// broker), replay.json (seed, workload, profile, durations and the schedule), log.txt.
#include "chaos/chaos.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <algorithm>

#include "chaos/clean_slate.hpp"
#include "real/broker_process.hpp"
#include "report/pcap.hpp"
#include "sim/run.hpp"
#include "sim/workload.hpp"
#include "sim/workload_driver.hpp"

namespace harness::chaos {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// Both sides' traffic into two pcap files, from the world's thread and the proxies'.
class pcap_tap final : public traffic_tap {
 public:
  pcap_tap(const fs::path& clients, const fs::path& broker)
      : clients_out_(clients, std::ios::binary | std::ios::trunc),
        broker_out_(broker, std::ios::binary | std::ios::trunc),
        clients_(clients_out_),
        broker_(broker_out_) {}

  void data(bool broker_side, conn_id conn, node_id node, bool from_client, std::span<const std::uint8_t> bytes,
            std::uint64_t at_us) override {
    std::lock_guard lock(m_);
    report::pcap_writer& w = broker_side ? broker_ : clients_;
    auto& open = broker_side ? broker_open_ : clients_open_;
    if (open.insert(conn).second) w.open(conn, node, at_us);
    w.data(conn, from_client, bytes, at_us);
  }

  void close(bool broker_side, conn_id conn, bool from_client, bool reset, std::uint64_t at_us) override {
    std::lock_guard lock(m_);
    auto& open = broker_side ? broker_open_ : clients_open_;
    if (open.erase(conn) == 0) return;  // nothing of it was written
    (broker_side ? broker_ : clients_).close(conn, from_client, reset, at_us);
  }

 private:
  std::mutex m_;
  std::ofstream clients_out_, broker_out_;
  report::pcap_writer clients_, broker_;
  std::set<conn_id> clients_open_, broker_open_;
};

json::object violation_json(const check::violation& v) {
  json::object o;
  o["rule"] = v.rule;
  o["statement"] = v.statement;
  o["message"] = v.message;
  json::array ev;
  for (const std::string& e : v.evidence) ev.push_back(json::string(e));
  o["evidence"] = std::move(ev);
  return o;
}

}  // namespace

chaos_result run_chaos(const chaos_options& o) {
  chaos_result res;
  const auto started = std::chrono::steady_clock::now();
  auto log = [&](const std::string& s) {
    if (o.log) o.log(s);
  };
  const sim::workload* named = sim::find_workload(o.workload);
  const sim::fault_profile* profile = sim::find_fault_profile(o.faults);
  if (!named || !profile) {
    res.error = !named ? "unknown workload '" + o.workload + "'" : "unknown fault profile '" + o.faults + "'";
    return res;
  }
  sim::workload local = *named;
  if (!o.v5) {
    for (sim::client_spec& c : local.clients) {
      if (c.version != mqtt::codec::protocol_version::v5) continue;
      c.version = mqtt::codec::protocol_version::v3_1_1;
      c.will_delay_s = 0;
      c.session_expiry_s = 0;
      for (sim::subscription_spec& sub : c.subscriptions) sub.share_group.clear();  // 5.0 only
    }
  }
  for (sim::client_spec& c : local.clients) {
    if (c.publishes) {
      for (std::uint8_t& q : c.publishes->qos) q = std::min(q, o.max_qos);
    }
    for (sim::subscription_spec& sub : c.subscriptions) sub.qos = std::min(sub.qos, o.max_qos);
    c.will_qos = std::min(c.will_qos, o.max_qos);
  }
  const sim::workload* load = &local;
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) {
    res.error = "cannot make " + o.out_dir + ": " + ec.message();
    return res;
  }
  std::ofstream log_file(fs::path(o.out_dir) / "log.txt", std::ios::trunc);
  auto world_log = [&](const std::string& s) {
    log_file << s << "\n";
    log(s);
  };

  // The broker.
  std::optional<real::broker_process> spawned;
  std::uint16_t port = o.target.port;
  broker_control control;
  if (!o.spawn.empty()) {
    spawned.emplace(o.spawn, o.out_dir);
    if (auto e = spawned->start()) {
      res.error = "the broker did not start: " + *e;
      return res;
    }
    port = spawned->port();
    control.crash = [&]() -> std::optional<std::string> {
      spawned->kill();
      return std::nullopt;
    };
    control.restart = [&, port]() { return spawned->start(port); };
    world_log("started " + spawned->command_line() + " (pid " + std::to_string(spawned->pid()) + ")");
  } else if (!o.crash_command.empty() && !o.restart_command.empty()) {
    control.crash = [cmd = real::with_port(o.crash_command, port)] { return real::run_shell(cmd); };
    control.restart = [cmd = real::with_port(o.restart_command, port)] { return real::run_shell(cmd); };
  }

  const transport::endpoint target = o.spawn.empty()
                                        ? o.target
                                        : transport::endpoint{.scheme = transport::scheme::tcp, .host = "127.0.0.1", .port = port, .path = {}};
  {
    // What an earlier run left under the workload's names would be taken for this run's.
    clean_slate_options co{.target = target, .target_options = o.target_options, .clients = {}, .topics = load->topics,
                           .max_qos = o.max_qos, .credentials = o.credentials};
    for (const sim::client_spec& c : load->clients) {
      if (c.raw.empty()) co.clients.emplace_back(c.name, c.version);
    }
    const clean_slate_result cleared = clean_slate(co);
    if (cleared.error) {
      res.error = "the broker at " + target.url() + " did not take the clean-up before the run: " + *cleared.error;
      return res;
    }
    std::string left;
    for (const std::string& id : cleared.sessions_left) left += (left.empty() ? "" : ", ") + id;
    world_log("clean slate: " + std::to_string(co.clients.size()) + " client ids' sessions discarded" +
              (left.empty() ? " (none was left)" : " (left by an earlier run: " + left + ")") + ", " +
              std::to_string(cleared.retained_cleared) + " topics' retained messages removed");
  }
  res.schedule = o.schedule ? *o.schedule
                            : sim::draw_schedule(*profile, o.seed, o.chaos_ms, static_cast<std::uint32_t>(load->clients.size()));
  pcap_tap tap(fs::path(o.out_dir) / "clients.pcap", fs::path(o.out_dir) / "broker.pcap");
  check::history h;
  real_world_options wo;
  wo.target = target;
  wo.target_options = o.target_options;
  wo.seed = o.seed;
  wo.latency_max_ms = profile->latency_max_ms;
  wo.topics = load->topics;
  wo.history = &h;
  wo.broker = control;
  wo.credentials = o.credentials;
  wo.traffic = &tap;
  wo.log = world_log;
  {
    real_world world(wo);
    sim::workload_driver<real_world> driver(world, *load, res.schedule, o.chaos_ms, o.drain_ms, o.seed);
    if (auto e = world.start()) {
      res.error = *e;
      return res;
    }
    res.started = true;
    log("chaos phase " + std::to_string(static_cast<double>(o.chaos_ms) / 1000.0) + " s, then heal and a drain of " +
        std::to_string(static_cast<double>(o.drain_ms) / 1000.0) + " s; " + std::to_string(res.schedule.size()) + " faults scheduled");
    driver.run();
    world.finish();
    res.counts = world.stats();
    std::ofstream(fs::path(o.out_dir) / "proxy-records.jsonl", std::ios::trunc) << world.proxy_records_jsonl();
  }
  if (spawned) {
    const real::process_end end = spawned->stop();
    world_log("stopped the broker: " + end.text());
  }

  // The verdict.
  check::run_facts facts = sim::facts_of(*load);
  facts.broker_keeps_state = o.broker_keeps_state;
  res.violations = check::check_history(h, facts);
  res.records = h.records().size();
  const bool raw_peers = std::any_of(load->clients.begin(), load->clients.end(),
                                     [](const sim::client_spec& c) { return !c.raw.empty(); });
  const bool shared = std::any_of(load->clients.begin(), load->clients.end(), [](const sim::client_spec& c) {
    return std::any_of(c.subscriptions.begin(), c.subscriptions.end(), [](const auto& s) { return !s.share_group.empty(); });
  });
  for (const check::rule_info& r : check::rules()) {
    rule_verdict v;
    v.rule = std::string(r.name);
    for (const check::violation& x : res.violations) v.violations += x.rule == v.rule ? 1 : 0;
    if (r.id == check::rule_id::event_budget) {
      v.verdict = "not judged: a real-time run has no event budget";
    } else if (r.id == check::rule_id::raw_not_closed && !raw_peers) {
      v.verdict = "not judged: the workload has no raw peer";
    } else if ((r.id == check::rule_id::shared_duplicate || r.id == check::rule_id::shared_lost) && !shared) {
      v.verdict = "not judged: the workload has no shared subscription";
    } else {
      v.verdict = v.violations ? "violated" : "held";
    }
    res.rules.push_back(std::move(v));
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // The folder.
  {
    std::ofstream hist(fs::path(o.out_dir) / "history.txt", std::ios::trunc);
    for (const check::record& r : h.records()) hist << check::format_record(r, facts) << "\n";
  }
  sim::replay_file rf;
  rf.config.seed = o.seed;
  rf.config.workload = o.workload;
  rf.config.profile = o.faults;
  rf.config.chaos_ms = o.chaos_ms;
  rf.config.drain_ms = o.drain_ms;
  rf.config.schedule = res.schedule;
  rf.first_rule = res.violations.empty() ? "" : res.violations.front().rule;
  const std::string re_driven =
      "a chaos run is re-driven from its seed and schedule (the same workload, the same faults at the same "
      "times), not replayed bit for bit: the real broker and the sockets decide the bytes and the timing, so a "
      "violation may need several runs to show again";
  const std::pair<std::string, std::string> extra[] = {{"real_target", o.target_name}, {"re_driven", re_driven}};
  std::ofstream(fs::path(o.out_dir) / "replay.json", std::ios::trunc) << sim::to_json(rf, extra);

  json::object s;
  s["target"] = o.target_name;
  s["workload"] = o.workload;
  s["faults"] = o.faults;
  s["seed"] = o.seed;
  s["chaos_ms"] = o.chaos_ms;
  s["drain_ms"] = o.drain_ms;
  s["seconds"] = res.seconds;
  s["records"] = res.records;
  s["faults_scheduled"] = res.schedule.size();
  s["faults_applied"] = res.counts.faults_applied;
  s["faults_skipped"] = res.counts.faults_skipped;
  s["broker_crashes"] = res.counts.broker_crashes;
  s["broker_keeps_state"] = o.broker_keeps_state;
  s["connections"] = res.counts.connections;
  s["passed"] = res.violations.empty();
  json::array rules;
  for (const rule_verdict& v : res.rules) {
    json::object r;
    r["rule"] = v.rule;
    r["verdict"] = v.verdict;
    r["violations"] = v.violations;
    rules.push_back(std::move(r));
  }
  s["rules"] = std::move(rules);
  json::array vs;
  for (const check::violation& v : res.violations) vs.push_back(violation_json(v));
  s["violations"] = std::move(vs);
  s["re_driven"] = re_driven;
  std::ofstream(fs::path(o.out_dir) / "summary.json", std::ios::trunc) << json::serialize(s) << "\n";
  return res;
}

int exit_status(const chaos_result& r) {
  if (!r.started) return 2;
  return r.violations.empty() ? 0 : 1;
}

}  // namespace harness::chaos
