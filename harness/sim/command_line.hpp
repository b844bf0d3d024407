// How a run is written as an mqtt-harness command line: shell quoting, simulated seconds, and
// the `sim` and `replay` commands that reproduce a sweep's failing seed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/faults.hpp"
#include "sim/run.hpp"

namespace harness::sim {

// A word as a POSIX shell reads it back: quoted when it holds anything but plain characters.
std::string shell_word(std::string_view w);

// Milliseconds as the shortest decimal seconds that say them exactly: "10", "2.5", "0.001".
std::string format_seconds(sim_ms ms);

// `mqtt-harness sim ... --seed S` for the run `c` describes, with --duration only when it is
// not the default and --check-determinism when asked; the schedule is the seed's own.
std::string sim_command_line(const run_config& c, bool check_determinism);

}  // namespace harness::sim
