// libFuzzer target for the codec. Decodes arbitrary bytes as a stream of control packets under
// a version and size limit picked by the first input byte, once packet by packet
// (peek_frame + decode_packet) and once through a stream_decoder (in one chunk, or in chunks whose
// sizes derive from the input; bit 7 of the selector picks which), and checks the round trip
// through the encoder.
//
// Oracles (a violation prints what broke and aborts, so libFuzzer saves the input):
// - every decoded packet is accepted by `encode`, whose bytes decode to an equal packet, and
//   are byte-identical to the input frame when the decoder called that frame canonical;
// - the stream decoder, however its input is chunked, yields the same packets and stops at
//   the same first error (rule, version and offset) as packet-by-packet decoding, and places
//   each packet at the same offset.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "codec_fuzz_input.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/codec/error.hpp"
#include "mqtt/codec/packet.hpp"

namespace {

namespace codec = mqtt::codec;
using byte_span = std::span<const std::uint8_t>;

// Bounds the chunk count, so that one-byte chunks of a long input cannot dominate the run.
constexpr std::size_t chunk_count_max = 4096;

[[noreturn]] void violation(const char* check, std::size_t index) {
  std::fprintf(stderr, "codec_fuzz: oracle violated: %s (packet #%zu)\n", check, index);
  std::abort();
}

void print_error(const char* label, const std::optional<codec::error>& e) {
  if (!e) {
    std::fprintf(stderr, "  %s: no error\n", label);
    return;
  }
  std::fprintf(stderr, "  %s: rule %.*s, version %u, offset %zu\n", label,
               static_cast<int>(e->details().name.size()), e->details().name.data(),
               static_cast<unsigned>(e->version), e->offset);
}

// One packet from packet-by-packet decoding; its views point into the fuzz input.
struct decoded_packet {
  codec::packet content;
  codec::protocol_version version;  // what it was decoded under
  std::size_t offset;  // of the frame in the stream
  byte_span frame_bytes;
  bool canonical;
};

struct whole_decoding {
  std::vector<decoded_packet> packets;
  std::optional<codec::error> failure;
  std::size_t consumed = 0;  // offset of the first byte not decoded
  codec::protocol_version final_version = codec::protocol_version::v3_1_1;
};

// The version a packet's encoding must use: a CONNECT carries its own protocol level.
codec::protocol_version encoding_version(const decoded_packet& d) {
  if (const auto* c = std::get_if<codec::connect>(&d.content)) return c->version;
  return d.version;
}

// Fills `out` (cleared first; its capacity is kept from input to input, as allocations under
// ASan cost more than the decoding they hold).
void decode_whole(byte_span input, codec::decode_options options, whole_decoding& out) {
  out.packets.clear();
  out.failure.reset();
  std::size_t offset = 0;
  while (offset < input.size()) {
    const byte_span rest = input.subspan(offset);
    codec::frame frame;
    const codec::result<codec::frame_status> status = codec::peek_frame(rest, options, frame, offset);
    if (!status) {
      out.failure = status.err();
      break;
    }
    if (*status == codec::frame_status::need_more || frame.size() > rest.size()) break;
    const byte_span frame_bytes = rest.first(frame.size());
    codec::decode_info info;
    codec::result<codec::packet> p = codec::decode_packet(frame_bytes, options, &info, offset);
    if (!p) {
      out.failure = p.err();
      break;
    }
    out.packets.push_back({std::move(*p), options.version, offset, frame_bytes, info.canonical});
    // Mirrors the stream decoder: a stream that begins with CONNECT adopts its level.
    if (out.packets.size() == 1 && options.adopt_connect_version) {
      if (const auto* c = std::get_if<codec::connect>(&out.packets.front().content)) {
        options.version = c->version;
      }
    }
    offset += frame.size();
  }
  out.consumed = offset;
  out.final_version = options.version;
}

void check_round_trip(const decoded_packet& d, const codec::decode_options& options,
                      std::size_t index) {
  const codec::protocol_version version = encoding_version(d);
  static std::vector<std::uint8_t> encoded;
  encoded.clear();
  const codec::result<std::size_t> size = codec::encode(d.content, version, encoded);
  if (!size) {
    print_error("encode refused with", size.err());
    violation("encode refuses a packet the decoder accepted", index);
  }
  if (*size != encoded.size()) violation("encode's returned size differs from the bytes written", index);
  if (codec::encoded_size(d.content, version) != encoded.size()) {
    violation("encoded_size differs from the size encode wrote", index);
  }

  // A canonical frame that re-encodes to its own bytes decodes again to the same packet (the
  // decoder is a function of bytes and options, and `again` below accepts whatever `options`
  // did): nothing more to learn from decoding it a third time (encode has decoded it once).
  const bool same_bytes = std::equal(encoded.begin(), encoded.end(), d.frame_bytes.begin(), d.frame_bytes.end());
  if (d.canonical && same_bytes) return;
  codec::decode_options again = options;
  again.version = version;
  again.maximum_packet_size = mqtt::fuzz::maximum_packet_sizes[0];
  codec::decode_info info;
  const codec::result<codec::packet> back = codec::decode_packet(encoded, again, &info);
  if (!back) {
    print_error("re-decoding failed with", back.err());
    violation("the re-encoding of a decoded packet does not decode", index);
  }
  if (!(*back == d.content)) violation("the re-encoding decodes to a different packet", index);
  if (!info.canonical) violation("encode's output decodes as non-canonical", index);
  if (d.canonical) violation("a frame decoded as canonical re-encodes to different bytes", index);
}

// Chunk sizes: a splitmix64 sequence seeded from a hash of the whole input, mostly small so
// that headers and fields split at every position.
class chunk_plan {
 public:
  explicit chunk_plan(byte_span input) {
    std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
    for (std::uint8_t b : input) h = (h ^ b) * 0x100000001b3ULL;
    state_ = h;
  }

  std::size_t next() {
    const std::uint64_t r = splitmix();
    const std::uint64_t limit = chunk_limits_[r & 0x03U];
    return static_cast<std::size_t>((r >> 8U) % limit) + 1;
  }

 private:
  std::uint64_t splitmix() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
  }

  static constexpr std::uint64_t chunk_limits_[4] = {1, 7, 64, 1500};
  std::uint64_t state_;
};

void check_stream(byte_span input, const codec::decode_options& options, const whole_decoding& whole,
                  bool chunked) {
  codec::stream_decoder decoder(options);
  std::size_t index = 0;
  auto sink = [&](const codec::packet& p) {
    if (index >= whole.packets.size()) violation("the stream decoder yields an extra packet", index);
    const decoded_packet& expected = whole.packets[index];
    if (!(p == expected.content)) violation("the stream decoder yields a different packet", index);
    if (decoder.last_packet_offset() != expected.offset ||
        decoder.last_packet_size() != expected.frame_bytes.size()) {
      violation("last_packet_offset()/last_packet_size() disagree with the frame", index);
    }
    ++index;
  };

  std::optional<codec::error> failure;
  std::size_t fed = 0;
  if (chunked) {
    chunk_plan plan(input);
    for (std::size_t n = 0; fed < input.size() && !failure; ++n) {
      const std::size_t size = n + 1 >= chunk_count_max ? input.size() - fed
                                                         : std::min(plan.next(), input.size() - fed);
      failure = decoder.feed(input.subspan(fed, size), sink);
      fed += size;
    }
  } else {
    failure = decoder.feed(input, sink);
    fed = input.size();
  }

  const bool same_failure = failure.has_value() == whole.failure.has_value() &&
                            (!failure || (failure->id == whole.failure->id &&
                                          failure->version == whole.failure->version &&
                                          failure->offset == whole.failure->offset));
  if (!same_failure) {
    print_error("stream decoder", failure);
    print_error("packet by packet", whole.failure);
    violation(chunked ? "chunked stream decoding stops differently from packet-by-packet decoding"
                      : "stream decoding stops differently from packet-by-packet decoding",
              index);
  }
  if (index != whole.packets.size()) violation("the stream decoder yields fewer packets", index);
  if (failure) {
    const std::optional<codec::error>& kept = decoder.failure();
    if (!kept || kept->id != failure->id || kept->offset != failure->offset) {
      violation("failure() differs from the error feed returned", index);
    }
    const std::optional<codec::error> again = decoder.feed(input.subspan(fed), sink);
    if (!again || again->id != failure->id || again->offset != failure->offset) {
      violation("a failed stream decoder does not stay failed", index);
    }
    return;
  }
  if (decoder.offset() != whole.consumed) violation("the stream offset differs from the bytes decoded", index);
  if (decoder.mid_packet() != (whole.consumed < input.size())) {
    violation("mid_packet() disagrees with the undecoded tail", index);
  }
  if (decoder.version() != whole.final_version) violation("the stream adopted a different version", index);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const codec::decode_options options = mqtt::fuzz::options_from_selector(data[0]);
  const byte_span input(data + 1, size - 1);

  static whole_decoding whole;
  decode_whole(input, options, whole);
  for (std::size_t i = 0; i < whole.packets.size(); ++i) {
    check_round_trip(whole.packets[i], options, i);
  }
  // One stream decoding per input, in one feed or in chunks as the selector's bit 7 says: both
  // passes on every input cost a fifth of the time for checks the other inputs make anyway.
  check_stream(input, options, whole, mqtt::fuzz::chunked_from_selector(data[0]));
  whole.packets.clear();  // their views point into `data`, which libFuzzer reuses
  return 0;
}
