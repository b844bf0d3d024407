// `mqtt-harness bench --target tcp://HOST:PORT [--publishers N] [--subscribers M] [--qos Q]
// [--payload BYTES] [--duration S] [--warmup S] [--window W] [--protocol 3.1.1|5]
// [--json FILE]`: drives a broker with N publishers and M subscribers on one topic and
// reports delivered messages per second and latency percentiles.
#include "cli/bench_command.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "bench/load_generator.hpp"

namespace harness::cli {
namespace {

constexpr std::string_view usage =
    "usage: mqtt-harness bench --target tcp://HOST:PORT [--publishers N] [--subscribers M]\n"
    "                          [--qos 0|1|2] [--payload BYTES] [--duration S] [--warmup S]\n"
    "                          [--window W] [--protocol 3.1.1|5] [--json FILE]\n"
    "  N publishers and M subscribers on one topic; each publisher keeps at most W messages\n"
    "  in flight (not yet delivered; for QoS 1/2 also not yet acknowledged). Reports delivered\n"
    "  messages per second over the measured interval (after the warm-up) and the latency\n"
    "  from publish to delivery (p50, p99, max). Exit 0 on a complete run, 1 on a failed\n"
    "  run, 2 on a usage error.\n";

int usage_error(const std::string& message) {
  std::cerr << "mqtt-harness bench: " << message << "\n" << usage;
  return 2;
}

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> real(std::string_view s) {
  try {
    std::size_t used = 0;
    double v = std::stod(std::string(s), &used);
    if (used != s.size() || v <= 0) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

int bench_command(std::span<const std::string_view> args) {
  bench::load_options o;
  std::optional<std::string> json_file;
  bool have_target = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      return 0;
    }
    if (i + 1 == args.size()) return usage_error(std::string(a) + " needs a value");
    std::string_view v = args[++i];
    if (a == "--target") {
      if (!v.starts_with("tcp://")) return usage_error("only tcp://HOST:PORT targets are supported");
      std::string_view hp = v.substr(6);
      std::size_t colon = hp.rfind(':');
      if (colon == std::string_view::npos) return usage_error("target needs a port");
      auto port = number<std::uint16_t>(hp.substr(colon + 1));
      if (!port) return usage_error("bad port in " + std::string(v));
      o.host = std::string(hp.substr(0, colon));
      o.port = *port;
      have_target = true;
    } else if (a == "--publishers" || a == "--subscribers" || a == "--payload" || a == "--window") {
      auto n = number<std::size_t>(v);
      if (!n || *n == 0 || *n > 100'000) return usage_error("bad value for " + std::string(a));
      if (a == "--publishers") o.publishers = *n;
      if (a == "--subscribers") o.subscribers = *n;
      if (a == "--payload") o.payload_bytes = std::max<std::size_t>(*n, 16);
      if (a == "--window") o.window = *n;
    } else if (a == "--qos") {
      auto q = number<unsigned>(v);
      if (!q || *q > 2) return usage_error("--qos takes 0, 1 or 2");
      o.qos = static_cast<mqtt::codec::qos>(*q);
    } else if (a == "--duration" || a == "--warmup") {
      auto d = real(v);
      if (!d || *d > 3600) return usage_error("bad value for " + std::string(a));
      (a == "--duration" ? o.duration_s : o.warmup_s) = *d;
    } else if (a == "--protocol") {
      if (v == "3.1.1") o.version = mqtt::codec::protocol_version::v3_1_1;
      else if (v == "5" || v == "5.0") o.version = mqtt::codec::protocol_version::v5;
      else return usage_error("--protocol takes 3.1.1 or 5");
    } else if (a == "--json") {
      json_file = std::string(v);
    } else {
      return usage_error("unknown option " + std::string(a));
    }
  }
  if (!have_target) return usage_error("--target is required");

  bench::load_result r;
  try {
    r = bench::run_load(o);
  } catch (const std::exception& e) {
    std::cerr << "mqtt-harness bench: " << e.what() << "\n";
    return 1;
  }
  std::cout << "target tcp://" << o.host << ":" << o.port << "  publishers " << o.publishers << "  subscribers "
            << o.subscribers << "  qos " << static_cast<int>(o.qos) << "  payload " << o.payload_bytes << " B\n"
            << "delivered " << r.delivered << " in " << r.seconds << " s: " << static_cast<std::uint64_t>(r.msgs_per_s)
            << " msgs/s; latency p50 " << r.p50_us << " us, p99 " << r.p99_us << " us, max " << r.max_us << " us\n";
  if (r.lost != 0) std::cout << "lost (never delivered): " << r.lost << "\n";
  if (r.errors != 0) std::cout << "errors: " << r.errors << " (" << r.error_text << ")\n";
  if (json_file) {
    boost::json::object j;
    j["target"] = "tcp://" + o.host + ":" + std::to_string(o.port);
    j["publishers"] = o.publishers;
    j["subscribers"] = o.subscribers;
    j["qos"] = static_cast<int>(o.qos);
    j["payload_bytes"] = o.payload_bytes;
    j["window"] = o.window;
    j["duration_s"] = r.seconds;
    j["published"] = r.published;
    j["delivered"] = r.delivered;
    j["msgs_per_s"] = r.msgs_per_s;
    j["latency_p50_us"] = r.p50_us;
    j["latency_p99_us"] = r.p99_us;
    j["latency_max_us"] = r.max_us;
    j["lost"] = r.lost;
    j["errors"] = r.errors;
    if (!r.error_text.empty()) j["error"] = r.error_text;
    std::ofstream out(*json_file);
    out << boost::json::serialize(j) << "\n";
    if (!out) {
      std::cerr << "mqtt-harness bench: cannot write " << *json_file << "\n";
      return 1;
    }
  }
  return r.errors == 0 && r.delivered > 0 ? 0 : 1;
}

}  // namespace harness::cli
