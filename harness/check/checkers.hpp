// The checkers: what "correct" means for a recorded run. Each violation names the rule, the
// normative statements it breaks, the message concerned and the records that show it.
#pragma once

#include <string>
#include <vector>

#include "check/history.hpp"
#include "sim/workload.hpp"

namespace harness::check {

struct violation {
  std::string rule;       // "qos1-lost", "qos2-duplicate", "order", "will-missing", ...
  std::string statement;  // "MQTT-4.6.0-5 (5.0)", ...
  std::string message;    // one line: what went wrong with what
  std::vector<std::string> evidence;  // the records that show it, formatted
};

// The rules the checkers apply, with statement IDs, for reports and `sim --list`.
struct rule_info {
  const char* rule;
  const char* statement;
  const char* summary;
};
const std::vector<rule_info>& rules();

// Checks a complete run: chaos, heal (a `heal` record), drain.
std::vector<violation> check_history(const history& h, const sim::workload& load);

std::string format_record(const record& r, const sim::workload& load);

}  // namespace harness::check
