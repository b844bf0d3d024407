// A broker the harness starts itself (fuzz and chaos --spawn "COMMAND"): `{port}` in the command becomes a
// free loopback port; the process runs under /bin/sh -c "exec COMMAND" so its pid is the
// broker's; stdout and stderr go to a log file whose tail is kept with a finding (sanitizer
// reports). POSIX only; no Asio.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace harness::real {

struct process_end {
  bool signalled = false;
  int code = 0;  // exit code, or the signal number
  std::string text() const;  // "exit 1", "signal 11 (SIGSEGV)"
};

// The first sanitizer report in `log` ("ERROR: AddressSanitizer: heap-buffer-overflow ...",
// "ERROR: LeakSanitizer: detected memory leaks", "runtime error: ..."), as its kind
// ("AddressSanitizer: heap-buffer-overflow"), or nullopt.
std::optional<std::string> sanitizer_kind(const std::string& log);

// Resident memory of a process in KiB (VmRSS of /proc/PID/status), 0 when it cannot be read.
std::uint64_t resident_kib(int pid);

// `command` with every {port} replaced by `port`.
std::string with_port(std::string command, std::uint16_t port);

// Runs `command` with /bin/sh and waits for it; nullopt when it exited 0, else what happened.
std::optional<std::string> run_shell(const std::string& command);

// A TCP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_loopback_port();

class broker_process {
 public:
  broker_process(std::string command, std::string log_dir);
  ~broker_process();  // stops the broker (SIGTERM, then SIGKILL)
  broker_process(const broker_process&) = delete;
  broker_process& operator=(const broker_process&) = delete;

  // Starts it on `port` (0: a fresh one) and waits until the port accepts connections (up
  // to 15 s). Returns what went wrong, or nullopt.
  std::optional<std::string> start(std::uint16_t port = 0);
  // SIGKILL at once, as a crash: nothing is flushed or closed cleanly.
  process_end kill();
  // SIGTERM, up to 10 s for it to exit (a sanitizer's leak check runs then), then SIGKILL.
  process_end stop();
  // Whether it has exited, without waiting; the status once it has.
  std::optional<process_end> exited();

  int pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  const std::string& command_line() const { return command_line_; }  // with the port filled in
  std::string log_path() const;
  std::string log_tail(std::size_t bytes_max = 64 * 1024) const;  // this run's log so far
  std::size_t starts() const { return starts_; }

 private:
  std::string command_;
  std::string log_dir_;
  std::string command_line_;
  int pid_ = -1;
  std::uint16_t port_ = 0;
  std::size_t starts_ = 0;
  std::optional<process_end> status_;
};

}  // namespace harness::real
