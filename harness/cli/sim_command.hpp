// `mqtt-harness sim`, `replay` and `shrink`: seeded simulation sweeps, the replay of one
// recorded run, and the reduction of a failing run to the fewest faults that still break it.
#pragma once

#include <span>
#include <string_view>

namespace harness::cli {

int sim_command(std::span<const std::string_view> args);
int replay_command(std::span<const std::string_view> args);
int shrink_command(std::span<const std::string_view> args);

}  // namespace harness::cli
