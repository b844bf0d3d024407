// The connection: CONNECT on transport open, CONNACK and the broker's limits, keep alive,
// DISCONNECT in both directions, and the one path every protocol violation takes.
#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "mqtt/codec/encoder.hpp"
#include "state.hpp"

namespace mqtt::client {
namespace {

using codec::packet_type;
using codec::protocol_version;
using detail::statement_ids;

std::string hex(std::uint8_t b) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", static_cast<unsigned>(b));
  return text;
}

// `now` comes from the driver and may be anywhere in the 64-bit range.
clock_ms add_ms(clock_ms at, std::uint64_t ms) {
  return at > std::numeric_limits<clock_ms>::max() - ms ? std::numeric_limits<clock_ms>::max()
                                                        : at + ms;
}

std::uint64_t seconds_to_ms(std::uint16_t s) { return std::uint64_t{s} * 1'000; }

// Packets only a client sends; the broker sending one is a protocol violation. The packet
// type tables (3.1.1 §2.2.1, 5.0 §2.1.2) give each packet's direction.
constexpr statement_ids direction_rule{spec::section("§2.2.1"), spec::section("§2.1.2")};

}  // namespace

codec::connect client::state::make_connect() const {
  codec::connect c;
  c.version = version;
  c.clean_start = clean_start_sent;
  c.keep_alive_s = opts.keep_alive_s;
  c.client_id = client_id;
  if (v5()) {
    // Properties at their default value are left out.
    if (opts.session_expiry_interval_s != 0) {
      c.props.session_expiry_interval_s = opts.session_expiry_interval_s;
    }
    if (opts.receive_maximum != detail::receive_maximum_default) {
      c.props.receive_maximum = opts.receive_maximum;
    }
    if (opts.maximum_packet_size < detail::packet_size_max) {
      c.props.maximum_packet_size = opts.maximum_packet_size;
    }
    if (opts.topic_alias_maximum != 0) c.props.topic_alias_maximum = opts.topic_alias_maximum;
  }
  if (opts.last_will) {
    const will& w = *opts.last_will;
    codec::will_message wm;
    wm.topic = w.msg.topic;
    wm.payload = w.msg.payload;
    wm.qos = w.msg.qos;
    wm.retain = w.msg.retain;
    if (v5()) {
      // Same properties as a PUBLISH of the message, plus the Will Delay Interval.
      wm.props = detail::to_codec(w.msg, 0, false, version).props;
      if (w.delay_interval_s != 0) wm.props.will_delay_interval_s = w.delay_interval_s;
    }
    c.will = wm;
  }
  if (opts.user_name) c.user_name = *opts.user_name;
  if (opts.password) c.password = *opts.password;
  return c;
}

void client::state::transport_open() {
  // A driver that reopens without reporting the close: treat the old transport as closed.
  if (ph != phase::idle) transport_closed();
  codec::decode_options d;
  d.version = version;
  d.maximum_packet_size = opts.maximum_packet_size;
  d.receiver = codec::receiver_role::client;
  d.adopt_connect_version = false;
  decoder = codec::stream_decoder(d);
  // The broker's limits are known only from its CONNACK (5.0); until then, the protocol's.
  send_window = opts.inflight_max;
  broker_packet_size_max = detail::packet_size_max;
  broker_max_qos = codec::qos::exactly_once;
  broker_retain_available = true;
  keep_alive_s = opts.keep_alive_s;
  // 3.1/3.1.1: Clean Session is the kind of session asked for, so it is sent every time.
  // 5.0: options.clean_start applies to a session we do not hold; a session that outlives the
  // connection (Session Expiry Interval > 0, MQTT-3.1.2-23) is resumed with Clean Start 0.
  bool resumable = v5() && has_session && session_expiry_s > 0;
  clean_start_sent = opts.clean_start && !resumable;
  ph = phase::awaiting_connack;
  last_received = now;
  send(make_connect());  // MQTT-3.1.0-1: the first packet on the connection
  // A connect_timeout_ms of 0 waits for the CONNACK for ever.
  if (opts.connect_timeout_ms != 0) connack_deadline = add_ms(now, opts.connect_timeout_ms);
}

void client::state::reset_connection() {
  connack_deadline.reset();
  ping_sent_at.reset();
  topic_aliases.clear();  // MQTT-3.3.2-7: no Topic Alias mapping outlives its connection
  for (detail::outgoing_message& m : inflight) m.sent_on_connection = false;
  quota_used = 0;
  unsent_inflight = inflight.size();
  for (detail::request& r : requests) r.sent_on_connection = false;
}

void client::state::transport_closed() {
  if (open()) events.emplace_back(connection_lost{"transport closed"});
  reset_connection();
  ph = phase::idle;
}

void client::state::lose_connection(std::string why) {
  events.emplace_back(close_transport{});
  events.emplace_back(connection_lost{std::move(why)});
  reset_connection();
  ph = phase::closing;
}

bool client::state::send_or_lose(const codec::packet& p) {
  if (send(p)) return true;
  lose_connection(std::string(codec::to_string(codec::type_of(p))) +
                  " exceeds the broker's Maximum Packet Size");
  return false;
}

void client::state::violation(std::string text, spec::statement_id statement,
                              std::uint8_t reason_code) {
  MQTT_ASSERT(open());
  events.emplace_back(protocol_violation{text, statement});
  // 5.0 §4.13: tell the broker why with a DISCONNECT reason code >= 0x80 (which also keeps
  // the will). 3.1.1 has no such DISCONNECT: one would discard the will (MQTT-3.14.4-3), so
  // the connection is just closed (MQTT-4.8.0-1).
  if (v5()) {
    codec::disconnect d;
    d.reason_code = reason_code;
    // A codec rule can carry a CONNACK-only code (e.g. 0x84 for a bad protocol level).
    if (encode_error(d)) d.reason_code = codec::reason::malformed_packet;
    send(d);
  }
  lose_connection("protocol violation: " + std::move(text));
}

void client::state::bytes_received(std::span<const std::uint8_t> bytes) {
  if (!open()) return;  // after close_transport nothing more is read from the connection
  std::optional<codec::error> e = decoder.feed(bytes, [this](const codec::packet& p) {
    if (!open()) return;
    last_received = now;
    ping_sent_at.reset();  // any packet shows the broker is alive
    handle(p);
  });
  if (e && open()) {
    violation("malformed packet from the broker: " + std::string(e->message()) +
                  " (stream offset " + std::to_string(e->offset) + ")",
              e->statement(), e->reason_code());
  }
}

void client::state::handle(const codec::packet& p) {
  const packet_type type = codec::type_of(p);
  const std::string name(codec::to_string(type));
  if (type == packet_type::auth) {
    // We never send an Authentication Method, so the broker must not send AUTH.
    violation("AUTH although the client sent no Authentication Method", "MQTT-4.12.0-6",
              codec::reason::protocol_error);
    return;
  }
  if (ph == phase::awaiting_connack && type != packet_type::connack) {
    if (type == packet_type::disconnect && v5()) {
      violation("DISCONNECT before CONNACK", "MQTT-3.14.0-1", codec::reason::protocol_error);
    } else {
      violation(name + " before CONNACK", "MQTT-3.2.0-1", codec::reason::protocol_error);
    }
    return;
  }
  switch (type) {
    case packet_type::connack:
      return handle_connack(std::get<codec::connack>(p));
    case packet_type::publish:
      return handle_publish(std::get<codec::publish>(p));
    case packet_type::puback:
      return handle_puback(std::get<codec::puback>(p));
    case packet_type::pubrec:
      return handle_pubrec(std::get<codec::pubrec>(p));
    case packet_type::pubrel:
      return handle_pubrel(std::get<codec::pubrel>(p));
    case packet_type::pubcomp:
      return handle_pubcomp(std::get<codec::pubcomp>(p));
    case packet_type::suback:
      return handle_suback(std::get<codec::suback>(p));
    case packet_type::unsuback:
      return handle_unsuback(std::get<codec::unsuback>(p));
    case packet_type::pingresp:
      return;  // its arrival already counted as a sign of life
    case packet_type::disconnect:
      if (v5()) return handle_disconnect(std::get<codec::disconnect>(p));
      // 3.1 and 3.1.1 servers never send DISCONNECT.
      return violation("DISCONNECT from a 3.1.1 broker", direction_rule.pick(version),
                       codec::reason::protocol_error);
    case packet_type::connect:
    case packet_type::subscribe:
    case packet_type::unsubscribe:
    case packet_type::pingreq:
      return violation(name + " is sent only by clients", direction_rule.pick(version),
                       codec::reason::protocol_error);
    case packet_type::auth:
      break;  // handled above
  }
}

void client::state::handle_connack(const codec::connack& c) {
  if (ph != phase::awaiting_connack) {
    violation("second CONNACK on the connection",
              statement_ids{spec::section("§3.2"), "MQTT-3.2.0-2"}.pick(version),
              codec::reason::protocol_error);
    return;
  }
  connack_deadline.reset();
  std::optional<std::string> assigned;
  if (c.props.assigned_client_identifier)
    assigned = std::string(*c.props.assigned_client_identifier);
  if (c.reason_code != 0) {
    // 5.0 MQTT-3.2.2-7 / 3.1.1 §3.2.2.3: a refusal ends the connection; the session is as it was.
    events.emplace_back(connected{false, c.reason_code, std::move(assigned)});
    lose_connection("connection refused by the broker with code " + hex(c.reason_code));
    return;
  }
  // We discarded any session when sending Clean Start 1 (5.0 MQTT-3.1.2-4), so a broker
  // claiming one breaks 3.1.1 MQTT-3.2.2-1 / 5.0 MQTT-3.2.2-4. Asking to resume with Clean
  // Start 0 declares that we hold a session, possibly empty (as after a restart).
  if (c.session_present && clean_start_sent) {
    violation("Session Present is 1 in answer to a clean start",
              statement_ids{"MQTT-3.2.2-1", "MQTT-3.2.2-4"}.pick(version),
              codec::reason::protocol_error);
    return;
  }
  if (v5()) adopt_broker_limits(c.props, assigned);
  // 3.1's CONNACK has no Session Present: a session asked for is taken as resumed.
  const bool session_present =
      version == protocol_version::v3_1 ? !clean_start_sent : c.session_present;
  ph = phase::connected;
  has_session = true;
  events.emplace_back(connected{session_present, 0, std::move(assigned)});
  if (!session_present) start_new_session();
  // Order: unacknowledged PUBLISH and PUBREL first (MQTT-4.4.0-1, MQTT-4.6.0-1), then the
  // SUBSCRIBE/UNSUBSCRIBE still unanswered, then messages not sent yet.
  resend_inflight();
  send_requests();
  pump();
}

void client::state::adopt_broker_limits(const codec::properties& pr,
                                        const std::optional<std::string>& assigned) {
  // MQTT-3.3.4-7, MQTT-4.9.0-1: the send quota never exceeds the broker's Receive Maximum.
  send_window = std::min<std::uint32_t>(
      opts.inflight_max, pr.receive_maximum.value_or(detail::receive_maximum_default));
  if (pr.maximum_packet_size) broker_packet_size_max = *pr.maximum_packet_size;   // MQTT-3.2.2-15
  if (pr.server_keep_alive_s) keep_alive_s = *pr.server_keep_alive_s;             // MQTT-3.2.2-21
  if (pr.maximum_qos) broker_max_qos = static_cast<codec::qos>(*pr.maximum_qos);  // MQTT-3.2.2-11
  if (pr.retain_available) broker_retain_available = *pr.retain_available != 0;   // MQTT-3.2.2-14
  // 5.0 §3.2.2.3.2: the broker's Session Expiry Interval is the one in force.
  if (pr.session_expiry_interval_s) session_expiry_s = *pr.session_expiry_interval_s;
  // Reconnects use the identifier the broker assigned (MQTT-3.2.2-16).
  if (assigned && client_id.empty()) client_id = *assigned;
  // The broker's Topic Alias Maximum is not used: this client never sends Topic Aliases,
  // which satisfies MQTT-3.2.2-17 and MQTT-3.2.2-18 whatever the value.
}

void client::state::handle_disconnect(const codec::disconnect& d) {
  events.emplace_back(disconnected_by_server{d.reason_code});
  lose_connection("the broker sent DISCONNECT with reason code " + hex(d.reason_code));
}

void client::state::user_disconnect(std::uint8_t reason_code) {
  if (!open()) return;
  codec::disconnect d;
  if (v5()) {
    d.reason_code = reason_code;
    if (encode_error(d)) {
      throw std::invalid_argument("disconnect: " + hex(reason_code) +
                                  " is not a DISCONNECT reason code (MQTT-3.14.2-1)");
    }
  }
  send(d);  // a DISCONNECT beyond the broker's Maximum Packet Size is left out
  // MQTT-3.14.4-1, MQTT-3.14.4-2: nothing more on this connection, then close it. No
  // connection_lost follows: the end was asked for.
  events.emplace_back(close_transport{});
  reset_connection();
  ph = phase::closing;
}

void client::state::timer() {
  if (ph == phase::awaiting_connack) {
    if (connack_deadline && now >= *connack_deadline) {
      lose_connection("no CONNACK within connect_timeout_ms");
    }
    return;
  }
  if (ph != phase::connected || keep_alive_s == 0) return;
  const std::uint64_t keep_alive_ms = seconds_to_ms(keep_alive_s);
  if (ping_sent_at) {
    // Nothing at all arrived within a keep-alive period after our PINGREQ: the broker or the
    // path to it is gone (a black hole shows no other symptom).
    if (now >= add_ms(*ping_sent_at, keep_alive_ms)) {
      lose_connection("no packet from the broker within keep alive after PINGREQ");
    }
    return;
  }
  if (now >= *deadline()) {
    if (send_or_lose(codec::pingreq{})) ping_sent_at = now;
  }
}

std::optional<clock_ms> client::state::deadline() const {
  if (ph == phase::awaiting_connack) return connack_deadline;
  if (ph != phase::connected || keep_alive_s == 0) return std::nullopt;
  const std::uint64_t keep_alive_ms = seconds_to_ms(keep_alive_s);
  if (ping_sent_at) return add_ms(*ping_sent_at, keep_alive_ms);
  // 3.1.1 MQTT-3.1.2-23 / 5.0 MQTT-3.1.2-20: PINGREQ when nothing was sent for a keep-alive
  // period. Also when nothing was received for one: a client that keeps sending QoS 0
  // would otherwise never notice a broker that stopped answering.
  return add_ms(std::min(last_sent, last_received), keep_alive_ms);
}

}  // namespace mqtt::client
