// The runner: loads scenario files, expands them into cases (scenario × protocol version),
// skips what the profile lacks, runs the rest on the chosen target with N jobs, applies the
// baseline, and hands the results to the report writers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "run/baseline.hpp"
#include "run/profile.hpp"
#include "run/target.hpp"
#include "script/parse.hpp"

namespace harness::run {

// How the suite classifies each statement of a version's standard (statements-<V>.tsv at the
// top of a scenario folder): "broker" (observable from the client side of a broker's
// connections), "client" (only a test playing the broker can see it), "unobservable".
using statement_classes = std::map<script::protocol_version, std::map<std::string, std::string>>;

struct suite {
  std::vector<script::scenario> scenarios;
  std::vector<script::parse_error> errors;
  std::vector<std::string> files;
  statement_classes classes;
};

// Reads every *.scenario file under the paths (files or folders, recursively, in name order),
// and the statement classification of each folder given (statements-3.1.1.tsv, statements-5.0.tsv).
// A path that does not exist is an error of its own.
suite load_suite(const std::vector<std::string>& paths);

struct run_options {
  profile prof;
  std::vector<script::protocol_version> protocols;  // empty: every version of the profile
  unsigned jobs = 1;
  std::vector<std::string> filters;     // globs on the scenario id; empty: all
  std::vector<std::string> statements;  // only scenarios citing one of these
  std::optional<baseline> waivers;
  std::string run_id;  // makes client ids and topics unique per run
  std::string run_tag;  // when set (10 letters and digits): every case's, instead of one derived from run_id
  statement_classes classes;  // for the reports; may be empty
  std::string transport = "sim";  // the target's: sim, tcp, tls, ws, wss (for transport-specific waivers)
};

struct case_result {
  const script::scenario* sc = nullptr;
  script::protocol_version version = script::protocol_version::v5;
  script::verdict result = script::verdict::pass;
  std::string skip_reason;
  bool waived = false;       // failed, and the baseline lists it
  bool stale_waiver = false; // the baseline lists it, but it did not fail
  std::string waiver_note;
  bool broker_died = false;  // the liveness probe after it found the broker gone
  std::uint64_t wall_ms = 0;
  case_run run;
};

struct run_result {
  std::vector<case_result> cases;
  std::string target;
  std::string profile_name;
  std::string run_id;
  std::uint64_t wall_ms = 0;
  std::optional<std::string> liveness_failure;  // the final probe failed
  std::vector<std::string> enforced_statements;  // union over cases (simulator), sorted
  statement_classes classes;
};

// The cases the options select, in id then version order, not yet run (skips are decided).
std::vector<case_result> select_cases(const suite& s, const run_options& o);

// Runs the selected cases; `progress` is called after each (done, total, last result).
run_result run_cases(std::vector<case_result> cases, const run_options& o, target& where,
                     const std::function<void(std::size_t, std::size_t, const case_result&)>& progress);

// Letters and digits derived from the text, for client ids and topic prefixes.
std::string short_tag(const std::string& text, std::size_t length);

struct counts {
  std::size_t pass = 0, nonstrict = 0, fail = 0, skip = 0, unsupported = 0, inconclusive = 0, error = 0, waived = 0, stale = 0;
};
counts count(const run_result& r);

// 0: nothing failed; 1: a scenario failed (waived failures do not count, stale waivers do);
// 2: a scenario erred or the run could not start.
int exit_status(const run_result& r);

}  // namespace harness::run
