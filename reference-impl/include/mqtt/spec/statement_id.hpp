// A normative statement of MQTT 3.1.1 or 5.0 named by its ID ("MQTT-3.8.3-1"), checked against
// both standards' lists when the program is compiled, so a mistyped ID cannot be cited.
#pragma once

#include <compare>
#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string_view>

#include "mqtt/spec/statement_table.hpp"

namespace mqtt::spec {

namespace detail {

// Called only when a literal fails a check, so the compiler's error names what is wrong.
void literal_is_not_spelled_like_mqtt_3_1_2_10();
void literal_is_not_a_statement_of_mqtt_3_1_1_or_5_0();
void literal_is_not_a_section_like_section_sign_2_2_1();

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "MQTT-" then three dot-separated numbers, "-" and the statement's number: MQTT-3.1.2-10.
constexpr bool spelled_like_statement_id(std::string_view s) {
  if (!s.starts_with("MQTT-")) return false;
  s.remove_prefix(5);
  int numbers = 0;
  while (!s.empty()) {
    if (!is_digit(s.front())) return false;
    while (!s.empty() && is_digit(s.front())) s.remove_prefix(1);
    ++numbers;
    if (s.empty()) break;
    const char separator = numbers < 3 ? '.' : '-';
    if (s.front() != separator || numbers == 4) return false;
    s.remove_prefix(1);
    if (s.empty()) return false;
  }
  return numbers == 4;
}

// "§" (UTF-8 C2 A7) then dot-separated numbers: §2.2.1, §3.14.2.2.2.
constexpr bool spelled_like_section(std::string_view s) {
  constexpr std::string_view sign = "\u00a7";
  if (!s.starts_with(sign)) return false;
  s.remove_prefix(sign.size());
  if (s.empty()) return false;
  while (!s.empty()) {
    if (!is_digit(s.front())) return false;
    while (!s.empty() && is_digit(s.front())) s.remove_prefix(1);
    if (s.empty()) break;
    if (s.front() != '.') return false;
    s.remove_prefix(1);
    if (s.empty()) return false;
  }
  return true;
}

// The table's own copy of `text` (static storage), or empty when neither standard has it.
constexpr std::string_view find_statement(std::string_view text) {
  for (std::string_view id : v5_statement_ids) {
    if (id == text) return id;
  }
  for (std::string_view id : v311_statement_ids) {
    if (id == text) return id;
  }
  return {};
}

}  // namespace detail

class statement_id {
 public:
  // No statement: a rule one version of the standard does not have, a log line citing none.
  constexpr statement_id() = default;

  // A statement ID of either standard written as a literal; any other text does not compile.
  template <std::size_t size>
  consteval statement_id(const char (&literal)[size])  // NOLINT: implicit, so tables read as IDs
      : text_(detail::find_statement(std::string_view(literal, size - 1))) {
    const std::string_view written(literal, size - 1);
    if (!detail::spelled_like_statement_id(written)) detail::literal_is_not_spelled_like_mqtt_3_1_2_10();
    if (text_.empty()) detail::literal_is_not_a_statement_of_mqtt_3_1_1_or_5_0();
  }

  // The statement of that ID in either standard, for parsed input; nullopt when there is none.
  static constexpr std::optional<statement_id> lookup(std::string_view text) {
    const std::string_view found = detail::find_statement(text);
    if (found.empty()) return std::nullopt;
    return statement_id(found);
  }

  // The text as the standard spells it ("MQTT-3.8.3-1"; a section reference "§2.2.1"); "" when empty.
  constexpr std::string_view text() const { return text_; }
  constexpr bool empty() const { return text_.empty(); }
  // A section that states a rule the standard gives no ID (see section()).
  constexpr bool is_section() const { return text_.starts_with("\u00a7"); }

  // By text, like the strings they are; statement_less (statements.hpp) orders by section.
  friend constexpr bool operator==(statement_id a, statement_id b) { return a.text_ == b.text_; }
  friend constexpr std::strong_ordering operator<=>(statement_id a, statement_id b) {
    const int c = a.text_.compare(b.text_);
    return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
  }

 private:
  template <std::size_t size>
  friend consteval statement_id section(const char (&literal)[size]);

  // `text` has static storage: a string of the statement table or a literal.
  constexpr explicit statement_id(std::string_view text) : text_(text) {}

  std::string_view text_;
};

// Where the standard states a rule without numbering it, the section that states it, written
// "§3.3.2.3.4"; any other text does not compile. (The sections are not checked against the
// standards' tables of contents, only their spelling.)
template <std::size_t size>
consteval statement_id section(const char (&literal)[size]) {
  const std::string_view written(literal, size - 1);
  if (!detail::spelled_like_section(written)) detail::literal_is_not_a_section_like_section_sign_2_2_1();
  return statement_id(written);
}

// Prints text(): nothing for an empty statement.
std::ostream& operator<<(std::ostream& out, statement_id id);

}  // namespace mqtt::spec

template <>
struct std::hash<mqtt::spec::statement_id> {
  std::size_t operator()(mqtt::spec::statement_id id) const noexcept {
    return std::hash<std::string_view>{}(id.text());
  }
};
