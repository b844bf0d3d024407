// `mqtt-harness rules`: the wire-level rules the codec enforces, with their statement IDs.
#pragma once

#include <span>
#include <string_view>

namespace harness::cli {

int rules_command(std::span<const std::string_view> args);

}  // namespace harness::cli
