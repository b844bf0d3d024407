// Password file parsing and checking with OpenSSL's SHA-512 and PBKDF2.
#include "password_file.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <charconv>
#include <vector>

namespace mqtt::net {
namespace {

constexpr std::size_t entries_max = 1'000'000;
constexpr std::size_t sha512_size = 64;
// mosquitto_passwd writes 101 iterations; anything far beyond would let a file stall logins.
constexpr std::uint32_t pbkdf2_iterations_max = 10'000'000;

std::optional<std::string> base64_decode(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes; drop them.
  std::size_t size = static_cast<std::size_t>(n);
  if (in.back() == '=') --size;
  if (in.size() >= 2 && in[in.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

std::string sha512_of(std::string_view password, std::string_view salt) {
  std::string digest(sha512_size, '\0');
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int len = 0;
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, password.data(), password.size()) == 1 &&
            EVP_DigestUpdate(ctx, salt.data(), salt.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(digest.data()), &len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return {};
  return digest;
}

std::string pbkdf2_of(std::string_view password, std::string_view salt, std::uint32_t iterations,
                      std::size_t size) {
  std::string key(size, '\0');
  int ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                             reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                             static_cast<int>(iterations), EVP_sha512(), static_cast<int>(size),
                             reinterpret_cast<unsigned char*>(key.data()));
  if (ok != 1) return {};
  return key;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t i = s.find(sep, start);
    parts.push_back(s.substr(start, i == std::string_view::npos ? std::string_view::npos : i - start));
    if (i == std::string_view::npos) return parts;
    start = i + 1;
  }
}

// Parses what follows `user:`; returns the error message on failure.
std::variant<password_entry, std::string> parse_secret(std::string_view secret) {
  password_entry e;
  if (secret.empty() || secret.front() != '$') {
    if (secret.empty()) return std::string("empty password");
    e.how = password_entry::kind::plain;
    e.hash = std::string(secret);
    return e;
  }
  std::vector<std::string_view> parts = split(secret, '$');  // "", "7", ITER, SALT, HASH
  if (parts.size() >= 2 && parts[1] == "6") {
    if (parts.size() != 4) return std::string("expected $6$SALT$HASH");
    e.how = password_entry::kind::sha512;
  } else if (parts.size() >= 2 && parts[1] == "7") {
    if (parts.size() != 5) return std::string("expected $7$ITERATIONS$SALT$HASH");
    e.how = password_entry::kind::pbkdf2_sha512;
    std::string_view it = parts[2];
    auto [end, ec] = std::from_chars(it.data(), it.data() + it.size(), e.iterations);
    if (ec != std::errc{} || end != it.data() + it.size() || e.iterations == 0 ||
        e.iterations > pbkdf2_iterations_max) {
      return "bad iteration count '" + std::string(it) + "'";
    }
    parts.erase(parts.begin() + 2);
  } else {
    return std::string("unknown hash type (expected $6$ or $7$)");
  }
  auto salt = base64_decode(parts[2]);
  auto hash = base64_decode(parts[3]);
  if (!salt) return std::string("salt is not base64");
  if (!hash || hash->empty()) return std::string("hash is not base64");
  if (e.how == password_entry::kind::sha512 && hash->size() != sha512_size) {
    return std::string("a $6$ hash must be 64 bytes");
  }
  e.salt = std::move(*salt);
  e.hash = std::move(*hash);
  return e;
}

}  // namespace

bool password_matches(const password_entry& entry, std::string_view password) {
  std::string computed;
  switch (entry.how) {
    case password_entry::kind::plain: computed = std::string(password); break;
    case password_entry::kind::sha512: computed = sha512_of(password, entry.salt); break;
    case password_entry::kind::pbkdf2_sha512:
      computed = pbkdf2_of(password, entry.salt, entry.iterations, entry.hash.size());
      break;
  }
  if (computed.size() != entry.hash.size()) return false;
  return CRYPTO_memcmp(computed.data(), entry.hash.data(), computed.size()) == 0;
}

std::variant<password_file_authenticator, password_file_authenticator::parse_error>
password_file_authenticator::parse(std::string_view text, bool allow_anonymous) {
  password_file_authenticator a;
  a.allow_anonymous_ = allow_anonymous;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return parse_error{line_no, "expected user:password"};
    std::string_view user = line.substr(0, colon);
    if (user.empty()) return parse_error{line_no, "empty user name"};
    auto secret = parse_secret(line.substr(colon + 1));
    if (auto* msg = std::get_if<std::string>(&secret)) return parse_error{line_no, *msg};
    if (a.entries_.size() >= entries_max) return parse_error{line_no, "too many users"};
    if (!a.entries_.emplace(std::string(user), std::get<password_entry>(std::move(secret))).second) {
      return parse_error{line_no, "user '" + std::string(user) + "' appears twice"};
    }
  }
  return a;
}

broker::auth_result password_file_authenticator::authenticate(
    std::string_view /*client_id*/, const std::optional<std::string_view>& user_name,
    const std::optional<std::string_view>& password) {
  if (!user_name) return allow_anonymous_ ? broker::auth_result::accepted : broker::auth_result::not_authorized;
  auto it = entries_.find(*user_name);
  if (it == entries_.end() || !password) return broker::auth_result::bad_credentials;
  return password_matches(it->second, *password) ? broker::auth_result::accepted
                                                 : broker::auth_result::bad_credentials;
}

}  // namespace mqtt::net
