// Drives one case on the simulated reference broker. Each direction of a connection delivers
// in order after the link latency; the broker's timers and the interpreter's wake-ups are
// events like any other, so the run is a pure function of the scenario, the profile and the seed.
#include "run/sim_target.hpp"

#include <map>
#include <set>
#include <memory>
#include <stdexcept>

#include "mqtt/broker/access.hpp"
#include "mqtt/broker/broker.hpp"
#include "mqtt/broker/planted.hpp"
#include "sim/event_queue.hpp"

namespace harness::run {
namespace {

namespace broker = mqtt::broker;
using script::action;
using script::close_kind;

// The profile's credentials, checked the way a password file would be.
class profile_authenticator final : public broker::authenticator {
 public:
  explicit profile_authenticator(const profile& p) : user_(p.user_name.value_or("")), password_(p.password.value_or("")) {}
  broker::auth_result authenticate(std::string_view, const std::optional<std::string_view>& user,
                                   const std::optional<std::string_view>& password) override {
    if (!user) return broker::auth_result::accepted;  // anonymous clients are allowed
    if (*user == user_ && password && *password == password_) return broker::auth_result::accepted;
    return broker::auth_result::bad_credentials;
  }

 private:
  std::string user_;
  std::string password_;
};

broker::options broker_options(const profile& p) {
  broker::options o;
  o.max_qos = static_cast<mqtt::codec::qos>(p.max_qos);
  o.retain_available = p.retain;
  o.allow_zero_length_client_id = p.zero_length_client_id;
  if (p.receive_maximum > 0) o.limits.inflight_max = p.receive_maximum;
  o.limits.topic_alias_max = p.topic_alias_maximum;
  if (p.maximum_packet_size > 0) o.limits.packet_size_max = p.maximum_packet_size;
  return o;
}

// The same ACL as targets/*/start write: everything but the denied topic, for anonymous
// clients and for the profile's user alike.
std::shared_ptr<broker::authorizer> make_authorizer(const profile& p) {
  if (!p.denied_topic) return nullptr;
  std::string rules = "topic readwrite #\ntopic deny " + *p.denied_topic + "\n";
  if (p.user_name) rules += "user " + *p.user_name + "\n" + rules;
  auto acl = broker::acl_authorizer::parse(rules);
  if (auto* a = std::get_if<broker::acl_authorizer>(&acl)) return std::make_shared<broker::acl_authorizer>(std::move(*a));
  throw std::invalid_argument("profile: denied_topic does not make a valid ACL");
}

class sim_case {
 public:
  sim_case(const script::scenario& s, const script::case_context& ctx, const profile& p, const sim_options& o)
      : opts_(o),
        broker_(broker_options(p), p.user_name ? std::make_shared<profile_authenticator>(p) : nullptr, make_authorizer(p)),
        interp_(s, ctx) {
#ifdef MQTT_PLANTED_BUGS
    if (!o.planted_bug.empty()) {
      auto bug = broker::planted_bug_from_string(o.planted_bug);
      if (!bug) throw std::invalid_argument("unknown planted bug '" + o.planted_bug + "'");
      broker::plant_bug(broker_, *bug);
    }
#else
    if (!o.planted_bug.empty()) throw std::invalid_argument("this build cannot plant bugs");
#endif
  }

  case_run run() {
    interp_.start(q_.now());
    pump();
    while (!interp_.finished() && q_.events_run() < opts_.events_max) {
      std::optional<sim::sim_ms> wake = interp_.next_wake();
      std::optional<sim::sim_ms> next = due_.empty() ? std::nullopt : std::optional(*due_.begin());
      if (next && (!wake || *next <= *wake)) {
        q_.run_until(*next, opts_.events_max - q_.events_run());
      } else if (wake) {
        q_.run_until(*wake, opts_.events_max - q_.events_run());
        interp_.on_timer(q_.now());
        pump();
      } else {
        break;
      }
    }
    // What the scenario closed at the end reaches the broker, so its wills and logs settle.
    pump();
    q_.run_until(q_.now() + 10 * opts_.latency_ms, opts_.events_max);
    case_run r;
    r.outcome = interp_.outcome();
    if (!interp_.finished()) {
      r.outcome.result = script::verdict::error;
      r.outcome.message = "the simulation ran out of its event budget";
    }
    r.transcript = interp_.transcript();
    r.transcript_dropped = interp_.transcript_dropped();
    r.simulated_ms = q_.now();
    for (const auto& [statement, count] : broker_.probe().counts()) r.statements_enforced.emplace_back(statement);
    return r;
  }

 private:
  struct conn_state {
    bool broker_open = false;  // the broker core holds it
    bool peer_open = true;     // the interpreter still reads it
  };

  // Every event goes through here, so the time of the next one is always known.
  void at(sim::sim_ms when, std::function<void()> h) {
    due_.insert(when);
    q_.schedule(when, [this, when, h = std::move(h)] {
      due_.erase(due_.find(when));
      h();
    });
  }

  // Carries out the interpreter's actions and the broker's, until neither has any.
  void pump() {
    for (int guard = 0; guard < 1'000; ++guard) {
      bool any = false;
      for (action& a : interp_.take_actions()) {
        any = true;
        apply(std::move(a));
      }
      for (auto& a : broker_.take_actions()) {
        any = true;
        apply_broker(std::move(a));
      }
      if (!any) break;
    }
    arm_broker_timer();
  }

  void arm_broker_timer() {
    auto d = broker_.next_deadline();
    if (!d || (timer_at_ && *timer_at_ <= *d)) return;
    sim::sim_ms when = std::max<sim::sim_ms>(*d, q_.now());
    timer_at_ = when;
    at(when, [this, when] {
      if (timer_at_ != when) return;
      timer_at_.reset();
      broker_.on_timer(q_.now());
      pump();
    });
  }

  void apply(action a) {
    const sim::sim_ms later = q_.now() + opts_.latency_ms;
    switch (a.k) {
      case action::kind::open:
        conns_[a.conn] = {};
        at(later, [this, c = a.conn] {
          bool ok = broker_.on_open(c, {"sim:" + std::to_string(c), "sim"}, q_.now());
          conns_[c].broker_open = ok;
          pump();
          at(q_.now() + opts_.latency_ms, [this, c, ok] {
            if (ok) interp_.on_open(c, q_.now());
            else interp_.on_closed(c, close_kind::refused, "the broker refused the connection", q_.now());
            pump();
          });
        });
        break;
      case action::kind::write:
        at(later, [this, c = a.conn, bytes = std::move(a.bytes)] {
          if (!conns_[c].broker_open) return;
          broker_.on_bytes(c, bytes, q_.now());
          pump();
        });
        break;
      case action::kind::close:
      case action::kind::reset:
        conns_[a.conn].peer_open = false;
        [[fallthrough]];
      case action::kind::half_close:
        at(later, [this, c = a.conn] {
          if (!conns_[c].broker_open) return;
          conns_[c].broker_open = false;
          broker_.on_closed(c, q_.now());
          pump();
        });
        break;
    }
  }

  void apply_broker(broker::action a) {
    const sim::sim_ms later = q_.now() + opts_.latency_ms;
    if (auto* s = std::get_if<broker::send_bytes>(&a)) {
      at(later, [this, c = s->conn, bytes = std::move(s->bytes)] {
        if (!conns_[c].peer_open) return;
        interp_.on_bytes(c, bytes, q_.now());
        pump();
      });
    } else if (auto* cl = std::get_if<broker::close_connection>(&a)) {
      conns_[cl->conn].broker_open = false;
      at(later, [this, c = cl->conn] {
        if (!conns_[c].peer_open) return;
        conns_[c].peer_open = false;
        interp_.on_closed(c, close_kind::fin, "", q_.now());
        pump();
      });
    }
  }

  sim_options opts_;
  sim::event_queue q_;
  broker::broker broker_;
  script::interpreter interp_;
  std::map<std::uint64_t, conn_state> conns_;
  std::optional<sim::sim_ms> timer_at_;
  std::multiset<sim::sim_ms> due_;
};

}  // namespace

case_run run_on_sim(const script::scenario& s, const script::case_context& ctx, const profile& p, const sim_options& o) {
  sim_case c(s, ctx, p, o);
  return c.run();
}

}  // namespace harness::run
