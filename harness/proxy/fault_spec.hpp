// The proxy's faults as values: what a `--fault SPEC` says, parsed and described. Pure: the
// proxy (proxy.hpp) applies them to real connections; the chaos runner and the scenario
// steps build them from the simulator's fault kinds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace harness::proxy {

// Which way the bytes go: up is client to broker, down is broker to client.
enum class direction : std::uint8_t { up, down, both };

enum class fault_type : std::uint8_t {
  latency,        // every chunk arrives `ms` (+ up to `jitter_ms`) later, order kept
  bandwidth,      // at most `rate_kib_s` KiB a second
  slice,          // chunks cut into writes of at most `bytes`, `delay_ms` apart
  stall,          // each connection stops for `ms` once, then goes on (TCP retransmitting a loss)
  reset,          // after `bytes` more bytes, both ends get a RST
  black_hole,     // nothing passes any more, no FIN, no RST: only keep alive can tell
  half_open,      // one end (`broker_end`: the broker, else the client) gets a RST, the other nothing
  partition,      // nothing passes for `ms` (0: until cleared), then all of it does; new
                  // connections wait too
  refuse,         // new connections are refused (RST) for `ms` (0: until cleared)
  hang_connects,  // new connections get no answer for `ms` (0: until cleared)
};

struct fault {
  fault_type type = fault_type::latency;
  direction dir = direction::both;
  std::uint32_t ms = 0;
  std::uint32_t jitter_ms = 0;
  std::uint32_t rate_kib_s = 0;
  std::uint32_t bytes = 0;
  std::uint32_t delay_ms = 0;
  bool broker_end = false;
  // 0: every connection; else only the proxy's connection with this number (1, 2, ...).
  std::uint64_t connection = 0;
  friend bool operator==(const fault&, const fault&) = default;
};

// Bounds a spec may ask for.
inline constexpr std::uint32_t fault_ms_max = 3'600'000;
inline constexpr std::uint32_t fault_bytes_max = 1u << 30;

// `KIND[:KEY=VALUE[,KEY=VALUE]...]`, for example `latency:ms=100,jitter=20,dir=down`,
// `bandwidth:kib=64`, `slice:bytes=1,delay=2`, `stall:ms=1400`, `loss:retransmits=3` (a stall
// of 200 ms doubling per retransmission, as TCP backs off; more than 6 is a reset),
// `reset:after=100,dir=up`, `black-hole`, `half-open:end=broker`, `partition:ms=5000`,
// `refuse:ms=3000`, `hang-connects:ms=3000`; `conn=N` aims any of them at one connection.
// The error says what is wrong with the spec.
std::variant<fault, std::string> parse_fault(std::string_view spec);

std::string_view to_string(fault_type t);
std::string_view to_string(direction d);
// The spec form: parse_fault(describe(f)) == f.
std::string describe(const fault& f);
// The usage text listing every kind.
std::string_view fault_spec_help();

}  // namespace harness::proxy
