// The event loop client connections run on: one thread calls run_until and every handler
// (connection events, timers) runs inside that call. Owns an Asio io_context (pimpl).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace harness::transport {

namespace detail {
struct loop_core;
}

class event_loop {
 public:
  using timer_id = std::uint64_t;

  event_loop();
  // Closes every connection still on the loop without calling its handlers and drops the
  // timers. Not from inside one of the loop's own handlers (asserted).
  ~event_loop();
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  // Milliseconds of the steady clock since the loop was made.
  std::uint64_t now_ms() const;

  // Runs handlers until the loop clock reaches `deadline_ms`, stop() is called, or nothing
  // is left to wait for (no connection open or opening, no timer).
  void run_until(std::uint64_t deadline_ms);
  // Same without a deadline.
  void run();
  // Makes the current run_until/run return after the handler that called it.
  void stop();

  // Calls `fn` once, from run_until, when the loop clock reaches `at_ms` (at once if it has).
  timer_id call_at(std::uint64_t at_ms, std::function<void()> fn);
  timer_id call_after(std::uint64_t delay_ms, std::function<void()> fn) { return call_at(now_ms() + delay_ms, std::move(fn)); }
  // False when the timer already ran or was cancelled.
  bool cancel(timer_id id);

 private:
  friend class connection;
  std::shared_ptr<detail::loop_core> core_;
};

}  // namespace harness::transport
