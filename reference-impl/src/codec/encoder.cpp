// Encoding: fixed header plus the per-type body writers; `encode` validates by decoding its
// own output, so every packet it emits is one the decoder accepts unchanged.
#include "mqtt/codec/encoder.hpp"

#include <algorithm>

#include "codec_impl.hpp"
#include "mqtt/codec/decoder.hpp"

namespace mqtt::codec {
namespace detail {

std::size_t varint_size(std::uint32_t v) {
  if (v < 128) return 1;
  if (v < 16'384) return 2;
  if (v < 2'097'152) return 3;
  return 4;
}

size_counter& size_counter::varint(std::uint32_t v, std::size_t min_bytes) {
  return add(std::max(varint_size(v), min_bytes));
}

}  // namespace detail

namespace {

template <class W>
void put_any_body(W& w, const packet& p, protocol_version v) {
  std::visit([&](const auto& body) { detail::put_body(w, body, v); }, p);
}

std::size_t body_size(const packet& p, protocol_version v) {
  detail::size_counter counter;
  put_any_body(counter, p, v);
  return counter.size();
}

constexpr std::size_t string_length_max = 65'535;

bool too_long(std::string_view s) { return s.size() > string_length_max; }

bool any_too_long(const properties& p) {
  auto opt = [](const std::optional<std::string_view>& s) { return s && too_long(*s); };
  if (opt(p.content_type) || opt(p.response_topic) || opt(p.correlation_data) ||
      opt(p.assigned_client_identifier) || opt(p.authentication_method) ||
      opt(p.authentication_data) || opt(p.response_information) || opt(p.server_reference) ||
      opt(p.reason_string)) {
    return true;
  }
  for (const user_property& u : p.user_properties) {
    if (too_long(u.first) || too_long(u.second)) return true;
  }
  return false;
}

// Fields whose 16-bit length prefix cannot hold them: the one check decoding cannot make.
struct overlong_visitor {
  bool operator()(const connect& c) const {
    bool will = c.will && (too_long(c.will->topic) || too_long(c.will->payload) ||
                           any_too_long(c.will->props));
    return too_long(c.client_id) || will || (c.user_name && too_long(*c.user_name)) ||
           (c.password && too_long(*c.password)) || any_too_long(c.props);
  }
  bool operator()(const publish& x) const { return too_long(x.topic) || any_too_long(x.props); }
  bool operator()(const subscribe& x) const {
    for (const subscription& s : x.subscriptions) {
      if (too_long(s.filter)) return true;
    }
    return any_too_long(x.props);
  }
  bool operator()(const unsubscribe& x) const {
    for (std::string_view f : x.filters) {
      if (too_long(f)) return true;
    }
    return any_too_long(x.props);
  }
  bool operator()(const pingreq&) const { return false; }
  bool operator()(const pingresp&) const { return false; }
  template <class T>
  bool operator()(const T& x) const {
    return any_too_long(x.props);
  }
};

bool has_overlong_string(const packet& p) { return std::visit(overlong_visitor{}, p); }

}  // namespace

std::uint8_t fixed_header_flags(const packet& p) {
  if (const auto* pub = std::get_if<publish>(&p)) {
    return static_cast<std::uint8_t>((pub->dup ? 0x08 : 0) | (static_cast<std::uint8_t>(pub->qos) << 1) |
                                     (pub->retain ? 0x01 : 0));
  }
  packet_type t = type_of(p);
  if (t == packet_type::pubrel || t == packet_type::subscribe || t == packet_type::unsubscribe) {
    return 0x02;
  }
  return 0;
}

std::size_t encoded_size(const packet& p, protocol_version v) {
  std::size_t body = body_size(p, v);
  return 1 + detail::varint_size(static_cast<std::uint32_t>(body)) + body;
}

std::size_t encode_unchecked(const packet& p, protocol_version v, std::vector<std::uint8_t>& out) {
  std::size_t body = body_size(p, v);
  std::size_t start = out.size();
  // One allocation for the packet instead of a growth step per field; geometric, so that many
  // packets appended to one buffer stay linear.
  const std::size_t needed = start + 5 + body;
  if (out.capacity() < needed) out.reserve(std::max(needed, 2 * out.capacity()));
  raw_writer w(out);
  w.u8(static_cast<std::uint8_t>((static_cast<std::uint8_t>(type_of(p)) << 4) | fixed_header_flags(p)));
  w.varint(static_cast<std::uint32_t>(body));
  put_any_body(w, p, v);
  return out.size() - start;
}

result<std::size_t> encode(const packet& p, protocol_version v, std::vector<std::uint8_t>& out) {
  if (has_overlong_string(p)) return error{rule::string_too_long, v, 0};
  if (body_size(p, v) > remaining_length_max) return error{rule::packet_too_large_to_encode, v, 0};
  if (const auto* pub = std::get_if<publish>(&p); pub && pub->qos == qos::at_most_once && pub->packet_id != 0) {
    return error{rule::publish_qos0_packet_id, v, 0};
  }
  if (const auto* c = std::get_if<connect>(&p); c && c->version != v) {
    return error{rule::not_representable, v, 0};
  }
  std::size_t start = out.size();
  std::size_t n = encode_unchecked(p, v, out);
  decode_options options;
  options.version = v;
  std::span<const std::uint8_t> bytes(out.data() + start, n);
  result<packet> back = decode_packet(bytes, options);
  if (!back || back.value() != p) {
    out.resize(start);
    if (!back) return back.err();
    return error{rule::not_representable, v, 0};
  }
  return n;
}

raw_writer& raw_writer::u8(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}

raw_writer& raw_writer::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
  return *this;
}

raw_writer& raw_writer::u32(std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(v >> shift));
  return *this;
}

raw_writer& raw_writer::varint(std::uint32_t v, std::size_t min_bytes) {
  std::size_t written = 0;
  do {
    auto b = static_cast<std::uint8_t>(v & 0x7F);
    v >>= 7;
    ++written;
    if (v != 0 || written < min_bytes) b |= 0x80;
    out_.push_back(b);
  } while (v != 0 || written < min_bytes);
  return *this;
}

raw_writer& raw_writer::string(std::string_view s) {
  u16(static_cast<std::uint16_t>(s.size()));
  return bytes(s);
}

raw_writer& raw_writer::bytes(std::span<const std::uint8_t> b) {
  out_.insert(out_.end(), b.begin(), b.end());
  return *this;
}

raw_writer& raw_writer::bytes(std::string_view b) {
  out_.insert(out_.end(), b.begin(), b.end());
  return *this;
}

}  // namespace mqtt::codec
