// fork/exec of the spawned broker, its log, its exit, its memory.
#include "real/broker_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace harness::real {
namespace {

// How long a started broker has to accept connections: an Erlang node (RabbitMQ, ejabberd)
// takes 10 to 25 s on a shared 2-core machine, and more on its first start.
constexpr int start_wait_s = 60;

bool port_accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

process_end status_of(int w) {
  if (WIFSIGNALED(w)) return process_end{true, WTERMSIG(w)};
  return process_end{false, WIFEXITED(w) ? WEXITSTATUS(w) : -1};
}

}  // namespace

std::string process_end::text() const {
  if (!signalled) return "exit " + std::to_string(code);
  const char* name = ::sigabbrev_np(code);
  return "signal " + std::to_string(code) + (name ? std::string(" (SIG") + name + ")" : std::string());
}

std::optional<std::string> sanitizer_kind(const std::string& log) {
  for (std::string_view marker : {"ERROR: AddressSanitizer: ", "ERROR: LeakSanitizer: ", "ERROR: UndefinedBehaviorSanitizer: "}) {
    auto at = log.find(marker);
    if (at == std::string::npos) continue;
    const auto start = at + 7;  // after "ERROR: "
    const auto what = at + marker.size();
    // "LeakSanitizer: detected memory leaks" whole; "AddressSanitizer: SEGV", "...: heap-buffer-overflow"
    // without the address and pc that follow.
    auto end = marker.starts_with("ERROR: LeakSanitizer") ? log.find('\n', what) : log.find_first_of(" \n", what);
    return log.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  if (log.find(": runtime error: ") != std::string::npos) return std::string("UndefinedBehaviorSanitizer: runtime error");
  return std::nullopt;
}

std::uint64_t resident_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

std::uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof a;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

broker_process::broker_process(std::string command, std::string log_dir)
    : command_(std::move(command)), log_dir_(std::move(log_dir)) {}

broker_process::~broker_process() {
  if (pid_ > 0 && !status_) stop();
}

std::string broker_process::log_path() const { return log_dir_ + "/broker-" + std::to_string(starts_) + ".log"; }

std::optional<std::string> run_shell(const std::string& command) {
  const int st = std::system(command.c_str());
  if (st != 0) return "'" + command + "' exited with status " + std::to_string(st);
  return std::nullopt;
}

std::string with_port(std::string command, std::uint16_t port) {
  for (auto at = command.find("{port}"); at != std::string::npos; at = command.find("{port}", at)) {
    command.replace(at, 6, std::to_string(port));
  }
  return command;
}

std::optional<std::string> broker_process::start(std::uint16_t port) {
  if (pid_ > 0 && !status_) stop();
  ++starts_;
  status_.reset();
  port_ = port != 0 ? port : free_loopback_port();
  if (port_ == 0) return "no free loopback port";
  command_line_ = with_port(command_, port_);
  const std::string log = log_path();
  const std::string shell = "exec " + command_line_;
  pid_ = ::fork();
  if (pid_ < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid_ == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    ::setpgid(0, 0);
    ::execl("/bin/sh", "sh", "-c", shell.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(start_wait_s);
  while (std::chrono::steady_clock::now() < until) {
    if (exited()) return "the broker exited at start (" + status_->text() + "): " + log_tail(2000);
    if (port_accepts(port_)) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  return "the broker did not accept connections on port " + std::to_string(port_) + " within " + std::to_string(start_wait_s) + " s";
}

std::optional<process_end> broker_process::exited() {
  if (status_) return status_;
  if (pid_ <= 0) return std::nullopt;
  int w = 0;
  if (::waitpid(pid_, &w, WNOHANG) == pid_) status_ = status_of(w);
  return status_;
}

// The broker is the leader of its own process group (setpgid above): SIGKILL goes to the whole
// group, so a broker that runs as a tree (a wrapper script, an Erlang VM with its epmd) dies
// whole, as a machine's crash would take it.
process_end broker_process::kill() {
  if (status_ || pid_ <= 0) return status_.value_or(process_end{});
  ::kill(-pid_, SIGKILL);
  int w = 0;
  ::waitpid(pid_, &w, 0);
  status_ = status_of(w);
  return *status_;
}

process_end broker_process::stop() {
  if (status_ || pid_ <= 0) return status_.value_or(process_end{});
  ::kill(pid_, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    if (exited()) {
      ::kill(-pid_, SIGKILL);  // whatever of its tree outlived it
      return *status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(-pid_, SIGKILL);
  int w = 0;
  ::waitpid(pid_, &w, 0);
  status_ = status_of(w);
  return *status_;
}

std::string broker_process::log_tail(std::size_t bytes_max) const {
  std::ifstream in(log_path(), std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  std::string all = s.str();
  return all.size() > bytes_max ? all.substr(all.size() - bytes_max) : all;
}

}  // namespace harness::real
