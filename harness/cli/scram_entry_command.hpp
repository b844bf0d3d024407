// `mqtt-harness scram-entry USER PASSWORD`: a line for mqtt-ref-broker's scram_password_file.
#pragma once

#include <span>
#include <string_view>

namespace harness::cli {

int scram_entry_command(std::span<const std::string_view> args);

}  // namespace harness::cli
