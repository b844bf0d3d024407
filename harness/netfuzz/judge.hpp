// The violation oracles: what the standard says a broker must have done with the bytes a case
// sent, compared with what the record shows it did. Pure functions of (case, record).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netfuzz/executor.hpp"
#include "netfuzz/fuzz_case.hpp"

namespace harness::netfuzz {

// The kinds of finding, as signatures and reports name them.
enum class oracle : std::uint8_t {
  crash,      // the broker process exited or was signalled, or a fresh connection was refused
  sanitizer,  // the broker's stderr holds a sanitizer report (ASan, LSan, UBSan)
  hang,       // a fresh CONNECT/PINGREQ round trip did not finish within its deadline
  resource,   // the broker's resident memory grew past its bound
  violation,  // the broker's answer departs from what the standard prescribes
};
std::string_view to_string(oracle o);
std::optional<oracle> oracle_from(std::string_view name);

struct verdict {
  oracle kind = oracle::violation;
  std::string packet_type;  // the packet it concerns: "PUBLISH", "CONNECT", ...; "-" when none
  std::string statement;    // the statement broken ("MQTT-3.8.4-1", "§3.6.4"); "-" when none
  std::string detail;       // one sentence: what was sent and what the broker did
  std::uint8_t conn = 0;

  // oracle/packet type/statement: findings with one signature are one finding.
  std::string signature() const;
};

// Every violation the record shows, at most one per connection and oracle rule, in connection
// order. Empty when the broker behaved as the standard requires (or the record cannot tell).
std::vector<verdict> judge(const fuzz_case& c, const case_record& r);

}  // namespace harness::netfuzz
