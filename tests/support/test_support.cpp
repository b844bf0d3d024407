// Process and file helpers for the tests that run real programs (POSIX fork/exec, poll with
// deadlines).
#include "test_support.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>

#ifndef MQTT_REF_BROKER_PATH
#define MQTT_REF_BROKER_PATH "mqtt-ref-broker"
#endif

namespace net_test {
namespace {

constexpr std::size_t output_size_max = 16 * 1024 * 1024;

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> v;
  for (const std::string& a : argv) v.push_back(const_cast<char*>(a.c_str()));
  v.push_back(nullptr);
  return v;
}

// Waits for the child with a deadline; SIGKILL after it. Returns the exit status or -1.
int wait_child(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(10ms);
  }
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

temp_dir::temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mqtt-net-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string temp_dir::write(const std::string& name, std::string_view text) const {
  std::string p = (path_ / name).string();
  std::ofstream out(p, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("cannot write " + p);
  return p;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

run_result run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<char*> args = c_argv(argv);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  run_result r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  while (open_fds > 0 && remaining_ms(deadline) > 0) {
    if (poll(fds, 2, remaining_ms(deadline)) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else if (sinks[i]->size() < output_size_max) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  for (pollfd& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  r.exit_status = wait_child(pid, deadline);
  return r;
}

std::string broker_path() {
  if (const char* env = std::getenv("MQTT_REF_BROKER")) return env;
  return MQTT_REF_BROKER_PATH;
}

std::optional<std::string> find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  dirs += ":/usr/sbin:/sbin";
  std::stringstream s(dirs);
  std::string dir;
  while (std::getline(s, dir, ':')) {
    std::filesystem::path p = std::filesystem::path(dir) / name;
    if (access(p.c_str(), X_OK) == 0) return p.string();
  }
  return std::nullopt;
}

broker_process::broker_process(const std::vector<std::string>& args, std::size_t listeners) {
  log_path_ = (dir_.path() / "broker.log").string();
  std::vector<std::string> argv{broker_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<char*> cargs = c_argv(argv);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out_pipe[1], 1);
    int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) dup2(log, 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    execv(cargs[0], cargs.data());
    _exit(127);
  }
  close(out_pipe[1]);
  stdout_fd_ = out_pipe[0];
  auto deadline = std::chrono::steady_clock::now() + 5s;
  std::string pending;
  while (lines_.size() < listeners && remaining_ms(deadline) > 0) {
    pollfd fd{stdout_fd_, POLLIN, 0};
    if (poll(&fd, 1, remaining_ms(deadline)) <= 0) continue;
    char buf[1024];
    ssize_t n = read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t eol;
    while ((eol = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, eol);
      pending.erase(0, eol + 1);
      // "listening on SCHEME://ADDRESS:PORT"
      std::size_t scheme_end = line.find("://");
      std::size_t colon = line.rfind(':');
      if (line.rfind("listening on ", 0) != 0 || scheme_end == std::string::npos || colon == std::string::npos) continue;
      std::string scheme = line.substr(13, scheme_end - 13);
      auto port = static_cast<std::uint16_t>(std::stoul(line.substr(colon + 1)));
      ports_.emplace(scheme, port);
      lines_.push_back(line);
    }
  }
  if (lines_.size() < listeners) {
    std::string log = log_text();
    stop(SIGKILL, 2s);
    throw std::runtime_error("mqtt-ref-broker did not print its listening lines; log:\n" + log);
  }
}

broker_process::~broker_process() {
  if (pid_ > 0) {
    // Every broker a test starts must shut down cleanly on SIGTERM.
    int status = stop(SIGTERM, 5s);
    BOOST_TEST(status == 0, "mqtt-ref-broker exit status after SIGTERM: " << status);
  }
  std::string log = log_text();
  BOOST_TEST(log.find("AddressSanitizer") == std::string::npos, "sanitizer report in the broker log");
  BOOST_TEST(log.find("runtime error:") == std::string::npos, "sanitizer report in the broker log");
  // A failing test shows what the broker logged.
  namespace utf = boost::unit_test;
  if (!utf::results_collector.results(utf::framework::current_test_case().p_id).passed()) {
    BOOST_TEST_MESSAGE("mqtt-ref-broker log:\n" << log);
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::uint16_t broker_process::port(std::string_view scheme) const {
  auto it = ports_.find(scheme);
  if (it == ports_.end()) throw std::runtime_error("no " + std::string(scheme) + " listener");
  return it->second;
}

int broker_process::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int status = wait_child(pid_, std::chrono::steady_clock::now() + timeout);
  pid_ = -1;
  return status;
}

std::string broker_process::log_text() const { return read_file(log_path_); }

std::uint64_t raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  getrlimit(RLIMIT_NOFILE, &lim);
  return lim.rlim_cur;
}

}  // namespace net_test
