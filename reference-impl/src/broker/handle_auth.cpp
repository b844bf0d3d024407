// Enhanced authentication (section 4.12) and AUTH from a client (3.15): the exchange before
// CONNACK, re-authentication after it. The method itself is an enhanced_authenticator.
#include "mqtt/assert.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "state.hpp"

namespace mqtt::broker {
namespace {

// A method's refusal as a DISCONNECT reason: 0x86 (Bad User Name or Password) is a CONNACK
// reason only, so a re-authentication with a wrong secret ends with 0x87 (Not authorized).
std::uint8_t reauth_failure_reason(std::uint8_t code) {
  return codec::is_disconnect_reason(code) && code >= 0x80 ? code : codec::reason::not_authorized;
}

// A method's refusal as a CONNACK reason: 0x80 or above (MQTT-4.12.0-4).
std::uint8_t connack_failure_reason(std::uint8_t code) {
  return code >= 0x80 ? code : codec::reason::not_authorized;
}

bool same_method(const codec::auth& p, const std::string& method) {
  return p.props.authentication_method && *p.props.authentication_method == method;
}

}  // namespace

void broker::state::send_auth(connection& c, std::uint8_t reason_code, const std::string& data, std::string text) {
  codec::auth a;
  a.reason_code = reason_code;
  // Every AUTH names the CONNECT's method (MQTT-4.12.0-5).
  enforce("MQTT-4.12.0-5");
  a.props.authentication_method = c.auth_method();
  if (!data.empty()) a.props.authentication_data = data;
  // A Reason String only for a client that wants problem information (MQTT-3.1.2-29), and only
  // where it keeps the AUTH within the client's Maximum Packet Size (MQTT-3.15.2-2). No User
  // Property is ever added, so MQTT-3.15.2-3 holds by construction.
  if (c.request_problem_information) {
    a.props.reason_string = text;
    if (codec::encoded_size(a, c.version) > c.client_maximum_packet_size) {
      enforce("MQTT-3.15.2-2");
      a.props.reason_string.reset();
    }
  }
  enforce("MQTT-3.15.2-3");
  // Where even the bare AUTH does not fit, send() leaves it out and the connection ends.
  send(c, a);
}

void broker::state::start_authentication(connection& c, const codec::connect& p, enhanced_authenticator& method,
                                         clock_ms now) {
  MQTT_ASSERT(p.props.authentication_method && c.at == connection::phase::awaiting_connect);
  connection::enhanced_auth& a = c.auth();
  a.method = std::string(*p.props.authentication_method);
  c.request_problem_information = p.props.request_problem_information.value_or(1) != 0;
  a.exchange = method.start(p.client_id);
  a.rounds = 0;
  MQTT_ASSERT(c.authenticating());
  auth_step s = a.exchange->step(p.props.authentication_data);
  switch (s.result) {
    case auth_step::outcome::failure:
      a.exchange.reset();
      // The server may reject at any point: CONNACK 0x80 or above, then the close (MQTT-4.12.0-4).
      enforce("MQTT-4.12.0-4");
      return refuse_connect(c, connack_failure_reason(s.reason_code), 0, "MQTT-4.12.0-4",
                            "authentication failed: " + s.text, now);
    case auth_step::outcome::success: {
      a.exchange.reset();
      auth_grant grant{std::move(s.data), std::move(s.user_name)};
      return accept_connect(c, p, &grant, now);
    }
    case auth_step::outcome::continue_auth:
      // The CONNECT waits, encoded, for the end of the exchange: the packet's views point into
      // the decoder's buffer, which the next bytes reuse.
      codec::encode_unchecked(p, codec::protocol_version::v5, a.pending_connect);
      c.at = connection::phase::authenticating;
      // More is needed: AUTH 0x18 (MQTT-4.12.0-2).
      enforce("MQTT-4.12.0-2");
      send_auth(c, codec::reason::continue_authentication, s.data, c.auth_method() + ": continue");
      return;
  }
}

void broker::state::handle_auth(connection& c, const codec::auth& p, clock_ms now) {
  if (c.auth_method().empty()) {
    // Without an Authentication Method in CONNECT a client must not send AUTH (MQTT-4.12.0-7).
    enforce("MQTT-4.12.0-7");
    return disconnect_with(c, codec::reason::protocol_error, "MQTT-4.12.0-7",
                           "AUTH without extended authentication", close_reason::protocol_violation, now);
  }
  connection::enhanced_auth& a = c.auth();  // made by start_authentication: the method is set
  const bool before_connack = c.at == connection::phase::authenticating;
  auto protocol_error = [&](statement_id statement, std::string text) {
    if (before_connack) return refuse_connect(c, codec::reason::protocol_error, 0, statement, text, now);
    disconnect_with(c, codec::reason::protocol_error, statement, text, close_reason::protocol_violation, now);
  };
  if (!same_method(p, c.auth_method())) {
    // Every AUTH carries the CONNECT's method (MQTT-4.12.0-5), a re-authentication too (MQTT-4.12.1-1).
    statement_id statement = p.reason_code == codec::reason::re_authenticate ? statement_id("MQTT-4.12.1-1")
                                                                               : statement_id("MQTT-4.12.0-5");
    enforce(statement);
    return protocol_error(statement, "AUTH names an Authentication Method other than the CONNECT's " + c.auth_method());
  }
  if (before_connack) {
    // The client answers the server's AUTH with AUTH 0x18 (MQTT-4.12.0-3).
    if (p.reason_code != codec::reason::continue_authentication) {
      enforce("MQTT-4.12.0-3");
      return protocol_error("MQTT-4.12.0-3", "AUTH before CONNACK without reason code 0x18");
    }
  } else if (p.reason_code == codec::reason::re_authenticate) {
    if (c.authenticating()) return protocol_error(section("§4.12.1"), "AUTH 0x19 while a re-authentication is under way");
    // A re-authentication after CONNACK, with the same method (MQTT-4.12.1-1).
    enforce("MQTT-4.12.1-1");
    auto method = opts.enhanced_auth.find(c.auth_method());
    MQTT_ASSERT(method != opts.enhanced_auth.end() && method->second);
    a.exchange = method->second->start(c.sess->client_id());
    a.rounds = 0;
    MQTT_ASSERT(c.authenticating());
  } else if (p.reason_code != codec::reason::continue_authentication || !c.authenticating()) {
    // 0x00 is the server's to send; 0x18 continues only an exchange under way (section 4.12.1).
    return protocol_error(section("§4.12.1"), "AUTH 0x" + std::string(p.reason_code == 0 ? "00" : "18") +
                                                 " with no re-authentication under way");
  }
  MQTT_ASSERT(c.authenticating());
  // A method that never decides must not hold the connection in the exchange for ever.
  auth_step s;
  if (++a.rounds > opts.limits.auth_rounds_max) {
    s.reason_code = codec::reason::not_authorized;
    s.text = "more than " + std::to_string(opts.limits.auth_rounds_max) + " AUTH packets in one exchange";
  } else {
    s = a.exchange->step(p.props.authentication_data);
  }
  if (s.result == auth_step::outcome::continue_auth) {
    enforce("MQTT-4.12.0-2");
    return send_auth(c, codec::reason::continue_authentication, s.data, c.auth_method() + ": continue");
  }
  a.exchange.reset();
  if (before_connack) {
    if (s.result == auth_step::outcome::failure) {
      enforce("MQTT-4.12.0-4");
      return refuse_connect(c, connack_failure_reason(s.reason_code), 0, "MQTT-4.12.0-4",
                            "authentication failed: " + s.text, now);
    }
    // The CONNECT goes on from where the exchange began. Decoding cannot fail: these bytes
    // are the encoding of a CONNECT that passed validation.
    codec::decode_options o;
    o.version = codec::protocol_version::v5;
    o.receiver = codec::receiver_role::server;
    std::vector<std::uint8_t> bytes = std::move(a.pending_connect);
    a.pending_connect.clear();
    auto connect = codec::decode_packet(bytes, o);
    MQTT_ASSERT(connect.ok() && std::holds_alternative<codec::connect>(connect.value()));
    c.at = connection::phase::awaiting_connect;
    auth_grant grant{std::move(s.data), std::move(s.user_name)};
    return accept_connect(c, std::get<codec::connect>(connect.value()), &grant, now);
  }
  // Re-authentication: a failure ends the connection with a fitting reason (MQTT-4.12.1-2), as
  // does a proof for another identity, which would change who the ACL sees mid-session.
  if (s.result == auth_step::outcome::success && s.user_name != c.sess->identity.user_name) {
    s.result = auth_step::outcome::failure;
    s.reason_code = codec::reason::not_authorized;
    s.text = "re-authenticated as another user";
  }
  if (s.result == auth_step::outcome::failure) {
    enforce("MQTT-4.12.1-2");
    return disconnect_with(c, reauth_failure_reason(s.reason_code), "MQTT-4.12.1-2",
                           "re-authentication failed: " + s.text, close_reason::protocol_violation, now);
  }
  log(log_level::info, &c, "re-authenticated with " + c.auth_method());
  send_auth(c, codec::reason::success, s.data, c.auth_method() + ": re-authenticated");
}

}  // namespace mqtt::broker
