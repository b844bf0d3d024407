// `mqtt-harness bench --target tcp://HOST:PORT [--publishers N] [--subscribers M] [--qos Q]
// [--payload BYTES] [--duration S] [--warmup S] [--window W] [--protocol 3.1.1|5]
// [--json FILE]`: drives a broker with N publishers and M subscribers on one topic and
// reports delivered messages per second and latency percentiles.
#include "cli/bench_command.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "bench/load_generator.hpp"
#include "cli/options.hpp"

namespace harness::cli {
namespace {

// Clients, payload bytes and window are counts up to this; durations are seconds up to this.
constexpr std::size_t bench_count_max = 100'000;
constexpr double bench_seconds_max = 3'600;

constexpr std::string_view description =
    "N publishers and M subscribers on one topic; each publisher keeps at most W messages\n"
    "in flight (not yet delivered; for QoS 1/2 also not yet acknowledged). Reports delivered\n"
    "messages per second over the measured interval (after the warm-up) and the latency\n"
    "from publish to delivery (p50, p99, max).";

constexpr std::string_view footer = "Exit 0 on a complete run, 1 on a failed run, 2 on a usage error.";

struct tcp_target {
  std::string host;
  std::uint16_t port = 0;
};

// tcp://HOST:PORT; nullopt with `error` set for anything else.
std::optional<tcp_target> parse_target(std::string_view v, std::string& error) {
  if (!v.starts_with("tcp://")) {
    error = "only tcp://HOST:PORT targets are supported";
    return std::nullopt;
  }
  std::string_view hp = v.substr(6);
  std::size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos) {
    error = "target needs a port";
    return std::nullopt;
  }
  auto port = decimal<std::uint16_t>(hp.substr(colon + 1));
  if (!port) {
    error = "bad port in " + std::string(v);
    return std::nullopt;
  }
  return tcp_target{std::string(hp.substr(0, colon)), *port};
}

// Positive decimal seconds up to bench_seconds_max.
std::optional<double> seconds(std::string_view s) {
  try {
    std::size_t used = 0;
    double v = std::stod(std::string(s), &used);
    if (used != s.size() || !(v > 0) || v > bench_seconds_max) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

CLI::Option* add_seconds(CLI::App& app, const std::string& name, double& into, const std::string& help) {
  return app.add_option_function<std::string>(name, [&into](const std::string& v) { into = *seconds(v); }, help)
      ->type_name("S")
      ->check(CLI::Validator(
          [](std::string& v) {
            return seconds(v) ? std::string() : "seconds above 0, at most 3600, not '" + v + "'";
          },
          ""));
}

}  // namespace

int bench_command(std::span<const std::string_view> args) {
  CLI::App app{std::string(description), "mqtt-harness bench"};
  app.footer(std::string(footer));
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  bench::load_options o;
  std::string json_name;
  unsigned qos = static_cast<unsigned>(o.qos);
  app.add_option_function<std::string>(
         "--target",
         [&o](const std::string& v) {
           std::string error;
           tcp_target t = *parse_target(v, error);
           o.host = t.host;
           o.port = t.port;
         },
         "the broker")
      ->type_name("tcp://HOST:PORT")
      ->required()
      ->check(CLI::Validator(
          [](std::string& v) {
            std::string error;
            return parse_target(v, error) ? std::string() : error;
          },
          ""));
  const std::size_t one = 1;
  add_number(app, "--publishers", o.publishers, one, bench_count_max, "publishing clients (default 1)")->type_name("N");
  add_number(app, "--subscribers", o.subscribers, one, bench_count_max, "subscribing clients (default 1)")->type_name("M");
  add_number(app, "--qos", qos, 0u, 2u, "the QoS of the messages (default 0)", "a QoS")->type_name("0|1|2");
  add_number(app, "--payload", o.payload_bytes, one, bench_count_max, "payload bytes, at least 16 are sent (default 16)")
      ->type_name("BYTES");
  add_seconds(app, "--duration", o.duration_s, "the measured interval (default 5)");
  add_seconds(app, "--warmup", o.warmup_s, "the warm-up before it (default 1)");
  add_number(app, "--window", o.window, one, bench_count_max, "messages in flight per publisher (default 64)")->type_name("W");
  app.add_option_function<std::string>(
         "--protocol",
         [&o](const std::string& v) {
           o.version = v == "3.1.1" ? mqtt::codec::protocol_version::v3_1_1 : mqtt::codec::protocol_version::v5;
         },
         "the clients' protocol (default 3.1.1)")
      ->type_name("3.1.1|5")
      ->check(CLI::Validator(
          [](std::string& v) { return v == "3.1.1" || v == "5" || v == "5.0" ? std::string() : "3.1.1 or 5, not '" + v + "'"; },
          ""));
  CLI::Option* json_given = app.add_option("--json", json_name, "also write the figures here as JSON")->type_name("FILE");
  if (auto status = parse(app, args)) return *status;
  o.qos = static_cast<mqtt::codec::qos>(qos);
  o.payload_bytes = std::max<std::size_t>(o.payload_bytes, 16);
  std::optional<std::string> json_file;
  if (json_given->count() != 0) json_file = json_name;

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
