// Parser for the mosquitto.conf subset that mqtt-ref-broker understands. Every line is one
// directive and its arguments separated by blanks; `#` starts a comment line.
#include "config.hpp"

#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>

namespace mqtt::net {
namespace {

// Bounds on what a configuration file may hold.
constexpr std::size_t config_file_size_max = 1 << 20;
constexpr std::size_t listeners_max = 64;
constexpr std::size_t response_information_prefix_length_max = 1'024;
// The enhanced authentication methods mqtt-ref-broker can offer.
constexpr std::string_view scram_sha_256 = "SCRAM-SHA-256";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

// The outcome of one directive: nothing, or the message of the error it makes.
using line_result = std::optional<std::string>;

template <class Int>
line_result parse_uint(std::string_view word, Int min, Int max, Int& out) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (ec != std::errc{} || end != word.data() + word.size()) {
    return "'" + std::string(word) + "' is not a number";
  }
  if (v < min || v > max) {
    return "'" + std::string(word) + "' is out of range " + std::to_string(min) + ".." +
           std::to_string(max);
  }
  out = static_cast<Int>(v);
  return std::nullopt;
}

line_result parse_bool(std::string_view word, bool& out) {
  if (word == "true") { out = true; return std::nullopt; }
  if (word == "false") { out = false; return std::nullopt; }
  return "expected true or false, got '" + std::string(word) + "'";
}

class parser {
 public:
  line_result directive(std::string_view name, const std::vector<std::string_view>& args,
                        std::size_t line);
  line_result finish();
  config cfg;

 private:
  line_result expect_args(const std::vector<std::string_view>& args, std::size_t min,
                          std::size_t max, std::string_view usage) const;
  line_result add_listener(const std::vector<std::string_view>& args, listener_protocol p,
                           std::size_t line);
  listener_config* last_listener() { return cfg.listeners.empty() ? nullptr : &cfg.listeners.back(); }
  line_result listener_setting(std::string_view name, const std::vector<std::string_view>& args);
  line_result broker_setting(std::string_view name, const std::vector<std::string_view>& args,
                             bool& known);
  std::size_t finish_line_ = 0;

 public:
  std::size_t error_line() const { return finish_line_; }
};

line_result parser::expect_args(const std::vector<std::string_view>& args, std::size_t min,
                                std::size_t max, std::string_view usage) const {
  if (args.size() < min || args.size() > max) return "usage: " + std::string(usage);
  return std::nullopt;
}

line_result parser::add_listener(const std::vector<std::string_view>& args, listener_protocol p,
                                 std::size_t line) {
  std::string_view usage = p == listener_protocol::http ? "http_listener PORT [ADDRESS]"
                                                        : "listener PORT [ADDRESS]";
  if (auto e = expect_args(args, 1, 2, usage)) return e;
  if (cfg.listeners.size() >= listeners_max) {
    return "too many listeners (at most " + std::to_string(listeners_max) + ")";
  }
  listener_config l;
  l.protocol = p;
  l.line = line;
  if (auto e = parse_uint<std::uint16_t>(args[0], 0, 65535, l.port)) return e;
  if (args.size() == 2) l.address = std::string(args[1]);
  cfg.listeners.push_back(std::move(l));
  return std::nullopt;
}

line_result parser::listener_setting(std::string_view name, const std::vector<std::string_view>& args) {
  listener_config* l = last_listener();
  if (l == nullptr) return std::string(name) + " must follow a listener line";
  if (name == "protocol") {
    if (auto e = expect_args(args, 1, 1, "protocol mqtt|websockets")) return e;
    if (l->protocol == listener_protocol::http) return "protocol does not apply to an http_listener";
    if (args[0] == "mqtt") l->protocol = listener_protocol::mqtt;
    else if (args[0] == "websockets") l->protocol = listener_protocol::websockets;
    else return "unknown protocol '" + std::string(args[0]) + "' (mqtt or websockets)";
    return std::nullopt;
  }
  if (l->protocol == listener_protocol::http) return std::string(name) + " does not apply to an http_listener";
  if (name == "require_certificate") {
    if (auto e = expect_args(args, 1, 1, "require_certificate true|false")) return e;
    return parse_bool(args[0], l->require_certificate);
  }
  if (auto e = expect_args(args, 1, 1, std::string(name) + " PATH")) return e;
  std::string& target = name == "certfile" ? l->certfile : name == "keyfile" ? l->keyfile : l->cafile;
  target = std::string(args[0]);
  return std::nullopt;
}

line_result parser::broker_setting(std::string_view name, const std::vector<std::string_view>& args,
                                   bool& known) {
  known = true;
  broker::options& o = cfg.options;
  broker::limits& lim = o.limits;
  if (name == "persistence") {
    if (auto e = expect_args(args, 1, 1, "persistence true|false")) return e;
    return parse_bool(args[0], cfg.persistence);
  }
  if (name == "persistence_location" || name == "persistence_file") {
    if (auto e = expect_args(args, 1, 1, std::string(name) + (name == "persistence_file" ? " NAME" : " PATH"))) return e;
    (name == "persistence_file" ? cfg.persistence_file : cfg.persistence_location) = std::string(args[0]);
    return std::nullopt;
  }
  if (name == "allow_anonymous" || name == "retain_available") {
    if (auto e = expect_args(args, 1, 1, std::string(name) + " true|false")) return e;
    return parse_bool(args[0], name == "allow_anonymous" ? o.allow_anonymous : o.retain_available);
  }
  if (name == "password_file" || name == "acl_file") {
    if (auto e = expect_args(args, 1, 1, std::string(name) + " PATH")) return e;
    (name == "password_file" ? cfg.password_file : cfg.acl_file) = std::string(args[0]);
    return std::nullopt;
  }
  if (name == "scram_password_file") {
    if (auto e = expect_args(args, 1, 1, "scram_password_file PATH")) return e;
    cfg.scram_password_file = std::string(args[0]);
    return std::nullopt;
  }
  if (name == "auth_method") {
    if (auto e = expect_args(args, 1, 1, "auth_method SCRAM-SHA-256")) return e;
    if (args[0] != scram_sha_256) return "unknown auth_method '" + std::string(args[0]) + "' (SCRAM-SHA-256)";
    for (const std::string& m : cfg.auth_methods) {
      if (m == args[0]) return "auth_method " + m + " given twice";
    }
    cfg.auth_methods.emplace_back(args[0]);
    return std::nullopt;
  }
  if (name == "response_information_prefix") {
    if (auto e = expect_args(args, 1, 1, "response_information_prefix TOPIC-PREFIX")) return e;
    if (args[0].size() > response_information_prefix_length_max) return std::string("response_information_prefix too long");
    if (args[0].find_first_of("+#") != std::string_view::npos) {
      return std::string("response_information_prefix is a topic prefix: no wildcards");
    }
    o.response_information_prefix = std::string(args[0]);
    return std::nullopt;
  }
  if (name == "max_qos") {
    if (auto e = expect_args(args, 1, 1, "max_qos 0|1|2")) return e;
    std::uint8_t q = 0;
    if (auto e = parse_uint<std::uint8_t>(args[0], 0, 2, q)) return e;
    o.max_qos = static_cast<codec::qos>(q);
    return std::nullopt;
  }
  if (name == "max_packet_size") {
    // 0 means no limit beyond the protocol's own, as in mosquitto.
    if (auto e = expect_args(args, 1, 1, "max_packet_size BYTES")) return e;
    constexpr std::uint32_t protocol_max = codec::remaining_length_max + codec::fixed_header_size_max;
    std::uint32_t v = 0;
    if (auto e = parse_uint<std::uint32_t>(args[0], 0, protocol_max, v)) return e;
    if (v != 0 && v < 20) return "max_packet_size must be 0 (no limit) or at least 20";
    lim.packet_size_max = v == 0 ? protocol_max : v;
    return std::nullopt;
  }
  if (name == "max_inflight_messages") {
    // 0 means no limit: the largest Receive Maximum the protocol allows.
    if (auto e = expect_args(args, 1, 1, "max_inflight_messages N")) return e;
    std::uint16_t v = 0;
    if (auto e = parse_uint<std::uint16_t>(args[0], 0, 65535, v)) return e;
    lim.inflight_max = v == 0 ? std::uint16_t{65535} : v;
    return std::nullopt;
  }
  if (name == "max_queued_messages") {
    // 0 means no limit, as in mosquitto.
    if (auto e = expect_args(args, 1, 1, "max_queued_messages N")) return e;
    std::uint64_t v = 0;
    if (auto e = parse_uint<std::uint64_t>(args[0], 0, std::numeric_limits<std::uint32_t>::max(), v)) return e;
    lim.queued_messages_max = v == 0 ? std::numeric_limits<std::size_t>::max() : static_cast<std::size_t>(v);
    return std::nullopt;
  }
  if (name == "max_keepalive") {
    if (auto e = expect_args(args, 1, 1, "max_keepalive SECONDS")) return e;
    return parse_uint<std::uint16_t>(args[0], 0, 65535, lim.keep_alive_max_s);
  }
  known = false;
  return std::nullopt;
}

line_result parser::directive(std::string_view name, const std::vector<std::string_view>& args,
                              std::size_t line) {
  if (name == "listener") return add_listener(args, listener_protocol::mqtt, line);
  if (name == "http_listener") return add_listener(args, listener_protocol::http, line);
  if (name == "protocol" || name == "certfile" || name == "keyfile" || name == "cafile" ||
      name == "require_certificate") {
    return listener_setting(name, args);
  }
  bool known = false;
  line_result r = broker_setting(name, args, known);
  if (!known) return "unknown directive '" + std::string(name) + "'";
  return r;
}

// Checks that need the whole file: each listener's TLS settings hang together, SCRAM has its
// credentials.
line_result parser::finish() {
  bool scram = false;
  for (const std::string& m : cfg.auth_methods) scram = scram || m == scram_sha_256;
  if (scram != cfg.scram_password_file.has_value()) {
    return std::string(scram ? "auth_method SCRAM-SHA-256 needs scram_password_file"
                             : "scram_password_file without auth_method SCRAM-SHA-256");
  }
  for (const listener_config& l : cfg.listeners) {
    finish_line_ = l.line;
    if (l.certfile.empty() != l.keyfile.empty()) return "a TLS listener needs both certfile and keyfile";
    if (!l.cafile.empty() && l.certfile.empty()) return "cafile without certfile and keyfile";
    if (l.require_certificate && l.cafile.empty()) return "require_certificate true needs a cafile";
  }
  return std::nullopt;
}

}  // namespace

std::string_view listener_config::scheme() const {
  switch (protocol) {
    case listener_protocol::mqtt: return tls() ? "tls" : "tcp";
    case listener_protocol::websockets: return tls() ? "wss" : "ws";
    case listener_protocol::http: return "http";
  }
  return "tcp";
}

std::string config_error::to_string() const {
  return file + ":" + std::to_string(line) + ": " + message;
}

std::variant<config, config_error> parse_config(std::string_view text, std::string_view file) {
  parser p;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t eol = text.find('\n');
    std::string_view line = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string_view> words = split_words(line);
    std::vector<std::string_view> args(words.begin() + 1, words.end());
    if (auto e = p.directive(words.front(), args, line_no)) {
      return config_error{std::string(file), line_no, *e};
    }
  }
  if (auto e = p.finish()) return config_error{std::string(file), p.error_line(), *e};
  return std::move(p.cfg);
}

std::variant<config, config_error> load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return config_error{path, 0, "cannot open the configuration file"};
  std::string text;
  text.resize(config_file_size_max + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > config_file_size_max) {
    return config_error{path, 0, "configuration file larger than " + std::to_string(config_file_size_max) + " bytes"};
  }
  return parse_config(text, path);
}

config default_config() {
  config cfg;
  listener_config l;
  l.port = 1883;
  l.address = "127.0.0.1";
  cfg.listeners.push_back(l);
  return cfg;
}

void apply_port_override(config& cfg, std::uint16_t port) {
  for (listener_config& l : cfg.listeners) {
    if (l.protocol == listener_protocol::mqtt && !l.tls()) {
      l.port = port;
      return;
    }
  }
  listener_config l;
  l.port = port;
  l.address = "127.0.0.1";
  cfg.listeners.push_back(l);
}

std::string config::persistence_path() const {
  if (persistence_location.empty()) return persistence_file;
  return persistence_location.back() == '/' ? persistence_location + persistence_file
                                            : persistence_location + "/" + persistence_file;
}

}  // namespace mqtt::net
