// mosquitto password files (mosquitto_passwd(1)) as an authenticator for the broker core:
// `user:$7$ITERATIONS$SALT$HASH` (PBKDF2-HMAC-SHA512, mosquitto 2.0), `user:$6$SALT$HASH`
// (SHA-512 of password then salt, mosquitto 1.x) and plain `user:password`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "mqtt/broker/access.hpp"

namespace mqtt::net {

struct password_entry {
  enum class kind : std::uint8_t { plain, sha512, pbkdf2_sha512 };
  kind how = kind::plain;
  std::uint32_t iterations = 0;  // PBKDF2 only
  std::string salt;              // decoded bytes
  std::string hash;              // decoded bytes, or the password itself for `plain`
};

// True when `password` is the one the entry was made from (constant-time comparison).
bool password_matches(const password_entry& entry, std::string_view password);

class password_file_authenticator final : public broker::authenticator {
 public:
  struct parse_error {
    std::size_t line;
    std::string message;
  };
  // Parses the file text. `allow_anonymous` decides CONNECTs without a user name.
  static std::variant<password_file_authenticator, parse_error> parse(std::string_view text,
                                                                      bool allow_anonymous);

  broker::auth_result authenticate(std::string_view client_id,
                                   const std::optional<std::string_view>& user_name,
                                   const std::optional<std::string_view>& password) override;

  const std::map<std::string, password_entry, std::less<>>& entries() const { return entries_; }

 private:
  std::map<std::string, password_entry, std::less<>> entries_;
  bool allow_anonymous_ = false;
};

}  // namespace mqtt::net
