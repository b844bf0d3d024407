// The golden vector table: canonical packet bytes computed by hand from the MQTT 3.1, 3.1.1
// and 5.0 packet layouts, with the decoded packet each must produce. Strings in the expected
// packets view string literals or function-local statics, so the table lives as long as the
// program.
#include "golden_vectors.hpp"

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>

// Designated initializers below name only the fields that differ from their defaults; the
// members left out are meant to take their default member initializers.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace mqtt::test {

namespace {

using namespace mqtt::codec;
using namespace std::literals;

constexpr protocol_version v31 = protocol_version::v3_1;
constexpr protocol_version v311 = protocol_version::v3_1_1;
constexpr protocol_version v5 = protocol_version::v5;

constexpr qos qos0 = qos::at_most_once;
constexpr qos qos1 = qos::at_least_once;
constexpr qos qos2 = qos::exactly_once;

using table = std::vector<golden_vector>;

std::vector<std::uint8_t> bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

std::vector<std::uint8_t> concat(std::initializer_list<std::vector<std::uint8_t>> parts) {
  std::vector<std::uint8_t> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// ---------------------------------------------------------------------------------------
// MQTT 3.1 (protocol name "MQIsdp", level 3). Same fixed header and packet layouts as
// 3.1.1; CONNACK's first byte is reserved and SUBACK grants QoS 0, 1 or 2 only.

void add_v31_connect(table& t) {
  t.push_back({"v31-connect-clean-session", v31,
               from_hex("10 10"                    // CONNECT, remaining length 16
                        "00 06 4d 51 49 73 64 70"  // protocol name "MQIsdp"
                        "03"                       // protocol level 3
                        "02"                       // clean session
                        "00 3c"                    // keep alive 60 s
                        "00 02 63 31"),            // client identifier "c1"
               connect{.version = v31, .clean_start = true, .keep_alive_s = 60, .client_id = "c1"},
               "3.1 §3.1 CONNECT variable header and payload"});
  t.push_back({"v31-connect-will-user-password", v31,
               from_hex("10 21"                    // CONNECT, remaining length 33
                        "00 06 4d 51 49 73 64 70"  // "MQIsdp"
                        "03"                       // level 3
                        "ee"       // user name, password, will retain, will QoS 1, will, clean
                        "00 1e"    // keep alive 30 s
                        "00 02 63 32"     // client identifier "c2"
                        "00 03 77 2f 74"  // will topic "w/t"
                        "00 03 62 79 65"  // will message "bye"
                        "00 01 75"        // user name "u"
                        "00 02 70 77"),   // password "pw"
               connect{.version = v31,
                       .clean_start = true,
                       .keep_alive_s = 30,
                       .client_id = "c2",
                       .will = will_message{.topic = "w/t", .payload = "bye", .qos = qos1,
                                            .retain = true},
                       .user_name = "u",
                       .password = "pw"},
               "3.1 §3.1 CONNECT flags and payload order"});
  t.push_back({"v31-connect-user-name-persistent", v31,
               from_hex("10 16"                    // CONNECT, remaining length 22
                        "00 06 4d 51 49 73 64 70"  // "MQIsdp"
                        "03"                       // level 3
                        "80"                       // user name; clean session 0
                        "02 58"                    // keep alive 600 s
                        "00 02 63 33"              // client identifier "c3"
                        "00 04 75 73 65 72"),      // user name "user"
               connect{.version = v31,
                       .clean_start = false,
                       .keep_alive_s = 600,
                       .client_id = "c3",
                       .user_name = "user"},
               "3.1 §3.1 CONNECT user name flag"});
}

void add_v31_others(table& t) {
  t.push_back({"v31-connack-accepted", v31, from_hex("20 02 00 00"),
               connack{.reason_code = 0x00}, "3.1 §3.2 CONNACK return code 0"});
  t.push_back({"v31-connack-identifier-rejected", v31, from_hex("20 02 00 02"),
               connack{.reason_code = 0x02}, "3.1 §3.2 CONNACK return code 2"});
  t.push_back({"v31-connack-not-authorized", v31, from_hex("20 02 00 05"),
               connack{.reason_code = 0x05}, "3.1 §3.2 CONNACK return code 5"});

  t.push_back({"v31-publish-qos0", v31,
               from_hex("30 07"           // PUBLISH QoS 0, remaining length 7
                        "00 03 61 2f 62"  // topic "a/b"
                        "68 69"),         // payload "hi"
               publish{.topic = "a/b", .payload = "hi"}, "3.1 §3.3 PUBLISH QoS 0"});
  t.push_back({"v31-publish-qos1", v31,
               from_hex("32 09"           // PUBLISH QoS 1, remaining length 9
                        "00 03 61 2f 62"  // topic "a/b"
                        "00 01"           // packet identifier 1
                        "68 69"),         // payload "hi"
               publish{.qos = qos1, .topic = "a/b", .packet_id = 1, .payload = "hi"},
               "3.1 §3.3 PUBLISH QoS 1"});
  t.push_back({"v31-publish-qos2-dup-retain", v31,
               from_hex("3d 08"           // PUBLISH DUP, QoS 2, RETAIN, remaining length 8
                        "00 03 61 2f 62"  // topic "a/b"
                        "12 34"           // packet identifier 0x1234
                        "78"),            // payload "x"
               publish{.dup = true, .qos = qos2, .retain = true, .topic = "a/b",
                       .packet_id = 0x1234, .payload = "x"},
               "3.1 §3.3 PUBLISH fixed header flags"});

  t.push_back({"v31-puback", v31, from_hex("40 02 00 01"), puback{.packet_id = 1},
               "3.1 §3.4 PUBACK"});
  t.push_back({"v31-pubrec", v31, from_hex("50 02 00 02"), pubrec{.packet_id = 2},
               "3.1 §3.5 PUBREC"});
  t.push_back({"v31-pubrel", v31, from_hex("62 02 00 02"), pubrel{.packet_id = 2},
               "3.1 §3.6 PUBREL (QoS 1 flag set)"});
  t.push_back({"v31-pubcomp", v31, from_hex("70 02 00 02"), pubcomp{.packet_id = 2},
               "3.1 §3.7 PUBCOMP"});

  t.push_back({"v31-subscribe-two-filters", v31,
               from_hex("82 0e"                 // SUBSCRIBE, remaining length 14
                        "00 03"                 // packet identifier 3
                        "00 03 61 2f 62 01"     // "a/b", QoS 1
                        "00 03 63 2f 23 00"),   // "c/#", QoS 0
               subscribe{.packet_id = 3,
                         .subscriptions = {{"a/b", {.max_qos = qos1}}, {"c/#", {.max_qos = qos0}}}},
               "3.1 §3.8 SUBSCRIBE payload"});
  t.push_back({"v31-suback-granted", v31,
               from_hex("90 05"       // SUBACK, remaining length 5
                        "00 03"       // packet identifier 3
                        "01 00 02"),  // granted QoS 1, 0, 2
               suback{.packet_id = 3, .reason_codes = {0x01, 0x00, 0x02}},
               "3.1 §3.9 SUBACK granted QoS"});
  t.push_back({"v31-unsubscribe", v31,
               from_hex("a2 07"             // UNSUBSCRIBE, remaining length 7
                        "00 04"             // packet identifier 4
                        "00 03 61 2f 62"),  // "a/b"
               unsubscribe{.packet_id = 4, .filters = {"a/b"}}, "3.1 §3.10 UNSUBSCRIBE"});
  t.push_back({"v31-unsuback", v31, from_hex("b0 02 00 04"), unsuback{.packet_id = 4},
               "3.1 §3.11 UNSUBACK"});

  t.push_back({"v31-pingreq", v31, from_hex("c0 00"), pingreq{}, "3.1 §3.12 PINGREQ"});
  t.push_back({"v31-pingresp", v31, from_hex("d0 00"), pingresp{}, "3.1 §3.13 PINGRESP"});
  t.push_back({"v31-disconnect", v31, from_hex("e0 00"), disconnect{}, "3.1 §3.14 DISCONNECT"});
}

// ---------------------------------------------------------------------------------------
// MQTT 3.1.1 (protocol name "MQTT", level 4).

void add_v311_connect(table& t) {
  t.push_back({"v311-connect-minimal", v311,
               from_hex("10 0d"                 // CONNECT, remaining length 13
                        "00 04 4d 51 54 54 04"  // "MQTT", level 4
                        "02"                    // clean session
                        "00 3c"                 // keep alive 60 s
                        "00 01 61"),            // client identifier "a"
               connect{.version = v311, .clean_start = true, .keep_alive_s = 60, .client_id = "a"},
               "3.1.1 §3.1.2 Figures 3.2-3.5"});
  t.push_back({"v311-connect-empty-client-id", v311,
               from_hex("10 0c"                 // CONNECT, remaining length 12
                        "00 04 4d 51 54 54 04"  // "MQTT", level 4
                        "02"                    // clean session
                        "00 00"                 // keep alive 0 (off)
                        "00 00"),               // zero-length client identifier
               connect{.version = v311, .clean_start = true, .keep_alive_s = 0, .client_id = ""},
               "3.1.1 §3.1.3.1 zero-byte ClientId with CleanSession 1 (MQTT-3.1.3-6)"});
  t.push_back({"v311-connect-figure-3-6", v311,
               from_hex("10 29"                 // CONNECT, remaining length 41
                        "00 04 4d 51 54 54 04"  // "MQTT", level 4
                        "ce"          // user name, password, will QoS 1, will, clean session
                        "00 0a"       // keep alive 10 s
                        "00 03 63 69 64"           // client identifier "cid"
                        "00 04 77 69 6c 6c"        // will topic "will"
                        "00 04 67 6f 6e 65"        // will message "gone"
                        "00 04 75 73 65 72"        // user name "user"
                        "00 06 73 65 63 72 65 74"),  // password "secret"
               connect{.version = v311,
                       .clean_start = true,
                       .keep_alive_s = 10,
                       .client_id = "cid",
                       .will = will_message{.topic = "will", .payload = "gone", .qos = qos1},
                       .user_name = "user",
                       .password = "secret"},
               "3.1.1 §3.1.2.11 Figure 3.6 variable header example, with a payload"});
  t.push_back({"v311-connect-will-qos2-retain", v311,
               from_hex("10 23"                 // CONNECT, remaining length 35
                        "00 04 4d 51 54 54 04"  // "MQTT", level 4
                        "34"     // will retain, will QoS 2, will; clean session 0
                        "ff ff"  // keep alive 65535 s
                        "00 05 64 65 76 2d 31"                          // client "dev-1"
                        "00 0c 73 74 61 74 75 73 2f 64 65 76 2d 31"     // "status/dev-1"
                        "00 02 00 ff"),                                  // will message 00 ff
               connect{.version = v311,
                       .clean_start = false,
                       .keep_alive_s = 65535,
                       .client_id = "dev-1",
                       .will = will_message{.topic = "status/dev-1", .payload = "\x00\xff"sv,
                                            .qos = qos2, .retain = true}},
               "3.1.1 §3.1.2.5-3.1.2.7 will flags, §3.1.3.3 binary will message"});
  t.push_back({"v311-connect-will-qos0-empty-message", v311,
               from_hex("10 12"                 // CONNECT, remaining length 18
                        "00 04 4d 51 54 54 04"  // "MQTT", level 4
                        "06"                    // will (QoS 0), clean session
                        "00 05"                 // keep alive 5 s
                        "00 01 61"              // client identifier "a"
                        "00 01 74"              // will topic "t"
                        "00 00"),               // zero-length will message
               connect{.version = v311,
                       .clean_start = true,
                       .keep_alive_s = 5,
                       .client_id = "a",
                       .will = will_message{.topic = "t", .payload = ""}},
               "3.1.1 §3.1.3.3 will message may be zero length"});
  t.push_back({"v311-connect-user-name-only", v311,
               from_hex("10 14"                 // CONNECT, remaining length 20
                        "00 04 4d 51 54 54 04"  // "MQTT", level 4
                        "82"                    // user name, clean session
                        "00 3c"                 // keep alive 60 s
                        "00 01 61"              // client identifier "a"
                        "00 05 67 75 65 73 74"),  // user name "guest"
               connect{.version = v311,
                       .clean_start = true,
                       .keep_alive_s = 60,
                       .client_id = "a",
                       .user_name = "guest"},
               "3.1.1 §3.1.2.8 user name flag without password"});
  t.push_back({"v311-connect-user-password-persistent", v311,
               from_hex("10 1a"                 // CONNECT, remaining length 26
                        "00 04 4d 51 54 54 04"  // "MQTT", level 4
                        "c0"                    // user name, password; clean session 0
                        "00 78"                 // keep alive 120 s
                        "00 06 73 65 6e 73 6f 72"  // client identifier "sensor"
                        "00 01 75"                 // user name "u"
                        "00 03 01 02 03"),         // password 01 02 03 (binary)
               connect{.version = v311,
                       .clean_start = false,
                       .keep_alive_s = 120,
                       .client_id = "sensor",
                       .user_name = "u",
                       .password = "\x01\x02\x03"sv},
               "3.1.1 §3.1.3.5 binary password"});
}

void add_v311_connack(table& t) {
  t.push_back({"v311-connack-accepted", v311, from_hex("20 02 00 00"),
               connack{.session_present = false, .reason_code = 0x00},
               "3.1.1 §3.2.2.3 Table 3.1 return code 0"});
  t.push_back({"v311-connack-session-present", v311, from_hex("20 02 01 00"),
               connack{.session_present = true, .reason_code = 0x00},
               "3.1.1 §3.2.2.2 session present flag"});
  t.push_back({"v311-connack-unacceptable-protocol-version", v311, from_hex("20 02 00 01"),
               connack{.reason_code = 0x01}, "3.1.1 §3.2.2.3 Table 3.1 return code 1"});
  t.push_back({"v311-connack-identifier-rejected", v311, from_hex("20 02 00 02"),
               connack{.reason_code = 0x02}, "3.1.1 §3.2.2.3 Table 3.1 return code 2"});
  t.push_back({"v311-connack-server-unavailable", v311, from_hex("20 02 00 03"),
               connack{.reason_code = 0x03}, "3.1.1 §3.2.2.3 Table 3.1 return code 3"});
  t.push_back({"v311-connack-bad-user-name-or-password", v311, from_hex("20 02 00 04"),
               connack{.reason_code = 0x04}, "3.1.1 §3.2.2.3 Table 3.1 return code 4"});
  t.push_back({"v311-connack-not-authorized", v311, from_hex("20 02 00 05"),
               connack{.reason_code = 0x05}, "3.1.1 §3.2.2.3 Table 3.1 return code 5"});
}

void add_v311_publish(table& t) {
  t.push_back({"v311-publish-qos0", v311,
               from_hex("30 0a"              // PUBLISH QoS 0, remaining length 10
                        "00 03 61 2f 62"     // topic "a/b"
                        "68 65 6c 6c 6f"),   // payload "hello"
               publish{.topic = "a/b", .payload = "hello"},
               "3.1.1 §3.3.2 no packet identifier at QoS 0"});
  t.push_back({"v311-publish-qos1-figure-3-11", v311,
               from_hex("32 0c"              // PUBLISH QoS 1, remaining length 12
                        "00 03 61 2f 62"     // topic "a/b"
                        "00 0a"              // packet identifier 10
                        "68 65 6c 6c 6f"),   // payload "hello"
               publish{.qos = qos1, .topic = "a/b", .packet_id = 10, .payload = "hello"},
               "3.1.1 §3.3.2.3 Figure 3.11 variable header example"});
  t.push_back({"v311-publish-qos2", v311,
               from_hex("34 0b"                 // PUBLISH QoS 2, remaining length 11
                        "00 05 61 2f 62 2f 63"  // topic "a/b/c"
                        "ff ff"                 // packet identifier 65535
                        "71 32"),               // payload "q2"
               publish{.qos = qos2, .topic = "a/b/c", .packet_id = 0xffff, .payload = "q2"},
               "3.1.1 §3.3.1.2 QoS 2"});
  t.push_back({"v311-publish-qos1-dup", v311,
               from_hex("3a 0c"              // PUBLISH DUP, QoS 1, remaining length 12
                        "00 03 61 2f 62"     // topic "a/b"
                        "00 0a"              // packet identifier 10
                        "68 65 6c 6c 6f"),   // payload "hello"
               publish{.dup = true, .qos = qos1, .topic = "a/b", .packet_id = 10,
                       .payload = "hello"},
               "3.1.1 §3.3.1.1 DUP flag"});
  t.push_back({"v311-publish-qos0-retain", v311,
               from_hex("31 07"           // PUBLISH QoS 0, RETAIN, remaining length 7
                        "00 03 61 2f 62"  // topic "a/b"
                        "6f 6e"),         // payload "on"
               publish{.retain = true, .topic = "a/b", .payload = "on"},
               "3.1.1 §3.3.1.3 RETAIN flag"});
  t.push_back({"v311-publish-empty-payload-retain", v311,
               from_hex("31 05"            // PUBLISH QoS 0, RETAIN, remaining length 5
                        "00 03 61 2f 62"), // topic "a/b", no payload
               publish{.retain = true, .topic = "a/b", .payload = ""},
               "3.1.1 §3.3.1.3 zero-length retained message (MQTT-3.3.1-10)"});
  t.push_back({"v311-publish-qos2-dup-retain-binary", v311,
               from_hex("3d 0b"           // PUBLISH DUP, QoS 2, RETAIN, remaining length 11
                        "00 03 62 69 6e"  // topic "bin"
                        "01 02"           // packet identifier 0x0102
                        "00 01 fe ff"),   // payload 00 01 fe ff
               publish{.dup = true, .qos = qos2, .retain = true, .topic = "bin",
                       .packet_id = 0x0102, .payload = "\x00\x01\xfe\xff"sv},
               "3.1.1 §3.3.3 binary payload"});
  t.push_back({"v311-publish-utf8-topic", v311,
               from_hex("30 08"              // PUBLISH QoS 0, remaining length 8
                        "00 05 63 61 66 c3 a9"  // topic "café" (U+00E9 as c3 a9)
                        "31"),                  // payload "1"
               publish{.topic = "caf\xc3\xa9", .payload = "1"},
               "3.1.1 §1.5.3 UTF-8 encoded topic name"});

  static const std::string payload_195(195, 'x');
  t.push_back({"v311-publish-two-byte-remaining-length", v311,
               concat({from_hex("30 c8 01"           // PUBLISH QoS 0, remaining length 200
                                "00 03 61 2f 62"),  // topic "a/b"
                       bytes_of(payload_195)}),     // 195 bytes "x"
               publish{.topic = "a/b", .payload = payload_195},
               "3.1.1 §2.2.3 Table 2.4 two-byte remaining length (200 = c8 01)"});

  static const std::string payload_16384 = [] {
    std::string s(16384, '\0');
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i & 0xff);
    return s;
  }();
  t.push_back({"v311-publish-three-byte-remaining-length", v311,
               concat({from_hex("32 87 80 01"        // PUBLISH QoS 1, remaining length 16391
                                "00 03 62 69 67"    // topic "big"
                                "00 07"),           // packet identifier 7
                       bytes_of(payload_16384)}),   // bytes 00 01 .. ff repeated, 16384 in all
               publish{.qos = qos1, .topic = "big", .packet_id = 7, .payload = payload_16384},
               "3.1.1 §2.2.3 Table 2.4 three-byte remaining length (16391 = 87 80 01)"});
}

void add_v311_acks(table& t) {
  t.push_back({"v311-puback", v311, from_hex("40 02 00 0a"), puback{.packet_id = 10},
               "3.1.1 §3.4 PUBACK"});
  t.push_back({"v311-pubrec", v311, from_hex("50 02 00 0b"), pubrec{.packet_id = 11},
               "3.1.1 §3.5 PUBREC"});
  t.push_back({"v311-pubrel", v311, from_hex("62 02 00 0b"), pubrel{.packet_id = 11},
               "3.1.1 §3.6.1 PUBREL fixed header flags 0010 (MQTT-3.6.1-1)"});
  t.push_back({"v311-pubcomp", v311, from_hex("70 02 00 0b"), pubcomp{.packet_id = 11},
               "3.1.1 §3.7 PUBCOMP"});
  t.push_back({"v311-puback-max-packet-id", v311, from_hex("40 02 ff ff"),
               puback{.packet_id = 0xffff}, "3.1.1 §2.3.1 packet identifier 65535"});
}

void add_v311_subscriptions(table& t) {
  t.push_back({"v311-subscribe-figure-3-23", v311,
               from_hex("82 0e"                // SUBSCRIBE, remaining length 14
                        "00 0a"                // packet identifier 10 (Figure 3.21)
                        "00 03 61 2f 62 01"    // "a/b", QoS 1
                        "00 03 63 2f 64 02"),  // "c/d", QoS 2
               subscribe{.packet_id = 10,
                         .subscriptions = {{"a/b", {.max_qos = qos1}}, {"c/d", {.max_qos = qos2}}}},
               "3.1.1 §3.8.2 Figure 3.21 and §3.8.3.1 Figure 3.23 examples"});
  t.push_back({"v311-subscribe-wildcards", v311,
               from_hex("82 19"                          // SUBSCRIBE, remaining length 25
                        "00 01"                          // packet identifier 1
                        "00 01 23 00"                    // "#", QoS 0
                        "00 08 2b 2f 73 74 61 74 75 73 01"  // "+/status", QoS 1
                        "00 05 61 2f 2b 2f 63 02"),      // "a/+/c", QoS 2
               subscribe{.packet_id = 1,
                         .subscriptions = {{"#", {.max_qos = qos0}},
                                           {"+/status", {.max_qos = qos1}},
                                           {"a/+/c", {.max_qos = qos2}}}},
               "3.1.1 §4.7.1 wildcard topic filters"});
  t.push_back({"v311-subscribe-dollar-sys", v311,
               from_hex("82 0b"                    // SUBSCRIBE, remaining length 11
                        "00 02"                    // packet identifier 2
                        "00 06 24 53 59 53 2f 23"  // "$SYS/#"
                        "00"),                     // QoS 0
               subscribe{.packet_id = 2, .subscriptions = {{"$SYS/#", {.max_qos = qos0}}}},
               "3.1.1 §4.7.2 topics beginning with $"});

  t.push_back({"v311-suback-figure-3-27", v311,
               from_hex("90 05"       // SUBACK, remaining length 5
                        "00 0a"       // packet identifier 10
                        "00 02 80"),  // QoS 0, QoS 2, failure
               suback{.packet_id = 10, .reason_codes = {0x00, 0x02, 0x80}},
               "3.1.1 §3.9.3.1 Figure 3.27 example"});
  t.push_back({"v311-suback-all-codes", v311,
               from_hex("90 06"          // SUBACK, remaining length 6
                        "00 01"          // packet identifier 1
                        "00 01 02 80"),  // every allowed return code (MQTT-3.9.3-2)
               suback{.packet_id = 1, .reason_codes = {0x00, 0x01, 0x02, 0x80}},
               "3.1.1 §3.9.3 SUBACK return codes"});

  t.push_back({"v311-unsubscribe-figure-3-30", v311,
               from_hex("a2 0c"              // UNSUBSCRIBE, remaining length 12
                        "00 0a"              // packet identifier 10
                        "00 03 61 2f 62"     // "a/b"
                        "00 03 63 2f 64"),   // "c/d"
               unsubscribe{.packet_id = 10, .filters = {"a/b", "c/d"}},
               "3.1.1 §3.10.3.1 Figure 3.30 example"});
  t.push_back({"v311-unsubscribe-single", v311,
               from_hex("a2 05"        // UNSUBSCRIBE, remaining length 5
                        "02 03"        // packet identifier 0x0203
                        "00 01 23"),   // "#"
               unsubscribe{.packet_id = 0x0203, .filters = {"#"}},
               "3.1.1 §3.10.1 UNSUBSCRIBE flags 0010 (MQTT-3.10.1-1)"});
  t.push_back({"v311-unsuback", v311, from_hex("b0 02 00 0a"), unsuback{.packet_id = 10},
               "3.1.1 §3.11 UNSUBACK"});
}

void add_v311_others(table& t) {
  t.push_back({"v311-pingreq", v311, from_hex("c0 00"), pingreq{}, "3.1.1 §3.12 PINGREQ"});
  t.push_back({"v311-pingresp", v311, from_hex("d0 00"), pingresp{}, "3.1.1 §3.13 PINGRESP"});
  t.push_back({"v311-disconnect", v311, from_hex("e0 00"), disconnect{},
               "3.1.1 §3.14 DISCONNECT"});
}

// ---------------------------------------------------------------------------------------
// MQTT 5.0 (protocol name "MQTT", level 5). Property lists are written in ascending
// identifier order; repeated identifiers stay adjacent in their order.

void add_v5_connect_basic(table& t) {
  t.push_back({"v5-connect-minimal", v5,
               from_hex("10 0e"                 // CONNECT, remaining length 14
                        "00 04 4d 51 54 54 05"  // "MQTT", level 5
                        "02"                    // clean start
                        "00 3c"                 // keep alive 60 s
                        "00"                    // property length 0
                        "00 01 61"),            // client identifier "a"
               connect{.version = v5, .clean_start = true, .keep_alive_s = 60, .client_id = "a"},
               "5.0 §3.1.2 CONNECT variable header, no properties"});
  t.push_back({"v5-connect-empty-client-id", v5,
               from_hex("10 0d"                 // CONNECT, remaining length 13
                        "00 04 4d 51 54 54 05"  // "MQTT", level 5
                        "02"                    // clean start
                        "00 00"                 // keep alive 0
                        "00"                    // property length 0
                        "00 00"),               // zero-length client identifier
               connect{.version = v5, .clean_start = true, .keep_alive_s = 0, .client_id = ""},
               "5.0 §3.1.3.1 zero-byte ClientID (MQTT-3.1.3-6)"});
  t.push_back({"v5-connect-session-expiry", v5,
               from_hex("10 13"                 // CONNECT, remaining length 19
                        "00 04 4d 51 54 54 05"  // "MQTT", level 5
                        "00"                    // clean start 0
                        "00 1e"                 // keep alive 30 s
                        "05"                    // property length 5
                        "11 00 00 0e 10"        // session expiry interval 3600 s
                        "00 01 61"),            // client identifier "a"
               connect{.version = v5,
                       .clean_start = false,
                       .keep_alive_s = 30,
                       .client_id = "a",
                       .props = {.session_expiry_interval_s = 3600}},
               "5.0 §3.1.2.11.2 Session Expiry Interval"});
  t.push_back({"v5-connect-password-without-user-name", v5,
               from_hex("10 14"                 // CONNECT, remaining length 20
                        "00 04 4d 51 54 54 05"  // "MQTT", level 5
                        "42"                    // password, clean start
                        "00 3c"                 // keep alive 60 s
                        "00"                    // property length 0
                        "00 01 61"              // client identifier "a"
                        "00 04 de ad be ef"),   // password de ad be ef
               connect{.version = v5,
                       .clean_start = true,
                       .keep_alive_s = 60,
                       .client_id = "a",
                       .password = "\xde\xad\xbe\xef"sv},
               "5.0 §3.1.2.9 password without user name is allowed in 5.0"});
  t.push_back({"v5-connect-user-name-only", v5,
               from_hex("10 14"                 // CONNECT, remaining length 20
                        "00 04 4d 51 54 54 05"  // "MQTT", level 5
                        "82"                    // user name, clean start
                        "00 3c"                 // keep alive 60 s
                        "00"                    // property length 0
                        "00 01 61"              // client identifier "a"
                        "00 04 6e 61 6d 65"),   // user name "name"
               connect{.version = v5,
                       .clean_start = true,
                       .keep_alive_s = 60,
                       .client_id = "a",
                       .user_name = "name"},
               "5.0 §3.1.2.8 User Name Flag"});
}

void add_v5_connect_properties(table& t) {
  t.push_back({"v5-connect-all-properties", v5,
               from_hex("10 4a"                 // CONNECT, remaining length 74
                        "00 04 4d 51 54 54 05"  // "MQTT", level 5
                        "02"                    // clean start
                        "00 3c"                 // keep alive 60 s
                        "3b"                    // property length 59
                        "11 ff ff ff ff"        // session expiry interval 0xffffffff
                        "15 00 0b 53 43 52 41 4d 2d 53 48 41 2d 31"  // auth method "SCRAM-SHA-1"
                        "16 00 04 01 02 03 04"  // authentication data 01 02 03 04
                        "17 00"                 // request problem information 0
                        "19 01"                 // request response information 1
                        "21 00 14"              // receive maximum 20
                        "22 00 0a"              // topic alias maximum 10
                        "26 00 02 6b 31 00 02 76 31"  // user property "k1" = "v1"
                        "26 00 02 6b 32 00 02 76 32"  // user property "k2" = "v2"
                        "27 00 10 00 00"        // maximum packet size 1048576
                        "00 02 63 6c"),         // client identifier "cl"
               connect{.version = v5,
                       .clean_start = true,
                       .keep_alive_s = 60,
                       .client_id = "cl",
                       .props = {.session_expiry_interval_s = 0xffffffff,
                                 .authentication_method = "SCRAM-SHA-1",
                                 .authentication_data = "\x01\x02\x03\x04"sv,
                                 .request_problem_information = std::uint8_t{0},
                                 .request_response_information = std::uint8_t{1},
                                 .receive_maximum = std::uint16_t{20},
                                 .topic_alias_maximum = std::uint16_t{10},
                                 .user_properties = {{"k1", "v1"}, {"k2", "v2"}},
                                 .maximum_packet_size = 1048576}},
               "5.0 §3.1.2.11 CONNECT Properties (every one)"});
  t.push_back({"v5-connect-will-properties", v5,
               from_hex("10 56"                 // CONNECT, remaining length 86
                        "00 04 4d 51 54 54 05"  // "MQTT", level 5
                        "0e"                    // will QoS 1, will, clean start
                        "00 3c"                 // keep alive 60 s
                        "00"                    // property length 0
                        "00 01 61"              // client identifier "a"
                        "36"                    // will property length 54
                        "01 01"                 // payload format indicator 1 (UTF-8)
                        "02 00 00 00 78"        // message expiry interval 120 s
                        "03 00 0a 74 65 78 74 2f 70 6c 61 69 6e"  // content type "text/plain"
                        "08 00 06 72 65 73 70 2f 61"  // response topic "resp/a"
                        "09 00 03 00 01 02"           // correlation data 00 01 02
                        "18 00 00 00 05"              // will delay interval 5 s
                        "26 00 01 61 00 01 62"        // user property "a" = "b"
                        "26 00 01 61 00 01 63"        // user property "a" = "c"
                        "00 06 77 69 6c 6c 2f 61"     // will topic "will/a"
                        "00 07 6f 66 66 6c 69 6e 65"),  // will payload "offline"
               connect{.version = v5,
                       .clean_start = true,
                       .keep_alive_s = 60,
                       .client_id = "a",
                       .will = will_message{.topic = "will/a",
                                            .payload = "offline",
                                            .qos = qos1,
                                            .props = {.payload_format_indicator = std::uint8_t{1},
                                                      .message_expiry_interval_s = 120,
                                                      .content_type = "text/plain",
                                                      .response_topic = "resp/a",
                                                      .correlation_data = "\x00\x01\x02"sv,
                                                      .will_delay_interval_s = 5,
                                                      .user_properties = {{"a", "b"},
                                                                          {"a", "c"}}}}},
               "5.0 §3.1.3.2 Will Properties (every one)"});
  t.push_back({"v5-connect-will-qos2-retain-credentials", v5,
               from_hex("10 22"                 // CONNECT, remaining length 34
                        "00 04 4d 51 54 54 05"  // "MQTT", level 5
                        "f4"       // user name, password, will retain, will QoS 2, will
                        "00 00"    // keep alive 0
                        "05"       // property length 5
                        "11 00 00 00 3c"  // session expiry interval 60 s
                        "00 03 64 65 76"  // client identifier "dev"
                        "00"              // will property length 0
                        "00 01 74"        // will topic "t"
                        "00 01 78"        // will payload "x"
                        "00 01 75"        // user name "u"
                        "00 01 70"),      // password "p"
               connect{.version = v5,
                       .clean_start = false,
                       .keep_alive_s = 0,
                       .client_id = "dev",
                       .will = will_message{.topic = "t", .payload = "x", .qos = qos2,
                                            .retain = true},
                       .user_name = "u",
                       .password = "p",
                       .props = {.session_expiry_interval_s = 60}},
               "5.0 §3.1.2.3 Connect Flags, §3.1.3 payload order"});
}

void add_v5_connack(table& t) {
  t.push_back({"v5-connack-success", v5,
               from_hex("20 03"   // CONNACK, remaining length 3
                        "00 00"   // no session present, success
                        "00"),    // property length 0
               connack{}, "5.0 §3.2.2 CONNACK variable header"});
  t.push_back({"v5-connack-session-present", v5, from_hex("20 03 01 00 00"),
               connack{.session_present = true}, "5.0 §3.2.2.1.1 Session Present"});
  t.push_back({"v5-connack-all-properties", v5,
               from_hex("20 64"   // CONNACK, remaining length 100
                        "00 00"   // no session present, success
                        "61"      // property length 97
                        "11 00 00 00 0a"                 // session expiry interval 10 s
                        "12 00 06 61 75 74 6f 2d 31"     // assigned client id "auto-1"
                        "13 00 3c"                       // server keep alive 60 s
                        "15 00 0b 53 43 52 41 4d 2d 53 48 41 2d 31"  // auth method "SCRAM-SHA-1"
                        "16 00 03 73 72 76"              // authentication data "srv"
                        "1a 00 05 72 65 73 70 2f"        // response information "resp/"
                        "1c 00 0a 6f 74 68 65 72 3a 31 38 38 33"  // server ref "other:1883"
                        "1f 00 02 6f 6b"                 // reason string "ok"
                        "21 00 64"                       // receive maximum 100
                        "22 00 05"                       // topic alias maximum 5
                        "24 01"                          // maximum QoS 1
                        "25 00"                          // retain available 0
                        "26 00 06 72 65 67 69 6f 6e 00 02 65 75"  // user property region=eu
                        "27 00 00 ff ff"                 // maximum packet size 65535
                        "28 00"                          // wildcard subscription available 0
                        "29 00"                          // subscription ids available 0
                        "2a 01"),                        // shared subscription available 1
               connack{.props = {.session_expiry_interval_s = 10,
                                 .assigned_client_identifier = "auto-1",
                                 .server_keep_alive_s = std::uint16_t{60},
                                 .authentication_method = "SCRAM-SHA-1",
                                 .authentication_data = "srv",
                                 .response_information = "resp/",
                                 .server_reference = "other:1883",
                                 .reason_string = "ok",
                                 .receive_maximum = std::uint16_t{100},
                                 .topic_alias_maximum = std::uint16_t{5},
                                 .maximum_qos = std::uint8_t{1},
                                 .retain_available = std::uint8_t{0},
                                 .user_properties = {{"region", "eu"}},
                                 .maximum_packet_size = 65535,
                                 .wildcard_subscription_available = std::uint8_t{0},
                                 .subscription_identifier_available = std::uint8_t{0},
                                 .shared_subscription_available = std::uint8_t{1}}},
               "5.0 §3.2.2.3 CONNACK Properties (every one)"});
  t.push_back({"v5-connack-unspecified-error", v5, from_hex("20 03 00 80 00"),
               connack{.reason_code = reason::unspecified_error},
               "5.0 §3.2.2.2 Table 3-1 reason code 0x80"});
  t.push_back({"v5-connack-unsupported-protocol-version", v5, from_hex("20 03 00 84 00"),
               connack{.reason_code = reason::unsupported_protocol_version},
               "5.0 §3.2.2.2 Table 3-1 reason code 0x84"});
  t.push_back({"v5-connack-bad-user-name-or-password", v5, from_hex("20 03 00 86 00"),
               connack{.reason_code = reason::bad_user_name_or_password},
               "5.0 §3.2.2.2 Table 3-1 reason code 0x86"});
  t.push_back({"v5-connack-not-authorized-reason-string", v5,
               from_hex("20 0c"   // CONNACK, remaining length 12
                        "00 87"   // not authorized
                        "09"      // property length 9
                        "1f 00 06 64 65 6e 69 65 64"),  // reason string "denied"
               connack{.reason_code = reason::not_authorized, .props = {.reason_string = "denied"}},
               "5.0 §3.2.2.3.16 Reason String with reason code 0x87"});
  t.push_back({"v5-connack-use-another-server", v5,
               from_hex("20 08"   // CONNACK, remaining length 8
                        "00 9c"   // use another server
                        "05"      // property length 5
                        "1c 00 02 62 32"),  // server reference "b2"
               connack{.reason_code = reason::use_another_server,
                       .props = {.server_reference = "b2"}},
               "5.0 §4.11 server redirection, reason code 0x9C"});
  t.push_back({"v5-connack-connection-rate-exceeded", v5, from_hex("20 03 00 9f 00"),
               connack{.reason_code = reason::connection_rate_exceeded},
               "5.0 §3.2.2.2 Table 3-1 reason code 0x9F"});
}

void add_v5_publish_basic(table& t) {
  t.push_back({"v5-publish-qos0", v5,
               from_hex("30 08"           // PUBLISH QoS 0, remaining length 8
                        "00 03 61 2f 62"  // topic "a/b"
                        "00"              // property length 0
                        "68 69"),         // payload "hi"
               publish{.topic = "a/b", .payload = "hi"}, "5.0 §3.3.2 PUBLISH variable header"});
  t.push_back({"v5-publish-qos1", v5,
               from_hex("32 0a"           // PUBLISH QoS 1, remaining length 10
                        "00 03 61 2f 62"  // topic "a/b"
                        "00 01"           // packet identifier 1
                        "00"              // property length 0
                        "68 69"),         // payload "hi"
               publish{.qos = qos1, .topic = "a/b", .packet_id = 1, .payload = "hi"},
               "5.0 §3.3.2.2 Packet Identifier"});
  t.push_back({"v5-publish-qos2-dup-retain", v5,
               from_hex("3d 09"           // PUBLISH DUP, QoS 2, RETAIN, remaining length 9
                        "00 03 61 2f 62"  // topic "a/b"
                        "01 02"           // packet identifier 0x0102
                        "00"              // property length 0
                        "78"),            // payload "x"
               publish{.dup = true, .qos = qos2, .retain = true, .topic = "a/b",
                       .packet_id = 0x0102, .payload = "x"},
               "5.0 §3.3.1 PUBLISH fixed header flags"});
  t.push_back({"v5-publish-empty-payload-retain", v5,
               from_hex("31 06"           // PUBLISH QoS 0, RETAIN, remaining length 6
                        "00 03 61 2f 62"  // topic "a/b"
                        "00"),            // property length 0, no payload
               publish{.retain = true, .topic = "a/b", .payload = ""},
               "5.0 §3.3.3 zero-length payload"});
}

void add_v5_publish_properties(table& t) {
  t.push_back({"v5-publish-qos1-props", v5,
               from_hex("32 21"           // PUBLISH QoS 1, remaining length 33
                        "00 03 61 2f 62"  // topic "a/b"
                        "00 0a"           // packet identifier 10
                        "14"              // property length 20
                        "01 01"           // payload format indicator 1 (UTF-8)
                        "02 00 00 00 3c"  // message expiry interval 60 s
                        "03 00 0a 74 65 78 74 2f 70 6c 61 69 6e"  // content type "text/plain"
                        "68 65 6c 6c 6f"),  // payload "hello"
               publish{.qos = qos1,
                       .topic = "a/b",
                       .packet_id = 10,
                       .props = {.payload_format_indicator = std::uint8_t{1},
                                 .message_expiry_interval_s = 60,
                                 .content_type = "text/plain"},
                       .payload = "hello"},
               "5.0 §3.3.2.3.2-3.3.2.3.9 payload format, expiry, content type"});
  t.push_back({"v5-publish-request-response", v5,
               from_hex("30 17"              // PUBLISH QoS 0, remaining length 23
                        "00 05 72 65 71 2f 78"  // topic "req/x"
                        "0e"                    // property length 14
                        "08 00 06 72 65 73 70 2f 78"  // response topic "resp/x"
                        "09 00 02 00 2a"              // correlation data 00 2a
                        "71"),                        // payload "q"
               publish{.topic = "req/x",
                       .props = {.response_topic = "resp/x", .correlation_data = "\x00\x2a"sv},
                       .payload = "q"},
               "5.0 §3.3.2.3.5-3.3.2.3.6 Response Topic and Correlation Data"});
  t.push_back({"v5-publish-subscription-identifiers", v5,
               from_hex("32 13"           // PUBLISH QoS 1, remaining length 19
                        "00 03 61 2f 62"  // topic "a/b"
                        "00 05"           // packet identifier 5
                        "0a"              // property length 10
                        "0b 01"           // subscription identifier 1
                        "0b 80 01"        // subscription identifier 128
                        "0b ff ff ff 7f"  // subscription identifier 268435455
                        "73"),            // payload "s"
               publish{.qos = qos1,
                       .topic = "a/b",
                       .packet_id = 5,
                       .props = {.subscription_identifiers = {1, 128, 268435455}},
                       .payload = "s"},
               "5.0 §3.3.2.3.8 repeated Subscription Identifier, §1.5.5 integer sizes"});
  t.push_back({"v5-publish-user-properties", v5,
               from_hex("30 1c"           // PUBLISH QoS 0, remaining length 28
                        "00 03 61 2f 62"  // topic "a/b"
                        "15"              // property length 21
                        "26 00 01 7a 00 01 31"  // user property "z" = "1"
                        "26 00 01 61 00 01 32"  // user property "a" = "2"
                        "26 00 01 7a 00 01 33"  // user property "z" = "3"
                        "75"),                  // payload "u"
               publish{.topic = "a/b",
                       .props = {.user_properties = {{"z", "1"}, {"a", "2"}, {"z", "3"}}},
                       .payload = "u"},
               "5.0 §3.3.2.3.7 User Property order kept (MQTT-3.3.2-18)"});
  t.push_back({"v5-publish-topic-alias-empty-topic", v5,
               from_hex("32 09"      // PUBLISH QoS 1, remaining length 9
                        "00 00"      // zero-length topic name
                        "00 06"      // packet identifier 6
                        "03"         // property length 3
                        "23 00 01"   // topic alias 1
                        "76"),       // payload "v"
               publish{.qos = qos1, .topic = "", .packet_id = 6,
                       .props = {.topic_alias = std::uint16_t{1}}, .payload = "v"},
               "5.0 §3.3.2.3.4 Topic Alias with a zero-length Topic Name"});
  t.push_back({"v5-publish-topic-alias-set", v5,
               from_hex("30 0a"           // PUBLISH QoS 0, remaining length 10
                        "00 03 61 2f 62"  // topic "a/b"
                        "03"              // property length 3
                        "23 00 01"        // topic alias 1
                        "76"),            // payload "v"
               publish{.topic = "a/b", .props = {.topic_alias = std::uint16_t{1}}, .payload = "v"},
               "5.0 §3.3.2.3.4 Topic Alias set with a Topic Name"});
  t.push_back({"v5-publish-all-properties", v5,
               from_hex("34 2c"     // PUBLISH QoS 2, remaining length 44
                        "00 01 74"  // topic "t"
                        "0a 0b"     // packet identifier 0x0a0b
                        "24"        // property length 36
                        "01 00"                    // payload format indicator 0
                        "02 00 00 0e 10"           // message expiry interval 3600 s
                        "03 00 04 6a 73 6f 6e"     // content type "json"
                        "08 00 01 72"              // response topic "r"
                        "09 00 01 01"              // correlation data 01
                        "0b 02"                    // subscription identifier 2
                        "0b 03"                    // subscription identifier 3
                        "23 00 02"                 // topic alias 2
                        "26 00 01 6b 00 01 76"     // user property "k" = "v"
                        "01 02"),                  // payload 01 02
               publish{.qos = qos2,
                       .topic = "t",
                       .packet_id = 0x0a0b,
                       .props = {.payload_format_indicator = std::uint8_t{0},
                                 .message_expiry_interval_s = 3600,
                                 .content_type = "json",
                                 .response_topic = "r",
                                 .correlation_data = "\x01"sv,
                                 .subscription_identifiers = {2, 3},
                                 .topic_alias = std::uint16_t{2},
                                 .user_properties = {{"k", "v"}}},
                       .payload = "\x01\x02"sv},
               "5.0 §3.3.2.3 PUBLISH Properties (every one)"});

  static const std::string value_130(130, 'v');
  t.push_back({"v5-publish-two-byte-property-length", v5,
               concat({from_hex("30 90 01"        // PUBLISH QoS 0, remaining length 144
                                "00 03 61 2f 62"  // topic "a/b"
                                "88 01"           // property length 136
                                "26 00 01 6b"     // user property "k" = ...
                                "00 82"),         // ... a 130-byte value
                       bytes_of(value_130),       // 130 bytes "v"
                       from_hex("70")}),          // payload "p"
               publish{.topic = "a/b",
                       .props = {.user_properties = {{"k", value_130}}},
                       .payload = "p"},
               "5.0 §2.2.2.1 Property Length as a two-byte Variable Byte Integer"});
}

void add_v5_pub_acks(table& t) {
  t.push_back({"v5-puback-short", v5, from_hex("40 02 00 01"), puback{.packet_id = 1},
               "5.0 §3.4.2.1 reason code and properties omitted (remaining length 2)"});
  t.push_back({"v5-puback-no-matching-subscribers", v5,
               from_hex("40 03"   // PUBACK, remaining length 3
                        "00 01"   // packet identifier 1
                        "10"),    // no matching subscribers, no property length
               puback{.packet_id = 1, .reason_code = reason::no_matching_subscribers},
               "5.0 §3.4.2.2.1 property length omitted when remaining length < 4"});
  t.push_back({"v5-puback-reason-string", v5,
               from_hex("40 0a"   // PUBACK, remaining length 10
                        "00 01"   // packet identifier 1
                        "80"      // unspecified error
                        "06"      // property length 6
                        "1f 00 03 65 72 72"),  // reason string "err"
               puback{.packet_id = 1, .reason_code = reason::unspecified_error,
                      .props = {.reason_string = "err"}},
               "5.0 §3.4.2.2.2 PUBACK Reason String"});
  t.push_back({"v5-puback-success-user-property", v5,
               from_hex("40 0b"   // PUBACK, remaining length 11
                        "00 02"   // packet identifier 2
                        "00"      // success
                        "07"      // property length 7
                        "26 00 01 6b 00 01 76"),  // user property "k" = "v"
               puback{.packet_id = 2, .props = {.user_properties = {{"k", "v"}}}},
               "5.0 §3.4.2.2.3 PUBACK User Property with reason code 0"});

  t.push_back({"v5-pubrec-short", v5, from_hex("50 02 00 02"), pubrec{.packet_id = 2},
               "5.0 §3.5.2.1 reason code and properties omitted"});
  t.push_back({"v5-pubrec-packet-identifier-in-use", v5, from_hex("50 03 00 02 91"),
               pubrec{.packet_id = 2, .reason_code = reason::packet_identifier_in_use},
               "5.0 §3.5.2.1 PUBREC Reason Code 0x91"});
  t.push_back({"v5-pubrec-quota-exceeded-props", v5,
               from_hex("50 13"   // PUBREC, remaining length 19
                        "00 02"   // packet identifier 2
                        "97"      // quota exceeded
                        "0f"      // property length 15
                        "1f 00 05 71 75 6f 74 61"  // reason string "quota"
                        "26 00 01 6b 00 01 76"),   // user property "k" = "v"
               pubrec{.packet_id = 2, .reason_code = reason::quota_exceeded,
                      .props = {.reason_string = "quota", .user_properties = {{"k", "v"}}}},
               "5.0 §3.5.2.2 PUBREC Properties"});

  t.push_back({"v5-pubrel-short", v5, from_hex("62 02 00 02"), pubrel{.packet_id = 2},
               "5.0 §3.6.2.1 reason code and properties omitted"});
  t.push_back({"v5-pubrel-packet-identifier-not-found", v5, from_hex("62 03 00 02 92"),
               pubrel{.packet_id = 2, .reason_code = reason::packet_identifier_not_found},
               "5.0 §3.6.2.1 PUBREL Reason Code 0x92"});
  t.push_back({"v5-pubrel-reason-string", v5,
               from_hex("62 08"   // PUBREL, remaining length 8
                        "00 02"   // packet identifier 2
                        "00"      // success
                        "04"      // property length 4
                        "1f 00 01 72"),  // reason string "r"
               pubrel{.packet_id = 2, .props = {.reason_string = "r"}},
               "5.0 §3.6.2.2 PUBREL Properties"});

  t.push_back({"v5-pubcomp-short", v5, from_hex("70 02 00 02"), pubcomp{.packet_id = 2},
               "5.0 §3.7.2.1 reason code and properties omitted"});
  t.push_back({"v5-pubcomp-packet-identifier-not-found", v5, from_hex("70 03 00 02 92"),
               pubcomp{.packet_id = 2, .reason_code = reason::packet_identifier_not_found},
               "5.0 §3.7.2.1 PUBCOMP Reason Code 0x92"});
  t.push_back({"v5-pubcomp-reason-string", v5,
               from_hex("70 0b"   // PUBCOMP, remaining length 11
                        "00 02"   // packet identifier 2
                        "92"      // packet identifier not found
                        "07"      // property length 7
                        "1f 00 04 67 6f 6e 65"),  // reason string "gone"
               pubcomp{.packet_id = 2, .reason_code = reason::packet_identifier_not_found,
                       .props = {.reason_string = "gone"}},
               "5.0 §3.7.2.2 PUBCOMP Properties"});
}

void add_v5_subscribe(table& t) {
  t.push_back({"v5-subscribe-single", v5,
               from_hex("82 09"           // SUBSCRIBE, remaining length 9
                        "00 01"           // packet identifier 1
                        "00"              // property length 0
                        "00 03 61 2f 62"  // "a/b"
                        "00"),            // options: QoS 0
               subscribe{.packet_id = 1, .subscriptions = {{"a/b", {.max_qos = qos0}}}},
               "5.0 §3.8.2 SUBSCRIBE variable header"});
  t.push_back({"v5-subscribe-options", v5,
               from_hex("82 13"        // SUBSCRIBE, remaining length 19
                        "00 02"        // packet identifier 2
                        "00"           // property length 0
                        "00 01 61 05"  // "a": QoS 1, no local
                        "00 01 62 0a"  // "b": QoS 2, retain as published
                        "00 01 63 10"  // "c": QoS 0, retain handling 1
                        "00 01 64 2d"),  // "d": QoS 1, no local, retain as published, handling 2
               subscribe{.packet_id = 2,
                         .subscriptions = {{"a", {.max_qos = qos1, .no_local = true}},
                                           {"b", {.max_qos = qos2, .retain_as_published = true}},
                                           {"c", {.max_qos = qos0, .retain_handling = 1}},
                                           {"d", {.max_qos = qos1,
                                                  .no_local = true,
                                                  .retain_as_published = true,
                                                  .retain_handling = 2}}}},
               "5.0 §3.8.3.1 Subscription Options bits"});
  t.push_back({"v5-subscribe-subscription-identifier", v5,
               from_hex("82 12"        // SUBSCRIBE, remaining length 18
                        "00 03"        // packet identifier 3
                        "09"           // property length 9
                        "0b 2a"        // subscription identifier 42
                        "26 00 01 6b 00 01 76"  // user property "k" = "v"
                        "00 03 78 2f 23"        // "x/#"
                        "01"),                  // options: QoS 1
               subscribe{.packet_id = 3,
                         .props = {.subscription_identifiers = {42},
                                   .user_properties = {{"k", "v"}}},
                         .subscriptions = {{"x/#", {.max_qos = qos1}}}},
               "5.0 §3.8.2.1.2 Subscription Identifier, §3.8.2.1.3 User Property"});
  t.push_back({"v5-subscribe-max-subscription-identifier", v5,
               from_hex("82 0c"           // SUBSCRIBE, remaining length 12
                        "00 05"           // packet identifier 5
                        "05"              // property length 5
                        "0b ff ff ff 7f"  // subscription identifier 268435455
                        "00 01 2b"        // "+"
                        "00"),            // options: QoS 0
               subscribe{.packet_id = 5,
                         .props = {.subscription_identifiers = {268435455}},
                         .subscriptions = {{"+", {.max_qos = qos0}}}},
               "5.0 §3.8.2.1.2 Subscription Identifier 1..268,435,455"});
  t.push_back({"v5-subscribe-shared", v5,
               from_hex("82 21"   // SUBSCRIBE, remaining length 33
                        "00 04"   // packet identifier 4
                        "00"      // property length 0
                        "00 0c 24 73 68 61 72 65 2f 67 2f 61 2f 62"  // "$share/g/a/b"
                        "01"                                         // options: QoS 1
                        "00 0c 24 73 68 61 72 65 2f 67 72 70 2f 23"  // "$share/grp/#"
                        "02"),                                       // options: QoS 2
               subscribe{.packet_id = 4,
                         .subscriptions = {{"$share/g/a/b", {.max_qos = qos1}},
                                           {"$share/grp/#", {.max_qos = qos2}}}},
               "5.0 §4.8.2 shared subscription filters"});
}

void add_v5_subscribe_acks(table& t) {
  t.push_back({"v5-suback-granted", v5,
               from_hex("90 06"       // SUBACK, remaining length 6
                        "00 01"       // packet identifier 1
                        "00"          // property length 0
                        "00 01 02"),  // granted QoS 0, 1, 2
               suback{.packet_id = 1, .reason_codes = {0x00, 0x01, 0x02}},
               "5.0 §3.9.3 SUBACK granted QoS codes"});
  t.push_back({"v5-suback-failure-codes", v5,
               from_hex("90 0c"   // SUBACK, remaining length 12
                        "00 02"   // packet identifier 2
                        "00"      // property length 0
                        "80 83 87 8f 91 97 9e a1 a2"),  // every failure code of §3.9.3
               suback{.packet_id = 2,
                      .reason_codes = {0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2}},
               "5.0 §3.9.3 Subscribe Reason Codes"});
  t.push_back({"v5-suback-properties", v5,
               from_hex("90 11"   // SUBACK, remaining length 17
                        "00 03"   // packet identifier 3
                        "0c"      // property length 12
                        "1f 00 02 6e 6f"        // reason string "no"
                        "26 00 01 6b 00 01 76"  // user property "k" = "v"
                        "01 80"),               // granted QoS 1, unspecified error
               suback{.packet_id = 3,
                      .props = {.reason_string = "no", .user_properties = {{"k", "v"}}},
                      .reason_codes = {0x01, 0x80}},
               "5.0 §3.9.2.1 SUBACK Properties"});

  t.push_back({"v5-unsubscribe-two-filters", v5,
               from_hex("a2 14"   // UNSUBSCRIBE, remaining length 20
                        "00 05"   // packet identifier 5
                        "00"      // property length 0
                        "00 03 61 2f 62"                    // "a/b"
                        "00 0a 24 73 68 61 72 65 2f 67 2f 63"),  // "$share/g/c"
               unsubscribe{.packet_id = 5, .filters = {"a/b", "$share/g/c"}},
               "5.0 §3.10.3 UNSUBSCRIBE payload"});
  t.push_back({"v5-unsubscribe-user-property", v5,
               from_hex("a2 0d"   // UNSUBSCRIBE, remaining length 13
                        "00 06"   // packet identifier 6
                        "07"      // property length 7
                        "26 00 01 6b 00 01 76"  // user property "k" = "v"
                        "00 01 23"),            // "#"
               unsubscribe{.packet_id = 6, .props = {.user_properties = {{"k", "v"}}},
                           .filters = {"#"}},
               "5.0 §3.10.2.1.2 UNSUBSCRIBE User Property"});

  t.push_back({"v5-unsuback-codes", v5,
               from_hex("b0 0a"   // UNSUBACK, remaining length 10
                        "00 05"   // packet identifier 5
                        "00"      // property length 0
                        "00 11 80 83 87 8f 91"),  // every code of §3.11.3
               unsuback{.packet_id = 5, .reason_codes = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91}},
               "5.0 §3.11.3 Unsubscribe Reason Codes"});
  t.push_back({"v5-unsuback-properties", v5,
               from_hex("b0 10"   // UNSUBACK, remaining length 16
                        "00 06"   // packet identifier 6
                        "0c"      // property length 12
                        "1f 00 02 6f 6b"        // reason string "ok"
                        "26 00 01 6b 00 01 76"  // user property "k" = "v"
                        "00"),                  // success
               unsuback{.packet_id = 6,
                        .props = {.reason_string = "ok", .user_properties = {{"k", "v"}}},
                        .reason_codes = {0x00}},
               "5.0 §3.11.2.1 UNSUBACK Properties"});
}

void add_v5_others(table& t) {
  t.push_back({"v5-pingreq", v5, from_hex("c0 00"), pingreq{}, "5.0 §3.12 PINGREQ"});
  t.push_back({"v5-pingresp", v5, from_hex("d0 00"), pingresp{}, "5.0 §3.13 PINGRESP"});

  t.push_back({"v5-disconnect-short", v5, from_hex("e0 00"), disconnect{},
               "5.0 §3.14.2.1 remaining length 0 means Normal disconnection"});
  t.push_back({"v5-disconnect-with-will-message", v5, from_hex("e0 01 04"),
               disconnect{.reason_code = reason::disconnect_with_will},
               "5.0 §3.14.2.2.1 property length omitted when remaining length < 2"});
  t.push_back({"v5-disconnect-session-taken-over", v5, from_hex("e0 01 8e"),
               disconnect{.reason_code = reason::session_taken_over},
               "5.0 §3.14.2.1 Disconnect Reason Code 0x8E"});
  t.push_back({"v5-disconnect-session-expiry", v5,
               from_hex("e0 07"   // DISCONNECT, remaining length 7
                        "00"      // normal disconnection
                        "05"      // property length 5
                        "11 00 00 01 2c"),  // session expiry interval 300 s
               disconnect{.props = {.session_expiry_interval_s = 300}},
               "5.0 §3.14.2.2.2 Session Expiry Interval"});
  t.push_back({"v5-disconnect-server-moved", v5,
               from_hex("e0 0f"   // DISCONNECT, remaining length 15
                        "9d"      // server moved
                        "0d"      // property length 13
                        "1c 00 02 62 32"              // server reference "b2"
                        "1f 00 05 6d 6f 76 65 64"),   // reason string "moved"
               disconnect{.reason_code = reason::server_moved,
                          .props = {.server_reference = "b2", .reason_string = "moved"}},
               "5.0 §3.14.2.2.5 Server Reference, §3.14.2.2.3 Reason String"});
  t.push_back({"v5-disconnect-client-properties", v5,
               from_hex("e0 14"   // DISCONNECT, remaining length 20
                        "04"      // disconnect with will message
                        "12"      // property length 18
                        "11 00 00 00 3c"        // session expiry interval 60 s
                        "1f 00 03 62 79 65"     // reason string "bye"
                        "26 00 01 6b 00 01 76"),  // user property "k" = "v"
               disconnect{.reason_code = reason::disconnect_with_will,
                          .props = {.session_expiry_interval_s = 60,
                                    .reason_string = "bye",
                                    .user_properties = {{"k", "v"}}}},
               "5.0 §3.14.2.2 DISCONNECT Properties"});

  t.push_back({"v5-auth-short", v5, from_hex("f0 00"), auth{},
               "5.0 §3.15.2.1 remaining length 0 means Success without properties"});
  t.push_back({"v5-auth-continue", v5,
               from_hex("f0 15"   // AUTH, remaining length 21
                        "18"      // continue authentication
                        "13"      // property length 19
                        "15 00 0b 53 43 52 41 4d 2d 53 48 41 2d 31"  // auth method "SCRAM-SHA-1"
                        "16 00 02 63 31"),                           // auth data "c1"
               auth{.reason_code = reason::continue_authentication,
                    .props = {.authentication_method = "SCRAM-SHA-1",
                              .authentication_data = "c1"}},
               "5.0 §3.15.2 AUTH 0x18 with Authentication Method and Data"});
  t.push_back({"v5-auth-re-authenticate", v5,
               from_hex("f0 1b"   // AUTH, remaining length 27
                        "19"      // re-authenticate
                        "19"      // property length 25
                        "15 00 05 54 4f 4b 45 4e"  // auth method "TOKEN"
                        "16 00 02 00 ff"           // auth data 00 ff
                        "1f 00 02 72 65"           // reason string "re"
                        "26 00 01 6b 00 01 76"),   // user property "k" = "v"
               auth{.reason_code = reason::re_authenticate,
                    .props = {.authentication_method = "TOKEN",
                              .authentication_data = "\x00\xff"sv,
                              .reason_string = "re",
                              .user_properties = {{"k", "v"}}}},
               "5.0 §3.15.2.2 AUTH Properties (every one), §4.12.1 re-authentication"});
  t.push_back({"v5-auth-success-method", v5,
               from_hex("f0 0a"   // AUTH, remaining length 10
                        "00"      // success
                        "08"      // property length 8
                        "15 00 05 54 4f 4b 45 4e"),  // auth method "TOKEN"
               auth{.props = {.authentication_method = "TOKEN"}},
               "5.0 §3.15.2.1 Success with properties keeps the reason code"});
}

table build() {
  table t;
  add_v31_connect(t);
  add_v31_others(t);
  add_v311_connect(t);
  add_v311_connack(t);
  add_v311_publish(t);
  add_v311_acks(t);
  add_v311_subscriptions(t);
  add_v311_others(t);
  add_v5_connect_basic(t);
  add_v5_connect_properties(t);
  add_v5_connack(t);
  add_v5_publish_basic(t);
  add_v5_publish_properties(t);
  add_v5_pub_acks(t);
  add_v5_subscribe(t);
  add_v5_subscribe_acks(t);
  add_v5_others(t);
  return t;
}

// ---------------------------------------------------------------------------------------
// Text for failure messages.

void put_text(std::ostream& os, std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  os << '"';
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b == '"' || b == '\\') {
      os << '\\' << c;
    } else if (b >= 0x20 && b < 0x7f) {
      os << c;
    } else {
      os << "\\x" << digits[b >> 4] << digits[b & 0x0f];
    }
  }
  os << '"';
}

template <class T>
void put_field(std::ostream& os, std::string_view name, const std::optional<T>& v) {
  if (!v) return;
  os << ' ' << name << '=';
  if constexpr (std::is_same_v<T, std::string_view>) {
    put_text(os, *v);
  } else {
    os << static_cast<std::uint64_t>(*v);
  }
}

void put_properties(std::ostream& os, const properties& p, std::string_view label) {
  if (p.empty()) return;
  os << ' ' << label << "={";
  put_field(os, "payload_format_indicator", p.payload_format_indicator);
  put_field(os, "message_expiry_interval_s", p.message_expiry_interval_s);
  put_field(os, "content_type", p.content_type);
  put_field(os, "response_topic", p.response_topic);
  put_field(os, "correlation_data", p.correlation_data);
  for (std::uint32_t id : p.subscription_identifiers) os << " subscription_identifier=" << id;
  put_field(os, "session_expiry_interval_s", p.session_expiry_interval_s);
  put_field(os, "assigned_client_identifier", p.assigned_client_identifier);
  put_field(os, "server_keep_alive_s", p.server_keep_alive_s);
  put_field(os, "authentication_method", p.authentication_method);
  put_field(os, "authentication_data", p.authentication_data);
  put_field(os, "request_problem_information", p.request_problem_information);
  put_field(os, "will_delay_interval_s", p.will_delay_interval_s);
  put_field(os, "request_response_information", p.request_response_information);
  put_field(os, "response_information", p.response_information);
  put_field(os, "server_reference", p.server_reference);
  put_field(os, "reason_string", p.reason_string);
  put_field(os, "receive_maximum", p.receive_maximum);
  put_field(os, "topic_alias_maximum", p.topic_alias_maximum);
  put_field(os, "topic_alias", p.topic_alias);
  put_field(os, "maximum_qos", p.maximum_qos);
  put_field(os, "retain_available", p.retain_available);
  for (const auto& [key, value] : p.user_properties) {
    os << " user_property=";
    put_text(os, key);
    os << ':';
    put_text(os, value);
  }
  put_field(os, "maximum_packet_size", p.maximum_packet_size);
  put_field(os, "wildcard_subscription_available", p.wildcard_subscription_available);
  put_field(os, "subscription_identifier_available", p.subscription_identifier_available);
  put_field(os, "shared_subscription_available", p.shared_subscription_available);
  os << " }";
}

void put_codes(std::ostream& os, const std::vector<std::uint8_t>& codes) {
  os << " reason_codes=[";
  static constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < codes.size(); ++i) {
    os << (i == 0 ? "" : " ") << digits[codes[i] >> 4] << digits[codes[i] & 0x0f];
  }
  os << ']';
}

void put_body(std::ostream& os, const connect& c) {
  os << " level=" << static_cast<int>(c.version) << " clean_start=" << c.clean_start
     << " keep_alive_s=" << c.keep_alive_s << " client_id=";
  put_text(os, c.client_id);
  if (c.will) {
    os << " will={topic=";
    put_text(os, c.will->topic);
    os << " payload=";
    put_text(os, c.will->payload);
    os << " qos=" << static_cast<int>(c.will->qos) << " retain=" << c.will->retain;
    put_properties(os, c.will->props, "props");
    os << " }";
  }
  put_field(os, "user_name", c.user_name);
  put_field(os, "password", c.password);
  put_properties(os, c.props, "props");
}

void put_body(std::ostream& os, const connack& c) {
  os << " session_present=" << c.session_present
     << " reason_code=" << static_cast<int>(c.reason_code);
  put_properties(os, c.props, "props");
}

void put_body(std::ostream& os, const publish& p) {
  os << " dup=" << p.dup << " qos=" << static_cast<int>(p.qos) << " retain=" << p.retain
     << " topic=";
  put_text(os, p.topic);
  os << " packet_id=" << p.packet_id;
  put_properties(os, p.props, "props");
  os << " payload(" << p.payload.size() << ")=";
  put_text(os, p.payload.substr(0, 64));
}

template <packet_type Type>
void put_body(std::ostream& os, const pub_ack_packet<Type>& a) {
  os << " packet_id=" << a.packet_id << " reason_code=" << static_cast<int>(a.reason_code);
  put_properties(os, a.props, "props");
}

void put_body(std::ostream& os, const subscribe& s) {
  os << " packet_id=" << s.packet_id;
  put_properties(os, s.props, "props");
  for (const auto& sub : s.subscriptions) {
    os << " filter=";
    put_text(os, sub.filter);
    os << "{qos=" << static_cast<int>(sub.options.max_qos) << " nl=" << sub.options.no_local
       << " rap=" << sub.options.retain_as_published
       << " rh=" << static_cast<int>(sub.options.retain_handling) << '}';
  }
}

void put_body(std::ostream& os, const suback& s) {
  os << " packet_id=" << s.packet_id;
  put_properties(os, s.props, "props");
  put_codes(os, s.reason_codes);
}

void put_body(std::ostream& os, const unsubscribe& u) {
  os << " packet_id=" << u.packet_id;
  put_properties(os, u.props, "props");
  for (std::string_view f : u.filters) {
    os << " filter=";
    put_text(os, f);
  }
}

void put_body(std::ostream& os, const unsuback& u) {
  os << " packet_id=" << u.packet_id;
  put_properties(os, u.props, "props");
  put_codes(os, u.reason_codes);
}

void put_body(std::ostream&, const pingreq&) {}
void put_body(std::ostream&, const pingresp&) {}

void put_body(std::ostream& os, const disconnect& d) {
  os << " reason_code=" << static_cast<int>(d.reason_code);
  put_properties(os, d.props, "props");
}

void put_body(std::ostream& os, const auth& a) {
  os << " reason_code=" << static_cast<int>(a.reason_code);
  put_properties(os, a.props, "props");
}

// Indexed by the packet variant's alternative (packet type - 1).
constexpr std::string_view packet_names[] = {
    "CONNECT", "CONNACK",     "PUBLISH",  "PUBACK",  "PUBREC",   "PUBREL",     "PUBCOMP", "SUBSCRIBE",
    "SUBACK",  "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::vector<golden_vector>& golden_vectors() {
  static const std::vector<golden_vector> vectors = build();
  return vectors;
}

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (char c : hex) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    int digit = hex_digit(c);
    if (digit < 0) {
      throw std::invalid_argument("from_hex: not a hex digit in \"" + std::string(hex) + '"');
    }
    if (high < 0) {
      high = digit;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + digit));
      high = -1;
    }
  }
  if (high >= 0) {
    throw std::invalid_argument("from_hex: odd number of digits in \"" + std::string(hex) + '"');
  }
  return out;
}

std::string hex_dump(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) out += ' ';
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0x0f];
  }
  return out;
}

std::string describe_packet(const mqtt::codec::packet& p) {
  std::ostringstream os;
  os << packet_names[p.index()];
  std::visit([&os](const auto& body) { put_body(os, body); }, p);
  return os.str();
}

std::string describe_error(const mqtt::codec::error& e) {
  std::ostringstream os;
  os << e.details().name << " (" << e.statement() << ") at offset " << e.offset << ", reason 0x"
     << std::hex << static_cast<int>(e.reason_code());
  return os.str();
}

}  // namespace mqtt::test
