// `mqtt-harness scram-entry USER PASSWORD [--iterations N] [--salt BASE64]`: prints the RFC 5803
// line (user:SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>) that mqtt-ref-broker's
// scram_password_file holds; the salt is random unless given.
#include "cli/scram_entry_command.hpp"

#include <iostream>

#include "cli/options.hpp"
#include "mqtt/auth/scram.hpp"

namespace harness::cli {
namespace {
constexpr std::size_t salt_size = 16;  // bytes of a random salt
}

int scram_entry_command(std::span<const std::string_view> args) {
  namespace scram = mqtt::auth::scram;
  CLI::App app{"Prints a SCRAM-SHA-256 line for mqtt-ref-broker's scram_password_file.", "mqtt-harness scram-entry"};
  std::string user;
  std::string password;
  std::string salt_b64;
  const scram::limits lim;
  std::uint32_t iterations = lim.iterations_min;
  app.add_option("USER", user, "the user name")->required()->check(non_empty("a user name"));
  app.add_option("PASSWORD", password, "the password")->required();
  add_number(app, "--iterations", iterations, lim.iterations_min, lim.iterations_max,
             "PBKDF2 iterations (default 4096, RFC 7677's minimum)", "an iteration count");
  app.add_option("--salt", salt_b64, "the salt in base64 (default: 16 random bytes)");
  if (auto status = parse(app, args)) return *status;
  if (user.find(':') != std::string::npos) return usage_error(app, "the user name may not contain ':'");
  std::string salt;
  if (salt_b64.empty()) {
    salt.resize(salt_size);
    scram::system_random()(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(salt.data()), salt.size()));
  } else {
    auto raw = scram::base64_decode(salt_b64);
    if (!raw || raw->empty() || raw->size() > lim.salt_length_max) return usage_error(app, "--salt: not a salt in base64");
    salt = *raw;
  }
  std::cout << scram::format_entry(user, scram::derive_credentials(password, salt, iterations)) << "\n";
  return exit_pass;
}

}  // namespace harness::cli
