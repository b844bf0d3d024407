// The clean-up before a chaos run, as a short blocking exchange per connection on one event
// loop of harness_transport.
#include "chaos/clean_slate.hpp"

#include <functional>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "transport/connection.hpp"
#include "transport/event_loop.hpp"

namespace harness::chaos {
namespace {

namespace codec = mqtt::codec;
namespace tp = transport;

// The broker's packets on one connection until `done` says the exchange is over, or why it
// failed (the connection ended, a malformed packet, no answer within the wait).
class exchange {
 public:
  using on_packet = std::function<bool(const codec::packet&, tp::connection&)>;  // true: over

  exchange(const clean_slate_options& o, codec::protocol_version v) : o_(o), version_(v) {}

  std::optional<std::string> run(const std::vector<std::uint8_t>& first, on_packet handle) {
    tp::event_loop loop;
    codec::stream_decoder decoder({.version = version_, .receiver = codec::receiver_role::client});
    std::optional<std::string> problem = "no answer within " + std::to_string(o_.wait_ms) + " ms";
    bool over = false;
    tp::connection* self = nullptr;
    tp::connection::handlers h;
    h.on_open = [&] { self->write(first); };
    h.on_data = [&](std::span<const std::uint8_t> data) {
      auto err = decoder.feed(data, [&](const codec::packet& p) {
        if (!over && handle(p, *self)) over = true;
      });
      if (err) {
        problem = "malformed packet from the broker: " + std::string(err->message());
        loop.stop();
      } else if (over) {
        problem.reset();
        loop.stop();
      }
    };
    h.on_close = [&](const tp::close_info& i) {
      if (!over) problem = "the connection ended (" + std::string(tp::to_string(i.kind)) + (i.detail.empty() ? "" : ": " + i.detail) + ")";
      loop.stop();
    };
    tp::connection c(loop, o_.target, o_.target_options, std::move(h));
    self = &c;
    c.open();
    loop.run_until(loop.now_ms() + o_.wait_ms);
    if (!problem) {
      // The DISCONNECT after the answer (some brokers drop a connection whose first bytes
      // carry both), and its way out before the socket closes.
      std::vector<std::uint8_t> bye;
      codec::encode(codec::disconnect{}, version_, bye);
      c.write(bye);
      c.half_close();
      loop.run_until(loop.now_ms() + 200);
    }
    return problem;
  }

 private:
  const clean_slate_options& o_;
  codec::protocol_version version_;
};

codec::connect connect_for(const clean_slate_options& o, const std::string& id, codec::protocol_version v, bool clean) {
  codec::connect c;
  c.version = v;
  c.client_id = id;
  c.clean_start = clean;
  c.keep_alive_s = 30;
  if (o.credentials) {
    c.user_name = o.credentials->first;
    c.password = o.credentials->second;
  }
  return c;  // 5.0: no Session Expiry Interval, so nothing outlives this connection
}

// The CONNACK's verdict: nullopt when accepted (Session Present in `present`).
std::optional<std::string> refused(const codec::connack& a, const std::string& id) {
  if (a.reason_code == 0) return std::nullopt;
  return "the broker refused the CONNECT of " + id + " (code " + std::to_string(a.reason_code) + ")";
}

}  // namespace

clean_slate_result clean_slate(const clean_slate_options& o) {
  clean_slate_result res;
  for (const auto& [id, version] : o.clients) {
    for (const bool clean : {false, true}) {
      std::vector<std::uint8_t> bytes;
      codec::encode(connect_for(o, id, version, clean), version, bytes);
      std::optional<std::string> refusal;
      bool present = false;
      auto e = exchange(o, version).run(bytes, [&](const codec::packet& p, tp::connection&) {
        const auto* a = std::get_if<codec::connack>(&p);
        if (!a) return false;  // what a left session still held (its queued messages): dropped with it
        refusal = refused(*a, id);
        present = a->session_present;
        return true;
      });
      if (e) res.error = "clearing " + id + "'s session: " + *e;
      if (refusal) res.error = *refusal;
      if (res.error) return res;
      if (!clean && present) res.sessions_left.push_back(id);
    }
  }
  if (o.topics.empty()) return res;
  const auto version = o.clients.empty() ? codec::protocol_version::v3_1_1 : o.clients.front().second;
  const std::string id = "mh-clean-slate";
  std::vector<std::uint8_t> bytes;
  codec::encode(connect_for(o, id, version, true), version, bytes);
  const bool acked = o.max_qos >= 1;
  std::size_t answered = 0;
  std::optional<std::string> refusal;
  auto e = exchange(o, version).run(bytes, [&](const codec::packet& p, tp::connection& c) {
    if (const auto* a = std::get_if<codec::connack>(&p)) {
      refusal = refused(*a, id);
      if (refusal) return true;
      std::vector<std::uint8_t> out;
      for (std::size_t i = 0; i < o.topics.size(); ++i) {
        codec::publish pub;
        pub.retain = true;
        pub.topic = o.topics[i];
        pub.qos = acked ? codec::qos::at_least_once : codec::qos::at_most_once;
        pub.packet_id = acked ? static_cast<std::uint16_t>(i + 1) : 0;
        codec::encode(pub, version, out);
      }
      c.write(out);
      res.retained_cleared = o.topics.size();
      return !acked;
    }
    if (std::holds_alternative<codec::puback>(p)) return ++answered == o.topics.size();
    return false;
  });
  if (e) res.error = "clearing the retained messages: " + *e;
  if (refusal) res.error = *refusal;
  return res;
}

}  // namespace harness::chaos
