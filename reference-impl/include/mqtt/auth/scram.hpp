// SCRAM-SHA-256 (RFC 5802 with RFC 7677's hash), sans-IO: the server and client halves of the
// exchange as MQTT 5.0 enhanced authentication carries it in AUTH packets, the stored
// credentials in the RFC 5803 form, and the broker-side authenticator that plugs into the core.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "mqtt/broker/enhanced_auth.hpp"

namespace mqtt::auth::scram {

inline constexpr std::string_view method_name = "SCRAM-SHA-256";
inline constexpr std::size_t key_size = 32;  // SHA-256 output
using key = std::array<std::uint8_t, key_size>;

// Every bound on what the network or a configuration file hands the exchange.
struct limits {
  std::size_t message_size_max = 1'024;       // bytes of one SCRAM message
  std::size_t attributes_max = 8;             // comma-separated attributes in one message
  std::size_t nonce_length_max = 128;         // characters of the combined nonce
  std::size_t user_name_length_max = 256;     // bytes, after =2C / =3D decoding
  std::size_t salt_length_max = 64;           // bytes, decoded
  std::uint32_t iterations_min = 4'096;       // RFC 7677 section 4: at least 4096
  std::uint32_t iterations_max = 1'000'000;   // bounds the PBKDF2 work a peer can ask for
};

// What the server keeps of a password: never the password itself (RFC 5802 section 3).
struct credentials {
  std::uint32_t iterations = 0;
  std::string salt;  // raw bytes
  key stored_key{};
  key server_key{};
  friend bool operator==(const credentials&, const credentials&) = default;
};

credentials derive_credentials(std::string_view password, std::string_view salt, std::uint32_t iterations);

// `user:SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>`, the
// RFC 5803 form PostgreSQL also stores, prefixed by the user name.
std::string format_entry(std::string_view user, const credentials& c);
struct entry {
  std::string user;
  credentials creds;
};
// The text of the error, or the entry.
std::variant<entry, std::string> parse_entry(std::string_view line, const limits& lim = {});

// A SCRAM password file: one entry a line as format_entry writes it; blank lines and lines
// starting with '#' are skipped. At most `users_max` users.
inline constexpr std::size_t users_max = 100'000;
using user_map = std::map<std::string, credentials, std::less<>>;
struct file_error {
  std::size_t line;  // 1-based
  std::string message;
};
std::variant<user_map, file_error> parse_password_file(std::string_view text, const limits& lim = {});

// Fills its argument with random bytes: RAND_bytes in mqtt-ref-broker, a seeded generator in
// the simulator so runs stay reproducible.
using random_source = std::function<void(std::span<std::uint8_t>)>;
// The operating system's generator (OpenSSL's RAND_bytes), for real brokers and tools; never
// in the simulator. Throws when the generator fails.
random_source system_random();
// A nonce of `bytes` random bytes, base64-encoded (printable and without ',', RFC 5802 section 5.1).
std::string make_nonce(const random_source& random, std::size_t bytes = 18);

std::string base64_encode(std::string_view raw);
std::optional<std::string> base64_decode(std::string_view text);  // strict: canonical padding only

// A message to send, or why the exchange failed.
struct outcome {
  std::string message;
  std::string error;  // empty when the step succeeded
  bool ok() const { return error.empty(); }
};

// The server half: client-first in, server-first out; client-final in, server-final out.
class server_exchange {
 public:
  // Credentials of a user, or nullopt when there is no such user.
  using lookup = std::function<std::optional<credentials>(std::string_view user)>;
  // `server_nonce` is appended to the client's (RFC 5802 section 5.1). `unknown_user` gives
  // credentials for a user not found, so that such a client fails only at its proof, as
  // one with a wrong password does (RFC 5802 section 9 on user enumeration).
  server_exchange(lookup users, std::function<credentials(std::string_view user)> unknown_user,
                  std::string server_nonce, limits lim = {});

  outcome on_client_first(std::string_view message);
  outcome on_client_final(std::string_view message);
  // The user whose proof was verified, after on_client_final succeeded.
  const std::string& user() const { return user_; }
  bool proof_was_wrong() const { return proof_wrong_; }

 private:
  enum class stage : std::uint8_t { client_first, client_final, done } at_ = stage::client_first;
  lookup users_;
  std::function<credentials(std::string_view)> unknown_user_;
  std::string server_nonce_;
  limits lim_;
  std::string user_;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;
  credentials creds_;
  bool proof_wrong_ = false;
};

// The client half, for the scenario interpreter, tests and clients.
class client_exchange {
 public:
  client_exchange(std::string user, std::string password, std::string client_nonce, limits lim = {});
  std::string client_first() const;
  // `wrong_proof` sends a proof with one bit flipped, to see a server refuse it.
  outcome on_server_first(std::string_view message, bool wrong_proof = false);
  // True when the server-final carries the signature only a server holding ServerKey can make.
  bool server_final_valid(std::string_view message) const;

 private:
  std::string user_;
  std::string password_;
  std::string client_nonce_;
  limits lim_;
  std::string expected_server_final_;
};

// The broker's authenticator for the Authentication Method "SCRAM-SHA-256".
class authenticator final : public broker::enhanced_authenticator {
 public:
  authenticator(user_map users, random_source random, limits lim = {});
  std::unique_ptr<broker::auth_exchange> start(std::string_view client_id) override;

 private:
  user_map users_;
  random_source random_;
  limits lim_;
  key unknown_user_secret_{};  // keys the salt of made-up credentials, stable per process
};

}  // namespace mqtt::auth::scram
