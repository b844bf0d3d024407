// The broker core's public entry points, the per-packet dispatch switch, output and the
// closing of connections.
#include "state.hpp"

#include <algorithm>

#include "mqtt/assert.hpp"
#include "mqtt/codec/encoder.hpp"

namespace mqtt::broker {

broker::broker(options opts, std::shared_ptr<authenticator> authn,
               std::shared_ptr<authorizer> authz)
    : state_(std::make_unique<state>(std::move(opts))) {
  state_->authn = std::move(authn);
  state_->authz = std::move(authz);
}

broker::~broker() = default;

bool broker::on_open(connection_id conn, const connection_info& info, clock_ms now) {
  state& s = *state_;
  MQTT_ASSERT(conn != 0 && !s.connections.contains(conn));
  if (s.shut_down) return false;
  if (s.connections.size() >= s.opts.limits.connections_max) {
    s.log(log_level::warning, nullptr, "connection from " + info.remote + " refused: connections_max reached");
    return false;
  }
  auto c = std::make_unique<connection>();
  c->id = conn;
  c->info = info;
  c->opened_at = now;
  c->last_received = now;
  codec::decode_options d;
  d.maximum_packet_size = s.opts.limits.packet_size_max;
  d.receiver = codec::receiver_role::server;
  c->decoder = codec::stream_decoder(d);
  s.log(log_level::debug, c.get(), "new connection from " + info.remote + " over " + info.transport);
  s.arm({now + connect_timeout_ms, timer_entry::kind::connect_timeout, conn, 0});
  s.connections.emplace(conn, std::move(c));
  return true;
}

void broker::on_bytes(connection_id conn, std::span<const std::uint8_t> bytes, clock_ms now) {
  state& s = *state_;
  auto it = s.connections.find(conn);
  if (it == s.connections.end()) return;  // closed by the broker; late bytes are ignored
  connection& c = *it->second;
  c.last_received = now;
#ifdef MQTT_PLANTED_BUGS  // the process bug first_packet_allocation
  if (s.planted_holds_first_packet(c, bytes, now)) {
    s.closed_connections.clear();
    return;
  }
#endif
  // The sink may close the connection, or find it cannot answer; stop handing it packets then.
  std::optional<codec::error> failure = c.decoder.feed(bytes, [&](const codec::packet& p) {
    if (!c.closed && !c.unsendable) s.dispatch(c, p, now);
  });
  if (failure && !c.closed && !c.unsendable) s.on_decode_error(c, *failure, now);
  if (!c.closed && c.unsendable) {
    // An answer the client cannot receive (MQTT-3.1.2-24): nothing it could be told instead
    // would keep the protocol whole, so the connection ends, 5.0 with DISCONNECT 0x95 where
    // that fits.
    s.unsendable_close(c, now);
  }
  s.closed_connections.clear();
}

void broker::on_closed(connection_id conn, clock_ms now) {
  state& s = *state_;
  auto it = s.connections.find(conn);
  if (it == s.connections.end()) return;
  s.close(*it->second, close_reason::network, now);
  s.closed_connections.clear();
}

void broker::on_timer(clock_ms now) {
  state& s = *state_;
  // Bounded: each entry is popped once; re-armed entries lie in the future.
  while (!s.timers.empty() && s.timers.top().at <= now) {
    timer_entry t = s.timers.top();
    s.timers.pop();
    s.run_timer(t, now);
  }
  s.closed_connections.clear();
}

std::optional<clock_ms> broker::next_deadline() const {
  if (state_->timers.empty()) return std::nullopt;
  return state_->timers.top().at;
}

void broker::shutdown(clock_ms now) {
  state& s = *state_;
  s.shut_down = true;
  // Nothing outlives the process, so every session ends now, and with it the wait of every
  // will (MQTT-3.1.2-8): the wills go out first, while their subscribers are still connected.
  // Connections and sessions in a fixed order (ids, serials), whatever the hash maps hold.
  std::vector<connection_id> ids;
  for (const auto& [id, c] : s.connections) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (connection_id id : ids) {
    connection& c = *s.connections.at(id);
    if (c.at != connection::phase::connected || !c.will) continue;
    will_message w = std::move(*c.will);
    c.will.reset();
    s.publish_will(w, now);
  }
  std::vector<std::uint64_t> serials;
  for (const auto& [serial, sess] : s.sessions_by_serial) {
    if (sess->pending_will) serials.push_back(serial);
  }
  std::sort(serials.begin(), serials.end());
  for (std::uint64_t serial : serials) {
    session& sess = *s.sessions_by_serial.at(serial);
    will_message w = std::move(*sess.pending_will);
    sess.pending_will.reset();
    s.publish_will(w, now);
  }
  // 5.0 clients past CONNACK are told why (0x8B Server shutting down, MQTT-4.13.1-1).
  for (connection_id id : ids) {
    auto it = s.connections.find(id);
    if (it == s.connections.end()) continue;  // closed while the wills were sent
    connection& c = *it->second;
    if (is_v5(c) && c.at == connection::phase::connected) {
      codec::disconnect d;
      d.reason_code = codec::reason::server_shutting_down;
      s.send(c, d);
    }
    s.log(log_level::info, &c, "closed: server shutting down");
    s.close(c, close_reason::shutdown, now);
  }
  s.closed_connections.clear();
}

void broker::publish(message msg, clock_ms now) {
  state& s = *state_;
  msg.received_at_ms = now;
  auto ptr = std::make_shared<const message>(std::move(msg));
  if (ptr->retain) s.store_retained(ptr);
  s.route(ptr, now);
  s.closed_connections.clear();
}

std::vector<action> broker::take_actions() {
  std::vector<action> out;
  out.swap(state_->actions);
  return out;
}

void broker::set_logger(std::function<void(const log_record&)> logger) {
  state_->logger = std::move(logger);
}

const statement_probe& broker::probe() const { return state_->probe; }
std::size_t broker::connection_count() const { return state_->connections.size(); }
std::size_t broker::session_count() const { return state_->sessions.size(); }
std::size_t broker::retained_count() const { return state_->retained.size(); }
bool broker::has_session(std::string_view client_id) const {
  return state_->sessions.contains(client_id);
}

void broker::state::dispatch(connection& c, const codec::packet& p, clock_ms now) {
  codec::packet_type t = codec::type_of(p);
  if (c.at == connection::phase::awaiting_connect && t != codec::packet_type::connect) {
    if (MQTT_PLANTED(*this, first_packet_not_connect_kept)) return;  // planted: dropped, connection kept
    // The first packet from a client must be CONNECT (MQTT-3.1.0-1).
    enforce("MQTT-3.1.0-1");
    log(log_level::warning, &c, std::string("first packet is ") + std::string(codec::to_string(t)) + ", not CONNECT", "MQTT-3.1.0-1");
    close(c, close_reason::protocol_violation, now);
    return;
  }
  if (c.at == connection::phase::authenticating && t != codec::packet_type::auth &&
      t != codec::packet_type::disconnect) {
    // Until CONNACK a client authenticating sends only AUTH or DISCONNECT (MQTT-3.1.2-30): a
    // Protocol Error, answered before CONNACK with CONNACK 0x82 and the close (section 4.13).
    enforce("MQTT-3.1.2-30");
    return refuse_connect(c, codec::reason::protocol_error, 0, "MQTT-3.1.2-30",
                          std::string(codec::to_string(t)) + " during enhanced authentication, before CONNACK", now);
  }
  switch (t) {
    case codec::packet_type::connect: return handle_connect(c, std::get<codec::connect>(p), now);
    case codec::packet_type::publish: return handle_publish(c, std::get<codec::publish>(p), now);
    case codec::packet_type::puback: return handle_puback(c, std::get<codec::puback>(p), now);
    case codec::packet_type::pubrec: return handle_pubrec(c, std::get<codec::pubrec>(p), now);
    case codec::packet_type::pubrel: return handle_pubrel(c, std::get<codec::pubrel>(p), now);
    case codec::packet_type::pubcomp: return handle_pubcomp(c, std::get<codec::pubcomp>(p), now);
    case codec::packet_type::subscribe: return handle_subscribe(c, std::get<codec::subscribe>(p), now);
    case codec::packet_type::unsubscribe:
      return handle_unsubscribe(c, std::get<codec::unsubscribe>(p), now);
    case codec::packet_type::pingreq: return handle_pingreq(c, now);
    case codec::packet_type::disconnect:
      return handle_disconnect(c, std::get<codec::disconnect>(p), now);
    case codec::packet_type::auth: return handle_auth(c, std::get<codec::auth>(p), now);
    case codec::packet_type::connack:
#ifdef MQTT_PLANTED_BUGS  // the process bug client_connack_crash
      if (c.version == codec::protocol_version::v5) planted_crash(planted_bug::client_connack_crash);
#endif
      [[fallthrough]];
    case codec::packet_type::suback:
    case codec::packet_type::unsuback:
    case codec::packet_type::pingresp:
      // Packets only a server sends: a Protocol Error from a client (section 4.13 / 4.8).
      return disconnect_with(c, codec::reason::protocol_error, section("§4.13.2"),
                             std::string(codec::to_string(t)) + " sent by a client",
                             close_reason::protocol_violation, now);
  }
}

void broker::state::on_decode_error(connection& c, const codec::error& e, clock_ms now) {
#ifdef MQTT_PLANTED_BUGS  // the process bug zero_length_topic_crash
  if (e.id == codec::rule::topic_name_empty) planted_crash(planted_bug::zero_length_topic_crash);
#endif
  // Before CONNECT is accepted the connection has no version yet: the decoder's is the one the
  // CONNECT announced.
  const codec::protocol_version v = c.at == connection::phase::awaiting_connect ? e.version : c.version;
  std::string text = "malformed " + std::string(codec::to_string(v)) + " packet at byte " +
                     std::to_string(e.offset) + ": " + std::string(e.message());
  enforce(e.statement());
  if (c.at == connection::phase::awaiting_connect) {
    if (e.id == codec::rule::protocol_level || e.id == codec::rule::protocol_name) {
      // 3.1.1 answers an unsupported level with return code 0x01 (MQTT-3.1.2-2); the 5.0
      // form would be 0x84, but a client of unknown level reads the older CONNACK.
      enforce("MQTT-3.1.2-2");
      log(log_level::warning, &c, text, e.statement());
      codec::connack ack;
      // Planted: 0x02 Identifier rejected, a refusal for another reason.
      ack.reason_code = MQTT_PLANTED(*this, wrong_code_for_bad_level) ? 0x02 : 0x01;
      std::vector<std::uint8_t> bytes;
      codec::encode_unchecked(ack, codec::protocol_version::v3_1_1, bytes);
      send_raw(c.id, bytes);
      close(c, close_reason::protocol_violation, now);
      return;
    }
    if (e.version == codec::protocol_version::v5) {
      // A 5.0 CONNECT that breaks a rule may get a CONNACK with the reason (MQTT-3.1.4-1).
      c.version = codec::protocol_version::v5;
      refuse_connect(c, e.reason_code(), 0, e.statement(), text, now);
      return;
    }
    log(log_level::warning, &c, text, e.statement());
    close(c, close_reason::protocol_violation, now);
    return;
  }
#ifdef MQTT_PLANTED_BUGS  // the helper exists only in mqtt_broker_planted
  if (planted_keeps_malformed(e.id)) return;  // planted: the connection stays open
#endif
  if (c.at == connection::phase::authenticating) {
    // Before CONNACK the reason goes in a CONNACK (section 4.13), e.g. an AUTH with a reason
    // code outside the Authenticate set (MQTT-3.15.2-1).
    return refuse_connect(c, e.reason_code(), 0, e.statement(), text, now);
  }
  disconnect_with(c, e.reason_code(), e.statement(), text, close_reason::protocol_violation, now);
}

bool broker::state::send(connection& c, const codec::packet& p) {
  // Unchecked: everything the broker sends is built from input that passed the decoder's
  // validation or from its own constants; the broker fuzz target decodes every byte sent to
  // hold this, and re-decoding each packet here would double the cost of a delivery.
  std::vector<std::uint8_t>& out = out_bytes(c.id);
  const std::size_t before = out.size();
  const std::size_t written = codec::encode_unchecked(p, c.version, out);
  MQTT_ASSERT(out.size() - before == written);
  if (written <= c.client_maximum_packet_size) return true;
  // Too large for the client (MQTT-3.1.2-24). PUBLISH, CONNACK and DISCONNECT are fitted or
  // discarded before they get here; what remains (a SUBACK for many filters, say) is taken
  // back, and the connection ends when the input returns. Measuring the bytes written costs
  // nothing, where sizing every packet first would.
  out.resize(before);
  if (out.empty()) actions.pop_back();  // the send action out_bytes has just opened
  enforce("MQTT-3.1.2-24");
  log(log_level::warning, &c,
      std::string(codec::to_string(codec::type_of(p))) + " of " + std::to_string(written) +
          " bytes exceeds the client's Maximum Packet Size of " + std::to_string(c.client_maximum_packet_size) +
          " bytes; not sent",
      "MQTT-3.1.2-24");
  c.unsendable = true;
  return false;
}

void broker::state::unsendable_close(connection& c, clock_ms now) {
  disconnect_with(c, codec::reason::packet_too_large, "MQTT-3.1.2-24",
                  "a packet for the client exceeds its Maximum Packet Size", close_reason::packet_too_large,
                  now);
}

std::vector<std::uint8_t>& broker::state::out_bytes(connection_id conn) {
  if (!actions.empty()) {
    if (auto* last = std::get_if<send_bytes>(&actions.back()); last && last->conn == conn) {
      return last->bytes;
    }
  }
  actions.emplace_back(send_bytes{conn, {}});
  return std::get<send_bytes>(actions.back()).bytes;
}

void broker::state::send_raw(connection_id conn, std::span<const std::uint8_t> bytes) {
  if (!actions.empty()) {
    if (auto* last = std::get_if<send_bytes>(&actions.back()); last && last->conn == conn) {
      last->bytes.insert(last->bytes.end(), bytes.begin(), bytes.end());
      return;
    }
  }
  actions.emplace_back(send_bytes{conn, std::vector<std::uint8_t>(bytes.begin(), bytes.end())});
}

void broker::state::disconnect_with(connection& c, std::uint8_t reason_code,
                                    statement_id statement, std::string text,
                                    close_reason why, clock_ms now) {
  log(log_level::warning, &c, text, statement);
  // 5.0: DISCONNECT with the reason before closing (MQTT-4.13.1-1), only after CONNACK
  // (MQTT-3.14.0-1). 3.1.1 just closes the connection.
  if (is_v5(c) && c.at == connection::phase::connected) {
    codec::disconnect d;
    // Some rules name a CONNACK-only reason (e.g. 0x84 for a second, broken CONNECT).
    d.reason_code = codec::is_disconnect_reason(reason_code) ? reason_code : codec::reason::protocol_error;
    // A Reason String says what went wrong, unless it would exceed the client's Maximum
    // Packet Size (MQTT-3.14.2-3).
    d.props.reason_string = text;
    if (codec::encoded_size(d, c.version) > c.client_maximum_packet_size) d.props.reason_string.reset();
    // Where even the bare DISCONNECT is too large, send() leaves it out: the close still comes.
    send(c, d);
  }
  close(c, why, now);
}

void broker::state::close(connection& c, close_reason why, clock_ms now) {
  MQTT_ASSERT(!c.closed);
  connection_id id = c.id;
  connection_ended(c, why, now);
  c.closed = true;
  actions.emplace_back(close_connection{id});
  auto it = connections.find(id);
  MQTT_ASSERT(it != connections.end());
  closed_connections.push_back(std::move(it->second));
  connections.erase(it);
}

void broker::state::log(log_level level, const connection* c, std::string text,
                        statement_id statement) {
  if (!logger) return;
  log_record r{level, c ? c->id : 0, c && c->sess ? c->sess->client_id() : std::string(),
               std::move(text), statement};
  logger(r);
}

}  // namespace mqtt::broker
