// The checkers: what "correct" means for a recorded run. Each violation names the rule, the
// normative statements it breaks, the message concerned and the records that show it. The
// rules are one table (rules()): name, statements per version, summary, the check.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/spec/statement_id.hpp"

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

namespace detail {
void a_rule_cites_at_most_four_statements_per_version();
}

// The statements a rule cites in one version of the standard, each a spec::statement_id
// (or a spec::section), so a mistyped ID does not compile.
class statement_list {
 public:
  static constexpr std::size_t capacity = 4;

  constexpr statement_list() = default;
  consteval statement_list(std::initializer_list<mqtt::spec::statement_id> ids) {  // NOLINT: tables
    if (ids.size() > capacity) detail::a_rule_cites_at_most_four_statements_per_version();
    for (mqtt::spec::statement_id id : ids) ids_[size_++] = id;
  }

  constexpr std::span<const mqtt::spec::statement_id> ids() const { return {ids_.data(), size_}; }
  constexpr bool empty() const { return size_ == 0; }
  // "MQTT-3.1.2-8, MQTT-3.1.2-10", as violations and listings print them.
  std::string text() const;

  friend constexpr bool operator==(const statement_list& a, const statement_list& b) {
    if (a.size_ != b.size_) return false;
    for (std::size_t i = 0; i < a.size_; ++i) {
      if (a.ids_[i] != b.ids_[i]) return false;
    }
    return true;
  }

 private:
  std::array<mqtt::spec::statement_id, capacity> ids_{};
  std::size_t size_ = 0;
};

struct rule_info {
  rule_id id;
  std::string_view name;
  // Statement IDs ("MQTT-4.6.0-6"), or a section ("§4.3.1") where the standard numbers no
  // statement; empty where that version has no such rule (shared
  // subscriptions are 5.0 only: a violation then cites the 5.0 statement) or where `cites`
  // says the statement comes from elsewhere. A violation cites these, or for rules with
  // several cases (session-present) the ones of its case.
  statement_list statement_v311;
  statement_list statement_v5;
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
