// TOML profile reading with toml++.
#include "run/profile.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace harness::run {
namespace {

using mqtt::codec::protocol_version;

std::string where(const std::string& path, const toml::source_region& r) {
  return path + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

struct reader {
  const std::string& path;
  std::string error;

  bool check_keys(const toml::table& t, std::initializer_list<std::string_view> known, std::string_view table) {
    for (const auto& [k, v] : t) {
      bool ok = false;
      for (auto n : known) ok = ok || k.str() == n;
      if (!ok) {
        std::string list;
        for (auto n : known) list += (list.empty() ? "" : ", ") + std::string(n);
        error = where(path, v.source()) + ": unknown key '" + std::string(k.str()) + "'" +
                (table.empty() ? "" : " in [" + std::string(table) + "]") + " (known: " + list + ")";
        return false;
      }
    }
    return true;
  }

  template <class T>
  bool get(const toml::table& t, std::string_view key, T& out) {
    const toml::node* n = t.get(key);
    if (!n) return true;
    if constexpr (std::is_same_v<T, bool>) {
      if (auto v = n->value<bool>()) {
        out = *v;
        return true;
      }
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::optional<std::string>>) {
      if (auto v = n->value<std::string>()) {
        out = *v;
        return true;
      }
    } else if constexpr (std::is_same_v<T, double>) {
      if (auto v = n->value<double>()) {
        out = *v;
        return true;
      }
    } else {
      if (auto v = n->value<std::int64_t>(); v && *v >= 0 && static_cast<std::uint64_t>(*v) <= std::numeric_limits<T>::max()) {
        out = static_cast<T>(*v);
        return true;
      }
    }
    error = where(path, n->source()) + ": '" + std::string(key) + "' has the wrong type or range";
    return false;
  }
};

}  // namespace

std::set<std::string> profile::capabilities() const {
  std::set<std::string> c;
  if (max_qos >= 1) c.insert("qos1");
  if (max_qos >= 2) c.insert("qos2");
  if (retain) c.insert("retain");
  if (wildcards) c.insert("wildcards");
  if (shared_subscriptions) c.insert("shared_subscriptions");
  if (subscription_identifiers) c.insert("subscription_identifiers");
  if (topic_alias_maximum > 0) c.insert("topic_alias");
  if (user_name) c.insert("credentials");
  if (denied_topic) c.insert("denied_topic");
  if (zero_length_client_id) c.insert("zero_length_client_id");
  if (will_delay) c.insert("will_delay");
  if (session_expiry) c.insert("session_expiry");
  if (message_expiry) c.insert("message_expiry");
  if (maximum_packet_size > 0) c.insert("maximum_packet_size");
  if (receive_maximum > 0) c.insert("receive_maximum");
  if (request_response) c.insert("request_response");
  if (several_in_flight) c.insert("several_in_flight");
  if (persistence) c.insert("persistence");
  if (restart_command) c.insert("restart");
  bool scram = std::find(enhanced_auth.begin(), enhanced_auth.end(), "SCRAM-SHA-256") != enhanced_auth.end();
  if (scram && scram_user && scram_password) c.insert("scram_sha_256");
  for (auto v : versions) {
    if (v == protocol_version::v3_1) c.insert("v3.1");
  }
  return c;
}

std::map<std::string, std::string> profile::values() const {
  std::map<std::string, std::string> v;
  if (user_name) v["user_name"] = *user_name;
  if (password) v["password"] = *password;
  if (denied_topic) v["denied_topic"] = *denied_topic;
  v["receive_maximum"] = std::to_string(receive_maximum);
  v["topic_alias_maximum"] = std::to_string(topic_alias_maximum);
  v["maximum_packet_size"] = std::to_string(maximum_packet_size);
  v["max_qos"] = std::to_string(max_qos);
  if (scram_user) v["scram_user"] = *scram_user;
  if (scram_password) v["scram_password"] = *scram_password;
  return v;
}

std::optional<std::pair<std::string, std::string>> profile::connect_credentials() const {
  if (anonymous || !user_name) return std::nullopt;
  return std::pair{*user_name, password.value_or("")};
}

profile_result parse_profile(const std::string& text, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return {std::nullopt, where(path, e.source()) + ": " + std::string(e.description())};
  }
  profile p;
  p.file = path;
  reader r{path, {}};
  auto fail = [&] { return profile_result{std::nullopt, r.error}; };
  if (!r.check_keys(root, {"name", "versions", "time_factor", "default_within_ms", "capabilities", "credentials", "auth", "acl", "target", "restart"}, "")) return fail();
  if (!r.get(root, "name", p.name) || !r.get(root, "time_factor", p.time_factor) || !r.get(root, "default_within_ms", p.default_within_ms)) return fail();
  if (p.time_factor <= 0 || p.time_factor > 100) return {std::nullopt, path + ": time_factor must be above 0 and at most 100"};
  if (const toml::array* vs = root["versions"].as_array()) {
    p.versions.clear();
    for (const auto& n : *vs) {
      auto s = n.value<std::string>();
      auto v = s ? mqtt::codec::protocol_version_from(*s) : std::nullopt;
      if (v) p.versions.push_back(*v);
      else return {std::nullopt, where(path, n.source()) + ": versions are \"3.1\", \"3.1.1\" or \"5\""};
    }
  } else if (root.contains("versions")) {
    return {std::nullopt, path + ": versions is a list such as [\"3.1.1\", \"5\"]"};
  }
  if (const toml::table* c = root["capabilities"].as_table()) {
    if (!r.check_keys(*c, {"max_qos", "retain", "wildcards", "shared_subscriptions", "subscription_identifiers", "topic_alias_maximum",
                           "receive_maximum", "maximum_packet_size", "zero_length_client_id", "will_delay", "session_expiry",
                           "message_expiry", "request_response", "several_in_flight", "persistence", "enhanced_auth"}, "capabilities")) return fail();
    bool ok = r.get(*c, "max_qos", p.max_qos) && r.get(*c, "retain", p.retain) && r.get(*c, "wildcards", p.wildcards) &&
              r.get(*c, "shared_subscriptions", p.shared_subscriptions) && r.get(*c, "subscription_identifiers", p.subscription_identifiers) &&
              r.get(*c, "topic_alias_maximum", p.topic_alias_maximum) && r.get(*c, "receive_maximum", p.receive_maximum) &&
              r.get(*c, "maximum_packet_size", p.maximum_packet_size) && r.get(*c, "zero_length_client_id", p.zero_length_client_id) &&
              r.get(*c, "will_delay", p.will_delay) && r.get(*c, "session_expiry", p.session_expiry) &&
              r.get(*c, "message_expiry", p.message_expiry) && r.get(*c, "request_response", p.request_response) &&
              r.get(*c, "several_in_flight", p.several_in_flight) && r.get(*c, "persistence", p.persistence);
    if (!ok) return fail();
    if (p.max_qos > 2) return {std::nullopt, path + ": max_qos is 0, 1 or 2"};
    if (const toml::node* n = c->get("enhanced_auth")) {
      const toml::array* methods = n->as_array();
      if (!methods) return {std::nullopt, where(path, n->source()) + ": enhanced_auth is a list such as [\"SCRAM-SHA-256\"]"};
      for (const auto& m : *methods) {
        auto name = m.value<std::string>();
        if (!name || name->empty()) return {std::nullopt, where(path, m.source()) + ": an Authentication Method name in quotes"};
        p.enhanced_auth.push_back(*name);
      }
    }
  }
  if (const toml::table* c = root["auth"].as_table()) {
    if (!r.check_keys(*c, {"scram_user", "scram_password"}, "auth") || !r.get(*c, "scram_user", p.scram_user) ||
        !r.get(*c, "scram_password", p.scram_password)) return fail();
    if (p.scram_user.has_value() != p.scram_password.has_value()) {
      return {std::nullopt, path + ": [auth] scram_user and scram_password go together"};
    }
  }
  if (const toml::table* c = root["credentials"].as_table()) {
    if (!r.check_keys(*c, {"user_name", "password", "anonymous"}, "credentials") || !r.get(*c, "user_name", p.user_name) ||
        !r.get(*c, "password", p.password) || !r.get(*c, "anonymous", p.anonymous)) return fail();
    if (!p.anonymous && !p.user_name) return {std::nullopt, path + ": anonymous = false needs the user_name that every CONNECT then carries"};
  }
  if (const toml::table* c = root["acl"].as_table()) {
    if (!r.check_keys(*c, {"denied_topic"}, "acl") || !r.get(*c, "denied_topic", p.denied_topic)) return fail();
  }
  if (const toml::table* c = root["restart"].as_table()) {
    if (!r.check_keys(*c, {"crash", "command"}, "restart") || !r.get(*c, "crash", p.crash_command) ||
        !r.get(*c, "command", p.restart_command)) return fail();
    if (p.crash_command.has_value() != p.restart_command.has_value()) {
      return {std::nullopt, path + ": [restart] crash and command go together"};
    }
  }
  if (const toml::table* c = root["target"].as_table()) {
    if (!r.check_keys(*c, {"tcp", "ws", "tls", "wss"}, "target")) return fail();
    for (const auto& [k, v] : *c) {
      auto s = v.value<std::string>();
      if (!s) return {std::nullopt, where(path, v.source()) + ": a URL in quotes"};
      p.urls[std::string(k.str())] = *s;
    }
  }
  return {std::move(p), {}};
}

profile_result load_profile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {std::nullopt, path + ": cannot read the profile"};
  std::stringstream ss;
  ss << in.rdbuf();
  profile_result r = parse_profile(ss.str(), path);
  // [restart] commands run in the profile's folder, so they can name scripts beside it.
  if (r.value && r.value->crash_command) {
    std::string folder = std::filesystem::absolute(path).parent_path().string();
    std::string quoted = "'";
    for (char ch : folder) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    quoted += "'";
    r.value->crash_command = "cd " + quoted + " && " + *r.value->crash_command;
    r.value->restart_command = "cd " + quoted + " && " + *r.value->restart_command;
  }
  return r;
}

profile builtin_sim_profile() {
  profile p;
  p.name = "mqtt-ref-broker (built-in profile)";
  p.user_name = "harness";
  p.password = "harness-secret";
  p.denied_topic = "test/nosubscribe";
  p.maximum_packet_size = 1024 * 1024;
  p.enhanced_auth = {"SCRAM-SHA-256"};
  p.scram_user = "harness-scram";
  p.scram_password = "scram-secret";
  p.persistence = true;  // the simulated broker keeps its state across `restart broker`
  return p;
}

}  // namespace harness::run
