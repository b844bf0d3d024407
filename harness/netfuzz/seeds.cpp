// The seed harvest: the runner's simulator target with every client write recorded, and the
// suite's own per-case tag fixed to the marker.
#include "netfuzz/seeds.hpp"

#include <algorithm>
#include <map>

#include "run/profile.hpp"
#include "run/runner.hpp"
#include "run/sim_target.hpp"

namespace harness::netfuzz {

seed_store harvest_seeds(const std::vector<std::string>& scenario_paths,
                         const std::vector<mqtt::codec::protocol_version>& versions) {
  seed_store out;
  run::suite s = run::load_suite(scenario_paths);
  for (const script::parse_error& e : s.errors) out.errors.push_back(e.file + ":" + std::to_string(e.line) + ": " + e.message);
  run::run_options o;
  o.prof = run::builtin_sim_profile();
  o.protocols = versions;
  o.run_tag = std::string(seed_marker_tag);
  o.run_id = "seeds";
  run::sim_options so;
  so.record_writes = true;
  run::sim_target where(o.prof, so);
  run::run_result r = run::run_cases(run::select_cases(s, o), o, where, [](std::size_t, std::size_t, const run::case_result&) {});
  for (run::case_result& c : r.cases) {
    if (c.result == script::verdict::skip || c.run.client_writes.empty()) continue;
    seed_session session;
    session.scenario = c.sc->id;
    session.version = c.version;
    if (!c.sc->malformed.empty()) session.malformed_rule = c.sc->malformed.front();
    session.statements = c.sc->statements_for(c.version);
    std::map<std::uint64_t, std::uint8_t> index;
    std::size_t bytes = 0;
    bool fits = true;
    for (run::client_write& w : c.run.client_writes) {
      auto [it, added] = index.emplace(w.conn, static_cast<std::uint8_t>(index.size()));
      bytes += w.bytes.size();
      if (it->second >= case_connections_max || bytes > case_bytes_max || session.steps.size() >= case_steps_max) {
        fits = false;
        break;
      }
      session.steps.push_back(step{step::kind::write, it->second, 0, std::move(w.bytes)});
    }
    if (!fits) {
      ++out.skipped;
      continue;
    }
    if (!session.malformed_rule.empty()) out.catalogue.push_back(out.sessions.size());
    out.sessions.push_back(std::move(session));
  }
  return out;
}

void retag(byte_vector& bytes, std::string_view tag) {
  const std::string_view marker = seed_marker_tag;
  auto it = bytes.begin();
  while (true) {
    it = std::search(it, bytes.end(), marker.begin(), marker.end());
    if (it == bytes.end()) return;
    std::copy(tag.begin(), tag.end(), it);
    it += static_cast<std::ptrdiff_t>(marker.size());
  }
}

}  // namespace harness::netfuzz
