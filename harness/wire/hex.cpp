// Hex text to bytes and back.
#include "wire/hex.hpp"

namespace harness::wire {
namespace {

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ignored(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':'; }

}  // namespace

std::vector<std::uint8_t> parse_hex(std::string_view text, std::optional<hex_error>& error) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  int high = -1;
  std::size_t high_at = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (ignored(c)) continue;
    int v = digit_value(c);
    if (v < 0) {
      error = hex_error{i, std::string("not a hex digit: '") + c + "'"};
      return {};
    }
    if (high < 0) {
      high = v;
      high_at = i;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) {
    error = hex_error{high_at, "odd number of hex digits"};
    return {};
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0F]);
  }
  return out;
}

}  // namespace harness::wire
