// libFuzzer target for the broker core: the input is a script of network events for up to
// four clients (open, bytes, close) and timer ticks. Invariants: no crash, every byte the
// broker sends decodes as valid packets of the client's protocol version, nothing is sent
// to a connection after the broker closed it, and the state stays within its limits.
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>

#include "broker_fuzz_script.hpp"
#include "mqtt/auth/scram.hpp"
#include "mqtt/broker/broker.hpp"
#include "mqtt/codec/decoder.hpp"

namespace {

namespace codec = mqtt::codec;
namespace broker = mqtt::broker;

[[noreturn]] void violation(const char* what) {
  std::fprintf(stderr, "broker fuzz invariant broken: %s\n", what);
  std::abort();
}

struct client_side {
  bool open = false;
  broker::connection_id id = 0;
  codec::stream_decoder inbound;   // what the client sent, to learn its protocol version
  codec::stream_decoder outbound;  // what the broker sent back
  bool version_known = false;
};

// An enhanced authentication method the fuzzer can complete without cryptography, so that it
// reaches CONNACK and re-authentication: "ok" succeeds, "more" continues, anything else fails.
class token_exchange final : public broker::auth_exchange {
 public:
  broker::auth_step step(const std::optional<std::string_view>& data) override {
    broker::auth_step s;
    if (data == std::optional<std::string_view>("ok")) s.result = broker::auth_step::outcome::success;
    else if (data == std::optional<std::string_view>("more")) s.result = broker::auth_step::outcome::continue_auth;
    s.data = "t";
    return s;
  }
};
class token_authenticator final : public broker::enhanced_authenticator {
 public:
  std::unique_ptr<broker::auth_exchange> start(std::string_view) override { return std::make_unique<token_exchange>(); }
};

// SCRAM-SHA-256 with one user and a counter for randomness: the fuzzer feeds its parsers.
std::shared_ptr<broker::enhanced_authenticator> fuzz_scram() {
  static const mqtt::auth::scram::credentials creds = mqtt::auth::scram::derive_credentials("pencil", "salt", 4'096);
  auto counter = std::make_shared<std::uint8_t>(0);
  return std::make_shared<mqtt::auth::scram::authenticator>(
      mqtt::auth::scram::user_map{{"user", creds}}, [counter](std::span<std::uint8_t> out) {
        for (auto& b : out) b = (*counter)++;
      });
}

broker::options fuzz_options() {
  broker::options o;
  o.enhanced_auth.emplace("FUZZ-TOKEN", std::make_shared<token_authenticator>());
  o.enhanced_auth.emplace("SCRAM-SHA-256", fuzz_scram());
  o.response_information_prefix = "r/";
  o.limits.connections_max = 8;
  o.limits.inflight_max = 3;
  o.limits.queued_messages_max = 8;
  o.limits.subscriptions_per_client_max = 8;
  o.limits.retained_messages_max = 8;
  o.limits.sessions_max = 8;
  o.limits.topic_alias_max = 4;
  o.limits.packet_size_max = 4096;
  return o;
}

codec::decode_options client_view(codec::protocol_version v) {
  codec::decode_options d;
  d.version = v;
  d.receiver = codec::receiver_role::client;
  d.adopt_connect_version = false;
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  broker::broker b(fuzz_options());
  // MQTT_FUZZ_LOG=1 prints the broker's log, for reading a crash input.
  static const bool verbose = std::getenv("MQTT_FUZZ_LOG") != nullptr;
  if (verbose) {
    b.set_logger([](const broker::log_record& r) {
      std::fprintf(stderr, "[%llu] %s %s\n", static_cast<unsigned long long>(r.conn), r.text.c_str(),
                   std::string(r.statement.text()).c_str());
    });
  }
  broker::clock_ms now = 1'000;
  std::array<client_side, mqtt::fuzz::broker_clients> clients;
  broker::connection_id next_id = 1;

  auto check_actions = [&] {
    for (broker::action& a : b.take_actions()) {
      if (auto* s = std::get_if<broker::send_bytes>(&a)) {
        client_side* c = nullptr;
        for (auto& x : clients) {
          if (x.open && x.id == s->conn) c = &x;
        }
        if (c == nullptr) violation("bytes sent to a connection that is closed or unknown");
        auto failure = c->outbound.feed(s->bytes, [](const codec::packet&) {});
        if (failure) {
          std::fprintf(stderr, "rule %s at %zu\n", std::string(failure->details().name).c_str(), failure->offset);
          violation("the broker sent a malformed packet");
        }
      } else if (auto* c = std::get_if<broker::close_connection>(&a)) {
        for (auto& x : clients) {
          if (x.open && x.id == c->conn) x.open = false;
        }
      }
    }
    const auto& lim = fuzz_options().limits;
    if (b.connection_count() > lim.connections_max) violation("connections beyond connections_max");
    if (b.session_count() > lim.sessions_max) violation("sessions beyond sessions_max");
    if (b.retained_count() > lim.retained_messages_max) violation("retained beyond retained_messages_max");
  };

  mqtt::fuzz::run_broker_script(std::span(data, size), [&](const mqtt::fuzz::broker_event& e) {
    client_side& c = clients[e.client];
    switch (e.kind) {
      case mqtt::fuzz::broker_event::open:
        if (c.open) {
          b.on_closed(c.id, now);
          c.open = false;
        }
        c.id = next_id++;
        c.inbound = codec::stream_decoder(codec::decode_options{});
        c.outbound = codec::stream_decoder(client_view(codec::protocol_version::v3_1_1));
        c.version_known = false;
        c.open = b.on_open(c.id, {"fuzz", "sim"}, now);
        break;
      case mqtt::fuzz::broker_event::bytes:
        if (!c.open) break;
        if (!c.version_known) {
          // The broker answers in the protocol version of the client's CONNECT.
          auto failure = c.inbound.feed(e.data, [&](const codec::packet& p) {
            if (c.version_known) return;
            c.version_known = true;
            if (const auto* connect = std::get_if<codec::connect>(&p)) {
              c.outbound = codec::stream_decoder(client_view(connect->version));
            }
          });
          if (failure && !c.version_known) {
            // A CONNECT that breaks a rule after its protocol level is refused in that
            // version (a 5.0 CONNACK with the reason code).
            c.version_known = true;
            c.outbound = codec::stream_decoder(client_view(failure->version));
          }
        }
        b.on_bytes(c.id, e.data, now);
        break;
      case mqtt::fuzz::broker_event::close:
        if (!c.open) break;
        b.on_closed(c.id, now);
        c.open = false;
        break;
      case mqtt::fuzz::broker_event::advance:
        now += e.advance_ms;
        b.on_timer(now);
        break;
    }
    check_actions();
  });
  return 0;
}
