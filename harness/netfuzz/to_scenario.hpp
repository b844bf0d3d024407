// A finding as a regression scenario (scenarios/regressions/): the shrunk case's writes sent
// raw on connections opened without CONNECT, then what the standard requires of the broker at
// that point, in the scenario language.
#pragma once

#include <optional>
#include <string>

#include "netfuzz/finding_file.hpp"

namespace harness::netfuzz {

struct scenario_text {
  std::optional<std::string> text;
  std::string error;  // when the finding has no scenario form
};

// `id` names the scenario ("regressions/mosquitto/pingreq-flags"); `found` fills its found line.
scenario_text to_scenario(const finding_file& f, const std::string& id, const std::string& found);

}  // namespace harness::netfuzz
