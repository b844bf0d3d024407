// mqtt-ref-broker: the reference broker core on real sockets (TCP, TLS, WebSocket, HTTP
// publish), configured with a subset of mosquitto.conf.
//
// Exit status: 0 after SIGINT/SIGTERM; 3 when the command line, the configuration, the
// password file, the SCRAM password file or the ACL file is invalid (as mosquitto); 1 when a listener cannot be set
// up (address in use, unusable certificate or key).
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "config.hpp"
#include "mqtt/auth/scram.hpp"
#include "password_file.hpp"
#include "server.hpp"
#ifdef MQTT_REF_BROKER_PLANTED
#include "mqtt/broker/planted.hpp"
#endif

namespace {

constexpr int exit_startup_failed = 1;
constexpr int exit_bad_configuration = 3;
constexpr std::size_t auth_file_size_max = 64 * 1024 * 1024;

const char* const usage_text =
    "usage: mqtt-ref-broker [-c FILE] [-p PORT] [-v] [-h]\n"
    "  -c FILE  read the configuration (a subset of mosquitto.conf)\n"
    "  -p PORT  port of the first plain MQTT listener (adds one on 127.0.0.1 if none);\n"
    "           0 picks a free port\n"
    "  -v       verbose: log debug records too\n"
    "  -h       this help\n"
    "Without -c and -p: MQTT on 127.0.0.1:1883, anonymous clients allowed.\n"
    "Prints `listening on SCHEME://ADDRESS:PORT` on stdout for each listener.\n";

struct command_line {
  std::optional<std::string> config_file;
  std::optional<std::uint16_t> port;
  bool verbose = false;
  bool help = false;
  std::string planted_bug;  // mqtt-ref-broker-planted only
};

// CLI11, as every mqtt-harness command; usage errors come back as one line (exit 3, as mosquitto).
std::variant<command_line, std::string> parse_command_line(int argc, char** argv) {
  command_line cl;
  CLI::App app("mqtt-ref-broker");
  app.set_help_flag();  // -h prints usage_text, not CLI11's generated help
  app.add_flag("-h,--help", cl.help);
  app.add_flag("-v,--verbose", cl.verbose);
  app.add_option("-c,--config-file", cl.config_file)->type_name("FILE");
#ifdef MQTT_REF_BROKER_PLANTED
  app.add_option("--planted-bug", cl.planted_bug)->type_name("NAME");
#endif
  std::string port;
  app.add_option("-p,--port", port)->type_name("PORT");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return std::string(e.what());
  }
  if (!port.empty() || app.count("-p") > 0) {
    std::uint16_t p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size()) return "bad port '" + port + "'";
    cl.port = p;
  }
  return cl;
}

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(auth_file_size_max + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > auth_file_size_max) return std::nullopt;
  return text;
}

// Thousands of concurrent connections need as many descriptors as the hard limit allows.
void raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

#ifdef MQTT_REF_BROKER_PLANTED
// mqtt-ref-broker-planted: the test-only build with a bug planted, any of the simulator's or a
// process bug (a crash or a leak, for the network fuzzer's known-bug benchmark).
bool plant(mqtt::net::server& srv, const std::string& name) {
  if (name.empty()) return true;
  auto bug = mqtt::broker::planted_bug_from_string(name);
  if (!bug) bug = mqtt::broker::process_planted_bug_from_string(name);
  if (!bug) {
    std::cerr << "mqtt-ref-broker: unknown planted bug '" << name << "'; process bugs:";
    for (auto b : mqtt::broker::process_planted_bugs()) std::cerr << " " << mqtt::broker::to_string(b);
    std::cerr << "\n";
    return false;
  }
  mqtt::broker::plant_bug(srv.core(), *bug);
  std::cerr << "mqtt-ref-broker: planted bug " << name << ": " << mqtt::broker::describe(*bug) << "\n";
  return true;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_command_line(argc, argv);
  if (auto* err = std::get_if<std::string>(&parsed)) {
    std::cerr << "mqtt-ref-broker: " << *err << "\n" << usage_text;
    return exit_bad_configuration;
  }
  command_line& cl = std::get<command_line>(parsed);
  if (cl.help) {
    std::cout << usage_text;
    return 0;
  }

  mqtt::net::config cfg = mqtt::net::default_config();
  if (cl.config_file) {
    auto loaded = mqtt::net::load_config(*cl.config_file);
    if (auto* e = std::get_if<mqtt::net::config_error>(&loaded)) {
      std::cerr << e->to_string() << "\n";
      return exit_bad_configuration;
    }
    cfg = std::move(std::get<mqtt::net::config>(loaded));
    if (cfg.listeners.empty() && !cl.port) cfg.listeners = mqtt::net::default_config().listeners;
  }
  if (cl.port) {
    if (!cl.config_file) cfg.listeners.clear();
    mqtt::net::apply_port_override(cfg, *cl.port);
  }

  std::shared_ptr<mqtt::broker::authenticator> authn;
  if (cfg.password_file) {
    auto text = read_small_file(*cfg.password_file);
    if (!text) {
      std::cerr << *cfg.password_file << ":0: cannot read the password file\n";
      return exit_bad_configuration;
    }
    auto a = mqtt::net::password_file_authenticator::parse(*text, cfg.options.allow_anonymous);
    if (auto* e = std::get_if<mqtt::net::password_file_authenticator::parse_error>(&a)) {
      std::cerr << *cfg.password_file << ":" << e->line << ": " << e->message << "\n";
      return exit_bad_configuration;
    }
    authn = std::make_shared<mqtt::net::password_file_authenticator>(
        std::get<mqtt::net::password_file_authenticator>(std::move(a)));
  }
  std::shared_ptr<mqtt::broker::authorizer> authz;  // nullptr: everything allowed
  if (cfg.acl_file) {
    auto text = read_small_file(*cfg.acl_file);
    if (!text) {
      std::cerr << *cfg.acl_file << ":0: cannot read the ACL file\n";
      return exit_bad_configuration;
    }
    auto a = mqtt::broker::acl_authorizer::parse(*text);
    if (auto* e = std::get_if<mqtt::broker::acl_authorizer::parse_error>(&a)) {
      std::cerr << *cfg.acl_file << ":" << e->line << ": " << e->message << "\n";
      return exit_bad_configuration;
    }
    authz = std::make_shared<mqtt::broker::acl_authorizer>(std::get<mqtt::broker::acl_authorizer>(std::move(a)));
  }

  if (cfg.scram_password_file) {
    auto text = read_small_file(*cfg.scram_password_file);
    if (!text) {
      std::cerr << *cfg.scram_password_file << ":0: cannot read the SCRAM password file\n";
      return exit_bad_configuration;
    }
    auto users = mqtt::auth::scram::parse_password_file(*text);
    if (auto* e = std::get_if<mqtt::auth::scram::file_error>(&users)) {
      std::cerr << *cfg.scram_password_file << ":" << e->line << ": " << e->message << "\n";
      return exit_bad_configuration;
    }
    // Server nonces from the operating system's generator (RFC 5802 section 5.1).
    cfg.options.enhanced_auth.emplace(
        std::string(mqtt::auth::scram::method_name),
        std::make_shared<mqtt::auth::scram::authenticator>(
            std::get<mqtt::auth::scram::user_map>(std::move(users)), mqtt::auth::scram::system_random()));
  }

  raise_descriptor_limit();
  std::signal(SIGPIPE, SIG_IGN);
  try {
    mqtt::net::server srv(cfg, std::move(authn), std::move(authz), mqtt::net::logger(cl.verbose));
#ifdef MQTT_REF_BROKER_PLANTED
    if (!plant(srv, cl.planted_bug)) return exit_bad_configuration;
#endif
    srv.listen();
    srv.run();
  } catch (const std::exception& e) {
    std::cerr << "mqtt-ref-broker: " << e.what() << "\n";
    return exit_startup_failed;
  }
  return 0;
}
