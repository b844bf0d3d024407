// One test per malformed class: hand-written bytes that break one rule of MQTT 3.1/3.1.1 or
// 5.0, and the rule, statement ID, 5.0 reason code and byte offset the decoder must report.
// Also: encode() refuses invalid packets that encode_unchecked() and raw_writer still emit.
#include <algorithm>
#include <array>
#include <cstdint>
#include <iomanip>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/codec/error.hpp"
#include "mqtt/spec/statements.hpp"

namespace {

using namespace mqtt::codec;
using mqtt::spec::section;

constexpr protocol_version v3_1 = protocol_version::v3_1;
constexpr protocol_version v3_1_1 = protocol_version::v3_1_1;
constexpr protocol_version v5 = protocol_version::v5;

// Every rule this file exercises, compared with all_rules() by the last test case.
constexpr std::array covered_rules{
    rule::packet_type_reserved,
    rule::flags_publish_qos3,
    rule::flags_publish_dup_qos0,
    rule::flags_pubrel,
    rule::flags_subscribe,
    rule::flags_unsubscribe,
    rule::flags_disconnect,
    rule::flags_auth,
    rule::flags_reserved,
    rule::remaining_length_overlong,
    rule::remaining_length_not_minimal,
    rule::variable_integer_overlong,
    rule::variable_integer_not_minimal,
    rule::packet_too_large_to_server,
    rule::packet_too_large_to_client,
    rule::truncated,
    rule::trailing_bytes,
    rule::utf8_ill_formed,
    rule::utf8_surrogate,
    rule::utf8_null,
    rule::packet_id_zero,
    rule::ack_packet_id_zero,
    rule::subscribe_ack_packet_id_zero,
    rule::topic_name_wildcard,
    rule::topic_name_empty,
    rule::topic_filter_empty,
    rule::topic_filter_multi_level,
    rule::topic_filter_single_level,
    rule::share_name_empty,
    rule::share_name_invalid,
    rule::protocol_name,
    rule::protocol_level,
    rule::connect_reserved_flag,
    rule::will_qos_without_will,
    rule::will_retain_without_will,
    rule::will_qos3,
    rule::will_fields_missing,
    rule::password_without_user_name,
    rule::user_name_missing,
    rule::password_missing,
    rule::client_id_missing,
    rule::auth_data_without_method,
    rule::connack_flags_reserved,
    rule::connack_code_invalid,
    rule::connack_session_present_on_error,
    rule::subscribe_empty,
    rule::subscribe_options_reserved,
    rule::subscribe_qos3,
    rule::subscribe_retain_handling3,
    rule::subscribe_no_local_shared,
    rule::unsubscribe_empty,
    rule::suback_code_invalid,
    rule::unsuback_code_invalid,
    rule::puback_code_invalid,
    rule::pubrec_code_invalid,
    rule::pubrel_code_invalid,
    rule::pubcomp_code_invalid,
    rule::disconnect_code_invalid,
    rule::auth_code_invalid,
    rule::property_not_allowed,
    rule::property_duplicate,
    rule::property_boolean_value,
    rule::property_receive_maximum_zero,
    rule::property_maximum_packet_size_zero,
    rule::property_topic_alias_zero,
    rule::property_subscription_identifier_zero,
    rule::property_response_topic_wildcard,
    // Found by encode() only.
    rule::publish_qos0_packet_id,
    rule::string_too_long,
    rule::packet_too_large_to_encode,
    rule::not_representable,
};

// "30 05 00 03 61 2F 2B" -> bytes; spaces are ignored.
std::vector<std::uint8_t> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
    throw std::invalid_argument("not a hex digit");
  };
  std::vector<std::uint8_t> out;
  std::optional<std::uint8_t> high;
  for (char c : hex) {
    if (c == ' ') continue;
    std::uint8_t n = nibble(c);
    if (high) {
      out.push_back(static_cast<std::uint8_t>((*high << 4) | n));
      high.reset();
    } else {
      high = n;
    }
  }
  if (high) throw std::invalid_argument("odd number of hex digits");
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::ostringstream out;
  out << std::uppercase << std::hex << std::setfill('0');
  for (std::size_t i = 0; i < bytes.size(); ++i)
    out << (i ? " " : "") << std::setw(2) << unsigned{bytes[i]};
  return out.str();
}

decode_options options(protocol_version v, receiver_role role = receiver_role::server) {
  decode_options o;
  o.version = v;
  o.receiver = role;
  return o;
}

// Marks an expectation whose statement is not asserted: the rule's single statement belongs to
// another packet than the one the bytes carry (noted where used).
constexpr mqtt::spec::statement_id statement_not_checked{};  // error::statement() is never empty

struct expected {
  rule id;
  mqtt::spec::statement_id statement;
  std::uint8_t reason_code;
  std::size_t offset;
};

enum class through : std::uint8_t { packet_and_stream, packet_only };

void check_error(const error& e, const expected& want, std::size_t offset_shift) {
  BOOST_TEST(info(e.id).name == info(want.id).name);
  if (want.statement != statement_not_checked) BOOST_TEST(e.statement() == want.statement);
  BOOST_TEST(unsigned{e.reason_code()} == unsigned{want.reason_code});
  BOOST_TEST(e.offset == want.offset + offset_shift);
}

// Decodes `hex` as one packet and checks the error. Unless told otherwise, also feeds a
// PINGREQ and then the same bytes to a stream_decoder, whose error offset counts from the
// start of the stream.
void check_malformed(const decode_options& o, std::string_view hex, const expected& want,
                     through path = through::packet_and_stream) {
  std::vector<std::uint8_t> bytes = from_hex(hex);
  BOOST_TEST_CONTEXT("version=" << to_string(o.version) << " bytes=" << to_hex(bytes)) {
    result<packet> r = decode_packet(bytes, o);
    if (r.ok()) {
      BOOST_ERROR("decoded without error as " << to_string(type_of(r.value())));
      return;
    }
    check_error(r.err(), want, 0);
    if (path == through::packet_only) return;

    BOOST_TEST_CONTEXT("through stream_decoder after a PINGREQ") {
      std::vector<std::uint8_t> stream = from_hex("C0 00");
      stream.insert(stream.end(), bytes.begin(), bytes.end());
      stream_decoder decoder(o);
      std::size_t delivered = 0;
      std::optional<error> e = decoder.feed(stream, [&](const packet&) { ++delivered; });
      BOOST_TEST(delivered == 1u);
      if (!e) {
        BOOST_ERROR("stream decoder did not fail");
        return;
      }
      check_error(*e, want, 2);
    }
  }
}

void check_malformed(protocol_version v, std::string_view hex, const expected& want,
                     through path = through::packet_and_stream) {
  check_malformed(options(v), hex, want, path);
}

// A successful decode; `bytes` owns what the views in `value` point at.
struct decoded {
  std::vector<std::uint8_t> bytes;
  std::optional<packet> value;
  decode_info info;
};

decoded decode_hex(const decode_options& o, std::string_view hex) {
  decoded d;
  d.bytes = from_hex(hex);
  d.info.canonical = true;
  result<packet> r = decode_packet(d.bytes, o, &d.info);
  if (r.ok()) {
    d.value = r.value();
  } else {
    BOOST_ERROR("bytes " << hex << " failed to decode: " << r.err().details().name << " at offset "
                         << r.err().offset);
  }
  return d;
}

decoded decode_hex(protocol_version v, std::string_view hex) { return decode_hex(options(v), hex); }

template <class T>
const T* as(const decoded& d) {
  return d.value ? std::get_if<T>(&*d.value) : nullptr;
}

constexpr std::uint8_t malformed_packet = reason::malformed_packet;
constexpr std::uint8_t protocol_error = reason::protocol_error;

}  // namespace

BOOST_AUTO_TEST_SUITE(malformed)

// --- fixed header ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(packet_type_reserved__section_2_2_1__section_2_1_2) {
  check_malformed(v3_1_1, "00 00",
                  {rule::packet_type_reserved, section("§2.2.1"), malformed_packet, 0});
  check_malformed(v5, "00 00",
                  {rule::packet_type_reserved, section("§2.1.2"), malformed_packet, 0});
  // AUTH (15) exists from 5.0 on; before that the value is reserved.
  check_malformed(v3_1_1, "F0 00",
                  {rule::packet_type_reserved, section("§2.2.1"), malformed_packet, 0});
  check_malformed(v3_1, "F0 00",
                  {rule::packet_type_reserved, section("§2.2.1"), malformed_packet, 0});
  decoded auth_v5 = decode_hex(v5, "F0 00");
  BOOST_TEST(as<auth>(auth_v5) != nullptr);
}

BOOST_AUTO_TEST_CASE(flags_publish_qos3__MQTT_3_3_1_4) {
  check_malformed(v3_1_1, "36 05 00 01 61 00 01",
                  {rule::flags_publish_qos3, "MQTT-3.3.1-4", malformed_packet, 0});
  check_malformed(v3_1_1, "3F 05 00 01 61 00 01",
                  {rule::flags_publish_qos3, "MQTT-3.3.1-4", malformed_packet, 0});
  check_malformed(v5, "36 06 00 01 61 00 01 00",
                  {rule::flags_publish_qos3, "MQTT-3.3.1-4", malformed_packet, 0});
}

BOOST_AUTO_TEST_CASE(flags_publish_dup_qos0__MQTT_3_3_1_2) {
  check_malformed(v3_1_1, "38 03 00 01 61",
                  {rule::flags_publish_dup_qos0, "MQTT-3.3.1-2", malformed_packet, 0});
  check_malformed(v3_1_1, "39 03 00 01 61",
                  {rule::flags_publish_dup_qos0, "MQTT-3.3.1-2", malformed_packet, 0});
  check_malformed(v5, "38 04 00 01 61 00",
                  {rule::flags_publish_dup_qos0, "MQTT-3.3.1-2", malformed_packet, 0});
}

BOOST_AUTO_TEST_CASE(flags_pubrel__MQTT_3_6_1_1) {
  check_malformed(v3_1_1, "60 02 00 01", {rule::flags_pubrel, "MQTT-3.6.1-1", malformed_packet, 0});
  check_malformed(v3_1_1, "63 02 00 01", {rule::flags_pubrel, "MQTT-3.6.1-1", malformed_packet, 0});
  check_malformed(v5, "60 02 00 01", {rule::flags_pubrel, "MQTT-3.6.1-1", malformed_packet, 0});
  BOOST_TEST(as<pubrel>(decode_hex(v3_1_1, "62 02 00 01")) != nullptr);
}

BOOST_AUTO_TEST_CASE(flags_subscribe__MQTT_3_8_1_1) {
  check_malformed(v3_1_1, "80 06 00 01 00 01 61 00",
                  {rule::flags_subscribe, "MQTT-3.8.1-1", malformed_packet, 0});
  check_malformed(v3_1_1, "8A 06 00 01 00 01 61 00",
                  {rule::flags_subscribe, "MQTT-3.8.1-1", malformed_packet, 0});
  check_malformed(v5, "80 07 00 01 00 00 01 61 00",
                  {rule::flags_subscribe, "MQTT-3.8.1-1", malformed_packet, 0});
}

BOOST_AUTO_TEST_CASE(flags_unsubscribe__MQTT_3_10_1_1) {
  check_malformed(v3_1_1, "A0 05 00 01 00 01 61",
                  {rule::flags_unsubscribe, "MQTT-3.10.1-1", malformed_packet, 0});
  check_malformed(v3_1_1, "A3 05 00 01 00 01 61",
                  {rule::flags_unsubscribe, "MQTT-3.10.1-1", malformed_packet, 0});
  check_malformed(v5, "A0 06 00 01 00 00 01 61",
                  {rule::flags_unsubscribe, "MQTT-3.10.1-1", malformed_packet, 0});
}

BOOST_AUTO_TEST_CASE(flags_disconnect__MQTT_3_14_1_1) {
  check_malformed(v3_1_1, "E1 00", {rule::flags_disconnect, "MQTT-3.14.1-1", malformed_packet, 0});
  check_malformed(v3_1_1, "E2 00", {rule::flags_disconnect, "MQTT-3.14.1-1", malformed_packet, 0});
  check_malformed(v5, "E8 00", {rule::flags_disconnect, "MQTT-3.14.1-1", malformed_packet, 0});
}

BOOST_AUTO_TEST_CASE(flags_auth__MQTT_3_15_1_1) {
  check_malformed(v5, "F1 00", {rule::flags_auth, "MQTT-3.15.1-1", malformed_packet, 0});
  check_malformed(v5, "F2 00", {rule::flags_auth, "MQTT-3.15.1-1", malformed_packet, 0});
}

// Table 2.2 (3.1.1) / Table 2-2 (5.0): every other type has flags 0000. The reserved bits
// "MUST be set to the value listed" is MQTT-2.2.2-1 in 3.1.1 and MQTT-2.1.3-1 in 5.0.
BOOST_AUTO_TEST_CASE(flags_reserved__MQTT_2_2_2_1__MQTT_2_1_3_1) {
  const expected v311{rule::flags_reserved, "MQTT-2.2.2-1", malformed_packet, 0};
  check_malformed(v3_1_1, "11 0D 00 04 4D 51 54 54 04 02 00 3C 00 01 63", v311);
  check_malformed(v3_1_1, "22 02 00 00", v311);
  check_malformed(v3_1_1, "42 02 00 01", v311);
  check_malformed(v3_1_1, "58 02 00 01", v311);
  check_malformed(v3_1_1, "71 02 00 01", v311);
  check_malformed(v3_1_1, "92 03 00 01 00", v311);
  check_malformed(v3_1_1, "B2 02 00 01", v311);
  check_malformed(v3_1_1, "C1 00", v311);
  check_malformed(v3_1_1, "D4 00", v311);
  // CONNECT flags are checked with its protocol level (3.1 has no such rule), yet reported
  // at byte 0 like every other, whenever the CONNECT is not a 3.1 one.
  check_malformed(v3_1_1, "18 0F 00 06 4D 51 49 73 64 70 04 02 00 3C 00 01 63", v311);  // MQIsdp 4
  check_malformed(v3_1_1, "11 0D 00 04 4D 51 54 58 04 02 00 3C 00 01 63", v311);  // MQTX
  check_malformed(v3_1_1, "11 03 00 06 4D", v311);  // too short to name a protocol
  const expected v50{rule::flags_reserved, "MQTT-2.1.3-1", malformed_packet, 0};
  check_malformed(v5, "12 0E 00 04 4D 51 54 54 05 02 00 3C 00 00 01 63", v50);
  check_malformed(v5, "C2 00", v50);
  check_malformed(v5, "24 03 00 00 00", v50);
  check_malformed(v5, "48 02 00 01", v50);
}

// --- lengths and Variable Byte Integers --------------------------------------------------------

// At most four bytes (3.1.1 section 2.2.3, 5.0 section 1.5.5); the error points at the fourth
// byte, whose continuation bit asks for a fifth.
BOOST_AUTO_TEST_CASE(remaining_length_overlong__section_2_2_3__section_1_5_5) {
  check_malformed(v3_1_1, "30 FF FF FF FF 01",
                  {rule::remaining_length_overlong, section("§2.2.3"), malformed_packet, 4});
  check_malformed(v3_1_1, "C0 80 80 80 80 00",
                  {rule::remaining_length_overlong, section("§2.2.3"), malformed_packet, 4});
  check_malformed(v5, "C0 80 80 80 80 00",
                  {rule::remaining_length_overlong, section("§1.5.5"), malformed_packet, 4});
  // Known from the header alone: no need to wait for a body that can never be valid.
  std::vector<std::uint8_t> header = from_hex("30 FF FF FF FF");
  frame f;
  result<frame_status> status = peek_frame(header, options(v3_1_1), f);
  BOOST_TEST_REQUIRE(!status.ok());
  BOOST_TEST(info(status.err().id).name == "remaining_length_overlong");
}

BOOST_AUTO_TEST_CASE(remaining_length_not_minimal__MQTT_1_5_5_1) {
  check_malformed(v5, "C0 80 00",
                  {rule::remaining_length_not_minimal, "MQTT-1.5.5-1", malformed_packet, 1});
  check_malformed(v5, "30 84 00 00 01 61 00",
                  {rule::remaining_length_not_minimal, "MQTT-1.5.5-1", malformed_packet, 1});
  check_malformed(v5, "D0 80 80 80 00",
                  {rule::remaining_length_not_minimal, "MQTT-1.5.5-1", malformed_packet, 1});
  // A broker reads the first packet before it knows the version: the header of a 5.0 CONNECT
  // is held to 5.0's rule once the CONNECT names level 5 (the network fuzzer found it accepted).
  check_malformed(v3_1_1, "10 8D 80 80 00 00 04 4D 51 54 54 05 02 00 3C 00 00 00",
                  {rule::remaining_length_not_minimal, "MQTT-1.5.5-1", malformed_packet, 1}, through::packet_only);
  // 3.1.1 does not require the minimal form: accepted, but flagged as not canonical.
  decoded ping = decode_hex(v3_1_1, "C0 80 00");
  BOOST_TEST(as<pingreq>(ping) != nullptr);
  BOOST_TEST(!ping.info.canonical);
  decoded pub = decode_hex(v3_1_1, "30 83 00 00 01 61");
  BOOST_TEST_REQUIRE(as<publish>(pub) != nullptr);
  BOOST_TEST(as<publish>(pub)->topic == "a");
  BOOST_TEST(!pub.info.canonical);
  decoded minimal = decode_hex(v3_1_1, "30 03 00 01 61");
  BOOST_TEST(minimal.info.canonical);
}

BOOST_AUTO_TEST_CASE(variable_integer_overlong__section_1_5_5) {
  // Property Length of DISCONNECT.
  check_malformed(v5, "E0 06 00 80 80 80 80 01",
                  {rule::variable_integer_overlong, section("§1.5.5"), malformed_packet, 6});
  // Subscription Identifier of SUBSCRIBE.
  check_malformed(v5, "82 0D 00 01 06 0B 80 80 80 80 01 00 01 61 00",
                  {rule::variable_integer_overlong, section("§1.5.5"), malformed_packet, 9});
}

BOOST_AUTO_TEST_CASE(variable_integer_not_minimal__MQTT_1_5_5_1) {
  // Property Length 0 written in two bytes.
  check_malformed(v5, "E0 03 00 80 00",
                  {rule::variable_integer_not_minimal, "MQTT-1.5.5-1", malformed_packet, 3});
  // Subscription Identifier 1 written in two bytes.
  check_malformed(v5, "82 0A 00 01 03 0B 81 00 00 01 61 00",
                  {rule::variable_integer_not_minimal, "MQTT-1.5.5-1", malformed_packet, 6});
  check_malformed(v5, "30 07 00 01 61 03 0B 81 00",
                  {rule::variable_integer_not_minimal, "MQTT-1.5.5-1", malformed_packet, 7});
  // 128 needs two bytes: minimal.
  decoded sub = decode_hex(v5, "82 0A 00 01 03 0B 80 01 00 01 61 00");
  BOOST_TEST_REQUIRE(as<subscribe>(sub) != nullptr);
  BOOST_TEST(as<subscribe>(sub)->props.subscription_identifiers == std::vector<std::uint32_t>{128});
}

// The limit is decode_options::maximum_packet_size (5.0 Maximum Packet Size); the error points
// at the Remaining Length that declares the size.
BOOST_AUTO_TEST_CASE(packet_too_large_to_server__MQTT_3_2_2_15) {
  decode_options o = options(v5, receiver_role::server);
  o.maximum_packet_size = 16;
  const std::string big =
      "30 12 00 01 61 00 41 41 41 41 41 41 41 41 41 41 41 41 41 41";  // 20 bytes
  check_malformed(o, big,
                  {rule::packet_too_large_to_server, "MQTT-3.2.2-15", reason::packet_too_large, 1});
  decoded at_limit = decode_hex(o, "30 0E 00 01 61 00 41 41 41 41 41 41 41 41 41 41");  // 16 bytes
  BOOST_TEST(as<publish>(at_limit) != nullptr);
  // The same limit applies to a 3.1.1 receiver.
  decode_options o311 = options(v3_1_1, receiver_role::server);
  o311.maximum_packet_size = 16;
  check_malformed(
      o311, "30 11 00 01 61 41 41 41 41 41 41 41 41 41 41 41 41 41 41",
      {rule::packet_too_large_to_server, statement_not_checked, reason::packet_too_large, 1});
  // Refused from the fixed header alone, before any of the body is buffered.
  std::vector<std::uint8_t> header = from_hex("30 FF FF 7F");
  frame f;
  result<frame_status> status = peek_frame(header, o, f);
  BOOST_TEST_REQUIRE(!status.ok());
  BOOST_TEST(info(status.err().id).name == "packet_too_large_to_server");
  stream_decoder decoder(o);
  std::optional<error> e = decoder.feed(header, [](const packet&) {});
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(info(e->id).name == "packet_too_large_to_server");
}

BOOST_AUTO_TEST_CASE(packet_too_large_to_client__MQTT_3_1_2_24) {
  decode_options o = options(v5, receiver_role::client);
  o.maximum_packet_size = 16;
  check_malformed(o, "30 12 00 01 61 00 41 41 41 41 41 41 41 41 41 41 41 41 41 41",
                  {rule::packet_too_large_to_client, "MQTT-3.1.2-24", reason::packet_too_large, 1});
  check_malformed(o, "90 0F 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00",
                  {rule::packet_too_large_to_client, "MQTT-3.1.2-24", reason::packet_too_large, 1});
}

// The Remaining Length says where the packet ends (3.1.1 section 2.2.3, 5.0 section 2.1.4):
// a field that runs past it is truncated.
BOOST_AUTO_TEST_CASE(truncated__section_2_2_3__section_2_1_4) {
  check_malformed(v3_1_1, "40 01 00", {rule::truncated, section("§2.2.3"), malformed_packet, 2});
  check_malformed(v3_1_1, "30 03 00 05 61",
                  {rule::truncated, section("§2.2.3"), malformed_packet, 4});
  check_malformed(v3_1_1, "82 05 00 01 00 01 61",
                  {rule::truncated, section("§2.2.3"), malformed_packet, 7});
  check_malformed(v3_1_1, "10 05 00 04 4D 51 54",
                  {rule::truncated, section("§2.2.3"), malformed_packet, 4});
  check_malformed(v5, "40 01 00", {rule::truncated, section("§2.1.4"), malformed_packet, 2});
  // Property Length beyond the end of the packet.
  check_malformed(v5, "30 05 00 01 61 05 01",
                  {rule::truncated, section("§2.1.4"), malformed_packet, 5});
  // A four-byte property value with one byte left.
  check_malformed(v5, "30 06 00 01 61 02 02 00",
                  {rule::truncated, section("§2.1.4"), malformed_packet, 7});
  // Fewer bytes than the Remaining Length announces, given to decode_packet as a whole packet
  // (a stream decoder would wait for the rest).
  check_malformed(v3_1_1, "30 05 00 01 61",
                  {rule::truncated, section("§2.2.3"), malformed_packet, 5},
                  through::packet_only);
}

BOOST_AUTO_TEST_CASE(trailing_bytes__section_2_2_3__section_2_1_4) {
  check_malformed(v3_1_1, "C0 01 00",
                  {rule::trailing_bytes, section("§2.2.3"), malformed_packet, 2});
  check_malformed(v3_1_1, "D0 01 00",
                  {rule::trailing_bytes, section("§2.2.3"), malformed_packet, 2});
  check_malformed(v3_1_1, "E0 01 00",
                  {rule::trailing_bytes, section("§2.2.3"), malformed_packet, 2});
  check_malformed(v3_1_1, "40 03 00 01 00",
                  {rule::trailing_bytes, section("§2.2.3"), malformed_packet, 4});
  check_malformed(v3_1_1, "20 03 00 00 00",
                  {rule::trailing_bytes, section("§2.2.3"), malformed_packet, 4});
  check_malformed(v3_1_1, "B0 03 00 01 00",
                  {rule::trailing_bytes, section("§2.2.3"), malformed_packet, 4});
  check_malformed(v3_1_1, "10 0E 00 04 4D 51 54 54 04 02 00 3C 00 01 63 00",
                  {rule::trailing_bytes, section("§2.2.3"), malformed_packet, 15});
  check_malformed(v5, "C0 01 00", {rule::trailing_bytes, section("§2.1.4"), malformed_packet, 2});
  check_malformed(v5, "20 04 00 00 00 00",
                  {rule::trailing_bytes, section("§2.1.4"), malformed_packet, 5});
  // More bytes than one packet, given to decode_packet (a stream decoder would see two).
  check_malformed(v3_1_1, "C0 00 C0 00",
                  {rule::trailing_bytes, section("§2.2.3"), malformed_packet, 2},
                  through::packet_only);
}

// Valid 5.0 forms that a canonical encoder would not write: accepted, flagged as not canonical.
BOOST_AUTO_TEST_CASE(non_canonical_forms_are_accepted_and_flagged) {
  for (std::string_view hex : {
           "40 03 00 01 00",                    // PUBACK reason code 0 written out
           "40 04 00 01 00 00",                 // ... and an empty property list
           "40 04 00 01 10 00",                 // empty property list after a non-zero reason code
           "E0 01 00",                          // DISCONNECT reason code 0 written out
           "E0 02 00 00",                       // ... and an empty property list
           "F0 02 00 00",                       // AUTH likewise
           "30 09 00 01 61 05 23 00 01 01 01",  // properties not in identifier order
       }) {
    BOOST_TEST_CONTEXT("bytes=" << hex) {
      decoded d = decode_hex(v5, hex);
      BOOST_TEST(d.value.has_value());
      BOOST_TEST(!d.info.canonical);
    }
  }
}

// --- UTF-8 ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(utf8_ill_formed__MQTT_1_5_3_1__MQTT_1_5_4_1) {
  const expected at4{rule::utf8_ill_formed, "MQTT-1.5.3-1", malformed_packet, 4};
  check_malformed(v3_1_1, "30 04 00 02 C3 28", at4);        // bad continuation byte
  check_malformed(v3_1_1, "30 04 00 02 C0 80", at4);        // overlong U+0000
  check_malformed(v3_1_1, "30 04 00 02 C1 BF", at4);        // overlong U+007F
  check_malformed(v3_1_1, "30 05 00 03 E0 80 AF", at4);     // overlong three-byte form
  check_malformed(v3_1_1, "30 06 00 04 F0 80 80 AF", at4);  // overlong four-byte form
  check_malformed(v3_1_1, "30 06 00 04 F4 90 80 80", at4);  // U+110000, beyond U+10FFFF
  check_malformed(v3_1_1, "30 06 00 04 F5 80 80 80", at4);  // lead byte beyond F4
  check_malformed(v3_1_1, "30 04 00 02 E2 82", at4);        // sequence cut short
  check_malformed(v3_1_1, "30 03 00 01 80", at4);           // lone continuation byte
  check_malformed(v3_1_1, "30 03 00 01 FF", at4);
  check_malformed(v3_1_1, "30 06 00 04 61 62 C3 28",
                  {rule::utf8_ill_formed, "MQTT-1.5.3-1", malformed_packet, 6});
  check_malformed(v3_1_1, "30 05 00 03 61 E2 82",
                  {rule::utf8_ill_formed, "MQTT-1.5.3-1", malformed_packet, 5});
  // In a topic filter and, in 5.0, in a Client Identifier and a User Property value.
  check_malformed(v3_1_1, "82 07 00 01 00 02 C0 80 00",
                  {rule::utf8_ill_formed, "MQTT-1.5.3-1", malformed_packet, 6});
  check_malformed(v5, "30 05 00 02 C0 80 00",
                  {rule::utf8_ill_formed, "MQTT-1.5.4-1", malformed_packet, 4});
  check_malformed(v5, "10 0F 00 04 4D 51 54 54 05 02 00 3C 00 00 02 C3 28",
                  {rule::utf8_ill_formed, "MQTT-1.5.4-1", malformed_packet, 15});
  check_malformed(v5, "30 0C 00 01 61 08 26 00 01 6B 00 02 C0 80",
                  {rule::utf8_ill_formed, "MQTT-1.5.4-1", malformed_packet, 12});
}

BOOST_AUTO_TEST_CASE(utf8_surrogate__MQTT_1_5_3_1__MQTT_1_5_4_1) {
  check_malformed(v3_1_1, "30 05 00 03 ED A0 80",
                  {rule::utf8_surrogate, "MQTT-1.5.3-1", malformed_packet, 4});  // U+D800
  check_malformed(v3_1_1, "30 05 00 03 ED BF BF",
                  {rule::utf8_surrogate, "MQTT-1.5.3-1", malformed_packet, 4});  // U+DFFF
  check_malformed(v5, "30 06 00 03 ED A0 80 00",
                  {rule::utf8_surrogate, "MQTT-1.5.4-1", malformed_packet, 4});
  check_malformed(v5, "30 07 00 04 61 ED B0 80 00",
                  {rule::utf8_surrogate, "MQTT-1.5.4-1", malformed_packet, 5});
  // The neighbours of the surrogate block are ordinary characters.
  decoded below = decode_hex(v3_1_1, "30 05 00 03 ED 9F BF");  // U+D7FF
  BOOST_TEST(as<publish>(below) != nullptr);
  decoded above = decode_hex(v3_1_1, "30 05 00 03 EE 80 80");  // U+E000
  BOOST_TEST(as<publish>(above) != nullptr);
}

BOOST_AUTO_TEST_CASE(utf8_null__MQTT_1_5_3_2__MQTT_1_5_4_2) {
  check_malformed(v3_1_1, "30 05 00 03 61 00 62",
                  {rule::utf8_null, "MQTT-1.5.3-2", malformed_packet, 5});
  check_malformed(v3_1_1, "10 11 00 04 4D 51 54 54 04 82 00 3C 00 01 63 00 02 75 00",
                  {rule::utf8_null, "MQTT-1.5.3-2", malformed_packet, 18});  // user name
  check_malformed(v5, "30 06 00 03 61 00 62 00",
                  {rule::utf8_null, "MQTT-1.5.4-2", malformed_packet, 5});
  check_malformed(v5, "10 0F 00 04 4D 51 54 54 05 02 00 3C 00 00 02 61 00",
                  {rule::utf8_null, "MQTT-1.5.4-2", malformed_packet, 16});  // client identifier
}

// U+FEFF (EF BB BF) is an ordinary character wherever it appears: kept, never stripped.
BOOST_AUTO_TEST_CASE(utf8_bom_kept__MQTT_1_5_3_3__MQTT_1_5_4_3) {
  const std::string bom = "\xEF\xBB\xBF";
  decoded alone = decode_hex(v3_1_1, "30 05 00 03 EF BB BF");
  BOOST_TEST_REQUIRE(as<publish>(alone) != nullptr);
  BOOST_TEST(as<publish>(alone)->topic == bom);
  decoded inside = decode_hex(v5, "30 08 00 05 61 EF BB BF 62 00");
  BOOST_TEST_REQUIRE(as<publish>(inside) != nullptr);
  BOOST_TEST(as<publish>(inside)->topic == "a" + bom + "b");
  decoded client_id = decode_hex(v5, "10 11 00 04 4D 51 54 54 05 02 00 3C 00 00 04 EF BB BF 63");
  BOOST_TEST_REQUIRE(as<connect>(client_id) != nullptr);
  BOOST_TEST(as<connect>(client_id)->client_id == bom + "c");
}

// --- packet identifiers ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(packet_id_zero__MQTT_2_3_1_1__MQTT_2_2_1_3) {
  const expected v311{rule::packet_id_zero, "MQTT-2.3.1-1", malformed_packet, 0};
  const expected v50{rule::packet_id_zero, "MQTT-2.2.1-3", malformed_packet, 0};
  auto at = [](expected e, std::size_t offset) {
    e.offset = offset;
    return e;
  };
  check_malformed(v3_1_1, "32 05 00 01 61 00 00", at(v311, 5));
  check_malformed(v3_1_1, "34 05 00 01 61 00 00", at(v311, 5));
  check_malformed(v3_1_1, "82 06 00 00 00 01 61 00", at(v311, 2));
  check_malformed(v3_1_1, "A2 05 00 00 00 01 61", at(v311, 2));
  check_malformed(v5, "32 06 00 01 61 00 00 00", at(v50, 5));
  check_malformed(v5, "82 07 00 00 00 00 01 61 00", at(v50, 2));
  check_malformed(v5, "A2 06 00 00 00 00 01 61", at(v50, 2));
}

// PUBACK, PUBREC, PUBREL (and PUBCOMP) echo the PUBLISH's identifier, which is never 0.
BOOST_AUTO_TEST_CASE(ack_packet_id_zero__MQTT_2_3_1_6__MQTT_2_2_1_5) {
  for (std::string_view hex : {"40 02 00 00", "50 02 00 00", "62 02 00 00", "70 02 00 00"}) {
    check_malformed(v3_1_1, hex, {rule::ack_packet_id_zero, "MQTT-2.3.1-6", malformed_packet, 2});
    check_malformed(v5, hex, {rule::ack_packet_id_zero, "MQTT-2.2.1-5", malformed_packet, 2});
  }
}

// SUBACK and UNSUBACK echo the SUBSCRIBE's or UNSUBSCRIBE's identifier: a statement of its own.
BOOST_AUTO_TEST_CASE(subscribe_ack_packet_id_zero__MQTT_2_3_1_7__MQTT_2_2_1_6) {
  check_malformed(v3_1_1, "90 03 00 00 00",
                  {rule::subscribe_ack_packet_id_zero, "MQTT-2.3.1-7", malformed_packet, 2});
  check_malformed(v3_1_1, "B0 02 00 00",
                  {rule::subscribe_ack_packet_id_zero, "MQTT-2.3.1-7", malformed_packet, 2});
  check_malformed(v5, "90 04 00 00 00 00",
                  {rule::subscribe_ack_packet_id_zero, "MQTT-2.2.1-6", malformed_packet, 2});
  check_malformed(v5, "B0 04 00 00 00 00",
                  {rule::subscribe_ack_packet_id_zero, "MQTT-2.2.1-6", malformed_packet, 2});
}

// --- topic names and filters ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(topic_name_wildcard__MQTT_3_3_2_2) {
  check_malformed(v3_1_1, "30 05 00 03 61 2F 2B",
                  {rule::topic_name_wildcard, "MQTT-3.3.2-2", malformed_packet, 6});
  check_malformed(v3_1_1, "30 03 00 01 23",
                  {rule::topic_name_wildcard, "MQTT-3.3.2-2", malformed_packet, 4});
  check_malformed(v3_1_1, "30 05 00 03 61 2B 62",
                  {rule::topic_name_wildcard, "MQTT-3.3.2-2", malformed_packet, 5});
  check_malformed(v5, "30 06 00 03 61 2F 23 00",
                  {rule::topic_name_wildcard, "MQTT-3.3.2-2", malformed_packet, 6});
  // A Will Topic is a topic name too; its statement is MQTT-4.7.1-1 (3.1.1) / MQTT-4.7.0-1
  // (5.0), not the PUBLISH one the rule carries.
  check_malformed(v3_1_1, "10 15 00 04 4D 51 54 54 04 06 00 3C 00 01 63 00 03 61 2F 23 00 01 70",
                  {rule::topic_name_wildcard, statement_not_checked, malformed_packet, 19});
}

BOOST_AUTO_TEST_CASE(topic_name_empty__MQTT_4_7_3_1) {
  check_malformed(v3_1_1, "30 02 00 00",
                  {rule::topic_name_empty, "MQTT-4.7.3-1", protocol_error, 4});
  check_malformed(v3_1_1, "32 04 00 00 00 01",
                  {rule::topic_name_empty, "MQTT-4.7.3-1", protocol_error, 4});
  check_malformed(v5, "30 03 00 00 00",
                  {rule::topic_name_empty, "MQTT-4.7.3-1", protocol_error, 4});
  check_malformed(v3_1_1, "10 12 00 04 4D 51 54 54 04 06 00 3C 00 01 63 00 00 00 01 70",
                  {rule::topic_name_empty, "MQTT-4.7.3-1", protocol_error, 17});  // Will Topic
  // 5.0: a Topic Alias stands in for the empty topic (section 3.3.2.3.4).
  decoded aliased = decode_hex(v5, "30 06 00 00 03 23 00 01");
  BOOST_TEST_REQUIRE(as<publish>(aliased) != nullptr);
  BOOST_TEST(as<publish>(aliased)->topic.empty());
  BOOST_TEST((as<publish>(aliased)->props.topic_alias == std::optional<std::uint16_t>{1}));
}

BOOST_AUTO_TEST_CASE(topic_filter_empty__MQTT_4_7_3_1) {
  check_malformed(v3_1_1, "82 05 00 01 00 00 00",
                  {rule::topic_filter_empty, "MQTT-4.7.3-1", malformed_packet, 6});
  check_malformed(v3_1_1, "A2 04 00 01 00 00",
                  {rule::topic_filter_empty, "MQTT-4.7.3-1", malformed_packet, 6});
  check_malformed(v5, "82 06 00 01 00 00 00 00",
                  {rule::topic_filter_empty, "MQTT-4.7.3-1", malformed_packet, 7});
}

BOOST_AUTO_TEST_CASE(topic_filter_multi_level__MQTT_4_7_1_2__MQTT_4_7_1_1) {
  constexpr mqtt::spec::statement_id v311("MQTT-4.7.1-2");
  check_malformed(v3_1_1, "82 0A 00 01 00 05 61 2F 23 2F 62 00",
                  {rule::topic_filter_multi_level, v311, malformed_packet, 8});  // a/#/b
  check_malformed(v3_1_1, "82 07 00 01 00 02 61 23 00",
                  {rule::topic_filter_multi_level, v311, malformed_packet, 7});  // a#
  check_malformed(v3_1_1, "82 07 00 01 00 02 23 2F 00",
                  {rule::topic_filter_multi_level, v311, malformed_packet, 6});  // #/
  check_malformed(v3_1_1, "A2 06 00 01 00 02 61 23",
                  {rule::topic_filter_multi_level, v311, malformed_packet, 7});
  check_malformed(v5, "82 0B 00 01 00 00 05 61 2F 23 2F 62 00",
                  {rule::topic_filter_multi_level, "MQTT-4.7.1-1", malformed_packet, 9});
}

BOOST_AUTO_TEST_CASE(topic_filter_single_level__MQTT_4_7_1_3__MQTT_4_7_1_2) {
  constexpr mqtt::spec::statement_id v311("MQTT-4.7.1-3");
  check_malformed(v3_1_1, "82 09 00 01 00 04 61 2F 62 2B 00",
                  {rule::topic_filter_single_level, v311, malformed_packet, 9});  // a/b+
  check_malformed(v3_1_1, "82 07 00 01 00 02 2B 61 00",
                  {rule::topic_filter_single_level, v311, malformed_packet, 6});  // +a
  check_malformed(v3_1_1, "A2 07 00 01 00 03 61 2B 2F",
                  {rule::topic_filter_single_level, v311, malformed_packet, 7});  // a+/
  check_malformed(v5, "82 0A 00 01 00 00 04 61 2F 62 2B 00",
                  {rule::topic_filter_single_level, "MQTT-4.7.1-2", malformed_packet, 10});
}

// Section 4.7.1: these are all well-formed filters, in SUBSCRIBE and UNSUBSCRIBE alike.
BOOST_AUTO_TEST_CASE(topic_filter_valid_forms__section_4_7_1) {
  for (protocol_version v : {v3_1_1, v5}) {
    for (std::string_view filter :
         {"+", "#", "a/+/b", "/", "+/+", "a/#", "/#", "+/#", "$SYS/#", "a//b"}) {
      BOOST_TEST_CONTEXT("version=" << to_string(v) << " filter=" << filter) {
        std::vector<std::uint8_t> bytes;
        raw_writer w(bytes);
        std::size_t body = 2 + (v == v5 ? 1 : 0) + 2 + filter.size() + 1;
        w.u8(0x82).varint(static_cast<std::uint32_t>(body)).u16(1);
        if (v == v5) w.u8(0);
        w.string(filter).u8(0x01);
        result<packet> r = decode_packet(bytes, options(v));
        BOOST_TEST_REQUIRE(r.ok());
        const auto& s = std::get<subscribe>(r.value());
        BOOST_TEST_REQUIRE(s.subscriptions.size() == 1u);
        BOOST_TEST(s.subscriptions[0].filter == filter);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(share_name_empty__MQTT_4_8_2_1) {
  // $share//x
  check_malformed(v5, "82 0F 00 01 00 00 09 24 73 68 61 72 65 2F 2F 78 00",
                  {rule::share_name_empty, "MQTT-4.8.2-1", malformed_packet, 14});
  // Before 5.0 there are no shared subscriptions: an ordinary filter.
  decoded v311 = decode_hex(v3_1_1, "82 0E 00 01 00 09 24 73 68 61 72 65 2F 2F 78 00");
  BOOST_TEST_REQUIRE(as<subscribe>(v311) != nullptr);
  BOOST_TEST(as<subscribe>(v311)->subscriptions.at(0).filter == "$share//x");
}

BOOST_AUTO_TEST_CASE(share_name_invalid__MQTT_4_8_2_2) {
  // $share/a+b/x
  check_malformed(v5, "82 12 00 01 00 00 0C 24 73 68 61 72 65 2F 61 2B 62 2F 78 00",
                  {rule::share_name_invalid, "MQTT-4.8.2-2", malformed_packet, 15});
  // $share/a#/x
  check_malformed(v5, "82 11 00 01 00 00 0B 24 73 68 61 72 65 2F 61 23 2F 78 00",
                  {rule::share_name_invalid, "MQTT-4.8.2-2", malformed_packet, 15});
  // $share/grp: no "/" and Topic Filter after the ShareName; the error points past its end.
  check_malformed(v5, "82 10 00 01 00 00 0A 24 73 68 61 72 65 2F 67 72 70 00",
                  {rule::share_name_invalid, "MQTT-4.8.2-2", malformed_packet, 17});
  check_malformed(v5, "A2 0F 00 01 00 00 0A 24 73 68 61 72 65 2F 67 72 70",
                  {rule::share_name_invalid, "MQTT-4.8.2-2", malformed_packet, 17});
  decoded v311 = decode_hex(v3_1_1, "82 0F 00 01 00 0A 24 73 68 61 72 65 2F 67 72 70 00");
  BOOST_TEST(as<subscribe>(v311) != nullptr);
  decoded shared =
      decode_hex(v5, "82 10 00 01 00 00 0A 24 73 68 61 72 65 2F 67 2F 78 00");  // $share/g/x
  BOOST_TEST(as<subscribe>(shared) != nullptr);
}

BOOST_AUTO_TEST_CASE(subscribe_no_local_shared__MQTT_3_8_3_4) {
  // $share/g/x with No Local.
  check_malformed(v5, "82 10 00 01 00 00 0A 24 73 68 61 72 65 2F 67 2F 78 04",
                  {rule::subscribe_no_local_shared, "MQTT-3.8.3-4", protocol_error, 17});
  decoded plain = decode_hex(v5, "82 07 00 01 00 00 01 61 04");
  BOOST_TEST_REQUIRE(as<subscribe>(plain) != nullptr);
  BOOST_TEST(as<subscribe>(plain)->subscriptions.at(0).options.no_local);
}

// --- CONNECT ----------------------------------------------------------------------------------
// 3.1.1 layout: 0 type, 1 length, 2 name length, 4 "MQTT", 8 level, 9 flags, 10 keep alive,
// 12 client identifier. 5.0 adds the Property Length at 12 and the identifier moves to 13.

BOOST_AUTO_TEST_CASE(protocol_name__MQTT_3_1_2_1) {
  const expected want{rule::protocol_name, "MQTT-3.1.2-1", reason::unsupported_protocol_version, 2};
  check_malformed(v3_1_1, "10 0D 00 04 4D 51 54 58 04 02 00 3C 00 01 63", want);  // MQTX
  check_malformed(v3_1_1, "10 0D 00 04 6D 71 74 74 04 02 00 3C 00 01 63", want);  // mqtt
  check_malformed(v5, "10 0E 00 04 4D 51 54 58 05 02 00 3C 00 00 01 63", want);
}

BOOST_AUTO_TEST_CASE(protocol_level__MQTT_3_1_2_2) {
  const expected want{rule::protocol_level, "MQTT-3.1.2-2", reason::unsupported_protocol_version,
                      8};
  check_malformed(v3_1_1, "10 0D 00 04 4D 51 54 54 06 02 00 3C 00 01 63", want);  // level 6
  check_malformed(v3_1_1, "10 0D 00 04 4D 51 54 54 03 02 00 3C 00 01 63", want);  // MQTT with 3
  check_malformed(v5, "10 0D 00 04 4D 51 54 54 00 02 00 3C 00 01 63", want);
  // MQIsdp with level 4.
  check_malformed(v3_1_1, "10 0F 00 06 4D 51 49 73 64 70 04 02 00 3C 00 01 63",
                  {rule::protocol_level, "MQTT-3.1.2-2", reason::unsupported_protocol_version, 10});
  // The CONNECT's own level decides the version, whatever the decoder was set to.
  decoded v31 = decode_hex(v3_1_1, "10 0F 00 06 4D 51 49 73 64 70 03 02 00 3C 00 01 63");
  BOOST_TEST_REQUIRE(as<connect>(v31) != nullptr);
  BOOST_TEST((as<connect>(v31)->version == v3_1));
  decoded v50 = decode_hex(v3_1_1, "10 0E 00 04 4D 51 54 54 05 02 00 3C 00 00 01 63");
  BOOST_TEST_REQUIRE(as<connect>(v50) != nullptr);
  BOOST_TEST((as<connect>(v50)->version == v5));
}

// 3.1.1 and 5.0 only. A 3.1 CONNECT (MQIsdp, level 3) with bit 0 set, once expected here,
// decodes: 3.1 leaves the bit unused without requiring 0 (the rule came with 3.1.1), and
// mosquitto accepts it from 3.1 clients (see v31_connect_unused_flags_are_accepted).
BOOST_AUTO_TEST_CASE(connect_reserved_flag__MQTT_3_1_2_3) {
  check_malformed(v3_1_1, "10 0D 00 04 4D 51 54 54 04 03 00 3C 00 01 63",
                  {rule::connect_reserved_flag, "MQTT-3.1.2-3", malformed_packet, 9});
  check_malformed(v5, "10 0E 00 04 4D 51 54 54 05 03 00 3C 00 00 01 63",
                  {rule::connect_reserved_flag, "MQTT-3.1.2-3", malformed_packet, 9});
  // Whatever the decoder was set to, the CONNECT's own level decides.
  check_malformed(v3_1, "10 0D 00 04 4D 51 54 54 04 03 00 3C 00 01 63",
                  {rule::connect_reserved_flag, "MQTT-3.1.2-3", malformed_packet, 9});
}

// 3.1 has neither MQTT-3.1.2-3 nor MQTT-2.2.2-1: the Connect Flags bit 0 and the CONNECT's
// fixed header flags (DUP, QoS, RETAIN, "not used" there) may be set. Such a CONNECT decodes,
// and is not canonical, since the encoder writes those bits as 0.
BOOST_AUTO_TEST_CASE(v31_connect_unused_flags_are_accepted) {
  const char* cases[] = {
      "10 0F 00 06 4D 51 49 73 64 70 03 03 00 3C 00 01 63",  // Connect Flags bit 0
      "1A 0F 00 06 4D 51 49 73 64 70 03 02 00 3C 00 01 63",  // fixed header DUP and QoS 1
      "1F 0F 00 06 4D 51 49 73 64 70 03 03 00 3C 00 01 63",  // both
  };
  for (const char* hex : cases) {
    BOOST_TEST_CONTEXT("bytes=" << hex) {
      for (protocol_version v : {v3_1, v3_1_1, v5}) {
        decoded d = decode_hex(v, hex);
        BOOST_TEST_REQUIRE(as<connect>(d) != nullptr);
        BOOST_TEST((as<connect>(d)->version == v3_1));
        BOOST_TEST(as<connect>(d)->clean_start);
        BOOST_TEST(as<connect>(d)->client_id == "c");
        BOOST_TEST(!d.info.canonical);
        // The encoder writes the bits as 0: the canonical form differs from the input.
        std::vector<std::uint8_t> again;
        BOOST_TEST_REQUIRE(encode(*d.value, v3_1, again).ok());
        BOOST_TEST(to_hex(again) == "10 0F 00 06 4D 51 49 73 64 70 03 02 00 3C 00 01 63");
      }
      // A stream that starts with it adopts 3.1.
      std::vector<std::uint8_t> bytes = from_hex(hex);
      stream_decoder decoder(options(v3_1_1));
      std::size_t delivered = 0;
      BOOST_TEST(!decoder.feed(bytes, [&](const packet&) { ++delivered; }).has_value());
      BOOST_TEST(delivered == 1u);
      BOOST_TEST((decoder.version() == v3_1));
    }
  }
}

BOOST_AUTO_TEST_CASE(will_qos_without_will__MQTT_3_1_2_13__MQTT_3_1_2_11) {
  check_malformed(v3_1_1, "10 0D 00 04 4D 51 54 54 04 0A 00 3C 00 01 63",
                  {rule::will_qos_without_will, "MQTT-3.1.2-13", malformed_packet, 9});
  check_malformed(v3_1_1, "10 0D 00 04 4D 51 54 54 04 12 00 3C 00 01 63",
                  {rule::will_qos_without_will, "MQTT-3.1.2-13", malformed_packet, 9});
  check_malformed(v5, "10 0E 00 04 4D 51 54 54 05 0A 00 3C 00 00 01 63",
                  {rule::will_qos_without_will, "MQTT-3.1.2-11", malformed_packet, 9});
}

BOOST_AUTO_TEST_CASE(will_retain_without_will__MQTT_3_1_2_15__MQTT_3_1_2_13) {
  check_malformed(v3_1_1, "10 0D 00 04 4D 51 54 54 04 22 00 3C 00 01 63",
                  {rule::will_retain_without_will, "MQTT-3.1.2-15", malformed_packet, 9});
  check_malformed(v5, "10 0E 00 04 4D 51 54 54 05 22 00 3C 00 00 01 63",
                  {rule::will_retain_without_will, "MQTT-3.1.2-13", malformed_packet, 9});
}

BOOST_AUTO_TEST_CASE(will_qos3__MQTT_3_1_2_14__MQTT_3_1_2_12) {
  check_malformed(v3_1_1, "10 13 00 04 4D 51 54 54 04 1E 00 3C 00 01 63 00 01 74 00 01 70",
                  {rule::will_qos3, "MQTT-3.1.2-14", malformed_packet, 9});
  check_malformed(v5, "10 15 00 04 4D 51 54 54 05 1E 00 3C 00 00 01 63 00 00 01 74 00 01 70",
                  {rule::will_qos3, "MQTT-3.1.2-12", malformed_packet, 9});
}

// With the Will Flag set, the Will Topic and Will Payload (and in 5.0 the Will Properties
// before them) must follow the Client Identifier.
BOOST_AUTO_TEST_CASE(will_fields_missing__MQTT_3_1_2_9) {
  check_malformed(v3_1_1, "10 0D 00 04 4D 51 54 54 04 06 00 3C 00 01 63",
                  {rule::will_fields_missing, "MQTT-3.1.2-9", malformed_packet, 15});
  check_malformed(v3_1_1, "10 10 00 04 4D 51 54 54 04 06 00 3C 00 01 63 00 01 74",
                  {rule::will_fields_missing, "MQTT-3.1.2-9", malformed_packet, 18});
  check_malformed(v5, "10 0F 00 04 4D 51 54 54 05 06 00 3C 00 00 01 63 00",
                  {rule::will_fields_missing, "MQTT-3.1.2-9", malformed_packet, 17});
  // Will Properties missing altogether.
  check_malformed(v5, "10 0E 00 04 4D 51 54 54 05 06 00 3C 00 00 01 63",
                  {rule::will_fields_missing, "MQTT-3.1.2-9", malformed_packet, 16});
}

BOOST_AUTO_TEST_CASE(password_without_user_name__MQTT_3_1_2_22) {
  check_malformed(v3_1_1, "10 10 00 04 4D 51 54 54 04 42 00 3C 00 01 63 00 01 70",
                  {rule::password_without_user_name, "MQTT-3.1.2-22", malformed_packet, 9});
  // 5.0 allows a password without a user name (section 3.1.2.9).
  decoded v50 = decode_hex(v5, "10 11 00 04 4D 51 54 54 05 42 00 3C 00 00 01 63 00 01 70");
  BOOST_TEST_REQUIRE(as<connect>(v50) != nullptr);
  BOOST_TEST(!as<connect>(v50)->user_name.has_value());
  BOOST_TEST((as<connect>(v50)->password == std::optional<binary>{"p"}));
}

BOOST_AUTO_TEST_CASE(user_name_missing__MQTT_3_1_2_19__MQTT_3_1_2_17) {
  check_malformed(v3_1_1, "10 0D 00 04 4D 51 54 54 04 82 00 3C 00 01 63",
                  {rule::user_name_missing, "MQTT-3.1.2-19", malformed_packet, 15});
  check_malformed(v5, "10 0E 00 04 4D 51 54 54 05 82 00 3C 00 00 01 63",
                  {rule::user_name_missing, "MQTT-3.1.2-17", malformed_packet, 16});
}

BOOST_AUTO_TEST_CASE(password_missing__MQTT_3_1_2_21__MQTT_3_1_2_19) {
  check_malformed(v3_1_1, "10 10 00 04 4D 51 54 54 04 C2 00 3C 00 01 63 00 01 75",
                  {rule::password_missing, "MQTT-3.1.2-21", malformed_packet, 18});
  check_malformed(v5, "10 0E 00 04 4D 51 54 54 05 42 00 3C 00 00 01 63",
                  {rule::password_missing, "MQTT-3.1.2-19", malformed_packet, 16});
}

BOOST_AUTO_TEST_CASE(client_id_missing__MQTT_3_1_3_3) {
  check_malformed(v3_1_1, "10 0A 00 04 4D 51 54 54 04 02 00 3C",
                  {rule::client_id_missing, "MQTT-3.1.3-3", malformed_packet, 12});
  check_malformed(v5, "10 0B 00 04 4D 51 54 54 05 02 00 3C 00",
                  {rule::client_id_missing, "MQTT-3.1.3-3", malformed_packet, 13});
}

// The error points at the Property Length: the property block lacks the method it needs.
BOOST_AUTO_TEST_CASE(auth_data_without_method__section_3_1_2_11_10) {
  check_malformed(v5, "10 12 00 04 4D 51 54 54 05 02 00 3C 04 16 00 01 61 00 01 63",
                  {rule::auth_data_without_method, section("§3.1.2.11.10"), protocol_error, 12});
  decoded with_method =
      decode_hex(v5, "10 16 00 04 4D 51 54 54 05 02 00 3C 08 15 00 01 6D 16 00 01 61 00 01 63");
  BOOST_TEST(as<connect>(with_method) != nullptr);
}

// --- CONNACK ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(connack_flags_reserved__section_3_2_2_1__MQTT_3_2_2_1) {
  check_malformed(v3_1_1, "20 02 02 00",
                  {rule::connack_flags_reserved, section("§3.2.2.1"), malformed_packet, 2});
  check_malformed(v3_1_1, "20 02 80 00",
                  {rule::connack_flags_reserved, section("§3.2.2.1"), malformed_packet, 2});
  check_malformed(v5, "20 03 02 00 00",
                  {rule::connack_flags_reserved, "MQTT-3.2.2-1", malformed_packet, 2});
  // 3.1 has no Session Present flag: the byte is unused and any value in it is ignored.
  for (std::string_view hex : {"20 02 01 00", "20 02 ff 00"}) {
    result<packet> r = decode_packet(from_hex(hex), options(v3_1, receiver_role::client));
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(!std::get<connack>(r.value()).session_present);
  }
}

BOOST_AUTO_TEST_CASE(connack_code_invalid__section_3_2_2_3__MQTT_3_2_2_8) {
  check_malformed(v3_1_1, "20 02 00 06",
                  {rule::connack_code_invalid, section("§3.2.2.3"), malformed_packet, 3});
  check_malformed(v3_1_1, "20 02 00 80",
                  {rule::connack_code_invalid, section("§3.2.2.3"), malformed_packet, 3});
  for (std::string_view hex :
       {"20 03 00 01 00", "20 03 00 05 00", "20 03 00 8B 00", "20 03 00 8E 00", "20 03 00 FF 00"}) {
    check_malformed(v5, hex, {rule::connack_code_invalid, "MQTT-3.2.2-8", malformed_packet, 3});
  }
}

BOOST_AUTO_TEST_CASE(connack_session_present_on_error__MQTT_3_2_2_4__MQTT_3_2_2_6) {
  check_malformed(v3_1_1, "20 02 01 05",
                  {rule::connack_session_present_on_error, "MQTT-3.2.2-4", protocol_error, 2});
  check_malformed(v5, "20 03 01 87 00",
                  {rule::connack_session_present_on_error, "MQTT-3.2.2-6", protocol_error, 2});
  decoded accepted = decode_hex(v3_1_1, "20 02 01 00");
  BOOST_TEST_REQUIRE(as<connack>(accepted) != nullptr);
  BOOST_TEST(as<connack>(accepted)->session_present);
}

// --- SUBSCRIBE and UNSUBSCRIBE ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(subscribe_empty__MQTT_3_8_3_3__MQTT_3_8_3_2) {
  check_malformed(v3_1_1, "82 02 00 01",
                  {rule::subscribe_empty, "MQTT-3.8.3-3", protocol_error, 4});
  check_malformed(v5, "82 03 00 01 00", {rule::subscribe_empty, "MQTT-3.8.3-2", protocol_error, 5});
  check_malformed(v5, "82 05 00 01 02 0B 01",
                  {rule::subscribe_empty, "MQTT-3.8.3-2", protocol_error, 7});
}

BOOST_AUTO_TEST_CASE(subscribe_options_reserved__MQTT_3_8_3_4__MQTT_3_8_3_5) {
  // Before 5.0 only the two QoS bits are defined.
  check_malformed(v3_1_1, "82 06 00 01 00 01 61 04",
                  {rule::subscribe_options_reserved, "MQTT-3.8.3-4", malformed_packet, 7});
  check_malformed(v3_1_1, "82 06 00 01 00 01 61 80",
                  {rule::subscribe_options_reserved, "MQTT-3.8.3-4", malformed_packet, 7});
  check_malformed(v5, "82 07 00 01 00 00 01 61 40",
                  {rule::subscribe_options_reserved, "MQTT-3.8.3-5", malformed_packet, 8});
  check_malformed(v5, "82 07 00 01 00 00 01 61 C0",
                  {rule::subscribe_options_reserved, "MQTT-3.8.3-5", malformed_packet, 8});
}

BOOST_AUTO_TEST_CASE(subscribe_qos3__MQTT_3_8_3_4__section_3_8_3_1) {
  check_malformed(v3_1_1, "82 06 00 01 00 01 61 03",
                  {rule::subscribe_qos3, "MQTT-3.8.3-4", protocol_error, 7});
  check_malformed(v5, "82 07 00 01 00 00 01 61 03",
                  {rule::subscribe_qos3, section("§3.8.3.1"), protocol_error, 8});
}

BOOST_AUTO_TEST_CASE(subscribe_retain_handling3__section_3_8_3_1) {
  check_malformed(v5, "82 07 00 01 00 00 01 61 30",
                  {rule::subscribe_retain_handling3, section("§3.8.3.1"), protocol_error, 8});
  decoded two = decode_hex(v5, "82 07 00 01 00 00 01 61 2A");  // Retain Handling 2, RAP, QoS 2
  BOOST_TEST_REQUIRE(as<subscribe>(two) != nullptr);
  const subscription_options& o = as<subscribe>(two)->subscriptions.at(0).options;
  BOOST_TEST(unsigned{o.retain_handling} == 2u);
  BOOST_TEST(o.retain_as_published);
  BOOST_TEST((o.max_qos == qos::exactly_once));
}

BOOST_AUTO_TEST_CASE(unsubscribe_empty__MQTT_3_10_3_2) {
  check_malformed(v3_1_1, "A2 02 00 01",
                  {rule::unsubscribe_empty, "MQTT-3.10.3-2", protocol_error, 4});
  check_malformed(v5, "A2 03 00 01 00",
                  {rule::unsubscribe_empty, "MQTT-3.10.3-2", protocol_error, 5});
}

// --- reason codes -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(suback_code_invalid__MQTT_3_9_3_2) {
  check_malformed(v3_1_1, "90 03 00 01 03",
                  {rule::suback_code_invalid, "MQTT-3.9.3-2", malformed_packet, 4});
  check_malformed(v3_1_1, "90 04 00 01 00 81",
                  {rule::suback_code_invalid, "MQTT-3.9.3-2", malformed_packet, 5});
  check_malformed(v5, "90 04 00 01 00 81",
                  {rule::suback_code_invalid, "MQTT-3.9.3-2", malformed_packet, 5});
  check_malformed(v5, "90 04 00 01 00 03",
                  {rule::suback_code_invalid, "MQTT-3.9.3-2", malformed_packet, 5});
  // No code at all: the statement broken is "a return code for each Topic Filter"
  // (MQTT-3.8.4-5 / MQTT-3.8.4-6), which the rule does not carry.
  check_malformed(v3_1_1, "90 02 00 01",
                  {rule::suback_code_invalid, statement_not_checked, malformed_packet, 4});
}

BOOST_AUTO_TEST_CASE(unsuback_code_invalid__MQTT_3_11_3_2) {
  check_malformed(v5, "B0 04 00 01 00 01",
                  {rule::unsuback_code_invalid, "MQTT-3.11.3-2", malformed_packet, 5});
  check_malformed(v5, "B0 05 00 01 00 00 10",
                  {rule::unsuback_code_invalid, "MQTT-3.11.3-2", malformed_packet, 6});
}

BOOST_AUTO_TEST_CASE(puback_code_invalid__MQTT_3_4_2_1) {
  check_malformed(v5, "40 03 00 01 01",
                  {rule::puback_code_invalid, "MQTT-3.4.2-1", malformed_packet, 4});
  check_malformed(v5, "40 03 00 01 92",
                  {rule::puback_code_invalid, "MQTT-3.4.2-1", malformed_packet, 4});
}

BOOST_AUTO_TEST_CASE(pubrec_code_invalid__MQTT_3_5_2_1) {
  check_malformed(v5, "50 03 00 01 01",
                  {rule::pubrec_code_invalid, "MQTT-3.5.2-1", malformed_packet, 4});
  check_malformed(v5, "50 03 00 01 92",
                  {rule::pubrec_code_invalid, "MQTT-3.5.2-1", malformed_packet, 4});
}

BOOST_AUTO_TEST_CASE(pubrel_code_invalid__MQTT_3_6_2_1) {
  check_malformed(v5, "62 03 00 01 10",
                  {rule::pubrel_code_invalid, "MQTT-3.6.2-1", malformed_packet, 4});
  check_malformed(v5, "62 03 00 01 80",
                  {rule::pubrel_code_invalid, "MQTT-3.6.2-1", malformed_packet, 4});
}

BOOST_AUTO_TEST_CASE(pubcomp_code_invalid__MQTT_3_7_2_1) {
  check_malformed(v5, "70 03 00 01 10",
                  {rule::pubcomp_code_invalid, "MQTT-3.7.2-1", malformed_packet, 4});
  check_malformed(v5, "70 03 00 01 80",
                  {rule::pubcomp_code_invalid, "MQTT-3.7.2-1", malformed_packet, 4});
}

BOOST_AUTO_TEST_CASE(disconnect_code_invalid__MQTT_3_14_2_1) {
  check_malformed(v5, "E0 01 01",
                  {rule::disconnect_code_invalid, "MQTT-3.14.2-1", malformed_packet, 2});
  check_malformed(v5, "E0 01 84",
                  {rule::disconnect_code_invalid, "MQTT-3.14.2-1", malformed_packet, 2});
  check_malformed(v5, "E0 02 8C 00",
                  {rule::disconnect_code_invalid, "MQTT-3.14.2-1", malformed_packet, 2});
}

BOOST_AUTO_TEST_CASE(auth_code_invalid__MQTT_3_15_2_1) {
  check_malformed(v5, "F0 01 01", {rule::auth_code_invalid, "MQTT-3.15.2-1", malformed_packet, 2});
  check_malformed(v5, "F0 01 80", {rule::auth_code_invalid, "MQTT-3.15.2-1", malformed_packet, 2});
}

// --- properties (5.0) ---------------------------------------------------------------------------

// Table 2-4; an identifier not valid for the packet is a Malformed Packet (section 2.2.2.2).
BOOST_AUTO_TEST_CASE(property_not_allowed__section_2_2_2_2) {
  const expected want{rule::property_not_allowed, section("§2.2.2.2"), malformed_packet, 0};
  auto at = [&](std::size_t offset) {
    expected e = want;
    e.offset = offset;
    return e;
  };
  // Topic Alias in CONNECT.
  check_malformed(v5, "10 11 00 04 4D 51 54 54 05 02 00 3C 03 23 00 01 00 01 63", at(13));
  // Will Delay Interval in the CONNECT properties rather than the Will Properties.
  check_malformed(v5, "10 13 00 04 4D 51 54 54 05 02 00 3C 05 18 00 00 00 0A 00 01 63", at(13));
  // Session Expiry Interval in the Will Properties.
  check_malformed(
      v5, "10 1A 00 04 4D 51 54 54 05 06 00 3C 00 00 01 63 05 11 00 00 00 0A 00 01 74 00 01 70",
      at(17));
  // Session Expiry Interval in PUBLISH, Topic Alias in SUBSCRIBE, Subscription Identifier in
  // SUBACK.
  check_malformed(v5, "30 09 00 01 61 05 11 00 00 00 0A", at(6));
  check_malformed(v5, "82 0A 00 01 03 23 00 01 00 01 61 00", at(5));
  check_malformed(v5, "90 06 00 01 02 0B 01 00", at(5));
  // Identifiers that do not exist.
  check_malformed(v5, "40 05 00 01 00 01 7F", at(6));
  check_malformed(v5, "E0 03 00 01 00", at(4));
  // Will Delay Interval is at home in the Will Properties.
  decoded will_delay = decode_hex(
      v5, "10 1A 00 04 4D 51 54 54 05 06 00 3C 00 00 01 63 05 18 00 00 00 0A 00 01 74 00 01 70");
  BOOST_TEST_REQUIRE(as<connect>(will_delay) != nullptr);
  BOOST_TEST_REQUIRE(as<connect>(will_delay)->will.has_value());
  BOOST_TEST((as<connect>(will_delay)->will->props.will_delay_interval_s ==
              std::optional<std::uint32_t>{10}));
}

BOOST_AUTO_TEST_CASE(property_duplicate__section_2_2_2_2) {
  // Two Message Expiry Intervals in PUBLISH.
  check_malformed(v5, "30 0E 00 01 61 0A 02 00 00 00 0A 02 00 00 00 0B",
                  {rule::property_duplicate, section("§2.2.2.2"), protocol_error, 11});
  // A second Subscription Identifier in SUBSCRIBE (section 3.8.2.1.2).
  check_malformed(v5, "82 0B 00 01 04 0B 01 0B 02 00 01 61 00",
                  {rule::property_duplicate, section("§2.2.2.2"), protocol_error, 7});
  // Two Receive Maximums in CONNECT.
  check_malformed(v5, "10 14 00 04 4D 51 54 54 05 02 00 3C 06 21 00 0A 21 00 0B 00 01 63",
                  {rule::property_duplicate, section("§2.2.2.2"), protocol_error, 16});
  // User Properties repeat freely, and so do Subscription Identifiers in PUBLISH; order is kept.
  decoded repeated =
      decode_hex(v5, "30 16 00 01 61 12 0B 01 0B 02 26 00 01 6B 00 01 76 26 00 01 6B 00 01 77");
  BOOST_TEST_REQUIRE(as<publish>(repeated) != nullptr);
  const properties& p = as<publish>(repeated)->props;
  BOOST_TEST(p.subscription_identifiers == (std::vector<std::uint32_t>{1, 2}));
  BOOST_TEST_REQUIRE(p.user_properties.size() == 2u);
  BOOST_TEST(p.user_properties[0].second == "v");
  BOOST_TEST(p.user_properties[1].second == "w");
}

// Request Problem Information and Request Response Information take 0 or 1 (sections
// 3.1.2.11.6 and 3.1.2.11.7); so do the CONNACK flags and the Payload Format Indicator,
// whose own sections the rule's single statement does not name.
BOOST_AUTO_TEST_CASE(property_boolean_value__section_3_1_2_11) {
  check_malformed(v5, "10 10 00 04 4D 51 54 54 05 02 00 3C 02 17 02 00 01 63",
                  {rule::property_boolean_value, section("§3.1.2.11"), protocol_error, 14});
  check_malformed(v5, "10 10 00 04 4D 51 54 54 05 02 00 3C 02 19 02 00 01 63",
                  {rule::property_boolean_value, section("§3.1.2.11"), protocol_error, 14});
  check_malformed(v5, "30 06 00 01 61 02 01 02",
                  {rule::property_boolean_value, statement_not_checked, protocol_error, 7});
  check_malformed(v5, "20 05 00 00 02 25 02",
                  {rule::property_boolean_value, statement_not_checked, protocol_error, 6});
  check_malformed(v5, "20 05 00 00 02 24 02",
                  {rule::property_boolean_value, statement_not_checked, protocol_error, 6});
  check_malformed(v5, "20 05 00 00 02 2A 02",
                  {rule::property_boolean_value, statement_not_checked, protocol_error, 6});
}

BOOST_AUTO_TEST_CASE(property_receive_maximum_zero__section_3_1_2_11_3) {
  check_malformed(v5, "10 11 00 04 4D 51 54 54 05 02 00 3C 03 21 00 00 00 01 63",
                  {rule::property_receive_maximum_zero, section("§3.1.2.11.3"),
                   protocol_error, 14});
  // In CONNACK the same rule is stated in section 3.2.2.3.3.
  check_malformed(v5, "20 06 00 00 03 21 00 00",
                  {rule::property_receive_maximum_zero, statement_not_checked, protocol_error, 6});
}

BOOST_AUTO_TEST_CASE(property_maximum_packet_size_zero__section_3_1_2_11_4) {
  check_malformed(v5, "10 13 00 04 4D 51 54 54 05 02 00 3C 05 27 00 00 00 00 00 01 63",
                  {rule::property_maximum_packet_size_zero, section("§3.1.2.11.4"),
                   protocol_error, 14});
  // In CONNACK the same rule is stated in section 3.2.2.3.6.
  check_malformed(
      v5, "20 08 00 00 05 27 00 00 00 00",
      {rule::property_maximum_packet_size_zero, statement_not_checked, protocol_error, 6});
}

BOOST_AUTO_TEST_CASE(property_topic_alias_zero__MQTT_3_3_2_8) {
  check_malformed(
      v5, "30 07 00 01 61 03 23 00 00",
      {rule::property_topic_alias_zero, "MQTT-3.3.2-8", reason::topic_alias_invalid, 7});
}

BOOST_AUTO_TEST_CASE(property_subscription_identifier_zero__section_3_8_2_1_2) {
  check_malformed(v5, "82 09 00 01 02 0B 00 00 01 61 00",
                  {rule::property_subscription_identifier_zero, section("§3.8.2.1.2"),
                   protocol_error, 6});
  // In PUBLISH the same rule is stated in section 3.3.2.3.8.
  check_malformed(
      v5, "30 06 00 01 61 02 0B 00",
      {rule::property_subscription_identifier_zero, statement_not_checked, protocol_error, 7});
}

BOOST_AUTO_TEST_CASE(property_response_topic_wildcard__MQTT_3_3_2_14) {
  check_malformed(v5, "30 0A 00 01 61 06 08 00 03 61 2F 23",
                  {rule::property_response_topic_wildcard, "MQTT-3.3.2-14", malformed_packet, 11});
  // In the Will Properties (section 3.1.3.2.5).
  check_malformed(
      v5, "10 19 00 04 4D 51 54 54 05 06 00 3C 00 00 01 63 04 08 00 01 2B 00 01 74 00 01 70",
      {rule::property_response_topic_wildcard, statement_not_checked, malformed_packet, 20});
}

// --- encoding ---------------------------------------------------------------------------------
// encode() refuses what a peer would have to reject; encode_unchecked() and raw_writer put it
// on the wire anyway, for tests of other implementations.

namespace {

// Encodes after one byte already in the buffer: a refusal must leave just that byte, a
// success must append after it.
std::optional<error> refused(const packet& p, protocol_version v) {
  std::vector<std::uint8_t> out{0xAA};
  result<std::size_t> r = encode(p, v, out);
  BOOST_TEST_REQUIRE(!out.empty());
  BOOST_TEST(unsigned{out.front()} == 0xAAu);
  if (r.ok()) {
    BOOST_TEST(out.size() == 1 + r.value());
    return std::nullopt;
  }
  BOOST_TEST(out.size() == 1u);
  return r.err();
}

std::vector<std::uint8_t> unchecked(const packet& p, protocol_version v) {
  std::vector<std::uint8_t> out;
  std::size_t n = encode_unchecked(p, v, out);
  BOOST_TEST(n == out.size());
  BOOST_TEST(encoded_size(p, v) == out.size());
  return out;
}

std::string_view rule_name(const std::optional<error>& e) {
  return e ? info(e->id).name : "(encoded)";
}

}  // namespace

BOOST_AUTO_TEST_CASE(publish_qos0_packet_id__MQTT_2_3_1_5__MQTT_2_2_1_2) {
  publish p;
  p.topic = "a";
  p.packet_id = 7;
  std::optional<error> e311 = refused(p, v3_1_1);
  BOOST_TEST(rule_name(e311) == "publish_qos0_packet_id");
  if (e311) BOOST_TEST(e311->statement() == mqtt::spec::statement_id("MQTT-2.3.1-5"));
  std::optional<error> e5 = refused(p, v5);
  BOOST_TEST(rule_name(e5) == "publish_qos0_packet_id");
  if (e5) BOOST_TEST(e5->statement() == mqtt::spec::statement_id("MQTT-2.2.1-2"));
  // A QoS 0 PUBLISH has no Packet Identifier field: the unchecked encoding leaves it out.
  BOOST_TEST(unchecked(p, v3_1_1) == from_hex("30 03 00 01 61"));
}

BOOST_AUTO_TEST_CASE(encode_refuses_topic_name_wildcard__MQTT_3_3_2_2) {
  publish p;
  p.topic = "a/#";
  BOOST_TEST(rule_name(refused(p, v3_1_1)) == "topic_name_wildcard");
  BOOST_TEST(rule_name(refused(p, v5)) == "topic_name_wildcard");
  std::vector<std::uint8_t> bytes = unchecked(p, v3_1_1);
  BOOST_TEST(bytes == from_hex("30 05 00 03 61 2F 23"));
  result<packet> back = decode_packet(bytes, options(v3_1_1));
  BOOST_TEST_REQUIRE(!back.ok());
  BOOST_TEST(info(back.err().id).name == "topic_name_wildcard");
}

BOOST_AUTO_TEST_CASE(encode_refuses_empty_subscribe__MQTT_3_8_3_3) {
  subscribe s;
  s.packet_id = 1;
  BOOST_TEST(rule_name(refused(s, v3_1_1)) == "subscribe_empty");
  BOOST_TEST(rule_name(refused(s, v5)) == "subscribe_empty");
  std::vector<std::uint8_t> bytes = unchecked(s, v3_1_1);
  BOOST_TEST(bytes == from_hex("82 02 00 01"));
  result<packet> back = decode_packet(bytes, options(v3_1_1));
  BOOST_TEST_REQUIRE(!back.ok());
  BOOST_TEST(info(back.err().id).name == "subscribe_empty");
}

// Fields the version cannot carry: 5.0 properties and reason codes in 3.1.1, a CONNECT of
// another protocol level.
BOOST_AUTO_TEST_CASE(not_representable__section_2) {
  publish p;
  p.topic = "a";
  p.props.message_expiry_interval_s = 10;
  BOOST_TEST(rule_name(refused(p, v3_1_1)) == "not_representable");
  BOOST_TEST(unchecked(p, v3_1_1) == from_hex("30 03 00 01 61"));
  BOOST_TEST(rule_name(refused(p, v5)) == "(encoded)");

  puback a;
  a.packet_id = 1;
  a.reason_code = reason::no_matching_subscribers;
  BOOST_TEST(rule_name(refused(a, v3_1_1)) == "not_representable");
  BOOST_TEST(unchecked(a, v3_1_1) == from_hex("40 02 00 01"));

  subscribe s;
  s.packet_id = 1;
  s.subscriptions.push_back({"a", {qos::at_least_once, true, false, 0}});  // No Local
  BOOST_TEST(rule_name(refused(s, v3_1_1)) == "not_representable");

  connect c;
  c.version = v5;
  c.client_id = "c";
  std::optional<error> e = refused(c, v3_1_1);
  BOOST_TEST(rule_name(e) == "not_representable");
  if (e) {
    BOOST_TEST(e->statement() == mqtt::spec::section("§2"));
    BOOST_TEST(unsigned{e->reason_code()} >= 0x80u);
  }
}

BOOST_AUTO_TEST_CASE(string_too_long__section_1_5_3__section_1_5_4) {
  const std::string long_text(65'536, 'x');
  connect c;
  c.client_id = "c";
  c.user_name = long_text;
  std::optional<error> e311 = refused(c, v3_1_1);
  BOOST_TEST(rule_name(e311) == "string_too_long");
  if (e311) BOOST_TEST(e311->statement() == mqtt::spec::section("§1.5.3"));

  disconnect d;
  d.reason_code = reason::unspecified_error;
  d.props.reason_string = long_text;
  std::optional<error> e5 = refused(d, v5);
  BOOST_TEST(rule_name(e5) == "string_too_long");
  if (e5) BOOST_TEST(e5->statement() == mqtt::spec::section("§1.5.4"));

  // 65,535 bytes still fit the two-byte length.
  c.user_name = std::string_view(long_text).substr(0, 65'535);
  BOOST_TEST(rule_name(refused(c, v3_1_1)) == "(encoded)");

  // Unchecked, the length prefix wraps to 0 as the wire would see it.
  c.user_name = long_text;
  std::vector<std::uint8_t> bytes = unchecked(c, v3_1_1);
  BOOST_TEST(bytes.size() == 1 + 3 + 10 + 3 + 2 + 65'536u);
  std::vector<std::uint8_t> expected_start =
      from_hex("10 8F 80 04 00 04 4D 51 54 54 04 82 00 00 00 01 63 00 00 78");
  BOOST_TEST(std::equal(expected_start.begin(), expected_start.end(), bytes.begin()));
}

// 268,435,455 bytes of Remaining Length at most (3.1.1 section 2.2.3, 5.0 section 2.1.4). The
// packets reuse one 65,535-byte string so that only their encoded size is large.
BOOST_AUTO_TEST_CASE(packet_too_large_to_encode__section_2_2_3__section_2_1_4) {
  const std::string chunk(65'535, 'k');
  subscribe s;
  s.packet_id = 1;
  s.subscriptions.assign(4'097, subscription{chunk, {}});
  BOOST_TEST(encoded_size(s, v3_1_1) > std::size_t{remaining_length_max});
  std::optional<error> e311 = refused(s, v3_1_1);
  BOOST_TEST(rule_name(e311) == "packet_too_large_to_encode");
  if (e311) {
    BOOST_TEST(e311->statement() == mqtt::spec::section("§2.2.3"));
    BOOST_TEST(unsigned{e311->reason_code()} == unsigned{reason::packet_too_large});
  }
  disconnect d;
  d.props.user_properties.assign(2'049, user_property{chunk, chunk});
  std::optional<error> e5 = refused(d, v5);
  BOOST_TEST(rule_name(e5) == "packet_too_large_to_encode");
  if (e5) BOOST_TEST(e5->statement() == mqtt::spec::section("§2.1.4"));
}

BOOST_AUTO_TEST_CASE(raw_writer_emits_malformed_bytes) {
  std::vector<std::uint8_t> bytes;
  raw_writer(bytes).u8(0x32).varint(5).string("a").u16(0);  // QoS 1 PUBLISH, Packet Identifier 0
  BOOST_TEST(bytes == from_hex("32 05 00 01 61 00 00"));
  result<packet> r = decode_packet(bytes, options(v3_1_1));
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(info(r.err().id).name == "packet_id_zero");

  bytes.clear();
  raw_writer(bytes).u8(0xC0).varint(0, 5);  // a five-byte Remaining Length
  BOOST_TEST(bytes == from_hex("C0 80 80 80 80 00"));
  r = decode_packet(bytes, options(v3_1_1));
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(info(r.err().id).name == "remaining_length_overlong");

  bytes.clear();
  raw_writer(bytes).u8(0x30).varint(5).string("\xED\xA0\x80");  // a surrogate in the topic
  BOOST_TEST(bytes == from_hex("30 05 00 03 ED A0 80"));
  r = decode_packet(bytes, options(v3_1_1));
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(info(r.err().id).name == "utf8_surrogate");

  bytes.clear();
  const std::uint8_t tail[] = {0x00, 0x01, 0x61, 0x04};
  raw_writer(bytes)
      .u8(0x82)
      .varint(6)
      .u16(1)
      .bytes(std::span<const std::uint8_t>(tail))
      .u32(0x0102'0304);
  BOOST_TEST(bytes == from_hex("82 06 00 01 00 01 61 04 01 02 03 04"));
}

// --- the rule table -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(every_rule_is_described_and_covered) {
  const std::set<rule> covered(covered_rules.begin(), covered_rules.end());
  BOOST_TEST(covered.size() == covered_rules.size());  // no rule listed twice
  BOOST_TEST(all_rules().size() == static_cast<std::size_t>(rule::count_));
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < all_rules().size(); ++i) {
    const rule_info& r = all_rules()[i];
    BOOST_TEST_CONTEXT("rule " << i << " " << r.name) {
      BOOST_TEST(static_cast<std::size_t>(r.id) == i);
      BOOST_TEST(&info(r.id) == &r);
      BOOST_TEST(!r.name.empty());
      BOOST_TEST(names.insert(r.name).second);
      BOOST_TEST(!r.message.empty());
      BOOST_TEST(!(r.statement_v311.empty() && r.statement_v5.empty()));
      // An ID a rule cites for a version is one of that version's standard.
      BOOST_TEST((r.statement_v311.empty() || r.statement_v311.is_section() ||
                  mqtt::spec::is_statement(v3_1_1, r.statement_v311)),
                 "statement " << r.statement_v311 << " is not one of 3.1.1");
      BOOST_TEST((r.statement_v5.empty() || r.statement_v5.is_section() ||
                  mqtt::spec::is_statement(v5, r.statement_v5)),
                 "statement " << r.statement_v5 << " is not one of 5.0");
      BOOST_TEST(unsigned{r.reason_code} >= 0x80u);
      BOOST_TEST(!reason_name(r.reason_code).empty());
      BOOST_TEST(covered.count(r.id) == 1u, "no test in this file exercises " << r.name);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
