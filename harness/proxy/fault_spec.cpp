// Parsing and describing the proxy's fault specs.
#include "proxy/fault_spec.hpp"

#include <array>
#include <charconv>
#include <optional>
#include <utility>

namespace harness::proxy {
namespace {

struct kind_name {
  std::string_view name;
  fault_type type;
};

constexpr std::array<kind_name, 10> kinds = {{
    {"latency", fault_type::latency},
    {"bandwidth", fault_type::bandwidth},
    {"slice", fault_type::slice},
    {"stall", fault_type::stall},
    {"reset", fault_type::reset},
    {"black-hole", fault_type::black_hole},
    {"half-open", fault_type::half_open},
    {"partition", fault_type::partition},
    {"refuse", fault_type::refuse},
    {"hang-connects", fault_type::hang_connects},
}};

// TCP's retransmission backoff: the first after 200 ms, each next one twice as late.
constexpr std::uint32_t first_retransmission_ms = 200;
constexpr std::uint32_t retransmissions_before_reset = 6;

std::optional<std::uint64_t> number(std::string_view s, std::uint64_t max) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

}  // namespace

std::string_view to_string(fault_type t) {
  for (const kind_name& k : kinds) {
    if (k.type == t) return k.name;
  }
  return "?";
}

std::string_view to_string(direction d) {
  switch (d) {
    case direction::up: return "up";
    case direction::down: return "down";
    case direction::both: return "both";
  }
  return "?";
}

std::variant<fault, std::string> parse_fault(std::string_view spec) {
  const std::size_t colon = spec.find(':');
  std::string_view kind = spec.substr(0, colon);
  std::string_view rest = colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
  fault f;
  bool known = false;
  if (kind == "loss") {
    f.type = fault_type::stall;
    known = true;
  }
  for (const kind_name& k : kinds) {
    if (k.name == kind) f.type = k.type, known = true;
  }
  if (!known) return "unknown fault kind '" + std::string(kind) + "'";
  bool have_ms = false, have_bytes = false, have_rate = false;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return "'" + std::string(item) + "' is not KEY=VALUE";
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    auto bad = [&](std::string_view what) { return std::string(key) + "=" + std::string(value) + ": " + std::string(what); };
    if (key == "dir") {
      if (value == "up") f.dir = direction::up;
      else if (value == "down") f.dir = direction::down;
      else if (value == "both") f.dir = direction::both;
      else return bad("up, down or both");
    } else if (key == "end" && f.type == fault_type::half_open) {
      if (value == "broker") f.broker_end = true;
      else if (value == "client") f.broker_end = false;
      else return bad("client or broker");
    } else if (key == "conn") {
      auto v = number(value, UINT64_MAX);
      if (!v || *v == 0) return bad("a connection number from 1");
      f.connection = *v;
    } else if (key == "retransmits" && kind == "loss") {
      auto v = number(value, 64);
      if (!v || *v == 0) return bad("a count from 1");
      if (*v > retransmissions_before_reset) {
        f.type = fault_type::reset;
        f.bytes = 0;
        have_bytes = true;
      } else {
        f.ms = first_retransmission_ms * ((1u << *v) - 1);
        have_ms = true;
      }
    } else if (key == "ms" || key == "jitter" || key == "delay") {
      auto v = number(value, fault_ms_max);
      if (!v) return bad("milliseconds up to " + std::to_string(fault_ms_max));
      (key == "ms" ? f.ms : key == "jitter" ? f.jitter_ms : f.delay_ms) = static_cast<std::uint32_t>(*v);
      have_ms = have_ms || key == "ms";
    } else if (key == "bytes" || key == "after") {
      auto v = number(value, fault_bytes_max);
      if (!v) return bad("bytes up to " + std::to_string(fault_bytes_max));
      f.bytes = static_cast<std::uint32_t>(*v);
      have_bytes = true;
    } else if (key == "kib") {
      auto v = number(value, 1u << 20);
      if (!v || *v == 0) return bad("KiB a second, from 1");
      f.rate_kib_s = static_cast<std::uint32_t>(*v);
      have_rate = true;
    } else {
      return "unknown key '" + std::string(key) + "' for " + std::string(kind);
    }
  }
  switch (f.type) {
    case fault_type::latency:
    case fault_type::stall:
      if (!have_ms) return std::string(kind) + " needs ms=";
      break;
    case fault_type::bandwidth:
      if (!have_rate) return "bandwidth needs kib=";
      break;
    case fault_type::slice:
      if (!have_bytes || f.bytes == 0) return "slice needs bytes= (from 1)";
      break;
    case fault_type::reset:
      if (!have_bytes) return "reset needs after= (bytes)";
      break;
    default: break;
  }
  return f;
}

std::string describe(const fault& f) {
  std::string s(to_string(f.type));
  std::string sep = ":";
  auto add = [&](std::string_view key, const std::string& value) {
    s += sep;
    s += key;
    s += "=";
    s += value;
    sep = ",";
  };
  switch (f.type) {
    case fault_type::latency:
      add("ms", std::to_string(f.ms));
      if (f.jitter_ms != 0) add("jitter", std::to_string(f.jitter_ms));
      break;
    case fault_type::bandwidth: add("kib", std::to_string(f.rate_kib_s)); break;
    case fault_type::slice:
      add("bytes", std::to_string(f.bytes));
      if (f.delay_ms != 0) add("delay", std::to_string(f.delay_ms));
      break;
    case fault_type::stall: add("ms", std::to_string(f.ms)); break;
    case fault_type::reset: add("after", std::to_string(f.bytes)); break;
    case fault_type::half_open: add("end", f.broker_end ? "broker" : "client"); break;
    case fault_type::partition:
    case fault_type::refuse:
    case fault_type::hang_connects:
      if (f.ms != 0) add("ms", std::to_string(f.ms));
      break;
    case fault_type::black_hole: break;
  }
  if (f.dir != direction::both) add("dir", std::string(to_string(f.dir)));
  if (f.connection != 0) add("conn", std::to_string(f.connection));
  return s;
}

std::string_view fault_spec_help() {
  return "fault specs (KIND[:KEY=VALUE,...]; dir=up|down|both, up = client to broker; conn=N: one connection):\n"
         "  latency:ms=M[,jitter=J]   every chunk M (+ up to J) ms later, order kept\n"
         "  bandwidth:kib=K           at most K KiB a second\n"
         "  slice:bytes=B[,delay=D]   writes of at most B bytes, D ms apart\n"
         "  stall:ms=M                each connection stops once for M ms (a lost segment)\n"
         "  loss:retransmits=N        a stall of 200 ms doubling N times; more than 6: a reset\n"
         "  reset:after=B             after B more bytes, both ends get a RST\n"
         "  black-hole                nothing passes, nobody is told\n"
         "  half-open:end=client|broker  that end gets a RST, the other nothing\n"
         "  partition[:ms=M]          nothing passes for M ms (0: until cleared), then it all does\n"
         "  refuse[:ms=M]             new connections refused for M ms\n"
         "  hang-connects[:ms=M]      new connections unanswered for M ms\n";
}

}  // namespace harness::proxy
