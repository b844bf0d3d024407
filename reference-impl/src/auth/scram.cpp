// SCRAM-SHA-256 on OpenSSL: PBKDF2, HMAC and SHA-256 for the keys, CRYPTO_memcmp for the proof.
// Every message from the network is bounded and parsed strictly; a bad one fails the exchange.
#include "mqtt/auth/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <charconv>
#include <stdexcept>
#include <vector>

#include "mqtt/assert.hpp"

namespace mqtt::auth::scram {
namespace {

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint32_t unknown_user_iterations = 4'096;
constexpr std::size_t unknown_user_salt_size = 16;

key hmac(std::span<const std::uint8_t> k, std::string_view data) {
  key out{};
  unsigned int n = 0;
  const unsigned char* r = HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()),
                                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &n);
  MQTT_ASSERT(r != nullptr && n == key_size);
  return out;
}

key sha256(std::span<const std::uint8_t> data) {
  key out{};
  SHA256(data.data(), data.size(), out.data());
  return out;
}

key salted_password(std::string_view password, std::string_view salt, std::uint32_t iterations) {
  key out{};
  MQTT_ASSERT(iterations > 0 && iterations <= 0x7FFF'FFFF);
  int r = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                            reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                            static_cast<int>(iterations), EVP_sha256(), static_cast<int>(out.size()), out.data());
  MQTT_ASSERT(r == 1);
  return out;
}

std::string_view as_text(const key& k) { return {reinterpret_cast<const char*>(k.data()), k.size()}; }

key xor_keys(const key& a, const key& b) {
  key out{};
  for (std::size_t i = 0; i < key_size; ++i) out[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
  return out;
}

std::optional<key> key_from_base64(std::string_view text) {
  std::optional<std::string> raw = base64_decode(text);
  if (!raw || raw->size() != key_size) return std::nullopt;
  key out{};
  for (std::size_t i = 0; i < key_size; ++i) out[i] = static_cast<std::uint8_t>((*raw)[i]);
  return out;
}

std::optional<std::uint32_t> parse_count(std::string_view text) {
  if (text.empty() || text.size() > 10 || text[0] == '0') return std::nullopt;
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// One `x=value` attribute of a SCRAM message.
struct attribute {
  char name;
  std::string_view value;
};

// Splits a message into at most `lim.attributes_max` attributes; nullopt when malformed.
std::optional<std::vector<attribute>> split_attributes(std::string_view msg, const limits& lim) {
  std::vector<attribute> out;
  for (;;) {
    if (out.size() == lim.attributes_max) return std::nullopt;
    std::size_t comma = msg.find(',');
    std::string_view part = msg.substr(0, comma);
    if (part.size() < 2 || part[1] != '=') return std::nullopt;
    char n = part[0];
    if (!((n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z'))) return std::nullopt;
    out.push_back({n, part.substr(2)});
    if (comma == std::string_view::npos) return out;
    msg.remove_prefix(comma + 1);
  }
}

// A nonce is printable ASCII without ',' (RFC 5802 section 7, "printable").
bool valid_nonce(std::string_view n) {
  if (n.empty()) return false;
  for (char ch : n) {
    if (ch < 0x21 || ch > 0x7E || ch == ',') return false;
  }
  return true;
}

// saslname: "=2C" and "=3D" stand for ',' and '=' (RFC 5802 section 5.1).
std::optional<std::string> decode_saslname(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (ch == ',' || ch == '\0') return std::nullopt;
    if (ch != '=') {
      out += ch;
      continue;
    }
    std::string_view esc = s.substr(i + 1, 2);
    if (esc == "2C") out += ',';
    else if (esc == "3D") out += '=';
    else return std::nullopt;
    i += 2;
  }
  return out;
}

std::string encode_saslname(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == ',') out += "=2C";
    else if (ch == '=') out += "=3D";
    else out += ch;
  }
  return out;
}

outcome fail(std::string why) { return {{}, std::move(why)}; }

// The server-side exchange behind the broker's auth_exchange interface.
class broker_exchange final : public broker::auth_exchange {
 public:
  explicit broker_exchange(server_exchange ex) : ex_(std::move(ex)) {}

  broker::auth_step step(const std::optional<std::string_view>& data) override {
    broker::auth_step s;
    if (!data) {
      s.text = "SCRAM-SHA-256 needs Authentication Data";
      return s;
    }
    if (first_) {
      first_ = false;
      outcome o = ex_.on_client_first(*data);
      if (!o.ok()) return failed(std::move(o.error));
      s.result = broker::auth_step::outcome::continue_auth;
      s.data = std::move(o.message);
      return s;
    }
    outcome o = ex_.on_client_final(*data);
    if (!o.ok()) {
      broker::auth_step f = failed(std::move(o.error));
      // A wrong password is a bad user name or password; a broken exchange is not authorized.
      if (ex_.proof_was_wrong()) f.reason_code = 0x86;
      return f;
    }
    s.result = broker::auth_step::outcome::success;
    s.data = std::move(o.message);
    s.user_name = ex_.user();
    return s;
  }

 private:
  static broker::auth_step failed(std::string why) {
    broker::auth_step s;
    s.result = broker::auth_step::outcome::failure;
    s.reason_code = 0x87;
    s.text = "SCRAM-SHA-256: " + why;
    return s;
  }
  server_exchange ex_;
  bool first_ = true;
};

}  // namespace

std::string base64_encode(std::string_view raw) {
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < raw.size(); i += 3) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<std::uint8_t>(raw[i])) << 16;
    if (i + 1 < raw.size()) v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(raw[i + 1])) << 8;
    if (i + 2 < raw.size()) v |= static_cast<std::uint8_t>(raw[i + 2]);
    out += base64_alphabet[(v >> 18) & 0x3F];
    out += base64_alphabet[(v >> 12) & 0x3F];
    out += i + 1 < raw.size() ? base64_alphabet[(v >> 6) & 0x3F] : '=';
    out += i + 2 < raw.size() ? base64_alphabet[v & 0x3F] : '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t v = 0;
    int pad = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      char ch = text[i + j];
      std::uint32_t d = 0;
      if (ch == '=') {
        // Padding only at the end, in the last two places.
        if (i + 4 != text.size() || j < 2) return std::nullopt;
        ++pad;
      } else {
        if (pad != 0) return std::nullopt;
        std::size_t at = base64_alphabet.find(ch);
        if (at == std::string_view::npos) return std::nullopt;
        d = static_cast<std::uint32_t>(at);
      }
      v = (v << 6) | d;
    }
    // Canonical: the bits the padding leaves over are zero.
    if ((pad == 1 && (v & 0xFF) != 0) || (pad == 2 && (v & 0xFFFF) != 0)) return std::nullopt;
    out += static_cast<char>((v >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(v & 0xFF);
  }
  return out;
}

credentials derive_credentials(std::string_view password, std::string_view salt, std::uint32_t iterations) {
  key sp = salted_password(password, salt, iterations);
  key client_key = hmac(sp, "Client Key");
  credentials c;
  c.iterations = iterations;
  c.salt = std::string(salt);
  c.stored_key = sha256(client_key);
  c.server_key = hmac(sp, "Server Key");
  OPENSSL_cleanse(sp.data(), sp.size());
  return c;
}

std::string format_entry(std::string_view user, const credentials& c) {
  return std::string(user) + ":SCRAM-SHA-256$" + std::to_string(c.iterations) + ":" + base64_encode(c.salt) + "$" +
         base64_encode(as_text(c.stored_key)) + ":" + base64_encode(as_text(c.server_key));
}

std::variant<entry, std::string> parse_entry(std::string_view line, const limits& lim) {
  constexpr std::string_view scheme = "SCRAM-SHA-256$";
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::string("expected user:SCRAM-SHA-256$...");
  entry e;
  e.user = std::string(line.substr(0, colon));
  if (e.user.size() > lim.user_name_length_max) return std::string("user name too long");
  std::string_view rest = line.substr(colon + 1);
  if (!rest.starts_with(scheme)) return std::string("the secret does not start with SCRAM-SHA-256$");
  rest.remove_prefix(scheme.size());
  std::size_t dollar = rest.find('$');
  if (dollar == std::string_view::npos) return std::string("expected <iterations>:<salt>$<StoredKey>:<ServerKey>");
  std::string_view params = rest.substr(0, dollar);
  std::string_view keys = rest.substr(dollar + 1);
  std::size_t c1 = params.find(':');
  std::size_t c2 = keys.find(':');
  if (c1 == std::string_view::npos || c2 == std::string_view::npos) {
    return std::string("expected <iterations>:<salt>$<StoredKey>:<ServerKey>");
  }
  std::optional<std::uint32_t> iterations = parse_count(params.substr(0, c1));
  if (!iterations || *iterations < lim.iterations_min || *iterations > lim.iterations_max) {
    return "iteration count not a number in " + std::to_string(lim.iterations_min) + ".." +
           std::to_string(lim.iterations_max);
  }
  std::optional<std::string> salt = base64_decode(params.substr(c1 + 1));
  if (!salt || salt->empty() || salt->size() > lim.salt_length_max) return std::string("bad salt");
  std::optional<key> stored = key_from_base64(keys.substr(0, c2));
  std::optional<key> server = key_from_base64(keys.substr(c2 + 1));
  if (!stored || !server) return std::string("StoredKey and ServerKey must be 32 bytes in base64");
  e.creds = credentials{*iterations, std::move(*salt), *stored, *server};
  return e;
}

std::variant<user_map, file_error> parse_password_file(std::string_view text, const limits& lim) {
  user_map users;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto parsed = parse_entry(line, lim);
    if (auto* e = std::get_if<std::string>(&parsed)) return file_error{line_no, *e};
    entry& en = std::get<entry>(parsed);
    if (users.contains(en.user)) return file_error{line_no, "user " + en.user + " appears twice"};
    if (users.size() == users_max) return file_error{line_no, "more than " + std::to_string(users_max) + " users"};
    users.emplace(std::move(en.user), std::move(en.creds));
  }
  return users;
}

random_source system_random() {
  return [](std::span<std::uint8_t> out) {
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  };
}

std::string make_nonce(const random_source& random, std::size_t bytes) {
  std::string raw(bytes, '\0');
  random(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(raw.data()), raw.size()));
  return base64_encode(raw);
}

server_exchange::server_exchange(lookup users, std::function<credentials(std::string_view)> unknown_user,
                                 std::string server_nonce, limits lim)
    : users_(std::move(users)), unknown_user_(std::move(unknown_user)), server_nonce_(std::move(server_nonce)),
      lim_(lim) {
  MQTT_ASSERT(valid_nonce(server_nonce_));
}

outcome server_exchange::on_client_first(std::string_view msg) {
  if (at_ != stage::client_first) return fail("client-first out of order");
  at_ = stage::done;  // until this step succeeds
  if (msg.size() > lim_.message_size_max) return fail("client-first too long");
  // gs2-header: no channel binding ("n" or "y"), no authorization identity.
  std::string_view gs2;
  if (msg.starts_with("n,,")) gs2 = "n,,";
  else if (msg.starts_with("y,,")) gs2 = "y,,";
  else if (msg.starts_with("p=")) return fail("channel binding is not offered");
  else return fail("client-first: gs2 header must be n,, or y,, (no authzid)");
  std::string_view bare = msg.substr(gs2.size());
  auto attrs = split_attributes(bare, lim_);
  if (!attrs || attrs->size() < 2 || (*attrs)[0].name != 'n' || (*attrs)[1].name != 'r') {
    return fail("client-first: expected n=<user>,r=<nonce>");
  }
  for (std::size_t i = 2; i < attrs->size(); ++i) {
    if ((*attrs)[i].name == 'm') return fail("client-first: unsupported mandatory extension");
  }
  std::optional<std::string> user = decode_saslname((*attrs)[0].value);
  if (!user || user->empty() || user->size() > lim_.user_name_length_max) return fail("client-first: bad user name");
  std::string_view client_nonce = (*attrs)[1].value;
  if (!valid_nonce(client_nonce) || client_nonce.size() + server_nonce_.size() > lim_.nonce_length_max) {
    return fail("client-first: bad nonce");
  }
  std::optional<credentials> found = users_ ? users_(*user) : std::nullopt;
  creds_ = found ? *found : unknown_user_(*user);
  user_ = std::move(*user);
  gs2_header_ = std::string(gs2);
  client_first_bare_ = std::string(bare);
  nonce_ = std::string(client_nonce) + server_nonce_;
  server_first_ = "r=" + nonce_ + ",s=" + base64_encode(creds_.salt) + ",i=" + std::to_string(creds_.iterations);
  at_ = stage::client_final;
  return {server_first_, {}};
}

outcome server_exchange::on_client_final(std::string_view msg) {
  if (at_ != stage::client_final) return fail("client-final out of order");
  at_ = stage::done;
  if (msg.size() > lim_.message_size_max) return fail("client-final too long");
  std::size_t proof_at = msg.rfind(",p=");
  if (proof_at == std::string_view::npos) return fail("client-final: no proof");
  std::string_view without_proof = msg.substr(0, proof_at);
  auto attrs = split_attributes(without_proof, lim_);
  if (!attrs || attrs->size() < 2 || (*attrs)[0].name != 'c' || (*attrs)[1].name != 'r') {
    return fail("client-final: expected c=<binding>,r=<nonce>,...,p=<proof>");
  }
  if ((*attrs)[0].value != base64_encode(gs2_header_)) return fail("client-final: channel binding differs");
  if ((*attrs)[1].value != nonce_) return fail("client-final: nonce differs");
  std::optional<key> proof = key_from_base64(msg.substr(proof_at + 3));
  if (!proof) return fail("client-final: bad proof encoding");
  std::string auth_message = client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  key client_signature = hmac(creds_.stored_key, auth_message);
  key client_key = xor_keys(*proof, client_signature);
  key stored = sha256(client_key);
  if (CRYPTO_memcmp(stored.data(), creds_.stored_key.data(), key_size) != 0) {
    proof_wrong_ = true;
    return fail("wrong proof for user " + user_);
  }
  key server_signature = hmac(creds_.server_key, auth_message);
  return {"v=" + base64_encode(as_text(server_signature)), {}};
}

client_exchange::client_exchange(std::string user, std::string password, std::string client_nonce, limits lim)
    : user_(std::move(user)), password_(std::move(password)), client_nonce_(std::move(client_nonce)), lim_(lim) {
  if (!valid_nonce(client_nonce_)) throw std::invalid_argument("SCRAM client nonce must be printable, without ','");
}

std::string client_exchange::client_first() const {
  return "n,,n=" + encode_saslname(user_) + ",r=" + client_nonce_;
}

outcome client_exchange::on_server_first(std::string_view msg, bool wrong_proof) {
  if (msg.size() > lim_.message_size_max) return fail("server-first too long");
  auto attrs = split_attributes(msg, lim_);
  if (!attrs || attrs->size() < 3 || (*attrs)[0].name != 'r' || (*attrs)[1].name != 's' || (*attrs)[2].name != 'i') {
    return fail("server-first: expected r=<nonce>,s=<salt>,i=<iterations>");
  }
  std::string_view nonce = (*attrs)[0].value;
  if (!nonce.starts_with(client_nonce_) || nonce.size() == client_nonce_.size() || !valid_nonce(nonce) ||
      nonce.size() > lim_.nonce_length_max) {
    return fail("server-first: the nonce does not extend ours");
  }
  std::optional<std::string> salt = base64_decode((*attrs)[1].value);
  if (!salt || salt->empty() || salt->size() > lim_.salt_length_max) return fail("server-first: bad salt");
  std::optional<std::uint32_t> iterations = parse_count((*attrs)[2].value);
  if (!iterations || *iterations < lim_.iterations_min || *iterations > lim_.iterations_max) {
    return fail("server-first: iteration count out of bounds");
  }
  key sp = salted_password(password_, *salt, *iterations);
  key client_key = hmac(sp, "Client Key");
  key stored_key = sha256(client_key);
  key server_key = hmac(sp, "Server Key");
  OPENSSL_cleanse(sp.data(), sp.size());
  std::string without_proof = "c=" + base64_encode("n,,") + ",r=" + std::string(nonce);
  std::string bare = client_first().substr(3);
  std::string auth_message = bare + "," + std::string(msg) + "," + without_proof;
  key proof = xor_keys(client_key, hmac(stored_key, auth_message));
  if (wrong_proof) proof[0] ^= 0x01;
  expected_server_final_ = "v=" + base64_encode(as_text(hmac(server_key, auth_message)));
  return {without_proof + ",p=" + base64_encode(as_text(proof)), {}};
}

bool client_exchange::server_final_valid(std::string_view msg) const {
  return !expected_server_final_.empty() && msg.size() == expected_server_final_.size() &&
         CRYPTO_memcmp(msg.data(), expected_server_final_.data(), msg.size()) == 0;
}

authenticator::authenticator(user_map users, random_source random, limits lim)
    : users_(std::move(users)), random_(std::move(random)), lim_(lim) {
  MQTT_ASSERT(random_);
  random_(unknown_user_secret_);
}

std::unique_ptr<broker::auth_exchange> authenticator::start(std::string_view) {
  auto lookup = [this](std::string_view user) -> std::optional<credentials> {
    auto it = users_.find(user);
    if (it == users_.end()) return std::nullopt;
    return it->second;
  };
  // The same made-up salt for the same unknown user every time, keys that match no proof.
  auto unknown = [this](std::string_view user) {
    credentials c;
    c.iterations = unknown_user_iterations;
    key salt = hmac(unknown_user_secret_, "salt:" + std::string(user));
    c.salt = std::string(as_text(salt).substr(0, unknown_user_salt_size));
    c.stored_key = hmac(unknown_user_secret_, "stored:" + std::string(user));
    c.server_key = hmac(unknown_user_secret_, "server:" + std::string(user));
    return c;
  };
  return std::make_unique<broker_exchange>(server_exchange(lookup, unknown, make_nonce(random_), lim_));
}

}  // namespace mqtt::auth::scram
