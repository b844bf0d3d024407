// mosquitto's ACL file as an authorizer: parsing `user`, `topic` and `pattern` lines, and
// matching topics and subscription filters against the rules with MQTT wildcards.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mqtt/broker/access.hpp"

namespace mqtt::broker {
namespace {

// Bounds on what an ACL file may hold.
constexpr std::size_t acl_rules_max = 1'000'000;
constexpr std::size_t topic_levels_max = 65'535;  // a 65,535-byte topic has at most this many

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits off the first blank-separated word of `s`; `s` keeps the trimmed rest.
std::string_view next_word(std::string_view& s) {
  s = trim(s);
  std::size_t end = s.find_first_of(" \t");
  std::string_view word = s.substr(0, end);
  s = end == std::string_view::npos ? std::string_view{} : trim(s.substr(end));
  return word;
}

std::vector<std::string_view> levels_of(std::string_view s) {
  std::vector<std::string_view> levels;
  std::size_t start = 0;
  while (levels.size() < topic_levels_max) {
    std::size_t slash = s.find('/', start);
    levels.push_back(s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return levels;
}

// A filter is valid when `#` is only the whole last level and `+` only a whole level
// (MQTT-4.7.1-1, MQTT-4.7.1-2).
bool valid_filter(std::string_view filter) {
  if (filter.empty()) return false;
  std::vector<std::string_view> levels = levels_of(filter);
  for (std::size_t i = 0; i < levels.size(); ++i) {
    std::string_view l = levels[i];
    if (l.find('#') != std::string_view::npos && (l != "#" || i + 1 != levels.size())) return false;
    if (l.find('+') != std::string_view::npos && l != "+") return false;
  }
  return true;
}

bool starts_with_dollar(std::string_view s) { return !s.empty() && s.front() == '$'; }

// Does `filter` match the topic name `topic`? Wildcards in the first level do not match
// topics starting with `$` (MQTT-4.7.2-1).
bool topic_matches(std::string_view filter, std::string_view topic) {
  std::vector<std::string_view> f = levels_of(filter);
  std::vector<std::string_view> t = levels_of(topic);
  if (starts_with_dollar(topic) && (f[0] == "+" || f[0] == "#")) return false;
  std::size_t i = 0;
  for (; i < f.size(); ++i) {
    if (f[i] == "#") return true;  // also matches the parent level (MQTT-4.7.1-2)
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return i == t.size();
}

// Does the ACL filter `acl` match every topic that the subscription filter `sub` matches?
bool filter_covers(std::string_view acl, std::string_view sub) {
  std::vector<std::string_view> a = levels_of(acl);
  std::vector<std::string_view> s = levels_of(sub);
  if (starts_with_dollar(sub) && (a[0] == "+" || a[0] == "#")) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i >= a.size()) return false;
    if (a[i] == "#") return true;
    if (s[i] == "#") return false;  // only `#` covers `#`
    if (s[i] == "+") {
      if (a[i] != "+") return false;
      continue;
    }
    if (a[i] != "+" && a[i] != s[i]) return false;
  }
  // `sub` is exhausted: `acl` must be too, or end with a `#` that matches the parent level.
  return a.size() == s.size() || (a.size() == s.size() + 1 && a.back() == "#");
}

// Replaces %c and %u in a pattern; nullopt when the pattern cannot apply to this client (no
// user name for %u, or a value with wildcards that would widen the rule).
std::optional<std::string> substitute(std::string_view pattern, const client_identity& who) {
  std::string out;
  out.reserve(pattern.size());
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size() && (pattern[i + 1] == 'c' || pattern[i + 1] == 'u')) {
      std::string_view value;
      if (pattern[i + 1] == 'c') {
        value = who.client_id;
      } else {
        if (!who.user_name) return std::nullopt;
        value = *who.user_name;
      }
      if (value.find_first_of("+#") != std::string_view::npos) return std::nullopt;
      out += value;
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

bool rule_applies(const acl_authorizer::rule& r, const client_identity& who) {
  if (r.pattern) return true;
  return r.user == who.user_name;
}

}  // namespace

std::variant<acl_authorizer, acl_authorizer::parse_error> acl_authorizer::parse(std::string_view text) {
  acl_authorizer acl;
  std::optional<std::string> user;  // nullopt: rules for anonymous clients
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t eol = text.find('\n');
    std::string_view rest = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (rest.empty() || rest.front() == '#') continue;
    std::string_view keyword = next_word(rest);
    if (keyword == "user") {
      if (rest.empty()) return parse_error{line_no, "user needs a name"};
      user = std::string(rest);
      continue;
    }
    if (keyword != "topic" && keyword != "pattern") {
      return parse_error{line_no, "unknown keyword '" + std::string(keyword) + "' (user, topic or pattern)"};
    }
    rule r;
    r.pattern = keyword == "pattern";
    if (!r.pattern) r.user = user;
    // The access word is optional: a single word after the keyword is the filter (readwrite).
    std::string_view after = rest;
    std::string_view access = next_word(after);
    if (!after.empty() && (access == "read" || access == "write" || access == "readwrite" || access == "deny")) {
      r.read = access == "read" || access == "readwrite";
      r.write = access == "write" || access == "readwrite";
      r.deny = access == "deny";
      rest = after;
    } else if (!after.empty()) {
      // A filter with blanks needs an explicit access word before it.
      return parse_error{line_no, "unknown access '" + std::string(access) + "' (read, write, readwrite or deny)"};
    } else {
      r.read = r.write = true;
    }
    if (rest.empty()) return parse_error{line_no, std::string(keyword) + " needs a topic filter"};
    if (!valid_filter(rest)) return parse_error{line_no, "invalid topic filter '" + std::string(rest) + "'"};
    if (acl.rules_.size() >= acl_rules_max) return parse_error{line_no, "too many rules"};
    r.filter = std::string(rest);
    acl.rules_.push_back(std::move(r));
  }
  return acl;
}

bool acl_authorizer::allowed(const client_identity& who, std::string_view topic, bool write,
                             bool filter_match) {
  bool granted = false;
  for (const rule& r : rules_) {
    if (!rule_applies(r, who)) continue;
    if (!r.deny && !(write ? r.write : r.read)) continue;
    std::optional<std::string> filter = r.pattern ? substitute(r.filter, who) : std::optional<std::string>(r.filter);
    if (!filter) continue;
    bool match = filter_match ? filter_covers(*filter, topic) : topic_matches(*filter, topic);
    if (!match) continue;
    if (r.deny) return false;  // a deny rule wins over any grant
    granted = true;
  }
  return granted;
}

bool acl_authorizer::may_write(const client_identity& who, std::string_view topic) {
  return allowed(who, topic, true, false);
}

bool acl_authorizer::may_subscribe(const client_identity& who, std::string_view filter) {
  return allowed(who, filter, false, true);
}

bool acl_authorizer::may_read_topic(const client_identity& who, std::string_view topic) {
  return allowed(who, topic, false, false);
}

}  // namespace mqtt::broker
