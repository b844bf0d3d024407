// Drives one case on the simulated reference broker: the interpreter is a raw peer of the
// steppable simulated world (harness/sim/sim_world.hpp), under virtual time, so the run is a pure
// function of the scenario, the profile and the seed.
#include "run/sim_target.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>

#include "mqtt/auth/scram.hpp"
#include "mqtt/broker/access.hpp"
#include "mqtt/broker/broker.hpp"
#include "mqtt/broker/planted.hpp"
#include "sim/random.hpp"
#include "sim/sim_world.hpp"

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

// Salt and iterations of the profile's SCRAM user on the simulated broker: fixed, so runs replay.
constexpr std::string_view sim_scram_salt = "mqtt-harness-sim";
constexpr std::uint32_t sim_scram_iterations = 4'096;
// Keeps SCRAM server nonces apart from the simulator's own streams (network, faults, workload).
constexpr std::uint64_t sim_scram_stream = 0x5C4A'4D00;

// SCRAM-SHA-256 with the profile's user, its nonces from a generator seeded by the run's seed,
// so that every run of a case sees the same bytes.
std::shared_ptr<broker::enhanced_authenticator> make_scram(const profile& p, std::uint64_t seed) {
  // Every case builds its own broker; PBKDF2 once per password instead of once per case (it
  // cost more than the rest of a simulated case).
  static std::mutex derived_mutex;
  static std::map<std::string, mqtt::auth::scram::credentials, std::less<>> derived;
  mqtt::auth::scram::credentials creds;
  {
    std::lock_guard lock(derived_mutex);
    auto it = derived.find(*p.scram_password);
    if (it == derived.end()) {
      it = derived.emplace(*p.scram_password, mqtt::auth::scram::derive_credentials(
                                                  *p.scram_password, sim_scram_salt, sim_scram_iterations)).first;
    }
    creds = it->second;
  }
  mqtt::auth::scram::user_map users;
  users.emplace(*p.scram_user, std::move(creds));
  auto gen = std::make_shared<sim::prng>(seed ^ sim_scram_stream);
  auto random = [gen](std::span<std::uint8_t> out) {
    for (auto& b : out) b = static_cast<std::uint8_t>(gen->next());
  };
  return std::make_shared<mqtt::auth::scram::authenticator>(std::move(users), random);
}

broker::options broker_options(const profile& p, std::uint64_t seed) {
  broker::options o;
  if (p.capabilities().contains("scram_sha_256")) o.enhanced_auth.emplace("SCRAM-SHA-256", make_scram(p, seed));
  // As targets/mqtt-ref-broker/start configures mqtt-ref-broker.
  if (p.request_response) o.response_information_prefix = "reply/";
  o.max_qos = static_cast<mqtt::codec::qos>(p.max_qos);
  o.retain_available = p.retain;
  o.allow_zero_length_client_id = p.zero_length_client_id;
  o.allow_anonymous = p.anonymous;
  if (p.receive_maximum > 0) o.limits.inflight_max = p.receive_maximum;
  o.limits.topic_alias_max = p.topic_alias_maximum;
  if (p.maximum_packet_size > 0) o.limits.packet_size_max = p.maximum_packet_size;
  return o;
}

// The same ACL as targets/*/start write: everything but the denied topic (and the suite's own
// '$' topics, which '#' does not match), for anonymous clients and the profile's users alike.
std::shared_ptr<broker::authorizer> make_authorizer(const profile& p) {
  if (!p.denied_topic) return nullptr;
  std::string rules = "topic readwrite #\ntopic readwrite $mh/#\ntopic deny " + *p.denied_topic + "\n";
  const std::string common = rules;
  if (p.user_name) rules += "user " + *p.user_name + "\n" + common;
  if (p.scram_user && p.scram_user != p.user_name) rules += "user " + *p.scram_user + "\n" + common;
  auto acl = broker::acl_authorizer::parse(rules);
  if (auto* a = std::get_if<broker::acl_authorizer>(&acl)) return std::make_shared<broker::acl_authorizer>(std::move(*a));
  throw std::invalid_argument("profile: denied_topic does not make a valid ACL");
}

sim::world_options world_options_of(const profile& p, const sim_options& o) {
  sim::world_options w;
  w.seed = o.seed;
  w.broker = broker_options(p, o.seed);
  w.authn = p.user_name ? std::make_shared<profile_authenticator>(p) : nullptr;
  w.authz = make_authorizer(p);
  w.planted_bug = o.planted_bug;
  w.latency_max_ms = o.latency_ms;
  w.events_max = o.events_max;
  // `persistence` in the profile: the broker keeps its state across `restart broker`.
  w.persistence = p.capabilities().contains("persistence");
  return w;
}

// The interpreter drives one raw peer of the simulated world: its connections are the peer's,
// and every peer event goes back to the interpreter at its virtual time.
class sim_case {
 public:
  sim_case(const script::scenario& s, const script::case_context& ctx, const profile& p, const sim_options& o)
      : latency_ms_(o.latency_ms), record_writes_(o.record_writes), per_client_(s.faults), world_(world_options_of(p, o)),
        peer_(world_.add_raw_peer()), interp_(s, ctx) {}

  case_run run() {
    interp_.start(world_.now());
    pump();
    while (!interp_.finished() && !world_.budget_exhausted()) {
      std::optional<sim::sim_ms> wake = interp_.next_wake();
      if (!wake) break;
      if (restart_due_) wake = std::min(*wake, *restart_due_);
      std::vector<sim::peer_event> events = world_.step_until(*wake);
      for (const sim::peer_event& e : events) {
        deliver(e);
        pump();
      }
      if (events.empty() && restart_due_ && world_.now() >= *restart_due_) {
        restart_due_.reset();
        interp_.on_restarted(world_.now());
        pump();
      } else if (events.empty() && world_.now() >= *wake) {
        interp_.on_timer(world_.now());
        pump();
      }
    }
    // What the scenario closed at the end reaches the broker, so its wills and logs settle.
    pump();
    world_.run_until(world_.now() + 10 * latency_ms_);
    case_run r;
    r.outcome = interp_.outcome();
    if (!interp_.finished()) {
      r.outcome.result = script::verdict::error;
      r.outcome.message = "the simulation ran out of its event budget";
    }
    r.transcript = interp_.transcript();
    r.transcript_dropped = interp_.transcript_dropped();
    r.simulated_ms = world_.now();
    r.client_writes = std::move(writes_);
    if (const broker::broker* b = world_.broker()) {
      for (const auto& [statement, count] : b->probe().counts()) r.statements_enforced.emplace_back(statement.text());
    }
    return r;
  }

 private:
  void deliver(const sim::peer_event& e) {
    auto it = by_world_.find(e.conn);
    if (it == by_world_.end()) return;
    std::uint64_t id = it->second;
    switch (e.kind) {
      case sim::peer_event_kind::opened:
        interp_.on_open(id, e.at);
        break;
      case sim::peer_event_kind::bytes:
        interp_.on_bytes(id, e.bytes, e.at);
        break;
      case sim::peer_event_kind::closed:
        interp_.on_closed(id, e.cause == sim::end_cause::fin ? close_kind::fin : close_kind::reset, cause_text(e.cause), e.at);
        break;
      case sim::peer_event_kind::connect_failed:
        interp_.on_closed(id, close_kind::refused, cause_text(e.cause), e.at);
        break;
    }
  }

  static std::string cause_text(sim::end_cause c) {
    switch (c) {
      case sim::end_cause::lost: return "the connection was lost";
      case sim::end_cause::refused: return "refused";
      case sim::end_cause::timed_out: return "timed out";
      default: return "";
    }
  }

  void pump() {
    for (action& a : interp_.take_actions()) {
      switch (a.k) {
        case action::kind::open: {
          sim::conn_id c = world_.open(node_of(a.client));
          to_world_[a.conn] = c;
          by_world_[c] = a.conn;
          break;
        }
        case action::kind::write:
          if (record_writes_) writes_.push_back(client_write{a.conn, a.bytes});
          if (auto c = world_conn(a.conn)) world_.send(*c, a.bytes);
          break;
        case action::kind::write_text:
          // The simulated network carries bytes, not WebSocket messages: a scenario that sends
          // text needs `websocket`, which the runner grants only to ws:// and wss:// targets.
          throw std::logic_error("a WebSocket text message reached the simulator");
        case action::kind::half_close:
          if (auto c = world_conn(a.conn)) world_.half_close(*c);
          break;
        case action::kind::close:
          // A close is a FIN after what was sent; the scenario reads nothing more.
          if (auto c = world_conn(a.conn)) {
            world_.half_close(*c);
            by_world_.erase(*c);
          }
          break;
        case action::kind::reset:
          if (auto c = world_conn(a.conn)) {
            world_.reset(*c);
            by_world_.erase(*c);
          }
          break;
        case action::kind::fault:
          world_.apply(fault_of(a));
          break;
        case action::kind::heal:
          world_.heal();
          break;
        case action::kind::restart:
          // Down for a moment, then the same broker (with its state when the profile says
          // persistence); the step goes on once it is back.
          world_.apply(sim::fault{.at_ms = world_.now(), .kind = sim::fault_kind::broker_crash, .duration_ms = restart_down_ms});
          restart_due_ = world_.now() + restart_down_ms;
          break;
      }
    }
  }

  // A scenario with fault steps gives each client a node of its own, so a fault on one
  // client's link leaves the others'; the rest share one (their runs stay as they were).
  sim::node_id node_of(const std::string& client) {
    if (!per_client_) return peer_;
    auto [it, added] = nodes_.try_emplace(client, peer_);
    if (added && nodes_.size() > 1) it->second = world_.add_raw_peer();
    return it->second;
  }

  sim::fault fault_of(const action& a) {
    sim::fault f{.at_ms = world_.now(), .target = node_of(a.client)};
    switch (a.fault.k) {
      case script::fault_step::kind::partition:
        f.kind = sim::fault_kind::partition;
        f.duration_ms = a.fault.duration_ms.value_or(partition_until_heal_ms);
        break;
      case script::fault_step::kind::black_hole:
        f.kind = sim::fault_kind::black_hole;
        break;
      case script::fault_step::kind::half_open:
        f.kind = sim::fault_kind::half_open;
        f.param = a.fault.broker_told ? 1 : 0;
        break;
      default:
        throw std::logic_error("not a fault on a client");
    }
    return f;
  }

  std::optional<sim::conn_id> world_conn(std::uint64_t id) const {
    auto it = to_world_.find(id);
    if (it == to_world_.end()) return std::nullopt;
    return it->second;
  }

  // `restart broker`: how long the simulated broker stays down; a partition without `for`
  // lasts until `heal` (longer than any case's budget).
  static constexpr sim::sim_ms restart_down_ms = 100;
  static constexpr sim::sim_ms partition_until_heal_ms = 24 * 3'600'000;

  sim::sim_ms latency_ms_;  // one way, as the world's links have it
  bool record_writes_;
  bool per_client_;
  std::map<std::string, sim::node_id> nodes_;
  std::optional<sim::sim_ms> restart_due_;
  std::vector<client_write> writes_;
  sim::sim_world world_;
  sim::node_id peer_;
  script::interpreter interp_;
  std::map<std::uint64_t, sim::conn_id> to_world_;
  std::map<sim::conn_id, std::uint64_t> by_world_;
};

}  // namespace

case_run run_on_sim(const script::scenario& s, const script::case_context& ctx, const profile& p, const sim_options& o) {
  sim_case c(s, ctx, p, o);
  return c.run();
}

}  // namespace harness::run
