// Hex text to bytes and back, for dumps pasted from Wireshark, logs or hexdump.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness::wire {

struct hex_error {
  std::size_t position;  // index of the offending character in the text
  std::string message;
};

// Hex digits in pairs; whitespace and ':' are ignored anywhere.
std::vector<std::uint8_t> parse_hex(std::string_view text, std::optional<hex_error>& error);
std::string to_hex(std::string_view bytes);

}  // namespace harness::wire
