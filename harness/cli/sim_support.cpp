// Printing, replay files and pcap output shared by the simulation commands.
#include "cli/sim_support.hpp"

#include <cmath>
#include <iterator>
#include <stdexcept>

#include "sim/faults.hpp"

namespace harness::cli {

void print_violation(std::ostream& out, const check::violation& v, std::string_view indent) {
  out << indent << v.rule;
  if (!v.statement.empty()) out << " [" << v.statement << "]";
  out << ": " << v.message << "\n";
  for (const std::string& line : v.evidence) out << indent << "    " << line << "\n";
}

std::string count_of(std::uint64_t n, std::string_view singular) {
  return std::to_string(n) + " " + std::string(singular) + (n == 1 ? "" : "s");
}

std::optional<sim::sim_ms> parse_seconds(std::string_view text, double seconds_max) {
  if (text.empty() || text.front() == '-' || text.front() == '+' || text.front() == ' ') return std::nullopt;
  double seconds = 0;
  try {
    std::size_t used = 0;
    seconds = std::stod(std::string(text), &used);
    if (used != text.size()) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > seconds_max) return std::nullopt;
  double ms = std::round(seconds * 1'000);
  if (ms < 1) return std::nullopt;
  return static_cast<sim::sim_ms>(ms);
}

std::optional<sim::replay_file> load_replay(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path;
    return std::nullopt;
  }
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    error = "cannot read " + path;
    return std::nullopt;
  }
  try {
    return sim::replay_from_json(text);
  } catch (const std::exception& e) {
    error = path + ": " + e.what();
    return std::nullopt;
  }
}

bool write_file(const std::string& path, std::string_view text, std::string& error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (out) out.close();
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

void print_schedule(std::ostream& out, const sim::fault_schedule& schedule, std::string_view indent) {
  if (schedule.empty()) out << indent << "(no faults)\n";
  for (const sim::fault& f : schedule) out << indent << sim::describe(f) << "\n";
}

pcap_file_sink::pcap_file_sink(const std::string& path)
    : file_(path, std::ios::binary | std::ios::trunc), writer_(file_) {}

void pcap_file_sink::open(std::uint64_t conn, std::uint32_t client, sim::sim_ms at) {
  writer_.open(conn, client, at * us_per_ms);
}

void pcap_file_sink::data(std::uint64_t conn, bool from_client, std::span<const std::uint8_t> bytes,
                          sim::sim_ms at) {
  writer_.data(conn, from_client, bytes, at * us_per_ms);
}

void pcap_file_sink::close(std::uint64_t conn, bool from_client, bool reset, sim::sim_ms at) {
  writer_.close(conn, from_client, reset, at * us_per_ms);
}

bool pcap_file_sink::finish() {
  file_.flush();
  file_.close();
  return !file_.fail();
}

}  // namespace harness::cli
