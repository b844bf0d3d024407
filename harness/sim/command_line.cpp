// Command lines that reproduce runs, as the sweep's report and summary.json print them.
#include "sim/command_line.hpp"

#include <algorithm>

namespace harness::sim {

std::string shell_word(std::string_view w) {
  bool plain = !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == '/' || c == ':' || c == '=' || c == '+';
  });
  if (plain) return std::string(w);
  std::string q = "'";
  for (char c : w) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

std::string format_seconds(sim_ms ms) {
  std::string text = std::to_string(ms / 1'000);
  sim_ms fraction = ms % 1'000;
  if (fraction == 0) return text;
  std::string digits = std::to_string(fraction);
  digits.insert(0, 3 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return text + "." + digits;
}

std::string sim_command_line(const run_config& c, bool check_determinism) {
  std::string line = "mqtt-harness sim --workload " + shell_word(c.workload) + " --faults " + shell_word(c.profile) +
                     " --seed " + std::to_string(c.seed);
  if (c.chaos_ms != run_config{}.chaos_ms) line += " --duration " + format_seconds(c.chaos_ms);
  if (!c.planted_bug.empty()) line += " --plant " + shell_word(c.planted_bug);
  if (c.persistence) line += " --persistence";
  if (check_determinism) line += " --check-determinism";
  return line;
}

}  // namespace harness::sim
