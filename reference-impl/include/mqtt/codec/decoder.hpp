// Decoding: one complete packet from a buffer, and an incremental stream decoder that
// accepts bytes in any chunking. Decoded strings and payloads are views into the input
// (or, for a packet that arrived split across chunks, into the decoder's own buffer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "mqtt/codec/error.hpp"
#include "mqtt/codec/packet.hpp"

namespace mqtt::codec {

// Who is decoding: decides which statement a too-large packet breaks.
enum class receiver_role : std::uint8_t { server, client };

struct decode_options {
  protocol_version version = protocol_version::v3_1_1;
  // Largest whole packet (fixed header included) accepted, as in 5.0's Maximum Packet Size.
  // Checked against the declared Remaining Length before any byte of the body is buffered.
  std::uint32_t maximum_packet_size = remaining_length_max + fixed_header_size_max;
  receiver_role receiver = receiver_role::server;
  // A stream that begins with CONNECT switches to the CONNECT's protocol level.
  bool adopt_connect_version = true;
};

// What the decoder learnt about a packet besides its content.
struct decode_info {
  // True when re-encoding yields the same bytes: minimal variable byte integers, properties
  // in ascending identifier order, and no optional field written out at its default value.
  bool canonical = true;
};

// The fixed header at the front of `input`.
struct frame {
  std::uint8_t first_byte = 0;
  std::uint32_t remaining_length = 0;
  std::uint8_t header_size = 0;  // 2..5
  std::size_t size() const { return header_size + std::size_t{remaining_length}; }
};

enum class frame_status : std::uint8_t { complete_header, need_more };

// Reads the fixed header at the front of `input`, checks the packet type, flags and the
// declared size against `options`. `need_more` when the header itself is incomplete. A
// CONNECT's flags wait for decode_packet: they may be set in 3.1, which its body names.
result<frame_status> peek_frame(std::span<const std::uint8_t> input, const decode_options& options,
                                frame& out, std::size_t base_offset = 0);

// Decodes exactly one packet: `bytes` holds the fixed header and the whole remaining length.
// Error offsets are `base_offset` + the offset within `bytes`.
result<packet> decode_packet(std::span<const std::uint8_t> bytes, const decode_options& options,
                             decode_info* info = nullptr, std::size_t base_offset = 0);

// Same, decoding into `out` (whose previous content is replaced) to spare a move of the
// packet; returns the error, if any.
std::optional<error> decode_packet_into(std::span<const std::uint8_t> bytes,
                                        const decode_options& options, packet& out,
                                        decode_info* info = nullptr, std::size_t base_offset = 0);

// Incremental decoder for one direction of one connection.
class stream_decoder {
 public:
  explicit stream_decoder(decode_options options = {}) : options_(options) {}

  // Decodes every complete packet in `chunk` (after any bytes kept from earlier chunks),
  // calling sink(const packet&) for each in order. Views passed to the sink stay valid only
  // during the call. Returns the first error; the decoder then stays failed.
  template <class Sink>
  std::optional<error> feed(std::span<const std::uint8_t> chunk, Sink&& sink);

  // True when the input so far ends inside a packet.
  bool mid_packet() const { return !pending_.empty(); }
  std::uint64_t offset() const { return consumed_; }
  // Stream offset and size of the packet most recently passed to the sink.
  std::uint64_t last_packet_offset() const { return consumed_ - last_packet_size_; }
  std::size_t last_packet_size() const { return last_packet_size_; }
  protocol_version version() const { return options_.version; }
  const std::optional<error>& failure() const { return failure_; }
  const decode_options& options() const { return options_; }

 private:
  enum class step : std::uint8_t { packet_ready, need_more, failed };
  step fill_pending(std::span<const std::uint8_t>& chunk);
  step next_in_place(std::span<const std::uint8_t> chunk, std::size_t& size);
  bool decode_at(std::span<const std::uint8_t> bytes);

  decode_options options_;
  std::vector<std::uint8_t> pending_;  // an incomplete packet; never beyond maximum_packet_size
  frame pending_frame_{};
  bool pending_header_known_ = false;
  bool first_packet_ = true;
  std::uint64_t consumed_ = 0;  // stream offset of the first byte not yet decoded
  std::size_t last_packet_size_ = 0;
  std::optional<error> failure_;
  // The packet being handed to the sink. Held only during feed(): an idle connection keeps no
  // packet-sized buffer (about 800 bytes). Between calls it goes back to one spare per thread,
  // so its vectors' capacity is reused by the next feed of any decoder on that thread.
  std::unique_ptr<packet> scratch_;
  struct scratch_lease {
    std::unique_ptr<packet>& held;
    ~scratch_lease();
  };
  packet& scratch();
};

template <class Sink>
std::optional<error> stream_decoder::feed(std::span<const std::uint8_t> chunk, Sink&& sink) {
  if (failure_) return failure_;
  scratch_lease lease{scratch_};
  while (!chunk.empty()) {
    if (!pending_.empty()) {
      step s = fill_pending(chunk);
      if (s == step::failed) return failure_;
      if (s == step::need_more) return std::nullopt;
      if (!decode_at(pending_)) return failure_;
      pending_.clear();
      pending_header_known_ = false;
      sink(static_cast<const packet&>(*scratch_));
      continue;
    }
    std::size_t size = 0;
    step s = next_in_place(chunk, size);
    if (s == step::failed) return failure_;
    if (s == step::need_more) {
      pending_.assign(chunk.begin(), chunk.end());
      // Record what is known of the header so the next chunk continues from it.
      std::span<const std::uint8_t> rest;
      if (fill_pending(rest) == step::failed) return failure_;
      return std::nullopt;
    }
    if (!decode_at(chunk.first(size))) return failure_;
    chunk = chunk.subspan(size);
    sink(static_cast<const packet&>(*scratch_));
  }
  return std::nullopt;
}

}  // namespace mqtt::codec
