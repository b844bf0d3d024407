// `mqtt-harness chaos`: the simulator's workloads and checkers on a real broker, with the
// fault schedule applied through a fault-injecting proxy per client (harness/chaos).
#pragma once

#include <span>
#include <string_view>

namespace harness::cli {

int chaos_command(std::span<const std::string_view> args);

}  // namespace harness::cli
