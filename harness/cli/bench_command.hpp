// `mqtt-harness bench`: load against a real broker.
#pragma once

#include <span>
#include <string_view>

namespace harness::cli {

int bench_command(std::span<const std::string_view> args);

}  // namespace harness::cli
