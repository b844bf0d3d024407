// PINGREQ and PINGRESP (sections 3.12, 3.13): no variable header, no payload.
#include "../codec_impl.hpp"

namespace mqtt::codec::detail {

void decode_body(reader&, std::uint8_t, pingreq&) {}
void decode_body(reader&, std::uint8_t, pingresp&) {}

template <class W>
void put_body(W&, const pingreq&, protocol_version) {}
template <class W>
void put_body(W&, const pingresp&, protocol_version) {}

template void put_body(raw_writer&, const pingreq&, protocol_version);
template void put_body(size_counter&, const pingreq&, protocol_version);
template void put_body(raw_writer&, const pingresp&, protocol_version);
template void put_body(size_counter&, const pingresp&, protocol_version);

}  // namespace mqtt::codec::detail
