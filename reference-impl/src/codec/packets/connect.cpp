// CONNECT (section 3.1): protocol name and level, connect flags, keep alive, properties,
// then Client Identifier, will, user name and password as the flags announce.
#include <string_view>

#include "../codec_impl.hpp"

namespace mqtt::codec::detail {
namespace {

constexpr std::string_view mqtt_name = "MQTT";
constexpr std::string_view mqisdp_name = "MQIsdp";

namespace flag {
constexpr std::uint8_t reserved = 0x01;
constexpr std::uint8_t clean_start = 0x02;
constexpr std::uint8_t will = 0x04;
constexpr std::uint8_t will_qos_shift = 3;
constexpr std::uint8_t will_retain = 0x20;
constexpr std::uint8_t password = 0x40;
constexpr std::uint8_t user_name = 0x80;
}  // namespace flag

std::string_view protocol_name(protocol_version v) {
  return v == protocol_version::v3_1 ? mqisdp_name : mqtt_name;
}

// Protocol Name and Level; sets the reader's version so later errors cite the right edition.
protocol_version read_protocol(reader& r) {
  std::size_t name_at = r.pos();
  std::string_view name = r.binary();
  std::size_t level_at = r.pos();
  std::uint8_t level = r.u8();
  if (r.failed()) return r.version();
  if (name != mqtt_name && name != mqisdp_name) {
    r.fail(rule::protocol_name, name_at);
    return r.version();
  }
  bool known = (name == mqisdp_name && level == 3) || (name == mqtt_name && (level == 4 || level == 5));
  if (!known) {
    r.fail(rule::protocol_level, level_at);
    return r.version();
  }
  auto v = static_cast<protocol_version>(level);
  r.set_version(v);
  return v;
}

void check_flags(reader& r, std::uint8_t flags, std::size_t at, protocol_version v) {
  auto will_qos = static_cast<std::uint8_t>((flags >> flag::will_qos_shift) & 0x03);
  bool will = (flags & flag::will) != 0;
  if (flags & flag::reserved) {
    // Must be 0 from 3.1.1 on (MQTT-3.1.2-3); 3.1 leaves it unused, and mosquitto accepts it
    // from 3.1 clients. Written as 0, so such a CONNECT does not round-trip.
    if (v == protocol_version::v3_1) {
      r.mark_not_canonical();
    } else {
      r.fail(rule::connect_reserved_flag, at);
    }
  }
  if (will && will_qos == 3) r.fail(rule::will_qos3, at);
  if (!will && will_qos != 0) r.fail(rule::will_qos_without_will, at);
  if (!will && (flags & flag::will_retain)) r.fail(rule::will_retain_without_will, at);
  if (v != protocol_version::v5 && (flags & flag::password) && !(flags & flag::user_name)) {
    r.fail(rule::password_without_user_name, at);
  }
}

will_message read_will(reader& r, std::uint8_t flags, protocol_version v) {
  will_message w;
  w.qos = static_cast<codec::qos>((flags >> flag::will_qos_shift) & 0x03);
  w.retain = (flags & flag::will_retain) != 0;
  if (v == protocol_version::v5) {
    // All will fields must be present, Will Properties first (MQTT-3.1.2-9).
    if (!r.failed() && r.at_end()) r.fail(rule::will_fields_missing, r.pos());
    decode_properties(r, property_context::will, w.props);
  }
  std::size_t topic_at = r.pos() + 2;
  w.topic = r.binary(rule::will_fields_missing);  // checked as a Topic Name just below
  if (!r.failed()) {
    if (auto bad = check_topic_name(w.topic)) r.fail(bad->id, topic_at + bad->offset);
  }
  w.payload = r.binary(rule::will_fields_missing);
  return w;
}

}  // namespace

bool is_v31_connect_body(std::span<const std::uint8_t> body) {
  constexpr std::size_t level_at = 2 + mqisdp_name.size();
  if (body.size() <= level_at || body[0] != 0 || body[1] != mqisdp_name.size()) return false;
  std::string_view name(reinterpret_cast<const char*>(body.data() + 2), mqisdp_name.size());
  return name == mqisdp_name && body[level_at] == static_cast<std::uint8_t>(protocol_version::v3_1);
}

void decode_body(reader& r, std::uint8_t fixed_flags, connect& out) {
  // Fixed header flags other than 0 were let through for a 3.1 CONNECT only (3.1 calls them
  // unused; MQTT-2.2.2-1 came with 3.1.1). Written as 0, so such a CONNECT does not round-trip.
  if (fixed_flags != 0) r.mark_not_canonical();
  protocol_version v = read_protocol(r);
  out.version = v;
  std::size_t flags_at = r.pos();
  std::uint8_t flags = r.u8();
  out.keep_alive_s = r.u16();
  if (r.failed()) return;
  check_flags(r, flags, flags_at, v);
  out.clean_start = (flags & flag::clean_start) != 0;
  if (v == protocol_version::v5) {
    decode_properties(r, property_context::connect, out.props);
    if (!r.failed() && out.props.authentication_data && !out.props.authentication_method) {
      r.fail(rule::auth_data_without_method, flags_at + 3);
    }
  }
  out.client_id = r.utf8(rule::client_id_missing);
  if (flags & flag::will) out.will = read_will(r, flags, v);
  if (flags & flag::user_name) out.user_name = r.utf8(rule::user_name_missing);
  if (flags & flag::password) out.password = r.binary(rule::password_missing);
}

template <class W>
void put_body(W& w, const connect& p, protocol_version) {
  // A CONNECT is always written in its own version.
  protocol_version v = p.version;
  std::uint8_t flags = 0;
  if (p.clean_start) flags |= flag::clean_start;
  if (p.will) {
    flags |= flag::will;
    flags |= static_cast<std::uint8_t>(static_cast<std::uint8_t>(p.will->qos) << flag::will_qos_shift);
    if (p.will->retain) flags |= flag::will_retain;
  }
  if (p.password) flags |= flag::password;
  if (p.user_name) flags |= flag::user_name;
  w.string(protocol_name(v));
  w.u8(static_cast<std::uint8_t>(v));
  w.u8(flags);
  w.u16(p.keep_alive_s);
  if (v == protocol_version::v5) put_properties(w, p.props);
  w.string(p.client_id);
  if (p.will) {
    if (v == protocol_version::v5) put_properties(w, p.will->props);
    w.string(p.will->topic);
    w.string(p.will->payload);
  }
  if (p.user_name) w.string(*p.user_name);
  if (p.password) w.string(*p.password);
}

template void put_body(raw_writer&, const connect&, protocol_version);
template void put_body(size_counter&, const connect&, protocol_version);

}  // namespace mqtt::codec::detail
