// Topic filter matching (section 4.7) for the checkers and the simulator; no validation.
#pragma once

#include <string_view>

namespace harness::check {

bool topic_matches(std::string_view filter, std::string_view topic);

}  // namespace harness::check
