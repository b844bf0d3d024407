// Parsing and printing endpoint URLs. Errors are values; nothing here throws.
#include "transport/endpoint.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace harness::transport {
namespace {

struct scheme_name {
  std::string_view name;
  transport::scheme scheme;
};

constexpr std::array<scheme_name, 6> scheme_names{{
    {"tcp", scheme::tcp},
    {"mqtt", scheme::tcp},
    {"tls", scheme::tls},
    {"mqtts", scheme::tls},
    {"ws", scheme::ws},
    {"wss", scheme::wss},
}};

std::uint16_t default_port(scheme s) {
  switch (s) {
    case scheme::tcp: return default_port_tcp;
    case scheme::tls: return default_port_tls;
    case scheme::ws: return default_port_ws;
    case scheme::wss: return default_port_wss;
  }
  return default_port_tcp;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

parse_error fail(std::string_view url, const std::string& why) {
  return {"'" + std::string(url.substr(0, 200)) + "': " + why};
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

bool ipv6_char(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.'; }

// A request target may hold any visible ASCII character but '#' (checked before).
bool target_char(char c) { return c > 0x20 && c < 0x7F; }

// "1".."65535"; nothing else, no sign, no spaces.
bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  std::uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value == 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

std::string_view to_string(scheme s) {
  switch (s) {
    case scheme::tcp: return "tcp";
    case scheme::tls: return "tls";
    case scheme::ws: return "ws";
    case scheme::wss: return "wss";
  }
  return "?";
}

std::string endpoint::url() const {
  bool v6 = host.find(':') != std::string::npos;
  std::string out = std::string(to_string(scheme)) + "://" + (v6 ? "[" + host + "]" : host) + ":" +
                    std::to_string(port);
  if (uses_websocket(scheme)) out += path;
  return out;
}

parse_result parse_endpoint(std::string_view url) {
  if (url.size() > url_size_max) return fail(url, "longer than " + std::to_string(url_size_max) + " characters");
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return fail(url, "no scheme (expected tcp://, mqtt://, tls://, mqtts://, ws:// or wss://)");
  std::string name = lower(url.substr(0, sep));
  auto known = std::find_if(scheme_names.begin(), scheme_names.end(), [&](const scheme_name& s) { return s.name == name; });
  if (known == scheme_names.end()) return fail(url, "unknown scheme '" + name + "' (expected tcp, mqtt, tls, mqtts, ws or wss)");
  endpoint e;
  e.scheme = known->scheme;
  e.port = default_port(e.scheme);

  std::string_view rest = url.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) return fail(url, "a fragment ('#') has no meaning here");
  std::size_t authority_end = std::min(rest.find('/'), rest.find('?'));
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return fail(url, "user information is not supported (credentials go in CONNECT)");
  }

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail(url, "'[' without ']' around an IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return fail(url, "unexpected text after ']'");
    if (!after.empty()) {
      has_port = true;
      port_text = after.substr(1);
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), ipv6_char) || host.find(':') == std::string_view::npos) {
      return fail(url, "'" + std::string(host) + "' is not an IPv6 address");
    }
  } else {
    std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos) {
      return fail(url, "an IPv6 address needs brackets, as in [::1]:1883");
    }
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (host.empty()) return fail(url, "no host");
    if (!std::all_of(host.begin(), host.end(), name_char)) {
      return fail(url, "'" + std::string(host) + "' is not a host name or address");
    }
  }
  if (has_port && !parse_port(port_text, e.port)) {
    return fail(url, "port '" + std::string(port_text) + "' is not a number from 1 to 65535");
  }
  e.host = std::string(host);

  if (!std::all_of(target.begin(), target.end(), target_char)) return fail(url, "spaces or control characters in the path");
  if (uses_websocket(e.scheme)) {
    if (target.empty()) {
      e.path = std::string(default_ws_path);
    } else {
      e.path = target.front() == '?' ? "/" + std::string(target) : std::string(target);
    }
  } else if (!target.empty() && target != "/") {
    return fail(url, "a path has no meaning for " + name + ":// (only ws:// and wss:// have one)");
  }
  return e;
}

}  // namespace harness::transport
