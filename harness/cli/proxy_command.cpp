// `mqtt-harness proxy --listen HOST:PORT --upstream URL [--fault SPEC]...`: runs the proxy until
// SIGINT or SIGTERM (or --duration), reading commands from standard input (`fault SPEC`,
// `remove ID`, `clear`, `faults`, `status`, `quit`), and writes every connection's record to
// --record at the end, one JSON object a line.
#include "cli/proxy_command.hpp"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/options.hpp"
#include "netfuzz/campaign.hpp"
#include "proxy/proxy.hpp"
#include "transport/endpoint.hpp"

namespace harness::cli {
namespace {

std::atomic<bool> stop_requested{false};
extern "C" void on_stop_signal(int) { stop_requested = true; }

constexpr std::string_view proxy_footer =
    "Clients speak MQTT over plain TCP to the proxy. A tls://, ws:// or wss:// upstream gets it in\n"
    "that transport (TLS, WebSocket binary messages), so faults act on MQTT bytes and the records\n"
    "read MQTT. tcp:// passes bytes as they come: a client's own TLS or WebSocket goes through to a\n"
    "broker's TLS or WebSocket port given as tcp://HOST:PORT (the records then read no MQTT).\n"
    "Standard input takes one command a line: 'fault SPEC' (prints its id), 'remove ID', 'clear',\n"
    "'faults', 'status' (every connection's record, JSON), 'quit'.\n"
    "Exit status: 0 stopped by a signal, --duration or quit; 2 usage error or it could not listen.\n";

// HOST:PORT with HOST an address; "localhost" is 127.0.0.1.
bool split_listen(const std::string& s, std::string& host, std::uint16_t& port) {
  const std::size_t colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  host = s.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    const unsigned long p = std::stoul(s.substr(colon + 1));
    if (p > 65535) return false;
    port = static_cast<std::uint16_t>(p);
  } catch (...) {
    return false;
  }
  return !host.empty();
}

void print_records(const proxy::proxy& p, std::ostream& out) {
  for (const proxy::connection_record& r : p.records()) out << proxy::to_json_text(r) << "\n";
  out.flush();
}

// One line of standard input; false on `quit`.
bool command(proxy::proxy& p, const std::string& line) {
  std::istringstream in(line);
  std::string verb, arg;
  in >> verb;
  std::getline(in >> std::ws, arg);
  if (verb.empty()) return true;
  if (verb == "quit") return false;
  if (verb == "fault") {
    auto f = proxy::parse_fault(arg);
    if (const auto* e = std::get_if<std::string>(&f)) {
      std::cout << "error: " << *e << "\n";
    } else {
      const std::uint64_t id = p.add_fault(std::get<proxy::fault>(f));
      std::cout << "fault " << id << ": " << proxy::describe(std::get<proxy::fault>(f)) << "\n";
    }
  } else if (verb == "remove") {
    std::uint64_t id = 0;
    std::istringstream(arg) >> id;
    std::cout << (p.remove_fault(id) ? "removed " : "no fault ") << id << "\n";
  } else if (verb == "clear") {
    p.clear_faults();
    std::cout << "cleared\n";
  } else if (verb == "faults") {
    for (const proxy::fault& f : p.faults()) std::cout << proxy::describe(f) << "\n";
    std::cout << "end\n";
  } else if (verb == "status") {
    print_records(p, std::cout);
    std::cout << "end\n";
  } else {
    std::cout << "error: unknown command '" << verb << "' (fault, remove, clear, faults, status, quit)\n";
  }
  std::cout.flush();
  return true;
}

}  // namespace

int proxy_command(std::span<const std::string_view> args) {
  CLI::App app{"A fault-injecting proxy in front of an MQTT broker.", "mqtt-harness proxy"};
  app.footer(std::string(proxy::fault_spec_help()) + "\n" + std::string(proxy_footer));
  std::string listen = "127.0.0.1:0", upstream, record_file;
  std::vector<std::string> specs;
  double duration_s = 0;
  std::uint64_t seed = 1;
  bool allow_remote = false;
  app.add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:0, a free port; printed)")->type_name("HOST:PORT");
  std::string ca_file;
  bool insecure = false;
  app.add_option("--upstream", upstream, "the broker: tcp://, tls://, ws:// or wss://HOST:PORT[/PATH]")->required()->type_name("URL");
  app.add_option("--ca-file", ca_file, "TLS upstream: verify the broker against this CA")->type_name("FILE");
  app.add_flag("--insecure", insecure, "TLS upstream: do not verify the broker's certificate");
  app.add_option("--fault", specs, "a fault in force from the start (repeatable)")->type_name("SPEC");
  app.add_option("--record", record_file, "write each connection's record here at the end (JSON Lines)")->type_name("FILE");
  app.add_option("--duration", duration_s, "stop after S seconds")->type_name("S")->check(CLI::PositiveNumber);
  add_number<std::uint64_t>(app, "--seed", seed, 0, UINT64_MAX, "seed of the latency jitter (default 1)")->type_name("S");
  app.add_flag("--allow-remote", allow_remote, "allow an upstream or listen address outside loopback");
  if (auto status = parse(app, args)) return *status;

  proxy::proxy_options o;
  o.seed = seed;
  if (!split_listen(listen, o.listen_host, o.listen_port)) {
    std::cerr << "mqtt-harness proxy: --listen '" << listen << "' is not HOST:PORT\n";
    return 2;
  }
  auto where = transport::parse_endpoint(upstream);
  if (!where) {
    std::cerr << "mqtt-harness proxy: --upstream: " << where.error().message << "\n";
    return 2;
  }
  o.upstream = *where;
  o.upstream_options.tls.ca_file = ca_file;
  o.upstream_options.tls.insecure = insecure;
  const std::string upstream_host = where->host == "localhost" ? "127.0.0.1" : where->host;
  if (!allow_remote && (!netfuzz::is_loopback(upstream_host) || !netfuzz::is_loopback(o.listen_host))) {
    std::cerr << "mqtt-harness proxy: " << (netfuzz::is_loopback(upstream_host) ? o.listen_host : upstream_host)
              << " is not a loopback address (--allow-remote to allow it)\n";
    return 2;
  }
  std::vector<proxy::fault> initial;
  for (const std::string& s : specs) {
    auto f = proxy::parse_fault(s);
    if (const auto* e = std::get_if<std::string>(&f)) {
      std::cerr << "mqtt-harness proxy: --fault '" << s << "': " << *e << "\n";
      return 2;
    }
    initial.push_back(std::get<proxy::fault>(f));
  }

  proxy::proxy p(o);
  if (auto e = p.start()) {
    std::cerr << "mqtt-harness proxy: " << *e << "\n";
    return 2;
  }
  for (const proxy::fault& f : initial) p.add_fault(f);
  std::cout << "proxy: listening on " << o.listen_host << ":" << p.port() << ", upstream " << where->url() << "\n";
  for (const proxy::fault& f : initial) std::cout << "proxy: fault " << proxy::describe(f) << "\n";
  std::cout.flush();

  stop_requested = false;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  const auto started = std::chrono::steady_clock::now();
  std::string pending;
  bool input_open = true;
  while (!stop_requested) {
    if (duration_s > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= duration_s) break;
    if (!input_open) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    if (::poll(&pfd, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0) {
      input_open = false;  // no more commands; run on until a signal or --duration
      continue;
    }
    pending.append(buf, static_cast<std::size_t>(n));
    bool quit = false;
    for (std::size_t nl; !quit && (nl = pending.find('\n')) != std::string::npos;) {
      quit = !command(p, pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
    if (pending.size() > 65536) pending.clear();  // a line that long is no command
    if (quit) break;
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  p.stop();
  if (!record_file.empty()) {
    std::ofstream out(record_file);
    print_records(p, out);
    if (!out) {
      std::cerr << "mqtt-harness proxy: cannot write " << record_file << "\n";
      return 2;
    }
  }
  const auto records = p.records();
  std::cout << "proxy: " << records.size() << " connection" << (records.size() == 1 ? "" : "s") << "\n";
  return 0;
}

}  // namespace harness::cli
