// `mqtt-harness proxy`: the fault-injecting proxy (harness/proxy) as a command, its faults
// given on the command line and changed at run time through standard input.
#pragma once

#include <span>
#include <string_view>

namespace harness::cli {

int proxy_command(std::span<const std::string_view> args);

}  // namespace harness::cli
