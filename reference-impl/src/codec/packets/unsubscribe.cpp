// UNSUBSCRIBE (section 3.10): packet identifier, 5.0 properties, one or more topic filters.
#include "../codec_impl.hpp"

namespace mqtt::codec::detail {

std::string_view read_topic_filter(reader& r);  // subscribe.cpp

void decode_body(reader& r, std::uint8_t, unsubscribe& out) {
  out.packet_id = packet_id(r, rule::packet_id_zero);
  if (r.version() == protocol_version::v5) {
    decode_properties(r, property_context::unsubscribe, out.props);
  }
  if (!r.failed() && r.at_end()) r.fail(rule::unsubscribe_empty, r.pos());
  while (!r.failed() && !r.at_end()) out.filters.push_back(read_topic_filter(r));
}

template <class W>
void put_body(W& w, const unsubscribe& p, protocol_version v) {
  w.u16(p.packet_id);
  if (v == protocol_version::v5) put_properties(w, p.props);
  for (std::string_view f : p.filters) w.string(f);
}

template void put_body(raw_writer&, const unsubscribe&, protocol_version);
template void put_body(size_counter&, const unsubscribe&, protocol_version);

}  // namespace mqtt::codec::detail
