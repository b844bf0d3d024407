// PUBACK, PUBREC, PUBREL, PUBCOMP (sections 3.4 to 3.7): packet identifier, and in 5.0 an
// optional reason code and properties.
#include "../codec_impl.hpp"

namespace mqtt::codec::detail {
namespace {

bool valid_code(packet_type t, std::uint8_t c) {
  if (t == packet_type::pubrel || t == packet_type::pubcomp) return c == 0x00 || c == 0x92;
  switch (c) {
    case 0x00: case 0x10: case 0x80: case 0x83: case 0x87: case 0x90: case 0x91: case 0x97:
    case 0x99:
      return true;
    default:
      return false;
  }
}

constexpr rule invalid_code_rule(packet_type t) {
  switch (t) {
    case packet_type::puback: return rule::puback_code_invalid;
    case packet_type::pubrec: return rule::pubrec_code_invalid;
    case packet_type::pubrel: return rule::pubrel_code_invalid;
    default: return rule::pubcomp_code_invalid;
  }
}

constexpr property_context context_of(packet_type t) {
  switch (t) {
    case packet_type::puback: return property_context::puback;
    case packet_type::pubrec: return property_context::pubrec;
    case packet_type::pubrel: return property_context::pubrel;
    default: return property_context::pubcomp;
  }
}

}  // namespace

std::uint16_t packet_id(reader& r, rule zero_rule) {
  std::size_t at = r.pos();
  std::uint16_t id = r.u16();
  if (!r.failed() && id == 0) r.fail(zero_rule, at);
  return id;
}

void decode_reason_tail(reader& r, property_context where, std::uint8_t& reason_code,
                        properties& props) {
  if (r.at_end()) return;
  reason_code = r.u8();
  if (r.at_end()) {
    if (reason_code == 0) r.mark_not_canonical();
    return;
  }
  decode_properties(r, where, props);
  if (props.empty()) r.mark_not_canonical();
}

template <class W>
void put_reason_tail(W& w, std::uint8_t reason_code, const properties& props) {
  bool no_props = props.empty();
  if (reason_code == 0 && no_props) return;
  w.u8(reason_code);
  if (!no_props) put_properties(w, props);
}

template void put_reason_tail(raw_writer&, std::uint8_t, const properties&);
template void put_reason_tail(size_counter&, std::uint8_t, const properties&);

template <packet_type T>
void decode_body(reader& r, std::uint8_t, pub_ack_packet<T>& out) {
  out.packet_id = packet_id(r, rule::ack_packet_id_zero);
  if (r.version() != protocol_version::v5) return;
  std::size_t code_at = r.pos();
  decode_reason_tail(r, context_of(T), out.reason_code, out.props);
  if (!r.failed() && !valid_code(T, out.reason_code)) r.fail(invalid_code_rule(T), code_at);
}

template <class W, packet_type T>
void put_body(W& w, const pub_ack_packet<T>& p, protocol_version v) {
  w.u16(p.packet_id);
  if (v == protocol_version::v5) put_reason_tail(w, p.reason_code, p.props);
}

template void decode_body(reader&, std::uint8_t, puback&);
template void decode_body(reader&, std::uint8_t, pubrec&);
template void decode_body(reader&, std::uint8_t, pubrel&);
template void decode_body(reader&, std::uint8_t, pubcomp&);
template void put_body(raw_writer&, const puback&, protocol_version);
template void put_body(raw_writer&, const pubrec&, protocol_version);
template void put_body(raw_writer&, const pubrel&, protocol_version);
template void put_body(raw_writer&, const pubcomp&, protocol_version);
template void put_body(size_counter&, const puback&, protocol_version);
template void put_body(size_counter&, const pubrec&, protocol_version);
template void put_body(size_counter&, const pubrel&, protocol_version);
template void put_body(size_counter&, const pubcomp&, protocol_version);

}  // namespace mqtt::codec::detail
