// The input format of the broker fuzz target, shared with its seed corpus generator: a
// sequence of events, each one opcode byte followed by its operands.
//   op % 4 == 0: open client (op >> 2) % 4 (closing its previous connection)
//   op % 4 == 1: client (op >> 2) % 4 sends the next N bytes, N = following byte
//   op % 4 == 2: client (op >> 2) % 4's connection fails
//   op % 4 == 3: time advances by (following byte) * 250 ms
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mqtt::fuzz {

inline constexpr std::size_t broker_clients = 4;

struct broker_event {
  enum kind_t : std::uint8_t { open, bytes, close, advance } kind;
  std::size_t client = 0;
  std::span<const std::uint8_t> data;  // for `bytes`
  std::uint64_t advance_ms = 0;
};

template <class F>
void run_broker_script(std::span<const std::uint8_t> in, F&& on_event) {
  std::size_t i = 0;
  while (i < in.size()) {
    std::uint8_t op = in[i++];
    broker_event e{static_cast<broker_event::kind_t>(op % 4), (op >> 2) % broker_clients, {}, 0};
    if (e.kind == broker_event::bytes) {
      if (i >= in.size()) return;
      std::size_t n = in[i++];
      n = std::min(n, in.size() - i);
      e.data = in.subspan(i, n);
      i += n;
    } else if (e.kind == broker_event::advance) {
      if (i >= in.size()) return;
      e.advance_ms = std::uint64_t{in[i++]} * 250;
    }
    on_event(e);
  }
}

// Builders for seed scripts.
inline void script_open(std::vector<std::uint8_t>& s, std::size_t client) {
  s.push_back(static_cast<std::uint8_t>(client << 2 | 0));
}
inline void script_send(std::vector<std::uint8_t>& s, std::size_t client, std::span<const std::uint8_t> bytes) {
  for (std::size_t off = 0; off < bytes.size(); off += 255) {
    std::size_t n = std::min<std::size_t>(255, bytes.size() - off);
    s.push_back(static_cast<std::uint8_t>(client << 2 | 1));
    s.push_back(static_cast<std::uint8_t>(n));
    s.insert(s.end(), bytes.begin() + static_cast<std::ptrdiff_t>(off),
             bytes.begin() + static_cast<std::ptrdiff_t>(off + n));
  }
}
inline void script_close(std::vector<std::uint8_t>& s, std::size_t client) {
  s.push_back(static_cast<std::uint8_t>(client << 2 | 2));
}
inline void script_advance(std::vector<std::uint8_t>& s, std::uint8_t quarter_seconds) {
  s.push_back(3);
  s.push_back(quarter_seconds);
}

}  // namespace mqtt::fuzz
