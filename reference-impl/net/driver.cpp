// The driver between Asio and the broker core, and the write queue every connection shares.
#include <algorithm>
#include <variant>

#include "state_file.hpp"
#include "transport.hpp"

namespace mqtt::net {

// --- connection -------------------------------------------------------------------------

connection::connection(driver& d) : driver_(d) { ++driver_.live_; }
connection::~connection() { --driver_.live_; }

bool connection::send(std::vector<std::uint8_t>&& bytes) {
  if (state_ != state::open) return true;  // the broker no longer writes to it
  if (pending_.size() + writing_.size() + bytes.size() > output_queued_max) return false;
  if (pending_.empty()) {
    pending_ = std::move(bytes);
  } else {
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  }
  flush();
  return true;
}

void connection::close_after_flush() {
  if (state_ != state::open) return;
  state_ = state::closing;
  flush();
}

void connection::abort() {
  if (state_ == state::closed) return;
  state_ = state::closed;
  if (linger_) linger_->cancel();
  close_now();
}

bool connection::open(const broker::connection_info& info) {
  id_ = 0;
  state_ = state::open;
  auto id = driver_.open(shared_from_this(), info);
  if (!id) {
    state_ = state::closed;
    close_now();
    return false;
  }
  id_ = *id;
  return true;
}

void connection::received(std::span<const std::uint8_t> bytes) {
  if (state_ != state::open) return;  // after a close the rest of the input is discarded
  driver_.bytes(id_, bytes);
}

void connection::failed(const std::string& why) {
  if (state_ == state::closed) return;
  bool tell_broker = state_ == state::open;
  state_ = state::closed;
  if (linger_) linger_->cancel();
  close_now();
  if (tell_broker) driver_.closed(id_, why);
}

void connection::write_done(const error_code& ec) {
  write_busy_ = false;
  writing_.clear();
  // Give back the memory of a burst; idle connections should cost little.
  if (writing_.capacity() > read_chunk_size) writing_.shrink_to_fit();
  if (state_ == state::closed) return;
  if (ec) {
    failed("write failed: " + ec.message());
    return;
  }
  flush();
}

void connection::flush() {
  if (write_busy_ || state_ == state::closed) return;
  if (pending_.empty()) {
    if (state_ == state::closing && !graceful_started_) {
      graceful_started_ = true;
      arm_linger();
      start_graceful_close();
    }
    return;
  }
  std::swap(pending_, writing_);
  pending_.clear();
  write_busy_ = true;
  start_write(writing_);
}

void connection::arm_linger() {
  linger_ = std::make_unique<asio::steady_timer>(driver_.io(), linger_timeout);
  linger_->async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->abort();
  });
}

// --- driver -----------------------------------------------------------------------------

driver::driver(asio::io_context& io, broker::broker& core, const logger& log)
    : io_(io), core_(core), log_(log), start_(std::chrono::steady_clock::now()), timer_(io),
      read_buffer_(read_chunk_size) {}

broker::clock_ms driver::now() const {
  auto elapsed = std::chrono::steady_clock::now() - start_;
  return static_cast<broker::clock_ms>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
}

std::optional<broker::connection_id> driver::open(std::shared_ptr<connection> c,
                                                  const broker::connection_info& info) {
  if (stopped_) return std::nullopt;
  broker::connection_id id = next_id_++;
  connections_.emplace(id, std::move(c));
  if (!core_.on_open(id, info, now())) {
    connections_.erase(id);
    log_.write(broker::log_level::warning,
               "refused connection from " + info.remote + " over " + info.transport + ": too many connections");
    after_event();
    return std::nullopt;
  }
  log_.write(broker::log_level::info,
             "conn " + std::to_string(id) + ": new connection from " + info.remote + " over " + info.transport);
  after_event();
  return id;
}

void driver::bytes(broker::connection_id id, std::span<const std::uint8_t> bytes) {
  if (stopped_) return;
  core_.on_bytes(id, bytes, now());
  after_event();
}

void driver::closed(broker::connection_id id, const std::string& why) {
  if (stopped_ || connections_.erase(id) == 0) return;
  log_.write(broker::log_level::info, "conn " + std::to_string(id) + ": disconnected: " + why);
  core_.on_closed(id, now());
  after_event();
}

void driver::publish(broker::message msg) {
  if (stopped_) return;
  core_.publish(std::move(msg), now());
  after_event();
}

void driver::shutdown() {
  if (stopped_) return;
  // What persists is the state before the shutdown ends every session.
  persist();
  state_ = nullptr;
  core_.shutdown(now());
  drain_actions();  // every connection closes after flushing its wills and DISCONNECT
  stopped_ = true;
  timer_.cancel();
  armed_deadline_.reset();
  for (auto& [id, c] : connections_) c->abort();  // none is left unless an action was lost
  connections_.clear();
}

void driver::after_event() {
  drain_actions();
  arm_timer();
}

void driver::drain_actions() {
  // Every round after the first drops at least one connection, so this ends.
  std::size_t rounds_max = connections_.size() + 2;
  for (std::size_t round = 0; round < rounds_max; ++round) {
    std::vector<broker::action> actions = core_.take_actions();
    if (actions.empty()) return;
    persist();  // before any acknowledgement among them leaves
    std::vector<broker::connection_id> overflowed;
    for (broker::action& a : actions) {
      if (auto* s = std::get_if<broker::send_bytes>(&a)) {
        auto it = connections_.find(s->conn);
        if (it == connections_.end()) continue;
        if (!it->second->send(std::move(s->bytes))) {
          it->second->abort();
          connections_.erase(it);
          overflowed.push_back(s->conn);
        }
      } else if (auto* c = std::get_if<broker::close_connection>(&a)) {
        auto it = connections_.find(c->conn);
        if (it == connections_.end()) continue;
        it->second->close_after_flush();
        connections_.erase(it);
        log_.write(broker::log_level::info, "conn " + std::to_string(c->conn) + ": closed by the broker");
      }
    }
    if (overflowed.empty()) return;
    for (broker::connection_id id : overflowed) {
      log_.write(broker::log_level::warning,
                 "conn " + std::to_string(id) + ": dropped: more than " + std::to_string(output_queued_max) +
                     " bytes queued for a slow reader");
      core_.on_closed(id, now());
    }
  }
}

void driver::persist() {
  if (!state_) return;
  if (auto e = state_->save_if_changed(core_, now())) {
    // Every failure counts; the first and then every 1000th is logged.
    if (persist_failures_++ % 1000 == 0) {
      log_.write(broker::log_level::warning, "persistence: " + *e + " (acknowledgements go out unsaved)");
    }
  }
}

void driver::arm_timer() {
  if (stopped_) return;
  std::optional<broker::clock_ms> deadline = core_.next_deadline();
  if (deadline == armed_deadline_) return;
  armed_deadline_ = deadline;
  if (!deadline) {
    timer_.cancel();
    return;
  }
  // A deadline already due fires one millisecond from now at the soonest, so a core that
  // keeps reporting a past deadline cannot spin this thread.
  broker::clock_ms at = std::max(*deadline, now() + 1);
  timer_.expires_at(start_ + std::chrono::milliseconds(at));
  timer_.async_wait([this, expected = *deadline](const error_code& ec) {
    if (ec || stopped_ || armed_deadline_ != expected) return;
    armed_deadline_.reset();
    core_.on_timer(now());
    after_event();
  });
}

std::string endpoint_string(const tcp::endpoint& ep) {
  auto addr = ep.address();
  std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  return host + ":" + std::to_string(ep.port());
}

}  // namespace mqtt::net
