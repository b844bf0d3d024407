// Helpers for the tests that run real programs: temporary directories, running programs with
// a time bound, and an mqtt-ref-broker child process whose `listening on` lines give its ports.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace net_test {

using namespace std::chrono_literals;

// A fresh directory under /tmp, removed with everything in it.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Writes `text` to a file in the directory and returns its path.
  std::string write(const std::string& name, std::string_view text) const;

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::string& path);

struct run_result {
  int exit_status = -1;  // -1: killed after the timeout or by a signal
  std::string out;
  std::string err;
};

// Runs a program to completion (killed after `timeout`), capturing stdout and stderr.
run_result run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 30s);

// Path of the mqtt-ref-broker binary (MQTT_REF_BROKER overrides the built one).
std::string broker_path();
// Path of a program on PATH, or nullopt.
std::optional<std::string> find_program(const std::string& name);

// An mqtt-ref-broker child process. The constructor waits (5 s at most) until `listeners`
// `listening on` lines have been printed; stderr goes to a log file read by log_text().
class broker_process {
 public:
  explicit broker_process(const std::vector<std::string>& args, std::size_t listeners = 1);
  ~broker_process();
  broker_process(const broker_process&) = delete;
  broker_process& operator=(const broker_process&) = delete;

  // Port of the first listener with this scheme ("tcp", "ws", "tls", "wss", "http").
  std::uint16_t port(std::string_view scheme) const;
  const std::vector<std::string>& listening_lines() const { return lines_; }
  // Sends `sig` and waits for the exit; returns the exit status, or -1 when it did not exit
  // normally within `timeout` (it is then killed).
  int stop(int sig, std::chrono::milliseconds timeout = 10s);
  bool running() const { return pid_ > 0; }
  std::string log_text() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  temp_dir dir_;
  std::string log_path_;
  std::vector<std::string> lines_;
  std::map<std::string, std::uint16_t, std::less<>> ports_;
};

// Raises this process's RLIMIT_NOFILE soft limit to the hard limit; returns the new limit.
std::uint64_t raise_descriptor_limit();

}  // namespace net_test
