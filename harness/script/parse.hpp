// The scenario language's parser: text in, scenarios or errors with file:line:col out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "script/scenario.hpp"

namespace harness::script {

struct parse_error {
  std::string file;
  int line = 0;
  int col = 0;
  std::string message;
  std::string line_text;

  // "file:line:col: error: message", the line, and a caret under the column.
  std::string format() const;
};

struct parse_result {
  std::vector<scenario> scenarios;
  std::vector<parse_error> errors;
};

// Parses every scenario in `text` (a file may hold several, each opened by a `scenario` line).
// Unknown keywords, packet types, fields and capabilities are errors, and so is a statement ID
// that the standard of a version the scenario applies to does not have.
parse_result parse_scenarios(std::string_view text, const std::string& file);

// Duration literal: "5s", "500ms", "2m", "1h"; nullopt when malformed.
std::optional<ms> parse_duration(std::string_view text);

}  // namespace harness::script
