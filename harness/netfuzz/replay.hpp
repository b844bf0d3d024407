// Replaying a finding against a broker: its cases played in order, one at a time, then the
// finding's own oracle asked again.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netfuzz/finding_file.hpp"
#include "transport/endpoint.hpp"

namespace harness::netfuzz {

struct replay_options {
  transport::endpoint where;  // ignored with spawn
  transport::connection_options connection;
  std::string spawn;          // start the broker for the replay ({port}), and watch its exit
  std::string log_dir = ".";  // the spawned broker's log
  std::uint32_t probe_deadline_ms = 2'000;
};

struct replay_result {
  bool reproduced = false;
  std::vector<verdict> verdicts;  // the violations the judge found in the replayed records
  std::vector<case_record> records;
  std::string broker;             // what became of the broker: "alive", "exit ...", "hung: ..."
  std::optional<std::string> error;  // could not replay (no broker)
};

replay_result replay(const finding_file& f, const replay_options& o);

}  // namespace harness::netfuzz
