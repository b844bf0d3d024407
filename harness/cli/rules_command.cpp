// `mqtt-harness rules [--json]`: lists every wire-level rule the codec enforces, with the
// 3.1.1 and 5.0 statement IDs and the 5.0 reason code, as a table or as JSON Lines.
#include "cli/rules_command.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/object.hpp>
#include <iomanip>
#include <iostream>

#include "cli/options.hpp"
#include "mqtt/codec/error.hpp"

namespace harness::cli {

int rules_command(std::span<const std::string_view> args) {
  CLI::App app{
      "Lists the wire-level rules the codec enforces: name, 3.1.1 statement,\n"
      "5.0 statement, 5.0 reason code and sentence ('§x.y' where the standard\n"
      "states the rule without a numbered statement; '-' where a version lacks it).",
      "mqtt-harness rules"};
  bool json = false;
  app.add_flag("--json", json, "one JSON object per rule (JSON Lines) instead of the table");
  if (auto status = parse(app, args)) return *status;
  for (const mqtt::codec::rule_info& r : mqtt::codec::all_rules()) {
    if (json) {
      boost::json::object o;
      o["rule"] = r.name;
      o["statement_v311"] = r.statement_v311.text();
      o["statement_v5"] = r.statement_v5.text();
      o["reason_code"] = r.reason_code;
      o["message"] = r.message;
      std::cout << boost::json::serialize(o) << "\n";
      continue;
    }
    auto dash = [](mqtt::spec::statement_id s) { return s.empty() ? std::string_view("-") : s.text(); };
    std::cout << std::left << std::setw(38) << r.name << std::setw(16) << dash(r.statement_v311)
              << std::setw(16) << dash(r.statement_v5) << "0x" << std::hex << std::setw(4)
              << int{r.reason_code} << std::dec << r.message << "\n";
  }
  return exit_pass;
}

}  // namespace harness::cli
