// Enhanced authentication (MQTT 5.0 section 4.12) as the broker core asks for it: one
// authenticator per Authentication Method, each running a challenge/response exchange on the
// Authentication Data the client sends. The core knows no method; an implementation plugs in.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mqtt::broker {

// What one step of an exchange decided.
struct auth_step {
  enum class outcome : std::uint8_t {
    continue_auth,  // send `data` in AUTH 0x18 and wait for the client's AUTH 0x18
    success,        // authenticated: `data` goes with the CONNACK 0x00 or AUTH 0x00
    failure,        // refused with `reason_code`
  };
  outcome result = outcome::failure;
  std::string data;                   // Authentication Data to send; empty sends none
  std::uint8_t reason_code = 0x87;    // on failure: a CONNACK / DISCONNECT reason (0x80 or above)
  std::optional<std::string> user_name;  // on success: the identity it proved, for the ACL
  std::string text;                   // on failure: why, for the log and the Reason String
};

// One authentication of one connection (the first, or a re-authentication).
class auth_exchange {
 public:
  virtual ~auth_exchange() = default;
  // The Authentication Data of the CONNECT or AUTH 0x19 first, then of each AUTH 0x18.
  // `data` is nullopt when the packet carried none. Never throws on hostile input.
  virtual auth_step step(const std::optional<std::string_view>& data) = 0;
};

class enhanced_authenticator {
 public:
  virtual ~enhanced_authenticator() = default;
  virtual std::unique_ptr<auth_exchange> start(std::string_view client_id) = 0;
};

}  // namespace mqtt::broker
