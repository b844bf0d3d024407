// Plays fuzz cases against a broker on real connections (TCP, TLS, WebSocket), many at once on
// one event loop, and records what each connection sent, received and how it ended. It judges
// nothing: the oracles read the records (judge.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netfuzz/fuzz_case.hpp"
#include "transport/endpoint.hpp"

namespace harness::netfuzz {

// What happened on one connection of a case.
struct connection_record {
  bool used = false;         // a step of the case named it
  bool opened = false;       // TCP (and TLS, WebSocket) handshake done
  std::string open_error;    // when the connection could not be opened
  byte_vector sent;          // every byte written, steps, answers and the closing PINGREQ
  byte_vector received;      // every byte the broker sent
  bool ended_by_broker = false;  // the broker closed or reset it
  bool ended_by_case = false;    // a close step of the case closed it
  std::string end;               // "fin", "reset", ... when the broker ended it
  bool fence_sent = false;       // the closing PINGREQ went out
  bool settled = false;          // every answer owed by the counts arrived (executor's view)
  std::uint64_t ended_at_ms = 0; // since the case started
};

struct case_record {
  std::vector<connection_record> conns;
  bool deadline_hit = false;  // the case ended at its deadline, not because it settled
  std::uint64_t elapsed_ms = 0;
};

struct executor_options {
  transport::endpoint where;
  transport::connection_options connection;
  // How long a case may take beyond the pauses of its steps: a broker that neither closes nor
  // answers the closing PINGREQ is given this long.
  std::uint32_t case_deadline_ms = 1'000;
  std::size_t concurrency = 16;  // cases in flight at once
};

class executor {
 public:
  explicit executor(executor_options o);
  ~executor();
  executor(const executor&) = delete;
  executor& operator=(const executor&) = delete;

  // Runs cases from `next` (nullopt: no more) until it runs dry or `stop` says so, keeping up to
  // `concurrency` in flight; `done` gets every case that was started, with its record, in the
  // order they end. Cases in flight when `stop` turns true are finished first.
  void run(const std::function<std::optional<fuzz_case>()>& next,
           const std::function<void(fuzz_case&&, case_record&&)>& done, const std::function<bool()>& stop);

  // One case alone.
  case_record run_one(const fuzz_case& c);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace harness::netfuzz
