// Mutation testing of the conformance suite: the suite runs on the simulated reference broker
// once as it is and once per planted bug (mqtt/broker/planted.hpp); a bug counts as caught when
// a case fails whose scenario cites a statement the bug breaks, and the score is caught / planted.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mqtt/broker/planted.hpp"
#include "run/runner.hpp"
#include "run/sim_target.hpp"

namespace harness::run {

struct bug_outcome {
  mqtt::broker::planted_bug bug = mqtt::broker::planted_bug::none;
  std::string name;
  std::string description;
  // The statements the bug breaks, per version the suite ran (3.1 numbered as 3.1.1).
  std::map<script::protocol_version, std::vector<std::string>> statements;
  // Every case that failed or erred against the bug, in the runner's order.
  std::vector<case_result> failing;
  // Indexes into `failing`: the cases that failed citing one of the bug's statements for their version.
  std::vector<std::size_t> catching;
  std::size_t cases = 0;  // cases run, skips included
  std::uint64_t wall_ms = 0;
  bool caught() const { return !catching.empty(); }
};

struct mutation_result {
  // The clean broker's failing cases: none, or the suite itself is wrong.
  std::vector<case_result> clean_failing;
  std::size_t clean_cases = 0;
  std::uint64_t clean_wall_ms = 0;
  std::vector<bug_outcome> bugs;  // in the order of all_planted_bugs()
  std::uint64_t wall_ms = 0;
  std::size_t caught() const;
  // 0: every bug caught and the clean broker passes; 1: otherwise.
  int exit_status() const;
};

// A failing case: fail or error, and not waived by a baseline.
bool is_failing(const case_result& c);
// True when the case failed and its scenario cites, for its version, one of the bug's statements.
bool catches(const case_result& c, mqtt::broker::planted_bug bug);

// Runs `cases` (from select_cases, not yet run) on the simulator, first clean, then with each of
// `bugs`; `progress` is called after each run with its name ("none" for the clean one).
mutation_result run_mutation(const std::vector<case_result>& cases, const run_options& o, const sim_options& sim,
                             const std::vector<mqtt::broker::planted_bug>& bugs,
                             const std::function<void(std::size_t done, std::size_t total, const std::string& name)>& progress);

}  // namespace harness::run
