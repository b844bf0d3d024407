// Golden vector tests: every vector decodes to its packet and is reported canonical, the
// packet encodes back to exactly the vector's bytes, and the vector decodes the same however
// a stream splits it. The table itself is checked to cover every packet type per version.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "codec/golden_vectors.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"

namespace {

namespace data = boost::unit_test::data;
using namespace mqtt::codec;
using mqtt::test::golden_vector;
using mqtt::test::golden_vectors;

using bytes_view = std::span<const std::uint8_t>;

decode_options options_for(protocol_version v) {
  decode_options options;
  options.version = v;
  return options;
}

template <class T>
std::string error_text(const result<T>& r) {
  return r.ok() ? std::string() : mqtt::test::describe_error(r.err());
}

// Where two byte strings first differ, with a few bytes of context from each.
std::string byte_difference(bytes_view actual, bytes_view expected) {
  std::size_t at = 0;
  while (at < actual.size() && at < expected.size() && actual[at] == expected[at]) ++at;
  std::size_t from = at < 8 ? 0 : at - 8;
  auto window = [from](bytes_view b) {
    std::size_t n = from >= b.size() ? 0 : std::min<std::size_t>(24, b.size() - from);
    return mqtt::test::hex_dump(b.subspan(std::min(from, b.size()), n));
  };
  std::ostringstream os;
  os << "sizes " << actual.size() << " (actual) and " << expected.size()
     << " (expected), first difference at offset " << at << "; from offset " << from
     << "\n  actual:   " << window(actual) << "\n  expected: " << window(expected);
  return os.str();
}

bool same_bytes(bytes_view a, bytes_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// The fixed header size implied by the vector's own bytes: one type byte and a Variable
// Byte Integer whose last byte has the continuation bit clear.
std::size_t header_size_of(bytes_view bytes) {
  std::size_t i = 1;
  while (i < bytes.size() && (bytes[i] & 0x80) != 0) ++i;
  return i + 1;
}

// What a stream decoder produced for one vector fed in some chunking.
struct stream_outcome {
  std::size_t packets = 0;
  std::vector<std::string> mismatches;  // decoded packets that differ from the expected one
  std::optional<error> failure;
  bool mid_packet_at_end = false;
  std::uint64_t offset_at_end = 0;
  std::string problem;  // first inconsistency seen between chunks

  bool ok(std::size_t size) const {
    return packets == 1 && mismatches.empty() && !failure && !mid_packet_at_end &&
           offset_at_end == size && problem.empty();
  }
  std::string describe() const {
    std::ostringstream os;
    os << "packets=" << packets << " mid_packet=" << mid_packet_at_end
       << " offset=" << offset_at_end;
    if (failure) os << " error=" << mqtt::test::describe_error(*failure);
    for (const auto& m : mismatches) os << "\n  decoded " << m;
    if (!problem.empty()) os << "\n  " << problem;
    return os.str();
  }
};

// Feeds `chunks` in order; chunk boundaries are the cut offsets into the vector's bytes.
stream_outcome feed_chunks(const golden_vector& v, const std::vector<std::size_t>& cuts) {
  stream_outcome out;
  stream_decoder decoder(options_for(v.version));
  auto sink = [&](const packet& p) {
    ++out.packets;
    if (!(p == v.expected)) out.mismatches.push_back(mqtt::test::describe_packet(p));
  };
  bytes_view all(v.bytes);
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size() && !out.failure; ++i) {
    std::size_t to = i < cuts.size() ? cuts[i] : all.size();
    out.failure = decoder.feed(all.subspan(from, to - from), sink);
    from = to;
    if (to < all.size() && out.problem.empty()) {
      const std::string at = " after " + std::to_string(to) + " bytes";
      if (out.packets != 0) {
        out.problem = "packet delivered before its last byte" + at;
      } else if (to > 0 && !decoder.mid_packet()) {
        out.problem = "mid_packet() false" + at;
      } else if (decoder.offset() != 0) {
        out.problem = "offset() moved before the packet was complete" + at;
      }
    }
  }
  out.mid_packet_at_end = decoder.mid_packet();
  out.offset_at_end = decoder.offset();
  return out;
}

bool file_name_safe(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string context_of(const golden_vector& v) {
  return std::string(v.name) + " [" + std::string(v.source) + "] bytes: " +
         (v.bytes.size() <= 64 ? mqtt::test::hex_dump(v.bytes)
                               : mqtt::test::hex_dump(bytes_view(v.bytes).first(64)) + " ...");
}

auto vector_indices() { return data::xrange(golden_vectors().size()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(golden)

BOOST_AUTO_TEST_CASE(table_covers_every_packet_type_in_every_version) {
  std::set<std::string_view> names;
  std::set<std::pair<protocol_version, packet_type>> covered;
  for (const golden_vector& v : golden_vectors()) {
    BOOST_TEST_CONTEXT("vector=" << v.name) {
      BOOST_TEST(file_name_safe(v.name));
      BOOST_TEST(names.insert(v.name).second, "name is not unique");
      BOOST_TEST(!v.source.empty());
      BOOST_TEST(!v.bytes.empty());
      covered.insert({v.version, type_of(v.expected)});
      if (const auto* c = std::get_if<connect>(&v.expected)) {
        BOOST_TEST((c->version == v.version), "CONNECT level differs from the vector's version");
      }
      if (v.version != protocol_version::v5) {
        BOOST_TEST((type_of(v.expected) != packet_type::auth), "AUTH exists only in 5.0");
      }
    }
  }
  for (auto version : {protocol_version::v3_1, protocol_version::v3_1_1, protocol_version::v5}) {
    int last = version == protocol_version::v5 ? 15 : 14;
    for (int type = 1; type <= last; ++type) {
      BOOST_TEST_CONTEXT("version=" << to_string(version) << " type=" << type) {
        BOOST_TEST(covered.count({version, static_cast<packet_type>(type)}) == 1u);
      }
    }
  }
}

BOOST_DATA_TEST_CASE(decodes_to_expected_packet, vector_indices(), index) {
  const golden_vector& v = golden_vectors()[index];
  BOOST_TEST_CONTEXT("vector=" << context_of(v)) {
    decode_info info;
    result<packet> decoded = decode_packet(v.bytes, options_for(v.version), &info);
    BOOST_REQUIRE_MESSAGE(decoded.ok(), "decode failed: " << error_text(decoded));
    bool equal = *decoded == v.expected;
    BOOST_CHECK_MESSAGE(equal,
                        "decoded  " << (equal ? "" : mqtt::test::describe_packet(*decoded))
                                    << "\nexpected "
                                    << (equal ? "" : mqtt::test::describe_packet(v.expected)));
    BOOST_TEST(info.canonical, "a golden vector is a canonical encoding");
  }
}

BOOST_DATA_TEST_CASE(encodes_to_vector_bytes, vector_indices(), index) {
  const golden_vector& v = golden_vectors()[index];
  BOOST_TEST_CONTEXT("vector=" << context_of(v)) {
    // encode() appends: a byte already in the buffer must stay in front.
    std::vector<std::uint8_t> out{0xa5};
    result<std::size_t> written = encode(v.expected, v.version, out);
    BOOST_REQUIRE_MESSAGE(written.ok(), "encode refused the packet: " << error_text(written));
    BOOST_TEST(*written == v.bytes.size());
    BOOST_REQUIRE(!out.empty());
    BOOST_TEST(out.front() == 0xa5);
    bytes_view encoded = bytes_view(out).subspan(1);
    bool same = same_bytes(encoded, v.bytes);
    BOOST_CHECK_MESSAGE(same,
                        "encoding differs: " << (same ? "" : byte_difference(encoded, v.bytes)));

    std::vector<std::uint8_t> unchecked;
    std::size_t unchecked_size = encode_unchecked(v.expected, v.version, unchecked);
    BOOST_TEST(unchecked_size == v.bytes.size());
    bool same_unchecked = same_bytes(unchecked, v.bytes);
    BOOST_CHECK_MESSAGE(same_unchecked,
                        "encode_unchecked differs: "
                            << (same_unchecked ? "" : byte_difference(unchecked, v.bytes)));
  }
}

BOOST_DATA_TEST_CASE(encoded_size_matches, vector_indices(), index) {
  const golden_vector& v = golden_vectors()[index];
  BOOST_TEST_CONTEXT("vector=" << context_of(v)) {
    BOOST_TEST(encoded_size(v.expected, v.version) == v.bytes.size());
  }
}

BOOST_DATA_TEST_CASE(stream_decodes_every_two_chunk_split, vector_indices(), index) {
  const golden_vector& v = golden_vectors()[index];
  BOOST_TEST_CONTEXT("vector=" << context_of(v)) {
    for (std::size_t cut = 0; cut <= v.bytes.size(); ++cut) {
      stream_outcome out = feed_chunks(v, {cut});
      if (!out.ok(v.bytes.size())) {
        BOOST_ERROR("split at offset " << cut << ": " << out.describe());
        break;  // one failing split says enough
      }
    }
  }
}

BOOST_DATA_TEST_CASE(stream_decodes_one_byte_at_a_time, vector_indices(), index) {
  const golden_vector& v = golden_vectors()[index];
  BOOST_TEST_CONTEXT("vector=" << context_of(v)) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < v.bytes.size(); ++i) cuts.push_back(i);
    stream_outcome out = feed_chunks(v, cuts);
    BOOST_CHECK_MESSAGE(out.ok(v.bytes.size()), out.describe());
  }
}

BOOST_DATA_TEST_CASE(peek_frame_reads_the_fixed_header, vector_indices(), index) {
  const golden_vector& v = golden_vectors()[index];
  BOOST_TEST_CONTEXT("vector=" << context_of(v)) {
    const decode_options options = options_for(v.version);
    const bytes_view all(v.bytes);
    const std::size_t header_size = header_size_of(all);
    BOOST_TEST(static_cast<unsigned>(v.bytes[0] >> 4) ==
               static_cast<unsigned>(type_of(v.expected)));
    BOOST_TEST(static_cast<unsigned>(v.bytes[0] & 0x0f) ==
               static_cast<unsigned>(fixed_header_flags(v.expected)));

    // The whole packet, and the fixed header alone, both give the complete header.
    for (std::size_t available : {all.size(), header_size}) {
      BOOST_TEST_CONTEXT("bytes available=" << available) {
        frame f;
        result<frame_status> r = peek_frame(all.first(available), options, f);
        BOOST_REQUIRE_MESSAGE(r.ok(), "peek_frame failed: " << error_text(r));
        BOOST_TEST((*r == frame_status::complete_header));
        BOOST_TEST(f.first_byte == v.bytes[0]);
        BOOST_TEST(f.header_size == header_size);
        BOOST_TEST(f.remaining_length == v.bytes.size() - header_size);
        BOOST_TEST(f.size() == v.bytes.size());
      }
    }
    // Any shorter prefix leaves the header incomplete.
    for (std::size_t available = 0; available < header_size; ++available) {
      BOOST_TEST_CONTEXT("bytes available=" << available) {
        frame f;
        result<frame_status> r = peek_frame(all.first(available), options, f);
        BOOST_REQUIRE_MESSAGE(r.ok(), "peek_frame failed: " << error_text(r));
        BOOST_TEST((*r == frame_status::need_more));
      }
    }
  }
}

// Longer encodings the standard also permits decode to the same packet as the golden vector
// but are not canonical: the golden bytes are the shortest form.
BOOST_AUTO_TEST_CASE(longer_permitted_forms_are_not_canonical) {
  struct longer_form {
    std::string_view golden;
    std::string_view hex;
    std::string_view why;
  };
  const longer_form forms[] = {
      {"v5-puback-short", "40 03 00 01 00", "reason code 0 written out (5.0 §3.4.2.1)"},
      {"v5-puback-short", "40 04 00 01 00 00", "reason code 0 and property length 0 written out"},
      {"v5-pubrel-short", "62 04 00 02 00 00", "reason code 0 and property length 0 (§3.6.2.1)"},
      {"v5-puback-no-matching-subscribers", "40 04 00 01 10 00",
       "property length 0 written out (§3.4.2.2.1)"},
      {"v5-disconnect-short", "e0 01 00", "reason code 0 written out (§3.14.2.1)"},
      {"v5-disconnect-short", "e0 02 00 00", "reason code 0 and property length 0 written out"},
      {"v5-disconnect-with-will-message", "e0 02 04 00",
       "property length 0 written out (§3.14.2.2.1)"},
      {"v5-auth-short", "f0 02 00 00", "reason code 0 and property length 0 (§3.15.2.1)"},
      {"v5-publish-qos1-props",
       "32 21 00 03 61 2f 62 00 0a 14"
       "03 00 0a 74 65 78 74 2f 70 6c 61 69 6e 01 01 02 00 00 00 3c"  // content type first
       "68 65 6c 6c 6f",
       "properties out of identifier order (§2.2.2.2 sets no order)"},
      {"v5-disconnect-client-properties",
       "e0 14 04 12 26 00 01 6b 00 01 76 11 00 00 00 3c 1f 00 03 62 79 65",
       "user property before the session expiry interval"},
  };
  for (const longer_form& form : forms) {
    const golden_vector* golden = nullptr;
    for (const golden_vector& v : golden_vectors()) {
      if (v.name == form.golden) golden = &v;
    }
    BOOST_TEST_CONTEXT("golden=" << form.golden << " bytes: " << form.hex << " (" << form.why
                                 << ")") {
      BOOST_REQUIRE(golden != nullptr);
      std::vector<std::uint8_t> bytes = mqtt::test::from_hex(form.hex);
      decode_info info;
      result<packet> decoded = decode_packet(bytes, options_for(golden->version), &info);
      BOOST_REQUIRE_MESSAGE(decoded.ok(), "decode failed: " << error_text(decoded));
      bool equal = *decoded == golden->expected;
      BOOST_CHECK_MESSAGE(equal,
                          "decoded " << (equal ? "" : mqtt::test::describe_packet(*decoded)));
      BOOST_TEST(!info.canonical);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
