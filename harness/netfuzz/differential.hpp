// --differential: each case is also played, byte for byte in the order of its steps, into the
// reference broker core in process (sans-IO, no sockets, virtual time), and the connections it
// closes for a breach of the standard are compared with what the real broker did. A
// divergence is a violation when the reference closed a connection for a Malformed Packet or a
// Protocol Error and the broker kept it open; closes for reasons a broker chooses itself
// (credentials, limits it announces such as Receive Maximum, Topic Alias Maximum or Maximum
// Packet Size, unsupported QoS or retain, takeover) are not compared.
#pragma once

#include <vector>

#include "netfuzz/executor.hpp"
#include "netfuzz/judge.hpp"

namespace harness::netfuzz {

// What the reference core did with one connection of a case.
struct reference_close {
  bool closed = false;
  std::string statement;    // of its last log record that names one before the close
  std::string why;          // that record's text
  std::string packet_type;  // of the last packet fed before the close
  bool compared = false;    // closed for a breach of the standard (not a limit or policy)
};

std::vector<reference_close> run_on_reference(const fuzz_case& c);

// The divergences between the reference's closes and the record, as violations; connections
// the judge already found a violation on are left out.
std::vector<verdict> diverge(const fuzz_case& c, const case_record& r, const std::vector<verdict>& judged);

}  // namespace harness::netfuzz
