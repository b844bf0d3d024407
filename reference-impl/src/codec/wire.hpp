// Internal byte-level reader and size counter shared by the per-packet decoders and
// encoders. The reader records the first violation and turns every later read into a no-op,
// so packet decoders read straight through and check `failed()` where it matters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "mqtt/codec/encoder.hpp"
#include "mqtt/codec/error.hpp"
#include "mqtt/codec/validate.hpp"

namespace mqtt::codec::detail {

class reader {
 public:
  reader(std::span<const std::uint8_t> bytes, protocol_version v, std::size_t base_offset)
      : bytes_(bytes), version_(v), base_(base_offset) {}

  bool failed() const { return failure_.has_value(); }
  const std::optional<error>& failure() const { return failure_; }
  protocol_version version() const { return version_; }
  void set_version(protocol_version v) { version_ = v; }
  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }

  // Records a violation at `at` (an offset within the packet); only the first one counts.
  void fail(rule r, std::size_t at) {
    if (!failure_) failure_ = error{r, version_, base_ + at};
  }
  void mark_not_canonical() { canonical_ = false; }
  bool canonical() const { return canonical_; }

  std::uint8_t u8(rule short_rule = rule::truncated) {
    if (!need(1, short_rule)) return 0;
    return bytes_[pos_++];
  }
  std::uint16_t u16(rule short_rule = rule::truncated) {
    if (!need(2, short_rule)) return 0;
    auto v = static_cast<std::uint16_t>((bytes_[pos_] << 8) | bytes_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32(rule short_rule = rule::truncated) {
    if (!need(4, short_rule)) return 0;
    std::uint32_t v = (std::uint32_t{bytes_[pos_]} << 24) | (std::uint32_t{bytes_[pos_ + 1]} << 16) |
                      (std::uint32_t{bytes_[pos_ + 2]} << 8) | std::uint32_t{bytes_[pos_ + 3]};
    pos_ += 4;
    return v;
  }
  // Variable Byte Integer (section 1.5.5); non-minimal forms are an error from 5.0 on.
  std::uint32_t varint(rule short_rule = rule::truncated);
  // Two-byte length and that many bytes.
  std::string_view binary(rule short_rule = rule::truncated) {
    std::uint16_t n = u16(short_rule);
    if (!need(n, short_rule)) return {};
    std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  // A UTF-8 Encoded String: binary, then checked.
  std::string_view utf8(rule short_rule = rule::truncated) {
    std::size_t start = pos_ + 2;
    std::string_view s = binary(short_rule);
    if (failed()) return {};
    if (auto v = check_utf8(s)) fail(v->id, start + v->offset);
    return s;
  }
  // The rest of the packet, e.g. a PUBLISH payload.
  std::string_view rest() {
    std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), remaining());
    pos_ = bytes_.size();
    return s;
  }
  // A reader over the next n bytes (e.g. a property block); this reader skips them.
  reader sub(std::size_t n) {
    reader r(bytes_.subspan(pos_, n), version_, base_ + pos_);
    pos_ += n;
    return r;
  }
  // Takes the failure and canonical flag of a sub-reader.
  void absorb(const reader& sub) {
    if (sub.failure_ && !failure_) failure_ = sub.failure_;
    if (!sub.canonical_) canonical_ = false;
  }
  void expect_end() {
    if (!failed() && !at_end()) fail(rule::trailing_bytes, pos_);
  }

 private:
  bool need(std::size_t n, rule short_rule) {
    if (failed()) return false;
    if (remaining() < n) {
      fail(short_rule, pos_);
      return false;
    }
    return true;
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  protocol_version version_;
  std::size_t base_;
  bool canonical_ = true;
  std::optional<error> failure_;
};

// Same interface as raw_writer, counting bytes instead of writing them.
class size_counter {
 public:
  size_counter& u8(std::uint8_t) { return add(1); }
  size_counter& u16(std::uint16_t) { return add(2); }
  size_counter& u32(std::uint32_t) { return add(4); }
  size_counter& varint(std::uint32_t v, std::size_t min_bytes = 1);
  size_counter& string(std::string_view s) { return add(2 + s.size()); }
  size_counter& bytes(std::string_view b) { return add(b.size()); }
  std::size_t size() const { return size_; }

 private:
  size_counter& add(std::size_t n) {
    size_ += n;
    return *this;
  }
  std::size_t size_ = 0;
};

std::size_t varint_size(std::uint32_t v);

}  // namespace mqtt::codec::detail
