// DISCONNECT (section 3.14): empty before 5.0; in 5.0 an optional reason code and properties.
#include "../codec_impl.hpp"

namespace mqtt::codec::detail {
namespace {

bool valid_code(std::uint8_t c) {
  switch (c) {
    case 0x00: case 0x04: case 0x80: case 0x81: case 0x82: case 0x83: case 0x87: case 0x89:
    case 0x8B: case 0x8D: case 0x8E: case 0x8F: case 0x90: case 0x93: case 0x94: case 0x95:
    case 0x96: case 0x97: case 0x98: case 0x99: case 0x9A: case 0x9B: case 0x9C: case 0x9D:
    case 0x9E: case 0x9F: case 0xA0: case 0xA1: case 0xA2:
      return true;
    default:
      return false;
  }
}

}  // namespace

void decode_body(reader& r, std::uint8_t, disconnect& out) {
  if (r.version() != protocol_version::v5) return;
  std::size_t code_at = r.pos();
  decode_reason_tail(r, property_context::disconnect, out.reason_code, out.props);
  if (!r.failed() && !valid_code(out.reason_code)) r.fail(rule::disconnect_code_invalid, code_at);
}

template <class W>
void put_body(W& w, const disconnect& p, protocol_version v) {
  if (v == protocol_version::v5) put_reason_tail(w, p.reason_code, p.props);
}

template void put_body(raw_writer&, const disconnect&, protocol_version);
template void put_body(size_counter&, const disconnect&, protocol_version);

}  // namespace mqtt::codec::detail

bool mqtt::codec::is_disconnect_reason(std::uint8_t code) { return detail::valid_code(code); }
