// CLI11 parsing and usage errors, the same for every command.
#include "cli/options.hpp"

#include <iostream>
#include <vector>

namespace harness::cli {

std::optional<int> parse(CLI::App& app, std::span<const std::string_view> args) {
  std::vector<std::string> words(args.rbegin(), args.rend());  // CLI11 takes them reversed
  try {
    app.parse(words);
    return std::nullopt;
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return exit_pass;
  } catch (const CLI::ValidationError& e) {
    return usage_error(app, e.what());  // says what the option takes
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return exit_pass;
    // An unknown option, a missing value: whoever typed it may not know the options.
    return usage_error(app, std::string(e.what()) + " (" + app.get_name() + " --help lists the options)");
  }
}

int usage_error(const CLI::App& app, std::string_view message) {
  std::cerr << app.get_name() << ": " << message << "\n";
  return exit_usage;
}

CLI::Validator non_empty(const std::string& what) {
  return CLI::Validator([what](std::string& v) { return v.empty() ? "needs " + what : std::string(); }, "");
}

}  // namespace harness::cli
