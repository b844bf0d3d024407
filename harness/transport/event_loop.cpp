// The event loop: an io_context run by the caller's thread, the loop clock and one-shot timers.
#include "transport/event_loop.hpp"

#include <vector>

#include "mqtt/assert.hpp"
#include "transport/core.hpp"

namespace harness::transport {

namespace detail {

std::uint64_t loop_core::now_ms() const {
  auto elapsed = std::chrono::steady_clock::now() - start;
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
}

}  // namespace detail

namespace {

// Marks the loop as running for the length of a run call, also when a handler throws.
class running_scope {
 public:
  explicit running_scope(detail::loop_core& c) : core_(c) {
    MQTT_ASSERT(!core_.running);  // run_until is not re-entrant
    core_.running = true;
    core_.io.restart();
  }
  ~running_scope() { core_.running = false; }
  running_scope(const running_scope&) = delete;
  running_scope& operator=(const running_scope&) = delete;

 private:
  detail::loop_core& core_;
};

}  // namespace

event_loop::event_loop() : core_(std::make_shared<detail::loop_core>()) {}

event_loop::~event_loop() {
  MQTT_ASSERT(!core_->running);  // not from inside one of the loop's handlers
  core_->gone = true;
  // The cores a connection object still holds keep the io_context alive (they hold core_),
  // so only the work pending on it has to end: close every socket, drop the timers, and
  // let the aborted operations' handlers run; none of them calls a user handler any more.
  // Weak: dropping one connection's handlers may destroy another connection.
  std::vector<std::weak_ptr<detail::connection_core>> open;
  for (detail::connection_core* c : core_->connections) open.push_back(c->weak_from_this());
  for (auto& weak : open) {
    if (auto c = weak.lock()) c->close_quietly(false);
  }
  core_->timers.clear();
  core_->io.restart();
  core_->io.run_for(detail::loop_drain_max);
}

std::uint64_t event_loop::now_ms() const { return core_->now_ms(); }

void event_loop::run_until(std::uint64_t deadline_ms) {
  running_scope scope(*core_);
  core_->io.run_until(core_->at(deadline_ms));
}

void event_loop::run() {
  running_scope scope(*core_);
  core_->io.run();
}

void event_loop::stop() { core_->io.stop(); }

event_loop::timer_id event_loop::call_at(std::uint64_t at_ms, std::function<void()> fn) {
  timer_id id = core_->next_timer_id++;
  auto t = std::make_unique<detail::loop_core::timer>(core_->io);
  t->fn = std::move(fn);
  t->wait.expires_at(core_->at(at_ms));
  // The handler can only run while the io_context runs, so while *core_ exists.
  t->wait.async_wait([core = core_.get(), id](const detail::error_code& ec) {
    if (ec) return;
    auto it = core->timers.find(id);
    if (it == core->timers.end()) return;
    std::function<void()> call = std::move(it->second->fn);
    core->timers.erase(it);
    call();
  });
  core_->timers.emplace(id, std::move(t));
  return id;
}

bool event_loop::cancel(timer_id id) { return core_->timers.erase(id) > 0; }

}  // namespace harness::transport
