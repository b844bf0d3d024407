// What every mqtt-harness command's option parsing shares: CLI11 over the words main hands on,
// --help, one-line usage errors with exit status 2, and decimal numbers checked against bounds.
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace harness::cli {

inline constexpr int exit_pass = 0;
inline constexpr int exit_fail = 1;
inline constexpr int exit_usage = 2;

// Parses `args` (the words after the command's name) into `app`'s options. nullopt: go on;
// else the command's exit status: exit_pass after --help printed the help, exit_usage after
// a usage error was printed (pointing at --help for an unknown option or a missing value).
std::optional<int> parse(CLI::App& app, std::span<const std::string_view> args);

// One line on stderr, "mqtt-harness CMD: MESSAGE"; returns exit_usage.
int usage_error(const CLI::App& app, std::string_view message);

// The whole text as a base-10 number of type T (no sign, no spaces, no 0x); CLI11's own
// conversion would read "010" as octal and "-1" as 2^64 - 1.
template <class T>
std::optional<T> decimal(std::string_view s) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// An option taking a decimal number from `min` to `max` into `into`; the error names the
// bounds: "--jobs: a count from 1 to 256, not '0'".
template <class T>
CLI::Option* add_number(CLI::App& app, const std::string& name, T& into, T min, T max, const std::string& help,
                        const std::string& what = "a count") {
  auto check = [min, max, what](std::string& v) -> std::string {
    auto n = decimal<T>(v);
    if (n && *n >= min && *n <= max) return "";
    return what + " from " + std::to_string(min) + " to " + std::to_string(max) + ", not '" + v + "'";
  };
  return app.add_option_function<std::string>(name, [&into](const std::string& v) { into = *decimal<T>(v); }, help)
      ->check(CLI::Validator(check, ""));
}

// A check that a value is not empty: "--pcap: needs a file name".
CLI::Validator non_empty(const std::string& what);

}  // namespace harness::cli
