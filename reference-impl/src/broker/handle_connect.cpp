// CONNECT (section 3.1): client identifier rules, authentication, takeover, Clean Start /
// Clean Session and session expiry, the will, and the CONNACK.
#include "mqtt/assert.hpp"
#include "mqtt/codec/encoder.hpp"
#include "state.hpp"

namespace mqtt::broker {
namespace {

namespace v311_code {
constexpr std::uint8_t identifier_rejected = 0x02;
constexpr std::uint8_t server_unavailable = 0x03;
constexpr std::uint8_t bad_user_name_or_password = 0x04;
constexpr std::uint8_t not_authorized = 0x05;
}  // namespace v311_code

// 3.1 limits client identifiers to 23 characters; 3.1.1 and 5.0 let the server allow more.
constexpr std::size_t v31_client_id_max = 23;

// Leaves out of a 5.0 CONNACK what the client's Maximum Packet Size has no room for, so that
// it is never exceeded (MQTT-3.1.2-24): the Reason String and User Properties first
// (MQTT-3.2.2-19, -20), with the Response Information, which the client asked for but the
// server need not give, then the Topic Alias Maximum, which only offers what a client that is
// not told of it does not use (absent means 0, MQTT-3.2.2-18). Properties at their default
// value are never sent; every other one tells the client of a limit it must keep, so it goes
// with the CONNACK or not at all. False when even then the CONNACK does not fit.
bool fit_connack(codec::connack& ack, std::uint32_t maximum_packet_size) {
  auto fits = [&] { return codec::encoded_size(ack, codec::protocol_version::v5) <= maximum_packet_size; };
  if (fits()) return true;
  ack.props.reason_string.reset();
  ack.props.user_properties.clear();
  ack.props.response_information.reset();  // offered, never required
  if (fits()) return true;
  ack.props.topic_alias_maximum.reset();
  return fits();
}

}  // namespace

void broker::state::refuse_connect(connection& c, std::uint8_t code_v5, std::uint8_t code_v311,
                                   statement_id statement, std::string text, clock_ms now) {
  log(log_level::warning, &c, "connection refused: " + text, statement);
  // A refusal carries Session Present 0 (MQTT-3.2.2-6 / 3.1.1 MQTT-3.2.2-4) and is followed
  // by closing the connection (MQTT-3.2.2-7 / 3.1.1 MQTT-3.2.2-5).
  enforce(is_v5(c) ? statement_id("MQTT-3.2.2-7") : statement_id("MQTT-3.2.2-5"));
  std::uint8_t code = is_v5(c) ? code_v5 : code_v311;
  if (code != 0) {
    codec::connack ack;
    ack.reason_code = code;
    if (is_v5(c)) ack.props.reason_string = text;  // CONNACK may carry it (MQTT-3.1.2-29)
    if (!is_v5(c) || fit_connack(ack, c.client_maximum_packet_size)) {
      send(c, ack);
    } else {
      enforce("MQTT-3.1.2-24");
      log(log_level::warning, &c, "the refusing CONNACK exceeds the client's Maximum Packet Size of " +
          std::to_string(c.client_maximum_packet_size) + " bytes; closed without it", "MQTT-3.1.2-24");
    }
  }
  close(c, close_reason::refused, now);
}

void broker::state::handle_connect(connection& c, const codec::connect& p, clock_ms now) {
  if (c.at == connection::phase::connected) {
    if (MQTT_PLANTED(*this, second_connect_accepted)) return;  // planted: ignored, connection kept
    // A second CONNECT is a Protocol Error (MQTT-3.1.0-2).
    enforce("MQTT-3.1.0-2");
    disconnect_with(c, codec::reason::protocol_error, "MQTT-3.1.0-2", "second CONNECT",
                    close_reason::protocol_violation, now);
    return;
  }
  const bool v5 = p.version == codec::protocol_version::v5;
  // The stream decoder has already switched to the CONNECT's protocol level.
  c.version = p.version;
  MQTT_ASSERT(c.decoder.version() == p.version);
  // Bounds every packet to the client from now on, the CONNACK of a refusal included.
  if (v5) c.client_maximum_packet_size = p.props.maximum_packet_size.value_or(client_packet_size_unbounded);

  if (v5 && p.props.authentication_method) {
    auto method = opts.enhanced_auth.find(*p.props.authentication_method);
    if (method == opts.enhanced_auth.end() || !method->second) {
      // A method not offered is refused with 0x8C and the close (MQTT-4.12.0-1).
      enforce("MQTT-4.12.0-1");
      return refuse_connect(c, codec::reason::bad_authentication_method, 0, "MQTT-4.12.0-1",
                            "unsupported authentication method " + std::string(*p.props.authentication_method), now);
    }
    return start_authentication(c, p, *method->second, now);
  }
  accept_connect(c, p, nullptr, now);
}

void broker::state::accept_connect(connection& c, const codec::connect& p, const auth_grant* grant, clock_ms now) {
  const bool v5 = p.version == codec::protocol_version::v5;

  // Client identifier (MQTT-3.1.3-3 .. -8; 3.1.1 MQTT-3.1.3-6 .. -9).
  std::string client_id(p.client_id);
  std::optional<std::string> assigned;
  if (p.version == codec::protocol_version::v3_1 && client_id.size() > v31_client_id_max) {
    return refuse_connect(c, 0, v311_code::identifier_rejected, section("§3.1.3.1"),
                          "3.1 client identifier longer than 23 characters", now);
  }
  if (client_id.size() > opts.limits.client_id_length_max) {
    return refuse_connect(c, codec::reason::client_identifier_not_valid, v311_code::identifier_rejected,
                          "MQTT-3.1.3-8", "client identifier too long", now);
  }
  if (client_id.empty()) {
    bool allowed = opts.allow_zero_length_client_id && p.version != codec::protocol_version::v3_1 &&
                   (v5 || p.clean_start);
    if (!allowed) {
      // 3.1.1: an empty ClientId with CleanSession 0 is refused with 0x02 (MQTT-3.1.3-8).
      enforce(v5 ? statement_id("MQTT-3.1.3-8") : statement_id("MQTT-3.1.3-8"));
      return refuse_connect(c, codec::reason::client_identifier_not_valid,
                            v311_code::identifier_rejected, "MQTT-3.1.3-8",
                            "zero-length client identifier not allowed here", now);
    }
    // Assign a unique identifier (MQTT-3.1.3-6, -7; 5.0 returns it: MQTT-3.2.2-16).
    enforce(v5 ? statement_id("MQTT-3.1.3-6") : statement_id("MQTT-3.1.3-6"));
    for (;;) {  // bounded: the counter only grows, and sessions are finite
      std::string candidate = opts.assigned_client_id_prefix + std::to_string(next_assigned_id++);
      if (!sessions.contains(candidate)) {
        client_id = candidate;
        break;
      }
    }
    if (v5 && !MQTT_PLANTED(*this, assigned_client_id_not_sent)) assigned = client_id;
  }

  // Authentication (MQTT-3.1.4-2), unless an enhanced authentication has done it.
  if (!grant && (p.user_name || p.password || !opts.allow_anonymous)) {
    auth_result verdict = auth_result::not_authorized;
    if (!p.user_name && !opts.allow_anonymous) {
      verdict = auth_result::not_authorized;
    } else if (authn) {
      verdict = authn->authenticate(client_id, p.user_name, p.password);
    } else {
      verdict = opts.allow_anonymous ? auth_result::accepted : auth_result::not_authorized;
    }
    // Planted: a wrong password passes, as if the check were skipped.
    if (verdict == auth_result::bad_credentials && MQTT_PLANTED(*this, bad_password_accepted)) {
      verdict = auth_result::accepted;
    }
    if (verdict == auth_result::bad_credentials) {
      enforce("MQTT-3.1.4-2");
      return refuse_connect(c, codec::reason::bad_user_name_or_password,
                            v311_code::bad_user_name_or_password, "MQTT-3.1.4-2",
                            "bad user name or password", now);
    }
    if (verdict == auth_result::not_authorized) {
      enforce("MQTT-3.1.4-2");
      return refuse_connect(c, codec::reason::not_authorized, v311_code::not_authorized,
                            "MQTT-3.1.4-2", "not authorized", now);
    }
  }
  client_identity identity{client_id, p.user_name ? std::optional<std::string>(std::string(*p.user_name))
                                                  : std::nullopt};
  if (grant) identity.user_name = grant->user_name;  // who the method proved, not who the CONNECT named

  // The will: QoS and retain within what the server offers (MQTT-3.2.2-12, -13), and the
  // client may publish to its topic.
  if (p.will) {
    if (p.will->qos > opts.max_qos) {
      enforce("MQTT-3.2.2-12");
      return refuse_connect(c, codec::reason::qos_not_supported, v311_code::not_authorized,
                            "MQTT-3.2.2-12", "will QoS above the server's maximum QoS", now);
    }
    if (p.will->retain && !opts.retain_available) {
      enforce("MQTT-3.2.2-13");
      return refuse_connect(c, codec::reason::retain_not_supported, v311_code::not_authorized,
                            "MQTT-3.2.2-13", "retained will while retain is not available", now);
    }
    if (authz && !authz->may_write(identity, p.will->topic)) {
      return refuse_connect(c, codec::reason::not_authorized, v311_code::not_authorized,
                            "MQTT-3.1.4-2", "not authorized to publish the will topic", now);
    }
  }

  // Keep alive: 5.0 may impose its own (Server Keep Alive, MQTT-3.2.2-21); 3.1.1 has no way to
  // say so and refuses a longer one, as mosquitto does.
  std::uint16_t keep_alive = p.keep_alive_s;
  std::optional<std::uint16_t> server_keep_alive;
  if (keep_alive > opts.limits.keep_alive_max_s || (keep_alive == 0 && opts.limits.keep_alive_max_s < 65'535)) {
    if (v5) {
      keep_alive = opts.limits.keep_alive_max_s;
      server_keep_alive = keep_alive;
    } else if (keep_alive > opts.limits.keep_alive_max_s) {
      return refuse_connect(c, 0, v311_code::identifier_rejected, section("§3.1.2.10"),
                            "keep alive above max_keepalive", now);
    }
  }

  // The CONNACK, but for Session Present, before anything changes: a 5.0 client whose Maximum
  // Packet Size has no room for it is closed without one (MQTT-3.1.2-24), its CONNECT without
  // effect, as a refusal would be. Its properties tell of our limits where they differ from
  // the defaults the client assumes.
  codec::connack ack;
  std::string response_information;  // outlives the CONNACK's view of it
  if (v5) {
    const limits& lim = opts.limits;
    if (lim.inflight_max != 65'535) ack.props.receive_maximum = lim.inflight_max;
    if (opts.max_qos != codec::qos::exactly_once) {
      ack.props.maximum_qos = static_cast<std::uint8_t>(opts.max_qos);
      enforce("MQTT-3.2.2-9");
    }
    if (!opts.retain_available) ack.props.retain_available = 0;
    if (lim.packet_size_max < client_packet_size_unbounded) ack.props.maximum_packet_size = lim.packet_size_max;
    if (lim.topic_alias_max != 0) ack.props.topic_alias_maximum = lim.topic_alias_max;
    if (assigned) {
      ack.props.assigned_client_identifier = *assigned;
      enforce("MQTT-3.2.2-16");
    }
    if (server_keep_alive) ack.props.server_keep_alive_s = *server_keep_alive;
    if (grant) {
      // A successful CONNACK names the CONNECT's method (MQTT-4.12.0-5); without one it names
      // none (MQTT-4.12.0-6), as it is built here only from what the exchange granted.
      enforce("MQTT-4.12.0-5");
      ack.props.authentication_method = c.auth_method();
      if (!grant->data.empty()) ack.props.authentication_data = grant->data;
    } else {
      enforce("MQTT-4.12.0-6");
    }
    if (p.props.request_response_information.value_or(0) == 0) {
      enforce("MQTT-3.1.2-28");  // Response Information only on request
    } else if (!opts.response_information_prefix.empty()) {
      response_information = opts.response_information_prefix + client_id;
      ack.props.response_information = response_information;
    }
    std::optional<std::uint32_t> requested_expiry = p.props.session_expiry_interval_s;
    if (requested_expiry && *requested_expiry > lim.session_expiry_max_s) {
      ack.props.session_expiry_interval_s = lim.session_expiry_max_s;
    }
    if (!fit_connack(ack, c.client_maximum_packet_size)) {
      enforce("MQTT-3.1.2-24");
      log(log_level::warning, &c, "connection refused: the CONNACK (" +
          std::to_string(codec::encoded_size(ack, c.version)) + " bytes) exceeds the client's Maximum Packet Size of " +
          std::to_string(c.client_maximum_packet_size) + " bytes; closed without it", "MQTT-3.1.2-24");
      close(c, close_reason::refused, now);
      return;
    }
    // Aliases from the client only up to what the CONNACK announces (MQTT-3.2.2-17, -18).
    c.topic_alias_maximum = ack.props.topic_alias_maximum.value_or(0);
  }

  // Takeover: a client id already connected closes the older connection (MQTT-3.1.4-3;
  // 3.1.1 MQTT-3.1.4-2), which publishes its will as any ungraceful end does.
  auto existing = sessions.find(client_id);
  if (existing != sessions.end() && existing->second->conn != 0) {
    auto old = connections.find(existing->second->conn);
    MQTT_ASSERT(old != connections.end());
    enforce("MQTT-3.1.4-3");
    log(log_level::info, old->second.get(), "client " + client_id + " taken over by a new connection",
        "MQTT-3.1.4-3");
    disconnect_with(*old->second, codec::reason::session_taken_over, "MQTT-3.1.4-3",
                    "session taken over", close_reason::taken_over, now);
    existing = sessions.find(client_id);
  }

  // Clean Start / Clean Session (MQTT-3.1.2-4, -5, -6; 3.1.1 MQTT-3.1.2-4, -6).
  bool session_present = false;
  if (existing != sessions.end() && p.clean_start && !MQTT_PLANTED(*this, clean_start_ignored)) {
    enforce(v5 ? statement_id("MQTT-3.1.2-4") : statement_id("MQTT-3.1.2-6"));
    end_session(*existing->second, now);
    existing = sessions.end();
  }
  if (existing == sessions.end() && sessions.size() >= opts.limits.sessions_max) {
    return refuse_connect(c, codec::reason::quota_exceeded, v311_code::server_unavailable, {},
                          "sessions_max reached", now);
  }
  session* s = nullptr;
  if (existing != sessions.end()) {
    s = existing->second.get();
    session_present = true;
    enforce(v5 ? statement_id("MQTT-3.1.2-5") : statement_id("MQTT-3.1.2-4"));
    // A new connection before the will delay passed cancels the will (MQTT-3.1.3-9).
    if (s->pending_will) enforce("MQTT-3.1.3-9");
    s->pending_will.reset();
    ++s->timer_generation;  // cancels the pending expiry and will timers
  } else {
    s = &create_session(client_id, p.version);
    enforce(v5 ? statement_id("MQTT-3.1.2-6") : statement_id("MQTT-3.1.2-6"));
  }
  s->identity.user_name = identity.user_name;  // the client id is the session's already
  s->version = p.version;
  s->conn = c.id;

  // Session lifetime: 3.1.1 CleanSession 0 keeps it; 5.0 says for how long.
  if (v5) {
    std::uint32_t requested = p.props.session_expiry_interval_s.value_or(0);
    s->expiry_interval_s = std::min(requested, opts.limits.session_expiry_max_s);
    c.session_expiry_was_zero = requested == 0;
    c.client_receive_maximum = p.props.receive_maximum.value_or(65'535);
    c.request_problem_information = p.props.request_problem_information.value_or(1) != 0;
    c.client_topic_alias_maximum = p.props.topic_alias_maximum.value_or(0);
  } else {
    s->expiry_interval_s = p.clean_start ? 0 : std::min(session_never_expires, opts.limits.session_expiry_max_s);
  }

  c.sess = s;
  c.keep_alive_s = keep_alive;
  c.at = connection::phase::connected;
  if (p.will) {
    c.will = std::make_unique<will_message>(will_message{
        std::make_shared<const message>(message::from_will(*p.will, client_id, now)), p.will->props.will_delay_interval_s.value_or(0)});
    enforce(v5 ? statement_id("MQTT-3.1.2-7") : statement_id("MQTT-3.1.2-8"));
  }
  if (keep_alive != 0) {
    arm({now + std::uint64_t{keep_alive} * 1500, timer_entry::kind::keep_alive, c.id, 0});
  }

  // 3.1 has no Session Present flag: its acknowledge byte is reserved.
  ack.session_present = session_present && p.version != codec::protocol_version::v3_1 &&
                        !MQTT_PLANTED(*this, session_present_always_0);
  enforce(v5 ? statement_id("MQTT-3.2.2-3") : statement_id("MQTT-3.2.2-2"));
  MQTT_ASSERT(!v5 || ack.props.session_expiry_interval_s.value_or(s->expiry_interval_s) == s->expiry_interval_s);
  // The CONNACK's assigned id view must outlive send(): `assigned` lives to the end of scope.
  send(c, ack);
  log(log_level::info, &c,
      "client " + client_id + " connected (" + std::string(codec::to_string(p.version)) +
          (p.clean_start ? ", clean start" : ", resuming") + (session_present ? ", session present" : "") + ")");

  // Resume: unacknowledged messages first, with DUP, then the queue (MQTT-4.4.0-1).
  resend_inflight(*s, now);
  drain(*s, now);
}

}  // namespace mqtt::broker
