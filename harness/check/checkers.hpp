// The checkers: what "correct" means for a recorded run. Each violation names the rule, the
// normative statements it breaks, the message concerned and the records that show it. The
// rules are one table (rules()): name, statements per version, summary, the check.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "check/facts.hpp"
#include "check/history.hpp"

namespace harness::check {

struct violation {
  std::string rule;       // "qos1-lost", "qos2-duplicate", "order", "will-missing", ...
  std::string statement;  // "MQTT-4.6.0-5", ...: the statements of the rule that this case breaks
  std::string message;    // one line: what went wrong with what
  std::vector<std::string> evidence;  // the records that show it, formatted
};

// One run's history indexed for the rules (checkers.cpp); each rule is one of its members.
class checker;
using check_fn = void (checker::*)();

// The rules, in table order (rules()[id] is the rule).
enum class rule_id : std::uint8_t {
  event_budget,
  client_detected,
  invented,
  unsubscribed_delivery,
  qos0_duplicate,
  qos2_duplicate,
  order,
  qos1_lost,
  qos2_lost,
  delivered_after_unsubscribe,
  retained_missing,
  will_invented,
  will_after_disconnect,
  will_unexpected,
  will_missing,
  session_present,
  shared_duplicate,
  shared_lost,
  raw_not_closed,
  not_reconnected,
  count_,
};

// Where a rule's violations take their statement from.
enum class citation : std::uint8_t {
  table,          // statement_v311 / statement_v5 below
  raw_peer,       // the statement the raw peer's input breaks (client_facts::raw_must_close)
  client_report,  // the client core names the rule it caught the broker breaking
  liveness,       // no statement of the standard: the run must finish and recover
};

struct rule_info {
  rule_id id;
  std::string_view name;
  // Statement IDs ("MQTT-4.6.0-6"), comma-separated, or a section ("§4.3.1") where the
  // standard numbers no statement; empty where that version has no such rule (shared
  // subscriptions are 5.0 only: a violation then cites the 5.0 statement) or where `cites`
  // says the statement comes from elsewhere. A violation cites these, or for rules with
  // several cases (session-present) the ones of its case.
  std::string_view statement_v311;
  std::string_view statement_v5;
  std::string_view summary;
  // Checks the rule on the indexed run. Rules judged in one walk of the history share the
  // function (their violations interleave in history order); they are adjacent in the table.
  check_fn check;
  citation cites = citation::table;
};

// Every rule, in the order the checks run and violations are reported.
std::span<const rule_info> rules();
const rule_info& info(rule_id id);
const rule_info* find_rule(std::string_view name);
// The rule's statements for listings: "MQTT-4.6.0-6 (3.1.1) / MQTT-4.6.0-5 (5.0)".
std::string describe_statements(const rule_info& r);

// Checks a complete run: chaos, heal (a `heal` record), drain.
std::vector<violation> check_history(const history& h, const run_facts& facts);

std::string format_record(const record& r, const run_facts& facts);

}  // namespace harness::check
