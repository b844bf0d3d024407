// Drives one case against a real broker: every client of the scenario is a connection of
// harness_transport on one event loop. Each event is fed to the interpreter, whose actions are
// carried out at once; the loop then returns so the next wake-up is recomputed.
#include "real/real_target.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "proxy/proxy.hpp"
#include "real/broker_process.hpp"
#include "transport/connection.hpp"
#include "transport/endpoint.hpp"
#include "transport/event_loop.hpp"

namespace harness::real {
namespace {

namespace tp = harness::transport;
namespace px = harness::proxy;
using script::action;
using script::close_kind;

// Wall time given to connections to take what the scenario wrote last before they are closed.
constexpr std::uint64_t linger_ms = 50;
// How long a fault step waits for the client's proxy to have accepted the connection it
// aims at (the accept runs on the proxy's thread).
constexpr auto proxy_record_wait = std::chrono::milliseconds(500);
// A partition without `for` lasts until `heal`.
constexpr std::uint32_t until_cleared = 0;

close_kind kind_of(const tp::close_info& c, std::string& detail) {
  detail = c.detail;
  switch (c.kind) {
    case tp::close_kind::fin: return close_kind::fin;
    case tp::close_kind::reset: return close_kind::reset;
    case tp::close_kind::read_error:
    case tp::close_kind::write_error: return close_kind::read_error;
    case tp::close_kind::tls_close_notify: return close_kind::tls_close;
    case tp::close_kind::tls_truncated:
      detail = "TCP closed without a TLS close_notify" + (detail.empty() ? "" : ": " + detail);
      return close_kind::fin;
    case tp::close_kind::ws_close_frame:
      detail = "code " + std::to_string(c.ws_close_code) + (detail.empty() ? "" : ", " + detail);
      return close_kind::ws_close;
    case tp::close_kind::connect_failed:
    case tp::close_kind::timeout: return close_kind::refused;
  }
  return close_kind::read_error;
}

tp::endpoint endpoint_of(const real_options& o) {
  auto ep = tp::parse_endpoint(o.url);
  if (!ep) throw std::invalid_argument(ep.error().message);
  return *ep;
}

tp::connection_options options_of(const real_options& o) {
  tp::connection_options c;
  c.tls.ca_file = o.ca_file;
  c.tls.insecure = o.insecure;
  return c;
}

class real_case {
 public:
  real_case(const script::scenario& s, const script::case_context& ctx, const real_options& o,
            run::case_activity* activity)
      : where_(endpoint_of(o)), options_(options_of(o)), real_(o), proxied_(s.faults), interp_(s, ctx), activity_(activity) {}

  case_run run() {
    interp_.start(loop_.now_ms());
    pump();
    while (!interp_.finished()) {
      auto wake = interp_.next_wake();
      if (!wake) break;
      loop_.run_until(*wake);
      if (loop_.now_ms() >= *wake) {
        interp_.on_timer(loop_.now_ms());
        pump();
      }
    }
    pump();
    loop_.run_until(loop_.now_ms() + linger_ms);
    conns_.clear();
    closing_.clear();
    for (auto& [name, p] : proxies_) p->stop();
    case_run r;
    r.outcome = interp_.outcome();
    r.transcript = interp_.transcript();
    r.transcript_dropped = interp_.transcript_dropped();
    return r;
  }

 private:
  // After every event: carry out the actions and give control back to run() (the next
  // deadline may have moved).
  void after_event() {
    pump();
    loop_.stop();
  }

  void pump() {
    for (action& a : interp_.take_actions()) apply(std::move(a));
  }

  void apply(action a) {
    if (activity_) activity_->touch();
    switch (a.k) {
      case action::kind::open: {
        std::uint64_t id = a.conn;
        tp::connection::handlers h;
        h.on_open = [this, id] {
          script::open_info info;
          if (tp::uses_websocket(where_.scheme)) {
            if (auto* c = find(id)) info.ws_subprotocol = c->upgrade().subprotocol;
          }
          interp_.on_open(id, loop_.now_ms(), info);
          after_event();
        };
        h.on_data = [this, id](std::span<const std::uint8_t> bytes) {
          interp_.on_bytes(id, bytes, loop_.now_ms());
          after_event();
        };
        h.on_close = [this, id](const tp::close_info& info) {
          std::string detail;
          close_kind k = kind_of(info, detail);
          interp_.on_closed(id, k, detail, loop_.now_ms());
          after_event();
        };
        tp::endpoint where = where_;
        if (proxied_) {
          auto p = proxy_for(a.client);
          if (!p) {
            interp_.on_closed(id, close_kind::refused, "the client's fault proxy could not listen", loop_.now_ms());
            break;
          }
          where.port = p->port();
        }
        auto c = std::make_unique<tp::connection>(loop_, where, options_, std::move(h));
        tp::connection* raw = c.get();
        conns_[id] = std::move(c);
        raw->open();
        break;
      }
      case action::kind::write:
        if (auto* c = find(a.conn)) c->write(a.bytes);
        break;
      case action::kind::write_text:
        if (auto* c = find(a.conn)) c->write_text(std::string_view(reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size()));
        break;
      case action::kind::half_close:
        if (auto* c = find(a.conn)) c->half_close();
        break;
      case action::kind::close:
        // Let what was written last go out first; nothing is read any more.
        if (auto* c = find(a.conn)) c->half_close();
        closing_.push_back(std::move(conns_[a.conn]));
        conns_.erase(a.conn);
        break;
      case action::kind::reset:
        if (auto* c = find(a.conn)) c->reset();
        conns_.erase(a.conn);
        break;
      case action::kind::fault:
        apply_fault(a);
        break;
      case action::kind::heal:
        for (auto& [name, p] : proxies_) p->clear_faults();
        break;
      case action::kind::restart:
        restart();
        break;
    }
  }

  // The client's proxy, made and started at its first connection: 127.0.0.1 and a free port,
  // forwarding to the broker.
  px::proxy* proxy_for(const std::string& client) {
    auto& slot = proxies_[client];
    if (!slot) {
      px::proxy_options po;
      // Bytes as they come: the client's own TLS or WebSocket passes through.
      po.upstream = {.scheme = transport::scheme::tcp, .host = where_.host, .port = where_.port, .path = {}};
      slot = std::make_unique<px::proxy>(po);
      if (auto e = slot->start()) {
        slot.reset();
        return nullptr;
      }
    }
    return slot.get();
  }

  void apply_fault(const action& a) {
    px::proxy* p = proxy_for(a.client);
    if (!p) return;
    px::fault f;
    switch (a.fault.k) {
      case script::fault_step::kind::partition:
        f.type = px::fault_type::partition;
        f.ms = a.fault.duration_ms ? static_cast<std::uint32_t>(std::clamp<script::ms>(*a.fault.duration_ms, 1, px::fault_ms_max))
                                   : until_cleared;
        break;
      case script::fault_step::kind::black_hole:
      case script::fault_step::kind::half_open: {
        // The client's current connection only, as on the simulator: a new one passes.
        f.type = a.fault.k == script::fault_step::kind::black_hole ? px::fault_type::black_hole : px::fault_type::half_open;
        f.broker_end = a.fault.broker_told;
        const tp::connection* c = find(a.conn);
        f.connection = c ? p->await_open(c->local_port(), proxy_record_wait) : 0;
        if (f.connection == 0) return;  // it ended before the proxy saw it
        break;
      }
      default:
        return;
    }
    p->add_fault(f);
  }

  // Kills the broker and brings it back with the profile's commands, then tells the
  // interpreter; the loop waits meanwhile (the broker is down: there is nothing to talk to).
  void restart() {
    std::optional<std::string> error;
    if (real_.crash_command.empty() || real_.restart_command.empty()) {
      error = "the profile has no [restart] commands";
    } else if (auto e = real::run_shell(real_.crash_command)) {
      error = "crash: " + *e;
    } else if (auto e2 = real::run_shell(real_.restart_command)) {
      error = "restart: " + *e2;
    }
    interp_.on_restarted(loop_.now_ms(), std::move(error));
  }

  tp::connection* find(std::uint64_t id) {
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second.get();
  }

  tp::endpoint where_;
  tp::connection_options options_;
  real_options real_;
  bool proxied_;  // the scenario has fault steps: every client goes through its own proxy
  std::map<std::string, std::unique_ptr<px::proxy>> proxies_;
  tp::event_loop loop_;
  script::interpreter interp_;
  run::case_activity* activity_;
  std::map<std::uint64_t, std::unique_ptr<tp::connection>> conns_;
  std::vector<std::unique_ptr<tp::connection>> closing_;
};

}  // namespace

real_options with_restart(real_options o, const profile& p) {
  if (!p.crash_command || !p.restart_command) return o;
  const tp::endpoint where = endpoint_of(o);
  o.crash_command = with_port(*p.crash_command, where.port);
  o.restart_command = with_port(*p.restart_command, where.port);
  return o;
}

case_run run_on_real(const script::scenario& s, const script::case_context& ctx, const real_options& o,
                     run::case_activity* activity) {
  real_case c(s, ctx, o, activity);
  return c.run();
}

std::optional<std::string> probe_liveness(const real_options& o, const profile& p) {
  namespace codec = mqtt::codec;
  tp::event_loop loop;
  codec::connect c;
  c.version = p.versions.empty() ? codec::protocol_version::v3_1_1 : p.versions.front();
  if (c.version == codec::protocol_version::v3_1) c.version = codec::protocol_version::v3_1_1;
  std::string id = "mhprobe" + std::to_string(loop.now_ms() % 100000);
  c.client_id = id;
  c.keep_alive_s = 30;
  if (p.user_name) c.user_name = *p.user_name;
  if (p.password) c.password = *p.password;
  // The DISCONNECT goes only after the CONNACK: some brokers (RabbitMQ's Web MQTT) drop a
  // connection whose first frame holds both.
  std::vector<std::uint8_t> bytes;
  codec::encode(c, c.version, bytes);
  std::vector<std::uint8_t> bye;
  codec::encode(codec::disconnect{}, c.version, bye);
  std::optional<std::string> problem = "no CONNACK in time";
  codec::decode_options d;
  d.version = c.version;
  d.receiver = codec::receiver_role::client;
  codec::stream_decoder decoder(d);
  tp::connection::handlers h;
  tp::connection* self = nullptr;
  h.on_open = [&] { self->write(bytes); };
  h.on_data = [&](std::span<const std::uint8_t> data) {
    auto err = decoder.feed(data, [&](const codec::packet& pkt) {
      if (std::holds_alternative<codec::connack>(pkt)) {
        problem.reset();
        self->write(bye);
      }
    });
    if (err) problem = "malformed answer to CONNECT: " + std::string(err->message());
    if (!problem || err) loop.stop();
  };
  h.on_close = [&](const tp::close_info& info) {
    if (problem && *problem == "no CONNACK in time") problem = "connection ended: " + std::string(tp::to_string(info.kind)) + " " + info.detail;
    loop.stop();
  };
  tp::connection conn(loop, endpoint_of(o), options_of(o), std::move(h));
  self = &conn;
  conn.open();
  loop.run_until(loop.now_ms() + static_cast<std::uint64_t>(10'000 * p.time_factor));
  if (!problem) loop.run_until(loop.now_ms() + linger_ms);  // the DISCONNECT goes out
  return problem;
}

}  // namespace harness::real
