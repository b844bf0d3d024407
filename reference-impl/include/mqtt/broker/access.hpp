// Authentication and authorization, as the broker core asks for them. The core never reads
// files: the executable builds these from mosquitto-style password and ACL files.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mqtt::broker {

struct client_identity {
  std::string client_id;
  std::optional<std::string> user_name;
};

enum class auth_result : std::uint8_t { accepted, bad_credentials, not_authorized };

class authenticator {
 public:
  virtual ~authenticator() = default;
  virtual auth_result authenticate(std::string_view client_id,
                                   const std::optional<std::string_view>& user_name,
                                   const std::optional<std::string_view>& password) = 0;
};

enum class access_kind : std::uint8_t { read = 1, write = 2 };

class authorizer {
 public:
  virtual ~authorizer() = default;
  // May the client publish to `topic`?
  virtual bool may_write(const client_identity& who, std::string_view topic) = 0;
  // May the client subscribe with `filter`? Checked again per message with may_read_topic.
  // For a 5.0 shared subscription `filter` is its Topic Filter, without `$share/{ShareName}/`.
  virtual bool may_subscribe(const client_identity& who, std::string_view filter) = 0;
  // May a message on `topic` be delivered to the client?
  virtual bool may_read_topic(const client_identity& who, std::string_view topic) = 0;
};

// mosquitto's ACL file (mosquitto.conf(5), acl_file): `topic [read|write|readwrite|deny]
// FILTER` lines apply to anonymous clients until the first `user NAME` line, then to that
// user; `pattern ...` lines apply to everyone with %c (client id) and %u (user name)
// substituted. A topic is allowed when some rule grants it and no deny rule matches it.
class acl_authorizer final : public authorizer {
 public:
  struct rule {
    std::string filter;  // for patterns: still with %c / %u
    bool read = false;
    bool write = false;
    bool deny = false;
    bool pattern = false;
    std::optional<std::string> user;  // nullopt: anonymous clients (plain topic rules)
  };

  // Parses the file text; on error returns the 1-based line number and a message.
  struct parse_error {
    std::size_t line;
    std::string message;
  };
  static std::variant<acl_authorizer, parse_error> parse(std::string_view text);

  bool may_write(const client_identity& who, std::string_view topic) override;
  bool may_subscribe(const client_identity& who, std::string_view filter) override;
  bool may_read_topic(const client_identity& who, std::string_view topic) override;
  const std::vector<rule>& rules() const { return rules_; }

 private:
  bool allowed(const client_identity& who, std::string_view topic, bool write, bool filter_match);
  std::vector<rule> rules_;
};

}  // namespace mqtt::broker
