// Targets, and what a target gives back for one case: the interpreter's verdict with its wire log and how
// long it took (wall time, and virtual time on the simulator).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "script/interpreter.hpp"

namespace harness::run {

// One write of the scenario's client side, as it went to the broker (simulator only, when
// sim_options::record_writes is set): the network fuzzer's seed material.
struct client_write {
  std::uint64_t conn = 0;
  std::vector<std::uint8_t> bytes;
};

struct case_run {
  script::case_outcome outcome;
  std::vector<script::transcript_entry> transcript;
  std::size_t transcript_dropped = 0;
  std::uint64_t simulated_ms = 0;  // virtual time the case took (simulator only)
  std::vector<std::string> statements_enforced;  // the broker's probe counts (simulator only)
  std::vector<client_write> client_writes;       // with sim_options::record_writes
};

// What the runner watches of a hostile case on a shared broker: when the case last acted on the
// broker (opened, wrote, closed or reset a connection), on the steady clock in milliseconds.
// The next hostile case starts once this one has gone quiet and a probe found the broker alive,
// so every byte the broker got before a failed probe comes from one case.
struct case_activity {
  std::atomic<std::int64_t> last_action_ms{0};
  std::atomic<bool> done{false};
  static std::int64_t now_ms();
  void touch() { last_action_ms.store(now_ms()); }
};

// Where cases run: the simulator or a real broker. run_case is called from several threads at
// once, each with its own case.
class target {
 public:
  virtual ~target() = default;
  virtual std::string name() const = 0;
  // A real broker is shared by every case: hostile scenarios run alone, followed by a probe.
  virtual bool shared() const = 0;
  // `activity`, when given, is touched at every action on the broker.
  virtual case_run run_case(const script::scenario& s, const script::case_context& ctx,
                            case_activity* activity) = 0;
  // nullopt when the broker answers a fresh connection, else what went wrong.
  virtual std::optional<std::string> probe() = 0;
};

}  // namespace harness::run
