// The checkers' view of a scenario case: from the interpreter's transcript (every packet each
// client sent and received, how its connections opened and ended) a check::history and its run
// facts, so that `check history` judges a case by the rules the simulator's runs are judged by.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>

#include "check/checkers.hpp"
#include "script/interpreter.hpp"

namespace harness::script {

// What the transcript does not say about the case.
struct history_context {
  std::string topic_prefix;      // $t: a delivery under it that no client sent is invented
  std::string client_id_prefix;  // generated client ids start with it: no session predates the case
  std::string denied_topic;      // the profile's (empty: none): what is published there may go nowhere
  bool retain_available = true;
  // The case's start: record times count from it, in milliseconds, each a millisecond after
  // the one before where several fall in one (the checkers tell order by time).
  ms origin = 0;
  // A reconnection this close to a session's expiry or a will's due time is a timer race that
  // either answer wins.
  ms boundary_guard_ms = 250;
};

struct case_history {
  check::history history;  // ends with a `heal` record at the check
  check::run_facts facts;
  // Why the history cannot be judged at all (bytes sent that are not one packet, a malformed
  // packet from the broker, after which nothing more was read); empty: it can.
  std::string unjudgeable;
  // What the checkers' names in failure messages stand for: "m0.1" (a message) and
  // "connection 2" (one that carried a will) -> what it is.
  std::map<std::string, std::string> names;
};

// The rules a scenario's history can be judged by: all but the simulator's own (the event
// budget, what a client core reports, raw peers' closes, reconnection after heal).
bool judged_in_scenarios(check::rule_id id);

// The history of the case so far, as at `now` (a transcript time). Where the transcript cannot
// tell what a correct broker does (a message its payload does not identify, a will whose
// connection may or may not have ended normally, a reconnection at a timer's edge), the records
// or facts that would judge it are left out, so that the rules stay silent there.
case_history build_case_history(std::span<const transcript_entry> transcript,
                                const history_context& ctx, ms now);

}  // namespace harness::script
