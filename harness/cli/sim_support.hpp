// What `sim`, `replay` and `shrink` share: the printed form of violations and durations, replay
// files on disk, and the adapter that writes a run's simulated traffic as a pcap file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "check/checkers.hpp"
#include "cli/options.hpp"
#include "report/pcap.hpp"
#include "sim/command_line.hpp"
#include "sim/run.hpp"
#include "sim/world.hpp"

namespace harness::cli {

using sim::format_seconds;
using sim::shell_word;

// "rule [statement]: message", then the evidence records one per line, further indented.
void print_violation(std::ostream& out, const check::violation& v, std::string_view indent);

// "1 fault", "3 faults".
std::string count_of(std::uint64_t n, std::string_view singular);

// Decimal seconds ("2", "2.5") to milliseconds; nullopt for text that is not a number in
// (0, seconds_max] or that rounds to 0 ms.
std::optional<sim::sim_ms> parse_seconds(std::string_view text, double seconds_max);

// Reads and parses a replay file; nullopt with `error` set when it is unreadable or malformed.
std::optional<sim::replay_file> load_replay(const std::string& path, std::string& error);

// Writes the whole text; false with `error` set when the file cannot be written.
bool write_file(const std::string& path, std::string_view text, std::string& error);

// One line per fault, describe()d, each prefixed by `indent`; "(no faults)" for none.
void print_schedule(std::ostream& out, const sim::fault_schedule& schedule, std::string_view indent);

// Simulated traffic to a pcap file; the simulator counts milliseconds, pcap microseconds.
class pcap_file_sink final : public sim::traffic_sink {
 public:
  explicit pcap_file_sink(const std::string& path);
  bool is_open() const { return file_.is_open(); }

  void open(std::uint64_t conn, std::uint32_t client, sim::sim_ms at) override;
  void data(std::uint64_t conn, bool from_client, std::span<const std::uint8_t> bytes,
            sim::sim_ms at) override;
  void close(std::uint64_t conn, bool from_client, bool reset, sim::sim_ms at) override;

  // Flushes; false when any write failed.
  bool finish();
  std::uint64_t packets_written() const { return writer_.packets_written(); }

 private:
  static constexpr std::uint64_t us_per_ms = 1'000;
  std::ofstream file_;
  report::pcap_writer writer_;
};

}  // namespace harness::cli
