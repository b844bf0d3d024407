// Reports of a scenario run: JUnit XML for CI systems, JSON for scripts, and one
// self-contained HTML page for people (summary, statement matrix per version, every case with
// its source, the failing step, the acceptable outcomes and the packets both ways).
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "run/runner.hpp"

namespace harness::report {

// Per version, per statement of the standard: the cases citing it and the worst verdict.
struct statement_cell {
  std::string id;
  std::vector<const run::case_result*> cases;
  std::optional<script::verdict> worst;  // nullopt: no case with a verdict other than skip
  bool waived = false;                   // worst is fail, and the baseline waives every failure
  bool enforced = false;                 // the reference broker enforces it
  std::string klass;                     // the suite's class: broker, client, unobservable ("" unknown)
};

// "pass", ..., "waived" (a failure the baseline lists), "uncovered" or "skip".
std::string cell_verdict(const statement_cell& cell);

struct version_matrix {
  script::protocol_version version;
  std::vector<statement_cell> cells;  // every statement of the standard, in its order
  std::size_t covered = 0;            // cited by a case that ran with a verdict other than skip
  std::size_t enforced_unreached = 0;
  // From the suite's classification, where it has one (all zero otherwise).
  std::size_t observable = 0;          // classified broker
  std::size_t observable_covered = 0;  // of those, covered
  std::size_t client_side = 0;
  std::size_t unobservable = 0;
  bool classified() const { return observable + client_side + unobservable > 0; }
};

std::vector<version_matrix> statement_matrix(const run::run_result& r);

// The verdict a report shows: waived failures as "waived".
std::string shown_verdict(const run::case_result& c);

std::string junit_xml(const run::run_result& r);
boost::json::object json_report(const run::run_result& r);
std::string html_report(const run::run_result& r);

// Several runs (the simulator, real brokers) side by side: statements × runs.
std::string html_merged(const std::vector<boost::json::object>& runs);

}  // namespace harness::report
