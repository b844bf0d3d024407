// CONNACK (section 3.2): acknowledge flags, return/reason code, 5.0 properties.
#include "../codec_impl.hpp"

namespace mqtt::codec::detail {
namespace {

bool valid_code(std::uint8_t c, protocol_version v) {
  if (v != protocol_version::v5) return c <= 5;  // 3.1.1 Table 3.1; 3.1 uses the same codes
  switch (c) {
    case 0x00: case 0x80: case 0x81: case 0x82: case 0x83: case 0x84: case 0x85: case 0x86:
    case 0x87: case 0x88: case 0x89: case 0x8A: case 0x8C: case 0x90: case 0x95: case 0x97:
    case 0x99: case 0x9A: case 0x9B: case 0x9C: case 0x9D: case 0x9F:
      return true;
    default:
      return false;
  }
}

}  // namespace

void decode_body(reader& r, std::uint8_t, connack& out) {
  protocol_version v = r.version();
  std::size_t flags_at = r.pos();
  std::uint8_t flags = r.u8();
  std::size_t code_at = r.pos();
  out.reason_code = r.u8();
  if (r.failed()) return;
  // 3.1 has no Session Present: the byte is "reserved values, not used", with no value required
  // of it (brokers that speak 3.1.1 put the flag there for 3.1 clients too), so it is ignored.
  if (v == protocol_version::v3_1) {
    if (flags != 0) r.mark_not_canonical();  // re-encoded as 0
    flags = 0;
  }
  if (flags & 0xFE) r.fail(rule::connack_flags_reserved, flags_at);
  out.session_present = (flags & 0x01) != 0;
  if (!valid_code(out.reason_code, v)) r.fail(rule::connack_code_invalid, code_at);
  if (out.session_present && out.reason_code != 0) {
    r.fail(rule::connack_session_present_on_error, flags_at);
  }
  if (v == protocol_version::v5) decode_properties(r, property_context::connack, out.props);
}

template <class W>
void put_body(W& w, const connack& p, protocol_version v) {
  w.u8(p.session_present ? 1 : 0);
  w.u8(p.reason_code);
  if (v == protocol_version::v5) put_properties(w, p.props);
}

template void put_body(raw_writer&, const connack&, protocol_version);
template void put_body(size_counter&, const connack&, protocol_version);

}  // namespace mqtt::codec::detail
