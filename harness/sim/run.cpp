// A seeded run end to end, and the replay file's JSON form.
#include "sim/run.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <stdexcept>

#include "mqtt/broker/planted.hpp"

namespace harness::sim {
namespace json = boost::json;

namespace {

constexpr std::int64_t replay_format_version = 1;

const workload& workload_or_throw(const std::string& name) {
  const workload* w = find_workload(name);
  if (!w) throw std::invalid_argument("unknown workload '" + name + "'");
  return *w;
}

const fault_profile& profile_or_throw(const std::string& name) {
  const fault_profile* p = find_fault_profile(name);
  if (!p) throw std::invalid_argument("unknown fault profile '" + name + "'");
  return *p;
}

}  // namespace

std::string harness_version() { return MQTT_HARNESS_VERSION; }

std::string hex64(std::uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

run_result run_one(const run_config& config, bool keep_history) {
  const workload& load = workload_or_throw(config.workload);
  const fault_profile& profile = profile_or_throw(config.profile);
  if (!config.planted_bug.empty() && !mqtt::broker::planted_bug_from_string(config.planted_bug)) {
    throw std::invalid_argument("unknown planted bug '" + config.planted_bug + "'");
  }
  world_config wc;
  wc.seed = config.seed;
  wc.load = &load;
  wc.profile = &profile;
  wc.schedule = config.schedule ? *config.schedule
                                : draw_schedule(profile, config.seed, config.chaos_ms,
                                                static_cast<std::uint32_t>(load.clients.size()));
  wc.chaos_ms = config.chaos_ms;
  wc.drain_ms = config.drain_ms;
  wc.planted_bug = config.planted_bug;
  wc.persistence = config.persistence;
  wc.traffic = config.traffic;

  check::history h;
  h.reserve(4'096);
  world_stats st = simulate(wc, h);

  check::run_facts facts = facts_of(load);
  facts.broker_keeps_state = config.persistence;
  facts.event_budget_exhausted = st.event_budget_exhausted;
  facts.events_max = wc.events_max;
  run_result r;
  r.violations = check::check_history(h, facts);
  r.passed = r.violations.empty();
  r.trace_hash = h.trace_hash();
  r.events = st.events;
  r.simulated_ms = st.simulated_ms;
  r.schedule = std::move(wc.schedule);
  if (keep_history) {
    for (const check::record& rec : h.records()) r.history.push_back(check::format_record(rec, facts));
  }
  return r;
}

std::string to_json(const replay_file& r, std::span<const std::pair<std::string, std::string>> extra) {
  // A replay file names its faults: a run whose schedule was drawn carries it in run_result.
  if (!r.config.schedule) throw std::invalid_argument("to_json: the replay file has no schedule");
  json::array faults;
  for (const fault& f : *r.config.schedule) {
    json::object o;
    o["at_ms"] = f.at_ms;
    o["kind"] = to_string(f.kind);
    o["target"] = f.target;
    o["duration_ms"] = f.duration_ms;
    o["param"] = f.param;
    o["direction"] = f.direction;
    faults.push_back(std::move(o));
  }
  json::object o;
  o["format"] = "mqtt-harness-replay";
  o["version"] = replay_format_version;
  o["tool_version"] = r.tool_version;
  o["seed"] = r.config.seed;
  o["workload"] = r.config.workload;
  o["profile"] = r.config.profile;
  o["chaos_ms"] = r.config.chaos_ms;
  o["drain_ms"] = r.config.drain_ms;
  o["planted_bug"] = r.config.planted_bug;
  o["persistence"] = r.config.persistence;
  o["faults"] = std::move(faults);
  o["trace_hash"] = hex64(r.trace_hash);
  o["failed_rule"] = r.first_rule;
  for (const auto& [k, v] : extra) o[k] = v;
  return json::serialize(o) + "\n";
}

namespace {

std::uint64_t as_u64(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) throw std::invalid_argument("replay file: missing '" + std::string(key) + "'");
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
  throw std::invalid_argument("replay file: '" + std::string(key) + "' is not a number >= 0");
}

std::string as_string(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) {
    throw std::invalid_argument("replay file: '" + std::string(key) + "' is not a string");
  }
  return std::string(v->as_string());
}

}  // namespace

replay_file replay_from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw std::invalid_argument("replay file: not JSON: " + ec.message());
  if (!v.is_object()) throw std::invalid_argument("replay file: not a JSON object");
  const json::object& o = v.as_object();
  if (as_string(o, "format") != "mqtt-harness-replay") {
    throw std::invalid_argument("replay file: 'format' is not mqtt-harness-replay");
  }
  if (as_u64(o, "version") != replay_format_version) {
    throw std::invalid_argument("replay file: unsupported version");
  }
  replay_file r;
  r.tool_version = o.if_contains("tool_version") ? as_string(o, "tool_version") : "unknown";
  r.config.seed = as_u64(o, "seed");
  r.config.workload = as_string(o, "workload");
  r.config.profile = as_string(o, "profile");
  r.config.chaos_ms = as_u64(o, "chaos_ms");
  r.config.drain_ms = as_u64(o, "drain_ms");
  r.config.planted_bug = as_string(o, "planted_bug");
  // Files written before persistence existed have no such field: a broker without it.
  if (const json::value* p = o.if_contains("persistence"); p && p->is_bool()) r.config.persistence = p->as_bool();
  const json::value* faults = o.if_contains("faults");
  if (!faults || !faults->is_array()) throw std::invalid_argument("replay file: no 'faults' array");
  fault_schedule schedule;
  for (const json::value& fv : faults->as_array()) {
    if (!fv.is_object()) throw std::invalid_argument("replay file: a fault is not an object");
    const json::object& fo = fv.as_object();
    fault f;
    f.at_ms = as_u64(fo, "at_ms");
    std::optional<fault_kind> k = fault_kind_from_string(as_string(fo, "kind"));
    if (!k) throw std::invalid_argument("replay file: unknown fault kind " + as_string(fo, "kind"));
    f.kind = *k;
    f.target = static_cast<std::uint32_t>(as_u64(fo, "target"));
    f.duration_ms = as_u64(fo, "duration_ms");
    f.param = static_cast<std::uint32_t>(as_u64(fo, "param"));
    f.direction = static_cast<std::uint8_t>(std::min<std::uint64_t>(as_u64(fo, "direction"), 2));
    schedule.push_back(f);
  }
  r.config.schedule = std::move(schedule);
  std::string hash = as_string(o, "trace_hash");
  r.trace_hash = std::strtoull(hash.c_str(), nullptr, 16);
  r.first_rule = as_string(o, "failed_rule");
  return r;
}

}  // namespace harness::sim
