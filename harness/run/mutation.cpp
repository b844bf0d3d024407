// The mutation run: the same selected cases against the clean simulated broker and each planted
// bug, one bug at a time (the cases of one run share the jobs), keeping only what failed.
#include "run/mutation.hpp"

#include <algorithm>
#include <chrono>

namespace harness::run {
namespace {

using mqtt::broker::planted_bug;

std::uint64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count());
}

std::vector<std::string> statement_texts(planted_bug bug, script::protocol_version v) {
  std::vector<std::string> out;
  for (mqtt::spec::statement_id id : mqtt::broker::broken_statements(bug, v)) out.emplace_back(id.text());
  return out;
}

// One run of the cases against `bug` (none: the clean broker); the failing cases only.
std::vector<case_result> failing_cases(const std::vector<case_result>& cases, const run_options& o, sim_options sim,
                                       planted_bug bug, std::uint64_t& wall_ms) {
  sim.planted_bug = bug == planted_bug::none ? std::string() : std::string(mqtt::broker::to_string(bug));
  sim_target where(o.prof, sim);
  run_result r = run_cases(cases, o, where, {});
  wall_ms = r.wall_ms;
  std::vector<case_result> out;
  for (case_result& c : r.cases) {
    if (is_failing(c)) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

bool is_failing(const case_result& c) {
  return !c.waived && (c.result == script::verdict::fail || c.result == script::verdict::error);
}

bool catches(const case_result& c, planted_bug bug) {
  if (c.waived || c.result != script::verdict::fail) return false;
  const std::vector<std::string>& cited = c.sc->statements_for(c.version);
  for (mqtt::spec::statement_id id : mqtt::broker::broken_statements(bug, c.version)) {
    if (std::find(cited.begin(), cited.end(), id.text()) != cited.end()) return true;
  }
  return false;
}

std::size_t mutation_result::caught() const {
  return static_cast<std::size_t>(std::count_if(bugs.begin(), bugs.end(), [](const bug_outcome& b) { return b.caught(); }));
}

int mutation_result::exit_status() const { return clean_failing.empty() && caught() == bugs.size() ? 0 : 1; }

mutation_result run_mutation(const std::vector<case_result>& cases, const run_options& o, const sim_options& sim,
                             const std::vector<planted_bug>& bugs,
                             const std::function<void(std::size_t, std::size_t, const std::string&)>& progress) {
  auto start = std::chrono::steady_clock::now();
  mutation_result m;
  const std::size_t total = bugs.size() + 1;
  m.clean_cases = cases.size();
  m.clean_failing = failing_cases(cases, o, sim, planted_bug::none, m.clean_wall_ms);
  if (progress) progress(1, total, "none");
  std::vector<script::protocol_version> versions;
  for (const case_result& c : cases) {
    if (std::find(versions.begin(), versions.end(), c.version) == versions.end()) versions.push_back(c.version);
  }
  for (planted_bug bug : bugs) {
    bug_outcome b;
    b.bug = bug;
    b.name = std::string(mqtt::broker::to_string(bug));
    b.description = std::string(mqtt::broker::describe(bug));
    for (script::protocol_version v : versions) b.statements[v] = statement_texts(bug, v);
    b.cases = cases.size();
    b.failing = failing_cases(cases, o, sim, bug, b.wall_ms);
    for (std::size_t i = 0; i < b.failing.size(); ++i) {
      if (catches(b.failing[i], bug)) b.catching.push_back(i);
    }
    m.bugs.push_back(std::move(b));
    if (progress) progress(m.bugs.size() + 1, total, m.bugs.back().name);
  }
  m.wall_ms = elapsed_ms(start);
  return m;
}

}  // namespace harness::run
