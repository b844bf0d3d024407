// PUBLISH (section 3.3): topic name, packet identifier for QoS > 0, 5.0 properties, and the
// payload as a view of the remaining bytes.
#include "../codec_impl.hpp"

namespace mqtt::codec::detail {

void decode_body(reader& r, std::uint8_t flags, publish& out) {
  out.dup = (flags & 0x08) != 0;
  out.qos = static_cast<codec::qos>((flags >> 1) & 0x03);
  out.retain = (flags & 0x01) != 0;
  std::size_t topic_at = r.pos() + 2;
  out.topic = r.binary();  // checked as a Topic Name (UTF-8 included) just below
  if (r.failed()) return;
  std::optional<violation> bad_topic = check_topic_name(out.topic);
  if (bad_topic && bad_topic->id != rule::topic_name_empty) {
    r.fail(bad_topic->id, topic_at + bad_topic->offset);
    return;
  }
  if (out.qos != qos::at_most_once) out.packet_id = packet_id(r, rule::packet_id_zero);
  if (r.version() == protocol_version::v5) {
    decode_properties(r, property_context::publish, out.props);
  }
  // 5.0 lets a Topic Alias stand in for an empty topic name (section 3.3.2.3.4).
  if (bad_topic && !r.failed() && !out.props.topic_alias) r.fail(rule::topic_name_empty, topic_at);
  out.payload = r.rest();
}

template <class W>
void put_body(W& w, const publish& p, protocol_version v) {
  w.string(p.topic);
  if (p.qos != qos::at_most_once) w.u16(p.packet_id);
  if (v == protocol_version::v5) put_properties(w, p.props);
  w.bytes(p.payload);
}

template void put_body(raw_writer&, const publish&, protocol_version);
template void put_body(size_counter&, const publish&, protocol_version);

}  // namespace mqtt::codec::detail
