// SUBSCRIBE (section 3.8): packet identifier, 5.0 properties, then one or more topic filters
// each followed by its subscription options byte.
#include "../codec_impl.hpp"

namespace mqtt::codec::detail {
namespace {

constexpr std::uint8_t no_local_bit = 0x04;
constexpr std::uint8_t retain_as_published_bit = 0x08;
constexpr std::uint8_t retain_handling_shift = 4;

subscription_options read_options(reader& r, bool shared) {
  std::size_t at = r.pos();
  std::uint8_t b = r.u8();
  subscription_options o;
  if (r.failed()) return o;
  bool v5 = r.version() == protocol_version::v5;
  std::uint8_t reserved = v5 ? 0xC0 : 0xFC;
  if ((b & 0x03) == 3) r.fail(rule::subscribe_qos3, at);
  if (b & reserved) r.fail(rule::subscribe_options_reserved, at);
  o.max_qos = static_cast<codec::qos>(b & 0x03);
  if (!v5) return o;
  o.no_local = (b & no_local_bit) != 0;
  o.retain_as_published = (b & retain_as_published_bit) != 0;
  o.retain_handling = static_cast<std::uint8_t>((b >> retain_handling_shift) & 0x03);
  if (o.retain_handling == 3) r.fail(rule::subscribe_retain_handling3, at);
  if (o.no_local && shared) r.fail(rule::subscribe_no_local_shared, at);
  return o;
}

}  // namespace

// A topic filter checked for UTF-8 and wildcard syntax; shared by UNSUBSCRIBE.
std::string_view read_topic_filter(reader& r) {
  std::size_t at = r.pos() + 2;
  std::string_view f = r.utf8();
  if (r.failed()) return f;
  if (auto bad = check_topic_filter(f, r.version())) r.fail(bad->id, at + bad->offset);
  return f;
}

void decode_body(reader& r, std::uint8_t, subscribe& out) {
  out.packet_id = packet_id(r, rule::packet_id_zero);
  if (r.version() == protocol_version::v5) {
    decode_properties(r, property_context::subscribe, out.props);
  }
  if (!r.failed() && r.at_end()) r.fail(rule::subscribe_empty, r.pos());
  while (!r.failed() && !r.at_end()) {
    subscription s;
    s.filter = read_topic_filter(r);
    bool shared = r.version() == protocol_version::v5 && parse_shared_filter(s.filter).has_value();
    s.options = read_options(r, shared);
    out.subscriptions.push_back(s);
  }
}

template <class W>
void put_body(W& w, const subscribe& p, protocol_version v) {
  w.u16(p.packet_id);
  if (v == protocol_version::v5) put_properties(w, p.props);
  for (const subscription& s : p.subscriptions) {
    w.string(s.filter);
    auto b = static_cast<std::uint8_t>(s.options.max_qos);
    if (v == protocol_version::v5) {
      if (s.options.no_local) b |= no_local_bit;
      if (s.options.retain_as_published) b |= retain_as_published_bit;
      b |= static_cast<std::uint8_t>(s.options.retain_handling << retain_handling_shift);
    }
    w.u8(b);
  }
}

template void put_body(raw_writer&, const subscribe&, protocol_version);
template void put_body(size_counter&, const subscribe&, protocol_version);

}  // namespace mqtt::codec::detail
