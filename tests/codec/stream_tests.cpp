// stream_decoder behaviour: packets back to back in any chunking, protocol level adopted from
// the first CONNECT, mid-packet and offset bookkeeping, the Maximum Packet Size check on the
// declared Remaining Length, and errors that stick and carry stream offsets.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "codec/golden_vectors.hpp"
#include "mqtt/codec/decoder.hpp"

namespace {

namespace data = boost::unit_test::data;
using namespace mqtt::codec;
using mqtt::test::from_hex;
using mqtt::test::golden_vector;
using mqtt::test::golden_vectors;

using bytes_view = std::span<const std::uint8_t>;

constexpr protocol_version all_versions[] = {protocol_version::v3_1, protocol_version::v3_1_1,
                                             protocol_version::v5};

// SplitMix64: a fixed, portable sequence for a given seed.
class splitmix64 {
 public:
  explicit splitmix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // In [0, bound); the slight modulo bias does not matter for chunk sizes.
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }

 private:
  std::uint64_t state_;
};

decode_options options_for(protocol_version v) {
  decode_options options;
  options.version = v;
  return options;
}

const golden_vector& vector_named(std::string_view name) {
  for (const golden_vector& v : golden_vectors()) {
    if (v.name == name) return v;
  }
  throw std::invalid_argument("no golden vector named " + std::string(name));
}

std::vector<const golden_vector*> vectors_of(protocol_version version) {
  std::vector<const golden_vector*> out;
  for (const golden_vector& v : golden_vectors()) {
    if (v.version == version) out.push_back(&v);
  }
  return out;
}

std::vector<std::uint8_t> concatenated(const std::vector<const golden_vector*>& vectors) {
  std::vector<std::uint8_t> out;
  for (const golden_vector* v : vectors) out.insert(out.end(), v->bytes.begin(), v->bytes.end());
  return out;
}

// Compares each delivered packet with the next expected one while its views are still valid.
class expecting_sink {
 public:
  explicit expecting_sink(std::vector<const golden_vector*> expected)
      : expected_(std::move(expected)) {}

  void operator()(const packet& p) {
    if (delivered_ >= expected_.size()) {
      note("extra packet " + mqtt::test::describe_packet(p));
    } else if (!(p == expected_[delivered_]->expected)) {
      note("packet " + std::to_string(delivered_) + " (" +
           std::string(expected_[delivered_]->name) + ") decoded as " +
           mqtt::test::describe_packet(p));
    }
    ++delivered_;
  }

  std::size_t delivered() const { return delivered_; }
  const std::string& first_problem() const { return first_problem_; }

 private:
  void note(std::string text) {
    if (first_problem_.empty()) first_problem_ = std::move(text);
  }

  std::vector<const golden_vector*> expected_;
  std::size_t delivered_ = 0;
  std::string first_problem_;
};

std::string error_text(const std::optional<error>& e) {
  return e ? mqtt::test::describe_error(*e) : std::string("none");
}

std::string_view rule_name(rule r) { return info(r).name; }

bool same_error(const error& a, const error& b) {
  return a.id == b.id && a.offset == b.offset && a.version == b.version;
}

// Feeds `bytes` one byte at a time; returns the first error.
template <class Sink>
std::optional<error> feed_bytewise(stream_decoder& decoder, bytes_view bytes, Sink& sink) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (auto e = decoder.feed(bytes.subspan(i, 1), sink)) return e;
  }
  return std::nullopt;
}

auto ignore_packet = [](const packet&) {};

// Total bytes the C library's allocator has handed out and not taken back; 0 where unknown.
std::size_t heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
#else
  return 0;
#endif
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stream)

BOOST_AUTO_TEST_CASE(all_vectors_of_a_version_in_one_feed) {
  for (protocol_version version : all_versions) {
    BOOST_TEST_CONTEXT("version=" << to_string(version)) {
      auto vectors = vectors_of(version);
      auto bytes = concatenated(vectors);
      stream_decoder decoder(options_for(version));
      expecting_sink sink(vectors);
      std::optional<error> e = decoder.feed(bytes, sink);
      BOOST_TEST(!e.has_value(), "error: " << error_text(e));
      BOOST_TEST(sink.delivered() == vectors.size());
      BOOST_TEST(sink.first_problem().empty(), sink.first_problem());
      BOOST_TEST(decoder.offset() == bytes.size());
      BOOST_TEST(!decoder.mid_packet());
      BOOST_TEST(to_string(decoder.version()) == to_string(version));
    }
  }
}

BOOST_DATA_TEST_CASE(all_vectors_of_a_version_in_random_chunks, data::xrange(1, 41), seed) {
  for (protocol_version version : all_versions) {
    BOOST_TEST_CONTEXT("seed=" << seed << " version=" << to_string(version)) {
      splitmix64 rng(static_cast<std::uint64_t>(seed) * 1000 + static_cast<std::uint64_t>(version));
      auto vectors = vectors_of(version);
      auto bytes = concatenated(vectors);
      stream_decoder decoder(options_for(version));
      expecting_sink sink(vectors);
      std::optional<error> e;
      std::size_t from = 0;
      std::size_t chunks = 0;
      while (from < bytes.size() && !e) {
        // Mostly tiny chunks, sometimes a few packets' worth, sometimes a lot at once.
        static constexpr std::uint64_t scale[] = {4, 4, 64, 20000};
        std::size_t size = static_cast<std::size_t>(1 + rng.below(scale[rng.below(4)]));
        size = std::min(size, bytes.size() - from);
        e = decoder.feed(bytes_view(bytes).subspan(from, size), sink);
        from += size;
        ++chunks;
      }
      BOOST_TEST(!e.has_value(), "error: " << error_text(e) << " after " << chunks << " chunks");
      BOOST_TEST(sink.delivered() == vectors.size());
      BOOST_TEST(sink.first_problem().empty(), sink.first_problem());
      BOOST_TEST(decoder.offset() == bytes.size());
      BOOST_TEST(!decoder.mid_packet());
    }
  }
}

BOOST_AUTO_TEST_CASE(offset_counts_bytes_of_complete_packets) {
  auto vectors = vectors_of(protocol_version::v3_1_1);
  auto bytes = concatenated(vectors);
  // Packet boundaries: offset() must be the last boundary at or before the bytes fed.
  std::vector<std::size_t> ends;
  std::size_t end = 0;
  for (const golden_vector* v : vectors) ends.push_back(end += v->bytes.size());

  stream_decoder decoder(options_for(protocol_version::v3_1_1));
  expecting_sink sink(vectors);
  std::size_t boundary = 0;
  std::size_t next_end = 0;
  for (std::size_t fed = 1; fed <= bytes.size(); ++fed) {
    std::optional<error> e = decoder.feed(bytes_view(bytes).subspan(fed - 1, 1), sink);
    BOOST_REQUIRE_MESSAGE(!e, "error at byte " << fed << ": " << error_text(e));
    if (next_end < ends.size() && ends[next_end] == fed) boundary = ends[next_end++];
    if (decoder.offset() != boundary || decoder.mid_packet() != (fed != boundary) ||
        sink.delivered() != next_end) {
      BOOST_ERROR("after " << fed << " bytes: offset()=" << decoder.offset() << " expected "
                           << boundary << ", mid_packet()=" << decoder.mid_packet()
                           << ", packets=" << sink.delivered() << " expected " << next_end);
      break;
    }
  }
  BOOST_TEST(sink.first_problem().empty(), sink.first_problem());
}

BOOST_AUTO_TEST_CASE(mid_packet_when_input_ends_inside_a_packet) {
  const golden_vector& a = vector_named("v311-publish-qos1-figure-3-11");
  const golden_vector& b = vector_named("v311-subscribe-figure-3-23");
  stream_decoder decoder(options_for(protocol_version::v3_1_1));
  BOOST_TEST(!decoder.mid_packet());
  BOOST_TEST(decoder.offset() == 0u);

  // A whole packet and the first three bytes of the next.
  std::vector<std::uint8_t> first(a.bytes);
  first.insert(first.end(), b.bytes.begin(), b.bytes.begin() + 3);
  expecting_sink sink({&a, &b});
  BOOST_TEST(!decoder.feed(first, sink));
  BOOST_TEST(sink.delivered() == 1u);
  BOOST_TEST(decoder.mid_packet());
  BOOST_TEST(decoder.offset() == a.bytes.size());

  BOOST_TEST(!decoder.feed(bytes_view(b.bytes).subspan(3), sink));
  BOOST_TEST(sink.delivered() == 2u);
  BOOST_TEST(!decoder.mid_packet());
  BOOST_TEST(decoder.offset() == a.bytes.size() + b.bytes.size());
  BOOST_TEST(sink.first_problem().empty(), sink.first_problem());

  // Only the first byte of a fixed header.
  stream_decoder header_only(options_for(protocol_version::v3_1_1));
  BOOST_TEST(!header_only.feed(bytes_view(a.bytes).first(1), ignore_packet));
  BOOST_TEST(header_only.mid_packet());
  BOOST_TEST(header_only.offset() == 0u);

  // A complete fixed header and nothing of the body.
  stream_decoder body_missing(options_for(protocol_version::v3_1_1));
  BOOST_TEST(!body_missing.feed(bytes_view(a.bytes).first(2), ignore_packet));
  BOOST_TEST(body_missing.mid_packet());
  BOOST_TEST(body_missing.offset() == 0u);
}

BOOST_AUTO_TEST_CASE(empty_chunk_changes_nothing) {
  const golden_vector& a = vector_named("v311-publish-qos0");
  stream_decoder decoder(options_for(protocol_version::v3_1_1));
  std::size_t packets = 0;
  auto count = [&packets](const packet&) { ++packets; };
  BOOST_TEST(!decoder.feed(bytes_view{}, count));
  BOOST_TEST(!decoder.mid_packet());
  BOOST_TEST(!decoder.feed(bytes_view(a.bytes).first(4), count));
  BOOST_TEST(!decoder.feed(bytes_view{}, count));
  BOOST_TEST(decoder.mid_packet());
  BOOST_TEST(!decoder.feed(bytes_view(a.bytes).subspan(4), count));
  BOOST_TEST(packets == 1u);
  BOOST_TEST(decoder.offset() == a.bytes.size());
}

BOOST_AUTO_TEST_SUITE(version_adoption)

BOOST_AUTO_TEST_CASE(v5_connect_switches_a_default_decoder_to_v5) {
  const golden_vector& connect = vector_named("v5-connect-all-properties");
  const golden_vector& publish = vector_named("v5-publish-all-properties");
  const golden_vector& subscribe = vector_named("v5-subscribe-subscription-identifier");
  stream_decoder decoder;  // default options: 3.1.1
  BOOST_TEST(to_string(decoder.version()) == to_string(protocol_version::v3_1_1));
  expecting_sink sink({&connect, &publish, &subscribe});
  BOOST_TEST(!decoder.feed(connect.bytes, sink));
  BOOST_TEST(to_string(decoder.version()) == to_string(protocol_version::v5));
  // Later packets are read with 5.0 layouts (property lengths).
  BOOST_TEST(!decoder.feed(publish.bytes, sink));
  BOOST_TEST(!feed_bytewise(decoder, subscribe.bytes, sink));
  BOOST_TEST(sink.delivered() == 3u);
  BOOST_TEST(sink.first_problem().empty(), sink.first_problem());
}

BOOST_AUTO_TEST_CASE(v5_connect_split_before_its_level_byte_still_switches) {
  const golden_vector& connect = vector_named("v5-connect-will-properties");
  const golden_vector& suback = vector_named("v5-suback-properties");
  stream_decoder decoder;
  expecting_sink sink({&connect, &suback});
  BOOST_TEST(!feed_bytewise(decoder, connect.bytes, sink));
  BOOST_TEST(to_string(decoder.version()) == to_string(protocol_version::v5));
  BOOST_TEST(!decoder.feed(suback.bytes, sink));
  BOOST_TEST(sink.delivered() == 2u);
  BOOST_TEST(sink.first_problem().empty(), sink.first_problem());
}

BOOST_AUTO_TEST_CASE(v31_connect_switches_a_default_decoder_to_v31) {
  const golden_vector& connect = vector_named("v31-connect-will-user-password");
  const golden_vector& publish = vector_named("v31-publish-qos1");
  stream_decoder decoder;
  expecting_sink sink({&connect, &publish});
  BOOST_TEST(!decoder.feed(connect.bytes, sink));
  BOOST_TEST(to_string(decoder.version()) == to_string(protocol_version::v3_1));
  BOOST_TEST(!decoder.feed(publish.bytes, sink));
  BOOST_TEST(sink.delivered() == 2u);
  BOOST_TEST(sink.first_problem().empty(), sink.first_problem());
}

BOOST_AUTO_TEST_CASE(v311_connect_switches_a_v5_decoder_to_v311) {
  // A 3.1.1 SUBSCRIBE has no property length; read as 5.0 it would decode differently.
  const golden_vector& connect = vector_named("v311-connect-figure-3-6");
  const golden_vector& subscribe = vector_named("v311-subscribe-figure-3-23");
  stream_decoder decoder(options_for(protocol_version::v5));
  expecting_sink sink({&connect, &subscribe});
  BOOST_TEST(!decoder.feed(connect.bytes, sink));
  BOOST_TEST(to_string(decoder.version()) == to_string(protocol_version::v3_1_1));
  BOOST_TEST(!decoder.feed(subscribe.bytes, sink));
  BOOST_TEST(sink.delivered() == 2u);
  BOOST_TEST(sink.first_problem().empty(), sink.first_problem());
}

BOOST_AUTO_TEST_CASE(version_stays_when_the_stream_does_not_begin_with_connect) {
  const golden_vector& connack = vector_named("v5-connack-all-properties");
  stream_decoder decoder(options_for(protocol_version::v5));
  expecting_sink sink({&connack});
  BOOST_TEST(!decoder.feed(connack.bytes, sink));
  BOOST_TEST(to_string(decoder.version()) == to_string(protocol_version::v5));
  BOOST_TEST(sink.delivered() == 1u);
  BOOST_TEST(sink.first_problem().empty(), sink.first_problem());
}

BOOST_AUTO_TEST_CASE(adoption_can_be_turned_off) {
  const golden_vector& connect = vector_named("v311-connect-minimal");
  decode_options options = options_for(protocol_version::v3_1_1);
  options.adopt_connect_version = false;
  stream_decoder decoder(options);
  expecting_sink sink({&connect});
  BOOST_TEST(!decoder.feed(connect.bytes, sink));
  BOOST_TEST(to_string(decoder.version()) == to_string(protocol_version::v3_1_1));
  BOOST_TEST(sink.delivered() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(maximum_packet_size)

// PUBLISH QoS 0 declaring the largest Remaining Length there is, 268,435,455.
const std::vector<std::uint8_t> huge_header = from_hex("30 ff ff ff 7f");

BOOST_AUTO_TEST_CASE(declared_length_over_the_limit_fails_after_the_header) {
  for (receiver_role role : {receiver_role::server, receiver_role::client}) {
    bool server = role == receiver_role::server;
    BOOST_TEST_CONTEXT("receiver=" << (server ? "server" : "client")) {
      decode_options options = options_for(protocol_version::v5);
      options.maximum_packet_size = 1024;
      options.receiver = role;
      stream_decoder decoder(options);
      std::size_t packets = 0;
      auto count = [&packets](const packet&) { ++packets; };
      // Nothing beyond the fixed header is ever fed: the error must come from it alone.
      std::optional<error> e;
      std::size_t fed = 0;
      while (!e && fed < huge_header.size()) {
        e = decoder.feed(bytes_view(huge_header).subspan(fed++, 1), count);
      }
      BOOST_REQUIRE_MESSAGE(e.has_value(), "no error after the whole fixed header");
      const rule too_large =
          server ? rule::packet_too_large_to_server : rule::packet_too_large_to_client;
      BOOST_TEST(rule_name(e->id) == rule_name(too_large));
      BOOST_TEST(e->reason_code() == reason::packet_too_large);
      BOOST_TEST(e->offset < huge_header.size());
      BOOST_TEST(packets == 0u);
      BOOST_TEST(decoder.failure().has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(declared_length_over_the_limit_in_one_feed) {
  decode_options options = options_for(protocol_version::v3_1_1);
  options.maximum_packet_size = 1024;
  stream_decoder decoder(options);
  std::optional<error> e = decoder.feed(huge_header, ignore_packet);
  BOOST_REQUIRE(e.has_value());
  BOOST_TEST(rule_name(e->id) == rule_name(rule::packet_too_large_to_server));
  BOOST_TEST(e->reason_code() == 0x95);

  frame f;
  result<frame_status> peeked = peek_frame(huge_header, options, f);
  BOOST_REQUIRE(!peeked.ok());
  BOOST_TEST(rule_name(peeked.err().id) == rule_name(rule::packet_too_large_to_server));
}

BOOST_AUTO_TEST_CASE(limit_is_the_whole_packet_size) {
  const golden_vector& v = vector_named("v5-publish-qos1-props");
  const std::uint32_t size = static_cast<std::uint32_t>(v.bytes.size());
  for (std::uint32_t limit : {size, size - 1}) {
    BOOST_TEST_CONTEXT("maximum_packet_size=" << limit << " packet size=" << size) {
      decode_options options = options_for(protocol_version::v5);
      options.maximum_packet_size = limit;
      bool fits = limit >= size;

      result<packet> decoded = decode_packet(v.bytes, options);
      BOOST_TEST(decoded.ok() == fits);
      if (!fits && !decoded.ok()) {
        BOOST_TEST(rule_name(decoded.err().id) == rule_name(rule::packet_too_large_to_server));
      }

      stream_decoder decoder(options);
      std::size_t packets = 0;
      auto count = [&packets](const packet&) { ++packets; };
      std::optional<error> e = decoder.feed(v.bytes, count);
      BOOST_TEST(e.has_value() == !fits, "error: " << error_text(e));
      BOOST_TEST(packets == (fits ? 1u : 0u));
      if (e) {
        BOOST_TEST(rule_name(e->id) == rule_name(rule::packet_too_large_to_server));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(huge_declared_length_is_not_allocated_up_front) {
  // With the default limit the header is acceptable; the decoder must wait for the body
  // without reserving room for all of it.
  const std::size_t heap_before = heap_in_use();
  const auto started = std::chrono::steady_clock::now();
  {
    stream_decoder decoder;
    std::size_t packets = 0;
    auto count = [&packets](const packet&) { ++packets; };
    BOOST_TEST(!decoder.feed(huge_header, count));
    BOOST_TEST(decoder.mid_packet());
    BOOST_TEST(!decoder.feed(from_hex("00 03 61 2f 62 68 69"), count));  // topic "a/b", "hi"
    std::vector<std::uint8_t> chunk(100, 0x78);
    for (int i = 0; i < 10; ++i) BOOST_TEST(!decoder.feed(chunk, count));
    BOOST_TEST(decoder.mid_packet());
    BOOST_TEST(decoder.offset() == 0u);
    BOOST_TEST(packets == 0u);
    BOOST_TEST(!decoder.failure().has_value());

    const std::size_t heap_during = heap_in_use();
    if (heap_before != 0 && heap_during > heap_before) {
      BOOST_TEST(heap_during - heap_before < std::size_t{16} << 20,
                 "decoder holds " << (heap_during - heap_before) << " bytes of heap");
    }
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  BOOST_TEST(elapsed < std::chrono::milliseconds(500));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(decoder_stays_failed_with_the_same_error) {
  stream_decoder decoder(options_for(protocol_version::v3_1_1));
  std::size_t packets = 0;
  auto count = [&packets](const packet&) { ++packets; };
  // Packet type 0 is reserved (3.1.1 §2.2.1 Table 2.1).
  std::optional<error> first = decoder.feed(from_hex("00 00"), count);
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(rule_name(first->id) == rule_name(rule::packet_type_reserved));
  BOOST_REQUIRE(decoder.failure().has_value());
  BOOST_TEST(same_error(*decoder.failure(), *first));

  // A valid PINGREQ afterwards is not decoded; the same error comes back, also for no input.
  for (const auto& more : {from_hex("c0 00"), std::vector<std::uint8_t>{}}) {
    std::optional<error> again = decoder.feed(more, count);
    BOOST_REQUIRE(again.has_value());
    BOOST_TEST(same_error(*again, *first), "got " << error_text(again) << ", first was "
                                                  << error_text(first));
  }
  BOOST_TEST(packets == 0u);
}

BOOST_AUTO_TEST_CASE(error_offsets_are_stream_offsets) {
  const golden_vector& a = vector_named("v311-publish-qos1-figure-3-11");
  const std::size_t base = a.bytes.size();
  struct bad_packet {
    std::string_view what;
    std::vector<std::uint8_t> bytes;
    rule id;
    std::size_t offset_min;  // within the bad packet
  };
  const bad_packet cases[] = {
      // PUBLISH with both QoS bits set (MQTT-3.3.1-4): the fault is in the first byte.
      {"publish-qos3", from_hex("36 07 00 03 61 2f 62 00 01"), rule::flags_publish_qos3, 0},
      // PUBLISH topic "a/+" (MQTT-3.3.2-2): the fault is in the body, after the fixed header.
      {"publish-topic-wildcard", from_hex("30 05 00 03 61 2f 2b"), rule::topic_name_wildcard, 2},
  };
  for (const bad_packet& bad : cases) {
    BOOST_TEST_CONTEXT("case=" << bad.what) {
      std::vector<std::uint8_t> stream(a.bytes);
      stream.insert(stream.end(), bad.bytes.begin(), bad.bytes.end());

      stream_decoder whole(options_for(protocol_version::v3_1_1));
      std::size_t packets = 0;
      auto count = [&packets](const packet&) { ++packets; };
      std::optional<error> e1 = whole.feed(stream, count);
      BOOST_REQUIRE(e1.has_value());
      BOOST_TEST(rule_name(e1->id) == rule_name(bad.id), "got " << error_text(e1));
      BOOST_TEST(e1->offset >= base + bad.offset_min);
      BOOST_TEST(e1->offset < stream.size());
      BOOST_TEST(packets == 1u);

      // The same offset when the bad packet arrives in pieces through the decoder's buffer.
      stream_decoder bytewise(options_for(protocol_version::v3_1_1));
      std::optional<error> e2 = feed_bytewise(bytewise, stream, count);
      BOOST_REQUIRE(e2.has_value());
      BOOST_TEST(same_error(*e2, *e1),
                 "bytewise " << error_text(e2) << ", whole " << error_text(e1));

      // decode_packet reports offsets from base_offset.
      result<packet> alone =
          decode_packet(bad.bytes, options_for(protocol_version::v3_1_1), nullptr, 1000);
      BOOST_REQUIRE(!alone.ok());
      BOOST_TEST(rule_name(alone.err().id) == rule_name(bad.id));
      BOOST_TEST(alone.err().offset == 1000 + (e1->offset - base));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
