// UTF-8 (RFC 3629 as restated by MQTT section 1.5.4) and topic syntax (section 4.7) checks.
#include "mqtt/codec/validate.hpp"

#include <cstdint>
#include <cstring>

namespace mqtt::codec {
namespace {

constexpr std::uint64_t ones = 0x0101010101010101ull;
constexpr std::uint64_t highs = 0x8080808080808080ull;

// Non-zero when some byte of x is zero (exact as a truth value).
constexpr std::uint64_t zero_byte(std::uint64_t x) { return (x - ones) & ~x & highs; }

// Index of the first byte that needs a closer look: non-ASCII, U+0000, or (when asked) a
// wildcard. Eight bytes at a time: topics are mostly plain ASCII.
std::size_t plain_prefix(std::string_view s, std::size_t from, bool wildcards) {
  const char* p = s.data();
  std::size_t i = from;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, p + i, 8);
    std::uint64_t special = (x & highs) | zero_byte(x);
    if (wildcards) special |= zero_byte(x ^ (ones * '+')) | zero_byte(x ^ (ones * '#'));
    if (special != 0) break;
  }
  for (; i < s.size(); ++i) {
    auto b = static_cast<std::uint8_t>(p[i]);
    if (b >= 0x80 || b == 0 || (wildcards && (b == '+' || b == '#'))) return i;
  }
  return i;
}

bool is_continuation(std::uint8_t b) { return (b & 0xC0) == 0x80; }

// Length of the well-formed sequence starting at s[i], or a violation. Follows Table 3-7 of
// the Unicode standard: the second byte's range depends on the lead byte.
std::optional<violation> check_multibyte(std::string_view s, std::size_t i, std::size_t& length) {
  auto at = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  std::uint8_t lead = at(i);
  std::uint8_t second_min = 0x80, second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;
    if (lead == 0xED) second_max = 0x9F;  // above this lie the surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;
    if (lead == 0xF4) second_max = 0x8F;
  } else {
    return violation{rule::utf8_ill_formed, i};
  }
  if (i + length > s.size()) return violation{rule::utf8_ill_formed, i};
  std::uint8_t second = at(i + 1);
  if (lead == 0xED && second >= 0xA0 && second <= 0xBF) return violation{rule::utf8_surrogate, i};
  if (second < second_min || second > second_max) return violation{rule::utf8_ill_formed, i};
  for (std::size_t k = 2; k < length; ++k) {
    if (!is_continuation(at(i + k))) return violation{rule::utf8_ill_formed, i};
  }
  return std::nullopt;
}

std::optional<violation> check_filter_levels(std::string_view f, std::size_t base) {
  for (std::size_t i = 0; i < f.size(); ++i) {
    char c = f[i];
    bool level_start = i == 0 || f[i - 1] == '/';
    if (c == '#' && (!level_start || i + 1 != f.size())) {
      return violation{rule::topic_filter_multi_level, base + i};
    }
    if (c == '+' && (!level_start || (i + 1 != f.size() && f[i + 1] != '/'))) {
      return violation{rule::topic_filter_single_level, base + i};
    }
  }
  return std::nullopt;
}

constexpr std::string_view share_prefix = "$share/";

}  // namespace

namespace {

// UTF-8 check that optionally also reports the first wildcard character.
std::optional<violation> scan(std::string_view s, bool wildcards) {
  std::size_t i = 0;
  while ((i = plain_prefix(s, i, wildcards)) < s.size()) {
    auto b = static_cast<std::uint8_t>(s[i]);
    if (b == 0) return violation{rule::utf8_null, i};
    if (b < 0x80) return violation{rule::topic_name_wildcard, i};
    std::size_t length = 0;
    if (auto v = check_multibyte(s, i, length)) return v;
    i += length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<violation> check_utf8(std::string_view s) { return scan(s, false); }

std::optional<violation> check_topic_name(std::string_view topic) {
  if (auto v = scan(topic, true)) return v;
  if (topic.empty()) return violation{rule::topic_name_empty, 0};
  return std::nullopt;
}

std::optional<shared_filter> parse_shared_filter(std::string_view filter) {
  if (!filter.starts_with(share_prefix)) return std::nullopt;
  std::string_view rest = filter.substr(share_prefix.size());
  std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return shared_filter{rest, {}};
  return shared_filter{rest.substr(0, slash), rest.substr(slash + 1)};
}

std::optional<violation> check_topic_filter(std::string_view filter, protocol_version v) {
  if (auto bad = check_utf8(filter)) return bad;
  if (filter.empty()) return violation{rule::topic_filter_empty, 0};
  if (v == protocol_version::v5) {
    if (auto shared = parse_shared_filter(filter)) {
      const std::size_t name_at = share_prefix.size();
      if (shared->share_name.empty()) return violation{rule::share_name_empty, name_at};
      std::size_t bad = shared->share_name.find_first_of("+#");
      if (bad != std::string_view::npos) return violation{rule::share_name_invalid, name_at + bad};
      std::size_t filter_at = name_at + shared->share_name.size() + 1;
      if (filter_at > filter.size() || shared->filter.empty()) {
        return violation{rule::share_name_invalid, filter.size()};
      }
      return check_filter_levels(shared->filter, filter_at);
    }
  }
  return check_filter_levels(filter, 0);
}

}  // namespace mqtt::codec
