// AUTH (section 3.15, 5.0 only): optional reason code and properties.
#include "../codec_impl.hpp"

namespace mqtt::codec::detail {

void decode_body(reader& r, std::uint8_t, auth& out) {
  std::size_t code_at = r.pos();
  decode_reason_tail(r, property_context::auth, out.reason_code, out.props);
  bool valid = out.reason_code == 0x00 || out.reason_code == 0x18 || out.reason_code == 0x19;
  if (!r.failed() && !valid) r.fail(rule::auth_code_invalid, code_at);
}

template <class W>
void put_body(W& w, const auth& p, protocol_version) {
  put_reason_tail(w, p.reason_code, p.props);
}

template void put_body(raw_writer&, const auth&, protocol_version);
template void put_body(size_counter&, const auth&, protocol_version);

}  // namespace mqtt::codec::detail
