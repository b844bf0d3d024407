// mqtt-harness run: the conformance suite against the simulated reference broker or a real
// broker, with JUnit, JSON and HTML reports.
#pragma once

#include <span>
#include <string_view>

namespace harness::cli {

int run_command(std::span<const std::string_view> args);
// mqtt-harness report merge RUN...: several runs' report.json side by side in one page.
int report_command(std::span<const std::string_view> args);

}  // namespace harness::cli
