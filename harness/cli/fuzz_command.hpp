// `mqtt-harness fuzz`: a network fuzz campaign against a broker; and `mqtt-harness replay` of
// the replay files it writes.
#pragma once

#include <span>
#include <string_view>

namespace harness::cli {

int fuzz_command(std::span<const std::string_view> args);
// Whether the replay command's FILE argument is a fuzz replay file (not a simulator's).
bool is_fuzz_replay(std::span<const std::string_view> args);
int fuzz_replay_command(std::span<const std::string_view> args);

}  // namespace harness::cli
