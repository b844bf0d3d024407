// Fixed header parsing, per-type dispatch, and the incremental stream decoder.
#include "mqtt/codec/decoder.hpp"

#include <algorithm>

#include "codec_impl.hpp"

namespace mqtt::codec {
namespace {

std::optional<rule> check_flags(packet_type t, std::uint8_t flags) {
  switch (t) {
    case packet_type::publish: {
      auto q = (flags >> 1) & 0x03;
      if (q == 3) return rule::flags_publish_qos3;
      if (q == 0 && (flags & 0x08)) return rule::flags_publish_dup_qos0;
      return std::nullopt;
    }
    case packet_type::pubrel: return flags == 0x02 ? std::nullopt : std::optional{rule::flags_pubrel};
    case packet_type::subscribe:
      return flags == 0x02 ? std::nullopt : std::optional{rule::flags_subscribe};
    case packet_type::unsubscribe:
      return flags == 0x02 ? std::nullopt : std::optional{rule::flags_unsubscribe};
    case packet_type::disconnect:
      return flags == 0 ? std::nullopt : std::optional{rule::flags_disconnect};
    case packet_type::auth: return flags == 0 ? std::nullopt : std::optional{rule::flags_auth};
    // Checked with the body, whose protocol level decides: 3.1 has no reserved bits there.
    case packet_type::connect: return std::nullopt;
    default: return flags == 0 ? std::nullopt : std::optional{rule::flags_reserved};
  }
}

template <class T>
void decode_as(detail::reader& r, std::uint8_t flags, packet& out) {
  detail::decode_body(r, flags, out.emplace<T>());
}

void dispatch(packet_type t, std::uint8_t flags, detail::reader& r, packet& out) {
  switch (t) {
    case packet_type::connect: return decode_as<connect>(r, flags, out);
    case packet_type::connack: return decode_as<connack>(r, flags, out);
    case packet_type::publish: return decode_as<publish>(r, flags, out);
    case packet_type::puback: return decode_as<puback>(r, flags, out);
    case packet_type::pubrec: return decode_as<pubrec>(r, flags, out);
    case packet_type::pubrel: return decode_as<pubrel>(r, flags, out);
    case packet_type::pubcomp: return decode_as<pubcomp>(r, flags, out);
    case packet_type::subscribe: return decode_as<subscribe>(r, flags, out);
    case packet_type::suback: return decode_as<suback>(r, flags, out);
    case packet_type::unsubscribe: return decode_as<unsubscribe>(r, flags, out);
    case packet_type::unsuback: return decode_as<unsuback>(r, flags, out);
    case packet_type::pingreq: return decode_as<pingreq>(r, flags, out);
    case packet_type::pingresp: return decode_as<pingresp>(r, flags, out);
    case packet_type::disconnect: return decode_as<disconnect>(r, flags, out);
    case packet_type::auth: return decode_as<auth>(r, flags, out);
  }
  MQTT_ASSERT(false && "packet type checked by peek_frame");
}

}  // namespace

result<frame_status> peek_frame(std::span<const std::uint8_t> input, const decode_options& options,
                                frame& out, std::size_t base_offset) {
  protocol_version v = options.version;
  if (input.empty()) return frame_status::need_more;
  std::uint8_t first = input[0];
  auto type_value = static_cast<std::uint8_t>(first >> 4);
  if (type_value == 0 || (type_value == 15 && v != protocol_version::v5)) {
    return error{rule::packet_type_reserved, v, base_offset};
  }
  if (auto bad = check_flags(static_cast<packet_type>(type_value), first & 0x0F)) {
    return error{*bad, v, base_offset};
  }
  std::uint32_t length = 0;
  std::size_t i = 1;
  for (;; ++i) {
    if (i >= input.size()) return frame_status::need_more;
    std::uint8_t b = input[i];
    length |= std::uint32_t{b & 0x7Fu} << (7 * (i - 1));
    if ((b & 0x80) == 0) break;
    if (i == 4) return error{rule::remaining_length_overlong, v, base_offset + i};
  }
  if (i > 1 && input[i] == 0 && v == protocol_version::v5) {
    return error{rule::remaining_length_not_minimal, v, base_offset + 1};
  }
  out.first_byte = first;
  out.remaining_length = length;
  out.header_size = static_cast<std::uint8_t>(i + 1);
  if (out.size() > options.maximum_packet_size) {
    rule r = options.receiver == receiver_role::server ? rule::packet_too_large_to_server
                                                        : rule::packet_too_large_to_client;
    return error{r, v, base_offset + 1};
  }
  return frame_status::complete_header;
}

std::optional<error> decode_packet_into(std::span<const std::uint8_t> bytes,
                                        const decode_options& options, packet& out,
                                        decode_info* info, std::size_t base_offset) {
  frame f;
  result<frame_status> status = peek_frame(bytes, options, f, base_offset);
  if (!status) return status.err();
  if (status.value() == frame_status::need_more || f.size() > bytes.size()) {
    return error{rule::truncated, options.version, base_offset + bytes.size()};
  }
  if (f.size() < bytes.size()) {
    return error{rule::trailing_bytes, options.version, base_offset + f.size()};
  }
  const auto type = static_cast<packet_type>(f.first_byte >> 4);
  const auto flags = static_cast<std::uint8_t>(f.first_byte & 0x0F);
  const std::span<const std::uint8_t> body = bytes.subspan(f.header_size);
  if (type == packet_type::connect && flags != 0 && !detail::is_v31_connect_body(body)) {
    // MQTT-2.2.2-1 / MQTT-2.1.3-1, reported as peek_frame reports the other types' flags:
    // first, at byte 0, in the decoder's version.
    return error{rule::flags_reserved, options.version, base_offset};
  }
  detail::reader r(body, options.version, base_offset + f.header_size);
  dispatch(type, flags, r, out);
  r.expect_end();
  if (r.failed()) return r.failure();
  if (const auto* c = std::get_if<connect>(&out);
      c && c->version == protocol_version::v5 && options.version != protocol_version::v5 &&
      f.header_size != 1 + detail::varint_size(f.remaining_length)) {
    // The fixed header was read before the CONNECT named its level: a 5.0 CONNECT's Remaining
    // Length must be minimal too (MQTT-1.5.5-1), whatever the decoder's version was.
    return error{rule::remaining_length_not_minimal, protocol_version::v5, base_offset + 1};
  }
  if (info) {
    bool minimal_length = f.header_size == 1 + detail::varint_size(f.remaining_length);
    info->canonical = minimal_length && r.canonical();
  }
  return std::nullopt;
}

result<packet> decode_packet(std::span<const std::uint8_t> bytes, const decode_options& options,
                             decode_info* info, std::size_t base_offset) {
  packet p;
  if (auto e = decode_packet_into(bytes, options, p, info, base_offset)) return *e;
  return p;
}

stream_decoder::step stream_decoder::fill_pending(std::span<const std::uint8_t>& chunk) {
  while (!pending_header_known_) {
    result<frame_status> status = peek_frame(pending_, options_, pending_frame_, consumed_);
    if (!status) {
      failure_ = status.err();
      return step::failed;
    }
    if (status.value() == frame_status::complete_header) {
      pending_header_known_ = true;
      break;
    }
    if (chunk.empty()) return step::need_more;
    pending_.push_back(chunk.front());
    chunk = chunk.subspan(1);
  }
  std::size_t missing = pending_frame_.size() - pending_.size();
  std::size_t take = std::min(missing, chunk.size());
  pending_.insert(pending_.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(take));
  chunk = chunk.subspan(take);
  return pending_.size() == pending_frame_.size() ? step::packet_ready : step::need_more;
}

stream_decoder::step stream_decoder::next_in_place(std::span<const std::uint8_t> chunk,
                                                   std::size_t& size) {
  frame f;
  result<frame_status> status = peek_frame(chunk, options_, f, consumed_);
  if (!status) {
    failure_ = status.err();
    return step::failed;
  }
  if (status.value() == frame_status::need_more || f.size() > chunk.size()) return step::need_more;
  size = f.size();
  return step::packet_ready;
}

namespace {
thread_local std::unique_ptr<packet> spare_scratch;
}  // namespace

stream_decoder::scratch_lease::~scratch_lease() {
  if (held && !spare_scratch) spare_scratch = std::move(held);
  held.reset();
}

packet& stream_decoder::scratch() {
  if (!scratch_) scratch_ = spare_scratch ? std::move(spare_scratch) : std::make_unique<packet>();
  return *scratch_;
}

bool stream_decoder::decode_at(std::span<const std::uint8_t> bytes) {
  if (auto e = decode_packet_into(bytes, options_, scratch(), nullptr, consumed_)) {
    failure_ = e;
    return false;
  }
  consumed_ += bytes.size();
  last_packet_size_ = bytes.size();
  if (first_packet_) {
    first_packet_ = false;
    if (const auto* c = std::get_if<connect>(scratch_.get()); c && options_.adopt_connect_version) {
      options_.version = c->version;
    }
  }
  return true;
}

}  // namespace mqtt::codec

namespace mqtt::codec::detail {

std::uint32_t reader::varint(rule short_rule) {
  std::size_t start = pos_;
  std::uint32_t value = 0;
  for (unsigned i = 0; i < 4; ++i) {
    std::uint8_t b = u8(short_rule);
    if (failed()) return 0;
    value |= std::uint32_t{b & 0x7Fu} << (7 * i);
    if ((b & 0x80) != 0) continue;
    if (i > 0 && b == 0) {
      // Only 5.0 has Variable Byte Integers besides the Remaining Length.
      if (version_ == protocol_version::v5) {
        fail(rule::variable_integer_not_minimal, start);
      } else {
        canonical_ = false;
      }
    }
    return value;
  }
  fail(rule::variable_integer_overlong, start + 3);
  return 0;
}

}  // namespace mqtt::codec::detail
