// Encoding: canonical bytes for any packet. `encode` refuses a packet that breaks a rule of
// the chosen version; `encode_unchecked` and `raw_writer` let the harness put malformed
// bytes on the wire on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "mqtt/codec/error.hpp"
#include "mqtt/codec/packet.hpp"

namespace mqtt::codec {

// Appends the packet's canonical encoding to `out` and returns its size, or the rule the
// packet breaks (then `out` is left as it was). A packet is valid when its encoding decodes
// back to an equal packet under `version`.
result<std::size_t> encode(const packet& p, protocol_version version, std::vector<std::uint8_t>& out);

// Appends the encoding without any check. Fields the version cannot carry are left out;
// lengths beyond 16 bits are truncated as the wire would see them.
std::size_t encode_unchecked(const packet& p, protocol_version version,
                             std::vector<std::uint8_t>& out);

// Encoded size of the packet (fixed header included), as encode_unchecked would write it.
std::size_t encoded_size(const packet& p, protocol_version version);

// Byte-level writer for hand-made packets, including ones no valid encoder would produce.
class raw_writer {
 public:
  explicit raw_writer(std::vector<std::uint8_t>& out) : out_(out) {}
  raw_writer& u8(std::uint8_t v);
  raw_writer& u16(std::uint16_t v);
  raw_writer& u32(std::uint32_t v);
  // Variable Byte Integer; `min_bytes` > the minimal size pads with continuation bytes.
  raw_writer& varint(std::uint32_t v, std::size_t min_bytes = 1);
  raw_writer& string(std::string_view s);  // 16-bit length prefix, no UTF-8 check
  raw_writer& bytes(std::span<const std::uint8_t> b);
  raw_writer& bytes(std::string_view b);
  std::vector<std::uint8_t>& out() { return out_; }

 private:
  std::vector<std::uint8_t>& out_;
};

}  // namespace mqtt::codec
