// Drives one case against a real broker: every client of the scenario is a connection of
// harness_transport on one event loop. Each event is fed to the interpreter, whose actions are
// carried out at once; the loop then returns so the next wake-up is recomputed.
#include "real/real_target.hpp"

#include <map>
#include <memory>
#include <stdexcept>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "transport/connection.hpp"
#include "transport/endpoint.hpp"
#include "transport/event_loop.hpp"

namespace harness::real {
namespace {

namespace tp = harness::transport;
using script::action;
using script::close_kind;

// Wall time given to connections to take what the scenario wrote last before they are closed.
constexpr std::uint64_t linger_ms = 50;

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
      : where_(endpoint_of(o)), options_(options_of(o)), interp_(s, ctx), activity_(activity) {}

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
        auto c = std::make_unique<tp::connection>(loop_, where_, options_, std::move(h));
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
    }
  }

  tp::connection* find(std::uint64_t id) {
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second.get();
  }

  tp::endpoint where_;
  tp::connection_options options_;
  tp::event_loop loop_;
  script::interpreter interp_;
  run::case_activity* activity_;
  std::map<std::uint64_t, std::unique_ptr<tp::connection>> conns_;
  std::vector<std::unique_ptr<tp::connection>> closing_;
};

}  // namespace

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
