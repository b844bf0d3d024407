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
  // "tcp", "tls", "ws", "wss" (mqtt:// counts as tcp, mqtts:// as tls); empty: every transport.
  // A departure seen over one transport only (a broker's WebSocket listener) is waived there.
  std::vector<std::string> transports;
  std::string statement;
  std::string evidence;
  // A departure that shows in some runs only (a race inside the broker): when the case passes,
  // the waiver is not stale.
  bool intermittent = false;
};

struct baseline {
  std::string file;
  std::string target;
  std::vector<waiver> entries;

  // `transport` is the target's ("tcp", ..., or "sim"); waivers for other transports do not apply.
  const waiver* find(const std::string& scenario, mqtt::codec::protocol_version v, const std::string& transport) const;
};

struct baseline_result {
  std::optional<baseline> value;
  std::string error;
};

// TOML: target = "...", then [[waive]] tables with scenario, versions, transports, statement, evidence,
// intermittent.
baseline_result load_baseline(const std::string& path);

}  // namespace harness::run
