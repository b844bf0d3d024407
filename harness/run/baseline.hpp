// A baseline: a target's known departures from the standard, one entry per scenario and
// version, each with the statement and the evidence. A listed failure is shown as waived and
// does not fail the run; a listed scenario that passes is reported, so a baseline only shrinks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mqtt/codec/types.hpp"

namespace harness::run {

struct waiver {
  std::string scenario;
  std::vector<mqtt::codec::protocol_version> versions;  // empty: every version
  std::string statement;
  std::string evidence;
};

struct baseline {
  std::string file;
  std::string target;
  std::vector<waiver> entries;

  const waiver* find(const std::string& scenario, mqtt::codec::protocol_version v) const;
};

struct baseline_result {
  std::optional<baseline> value;
  std::string error;
};

// TOML: target = "...", then [[waive]] tables with scenario, versions, statement, evidence.
baseline_result load_baseline(const std::string& path);

}  // namespace harness::run
