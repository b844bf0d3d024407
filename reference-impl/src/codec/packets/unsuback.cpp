// UNSUBACK (section 3.11): packet identifier; in 5.0 also properties and one reason code per
// topic filter.
#include "../codec_impl.hpp"

namespace mqtt::codec::detail {
namespace {

bool valid_code(std::uint8_t c) {
  switch (c) {
    case 0x00: case 0x11: case 0x80: case 0x83: case 0x87: case 0x8F: case 0x91:
      return true;
    default:
      return false;
  }
}

}  // namespace

void decode_body(reader& r, std::uint8_t, unsuback& out) {
  out.packet_id = packet_id(r, rule::subscribe_ack_packet_id_zero);
  if (r.version() != protocol_version::v5) return;
  decode_properties(r, property_context::unsuback, out.props);
  if (!r.failed() && r.at_end()) r.fail(rule::unsuback_code_invalid, r.pos());
  while (!r.failed() && !r.at_end()) {
    std::size_t at = r.pos();
    std::uint8_t c = r.u8();
    if (!valid_code(c)) r.fail(rule::unsuback_code_invalid, at);
    out.reason_codes.push_back(c);
  }
}

template <class W>
void put_body(W& w, const unsuback& p, protocol_version v) {
  w.u16(p.packet_id);
  if (v != protocol_version::v5) return;
  put_properties(w, p.props);
  for (std::uint8_t c : p.reason_codes) w.u8(c);
}

template void put_body(raw_writer&, const unsuback&, protocol_version);
template void put_body(size_counter&, const unsuback&, protocol_version);

}  // namespace mqtt::codec::detail
