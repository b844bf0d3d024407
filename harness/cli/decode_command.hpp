// `mqtt-harness decode`: hex in, one JSON object per packet out.
#pragma once

#include <span>
#include <string_view>

namespace harness::cli {

int decode_command(std::span<const std::string_view> args);

}  // namespace harness::cli
