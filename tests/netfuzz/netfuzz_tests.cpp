// The network fuzzer's pure parts: the judge on hand-made records, the generator's determinism
// and bounds, seeds' retagging, the shared ddmin, and replay files as JSON.
#define BOOST_TEST_MODULE netfuzz
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

#include "netfuzz/finding_file.hpp"
#include "netfuzz/generator.hpp"
#include "netfuzz/judge.hpp"
#include "mqtt/codec/decoder.hpp"
#include "netfuzz/seeds.hpp"
#include "sim/ddmin.hpp"
#include "wire/hex.hpp"

namespace nf = harness::netfuzz;
using mqtt::codec::protocol_version;

namespace {

nf::byte_vector hex(std::string_view text) {
  std::optional<harness::wire::hex_error> bad;
  auto b = harness::wire::parse_hex(text, bad);
  BOOST_TEST_REQUIRE(!bad.has_value());
  return b;
}

// A 3.1.1 CONNECT of client "c", and its CONNACK 0.
const std::string_view connect_311 = "10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 63";
const std::string_view connack_0 = "20 02 00 00";

nf::case_record one_connection(std::string sent, std::string received, bool ended_by_broker, bool deadline_hit) {
  nf::case_record r;
  r.conns.resize(nf::case_connections_max);
  r.conns[0].used = r.conns[0].opened = true;
  r.conns[0].sent = hex(sent);
  r.conns[0].received = hex(received);
  r.conns[0].ended_by_broker = ended_by_broker;
  r.deadline_hit = deadline_hit;
  return r;
}

nf::fuzz_case case_311() {
  nf::fuzz_case c;
  c.version = protocol_version::v3_1_1;
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(malformed_subscribe_answered_with_pingresp_is_a_violation) {
  // SUBSCRIBE with flags 0000 (MQTT-3.8.1-1), then the closing PINGREQ answered.
  auto r = one_connection(std::string(connect_311) + " 80 06 00 01 00 01 61 00 c0 00", std::string(connack_0) + " d0 00", false, false);
  auto v = nf::judge(case_311(), r);
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].signature() == "violation/SUBSCRIBE/MQTT-3.8.1-1");
}

BOOST_AUTO_TEST_CASE(an_answer_echoing_a_malformed_requests_packet_id_zero_is_judged_as_the_answer_only) {
  // SUBSCRIBE with Packet Identifier 0 (MQTT-2.3.1-1) answered with SUBACK id 0: the SUBACK
  // carries the request's id as it must; the departure is answering at all.
  auto r = one_connection(std::string(connect_311) + " 82 06 00 00 00 01 61 00 c0 00",
                          std::string(connack_0) + " 90 03 00 00 00 d0 00", false, false);
  auto v = nf::judge(case_311(), r);
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].signature() == "violation/SUBSCRIBE/MQTT-2.3.1-1");
  // A SUBACK id 0 to a SUBSCRIBE id 1 is the broker's own departure.
  auto wrong = one_connection(std::string(connect_311) + " 82 06 00 01 00 01 61 00 c0 00",
                              std::string(connack_0) + " 90 03 00 00 00 d0 00", false, false);
  bool own = false;
  for (const auto& x : nf::judge(case_311(), wrong)) own = own || x.signature() == "violation/SUBACK/MQTT-2.3.1-7";
  BOOST_TEST(own);
}

BOOST_AUTO_TEST_CASE(malformed_subscribe_closed_is_no_violation) {
  auto r = one_connection(std::string(connect_311) + " 80 06 00 01 00 01 61 00 c0 00", std::string(connack_0), true, false);
  BOOST_TEST(nf::judge(case_311(), r).empty());
}

BOOST_AUTO_TEST_CASE(malformed_subscribe_kept_open_is_a_violation) {
  auto r = one_connection(std::string(connect_311) + " 80 06 00 01 00 01 61 00 c0 00", std::string(connack_0), false, true);
  auto v = nf::judge(case_311(), r);
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].detail.find("kept the connection open") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_incomplete_packet_is_not_judged) {
  // Flags 0000 again, but the declared length (266) is longer than what was sent: a broker may
  // wait for the rest before it reads the header's flags.
  auto r = one_connection(std::string(connect_311) + " 80 8a 02 00 01 00 01 61 00 c0 00", std::string(connack_0), false, true);
  BOOST_TEST(nf::judge(case_311(), r).empty());
}

BOOST_AUTO_TEST_CASE(missing_suback_is_a_violation_only_when_the_connection_stays_open) {
  const std::string sent = std::string(connect_311) + " 82 06 00 07 00 01 61 00 c0 00";
  auto open = one_connection(sent, std::string(connack_0) + " d0 00", false, true);
  auto v = nf::judge(case_311(), open);
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].signature() == "violation/SUBSCRIBE/MQTT-3.8.4-1");
  auto closed = one_connection(sent, std::string(connack_0) + " d0 00", true, true);
  BOOST_TEST(nf::judge(case_311(), closed).empty());
  auto answered = one_connection(sent, std::string(connack_0) + " 90 03 00 07 00 d0 00", false, false);
  BOOST_TEST(nf::judge(case_311(), answered).empty());
}

BOOST_AUTO_TEST_CASE(no_answer_is_owed_after_the_clients_disconnect_or_a_broker_packet_that_does_not_decode) {
  // SUBSCRIBE, then DISCONNECT: the SUBACK may go unsent.
  auto after_disconnect = one_connection(std::string(connect_311) + " 82 06 00 07 00 01 61 00 e0 00 c0 00", std::string(connack_0), false, true);
  BOOST_TEST(nf::judge(case_311(), after_disconnect).empty());
  // The broker's SUBACK has a reason code 3.1.1 does not define: that is the violation, and the
  // PINGRESP after it is not counted as missing.
  auto bad = one_connection(std::string(connect_311) + " 82 06 00 07 00 01 61 00 c0 00", std::string(connack_0) + " 90 03 00 07 07 d0 00", false, true);
  auto v = nf::judge(case_311(), bad);
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].packet_type == "SUBACK");
}

BOOST_AUTO_TEST_CASE(suback_with_another_packet_id_is_a_violation) {
  auto r = one_connection(std::string(connect_311) + " 82 06 00 07 00 01 61 00 c0 00", std::string(connack_0) + " 90 03 00 08 00 d0 00",
                          false, false);
  auto v = nf::judge(case_311(), r);
  BOOST_TEST_REQUIRE(!v.empty());
  BOOST_TEST(v[0].signature() == "violation/SUBACK/MQTT-3.8.4-2");
}

BOOST_AUTO_TEST_CASE(first_packet_not_connect_must_be_refused) {
  auto r = one_connection("c0 00", "d0 00", false, false);
  auto v = nf::judge(case_311(), r);
  BOOST_TEST_REQUIRE(v.size() == 2u);  // the answer is not CONNACK, and it accepted the PINGREQ
  BOOST_TEST(v[0].signature() == "violation/PINGRESP/MQTT-3.2.0-1");
  BOOST_TEST(v[1].signature() == "violation/PINGREQ/MQTT-3.1.0-1");
}

BOOST_AUTO_TEST_CASE(broker_bytes_our_decoder_rejects_are_a_violation) {
  // A CONNACK with return code 6 (3.1.1 defines 0 to 5).
  auto r = one_connection(std::string(connect_311), "20 02 00 06", true, false);
  auto v = nf::judge(case_311(), r);
  BOOST_TEST_REQUIRE(!v.empty());
  BOOST_TEST(v[0].packet_type == "CONNACK");
}

BOOST_AUTO_TEST_CASE(two_open_connections_of_one_client_are_a_takeover_violation) {
  auto r = one_connection(std::string(connect_311) + " c0 00", std::string(connack_0) + " d0 00", false, true);
  r.conns[1] = r.conns[0];
  auto v = nf::judge(case_311(), r);
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].signature() == "violation/CONNECT/MQTT-3.1.4-2");
  r.conns[0].ended_by_broker = true;
  BOOST_TEST(nf::judge(case_311(), r).empty());
}

BOOST_AUTO_TEST_CASE(an_unknown_protocol_name_may_be_answered_by_another_standard) {
  // "MQTX" level 5, answered with 3.1.1's CONNACK 0x01 and closed: not judged byte by byte.
  nf::fuzz_case c;
  c.version = protocol_version::v5;
  auto r = one_connection("10 0e 00 04 4d 51 54 58 05 02 00 3c 00 00 01 63", "20 02 00 01", true, false);
  BOOST_TEST(nf::judge(c, r).empty());
}

BOOST_AUTO_TEST_CASE(another_protocol_is_not_judged_but_an_unknown_level_is) {
  // "MQTX" kept open without an answer (MQTT-3.1.2-1: the server may go on by another
  // specification), level 0x83 (a bridge's 3.1) accepted: nothing to judge.
  auto mqtx = one_connection("10 0f 00 04 4d 51 54 58 04 02 00 3c 00 03 70 63 31 c0 00", "", false, true);
  BOOST_TEST(nf::judge(case_311(), mqtx).empty());
  auto bridge = one_connection("10 0f 00 04 4d 51 54 54 83 02 00 3c 00 03 70 63 31 c0 00", "20 02 00 00 d0 00", false, false);
  BOOST_TEST(nf::judge(case_311(), bridge).empty());
  // Level 7 under "MQTT" accepted and kept open: MQTT-3.1.2-2 asks for CONNACK 0x01 and a close.
  auto level7 = one_connection("10 0f 00 04 4d 51 54 54 07 02 00 3c 00 03 70 63 31 c0 00", "20 02 00 00 d0 00", false, false);
  BOOST_TEST(!nf::judge(case_311(), level7).empty());
}

BOOST_AUTO_TEST_CASE(a_31_1_broker_may_answer_level_5_with_its_own_connack) {
  nf::fuzz_case c;
  c.version = protocol_version::v5;
  auto r = one_connection("10 0e 00 04 4d 51 54 54 05 02 00 3c 00 00 01 63", "20 02 00 01", true, false);
  BOOST_TEST(nf::judge(c, r).empty());
}

BOOST_AUTO_TEST_CASE(a_31_connection_is_not_judged_after_a_packet_31_has_no_rule_for) {
  // MQIsdp level 3, client "c"; then SUBSCRIBE with flags 0000 (a 3.1.1 rule) answered SUBACK.
  const std::string connect_31 = "10 0f 00 06 4d 51 49 73 64 70 03 02 00 3c 00 01 63";
  auto r = one_connection(connect_31 + " 80 06 00 01 00 01 61 00 c0 00", std::string(connack_0) + " 90 03 00 01 00 d0 00", false, true);
  BOOST_TEST(nf::judge(case_311(), r).empty());
  // An empty topic dropped and answered with no code, and a CONNACK with the 3.1.1 Session
  // Present bit in 3.1's unused byte.
  auto empty = one_connection(connect_31 + " 82 05 00 01 00 00 00 c0 00", "20 02 01 00 90 02 00 01 d0 00", false, true);
  BOOST_TEST(nf::judge(case_311(), empty).empty());
  // The same SUBSCRIBE on 3.1.1 is judged.
  auto v311 = one_connection(std::string(connect_311) + " 80 06 00 01 00 01 61 00 c0 00", std::string(connack_0) + " 90 03 00 01 00 d0 00",
                             false, true);
  BOOST_TEST(!nf::judge(case_311(), v311).empty());
}

BOOST_AUTO_TEST_CASE(a_request_left_unanswered_before_a_refused_packet_is_reported_as_such) {
  // SUBSCRIBE id 7 never answered, then a malformed SUBSCRIBE, connection kept open: the broker
  // stalled on the first; that is the finding, not the second one kept open.
  auto r = one_connection(std::string(connect_311) + " 82 06 00 07 00 01 61 00 80 06 00 01 00 01 61 00 c0 00", std::string(connack_0),
                          false, true);
  auto v = nf::judge(case_311(), r);
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].signature() == "violation/SUBSCRIBE/MQTT-3.8.4-1");
  // A SUBACK missing while the PINGREQ after it is unanswered too: the SUBSCRIBE is named.
  auto stalled = one_connection(std::string(connect_311) + " 82 06 00 07 00 01 61 00 c0 00", std::string(connack_0), false, true);
  v = nf::judge(case_311(), stalled);
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].signature() == "violation/SUBSCRIBE/MQTT-3.8.4-1");
}

BOOST_AUTO_TEST_CASE(an_acknowledgement_of_the_wrong_kind_for_the_qos_is_named_so) {
  // QoS 2 PUBLISH id 5 answered with PUBACK 5.
  auto r = one_connection(std::string(connect_311) + " 34 06 00 01 74 00 05 78 c0 00", std::string(connack_0) + " 40 02 00 05 d0 00",
                          false, false);
  auto v = nf::judge(case_311(), r);
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].signature() == "violation/PUBLISH/MQTT-3.3.4-1");
  BOOST_TEST(v[0].detail.find("QoS 2") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_malformed_first_packet_that_is_not_connect_cites_the_first_packet_rule) {
  // SUBSCRIBE with flags 0000 as the first packet, answered SUBACK.
  auto r = one_connection("80 06 00 01 00 01 61 00", "90 03 00 01 00", false, false);
  bool cited = false;
  for (const auto& x : nf::judge(case_311(), r)) cited = cited || x.signature() == "violation/SUBSCRIBE/MQTT-3.1.0-1";
  BOOST_TEST(cited);
}

BOOST_AUTO_TEST_CASE(an_empty_client_id_with_clean_session_0_must_be_refused_in_311) {
  // CleanSession 0, ClientId "", accepted with CONNACK 0.
  auto r = one_connection("10 0c 00 04 4d 51 54 54 04 00 00 3c 00 00 c0 00", std::string(connack_0) + " d0 00", false, false);
  auto v = nf::judge(case_311(), r);
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].signature() == "violation/CONNECT/MQTT-3.1.3-8");
  // Refused with 0x02 and closed: as the standard says.
  auto refused = one_connection("10 0c 00 04 4d 51 54 54 04 00 00 3c 00 00", "20 02 00 02", true, false);
  BOOST_TEST(nf::judge(case_311(), refused).empty());
}

BOOST_AUTO_TEST_CASE(a_client_publish_with_a_subscription_identifier_must_be_refused_in_5) {
  nf::fuzz_case c;
  c.version = protocol_version::v5;
  // 5.0 CONNECT "c"; PUBLISH QoS 0 topic "t" with Subscription Identifier 3, kept open, PINGRESP.
  auto r = one_connection("10 0e 00 04 4d 51 54 54 05 02 00 3c 00 00 01 63 30 07 00 01 74 02 0b 03 78 c0 00",
                          "20 03 00 00 00", false, true);
  auto v = nf::judge(c, r);
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].signature() == "violation/PUBLISH/MQTT-3.3.4-6");
}

BOOST_AUTO_TEST_CASE(generator_is_a_function_of_seed_and_number) {
  nf::generator a({.seed = 11, .versions = {protocol_version::v3_1_1, protocol_version::v5}, .seeds = nullptr});
  nf::generator b({.seed = 11, .versions = {protocol_version::v3_1_1, protocol_version::v5}, .seeds = nullptr});
  nf::generator other({.seed = 12, .versions = {protocol_version::v3_1_1, protocol_version::v5}, .seeds = nullptr});
  std::size_t differ = 0;
  for (std::uint64_t n = 0; n < 300; ++n) {
    nf::fuzz_case x = a.make(n), y = b.make(n);
    BOOST_TEST_CONTEXT("case " << n) {
      BOOST_TEST(x.steps == y.steps);
      BOOST_TEST(x.tag == y.tag);
      BOOST_TEST(x.steps.size() <= nf::case_steps_max);
      BOOST_TEST(x.byte_count() <= nf::case_bytes_max);
      BOOST_TEST(x.connection_count() <= nf::case_connections_max);
      BOOST_TEST(x.tag.size() == nf::case_tag_size);
    }
    differ += other.make(n).steps == x.steps ? 0 : 1;
  }
  BOOST_TEST(differ > 250u);
}

// Decodes what a client sends on one write (a cleanup case's steps are whole packets).
std::vector<mqtt::codec::packet> client_packets(const nf::byte_vector& bytes, protocol_version v) {
  std::vector<mqtt::codec::packet> out;
  mqtt::codec::stream_decoder d({.version = v, .receiver = mqtt::codec::receiver_role::server});
  auto e = d.feed(bytes, [&](const mqtt::codec::packet& p) { out.push_back(p); });
  BOOST_TEST(!e.has_value());
  return out;
}

BOOST_AUTO_TEST_CASE(cleanup_undoes_sessions_and_retained_messages_a_case_leaves) {
  // conn 0: CONNECT "c" without clean session, PUBLISH retained "t/a" (split over two writes);
  // conn 1: CONNECT "d" with a clean session and a retained will on "w".
  nf::fuzz_case c = case_311();
  c.tag = "abcdefghij";
  c.steps.push_back({nf::step::kind::write, 0, 0, hex("10 0d 00 04 4d 51 54 54 04 00 00 3c 00 01 63 31")});
  c.steps.push_back({nf::step::kind::write, 0, 0, hex("05 00 03 74 2f 61")});
  c.steps.push_back({nf::step::kind::write, 1, 0,
                     hex("10 13 00 04 4d 51 54 54 04 26 00 3c 00 01 64 00 01 77 00 01 78")});
  nf::fuzz_case u = nf::cleanup_for(c, {});
  BOOST_TEST(u.origin == nf::cleanup_origin);
  BOOST_TEST_REQUIRE(u.steps.size() == 1u);  // only "c" left a session
  auto packets = client_packets(u.steps[0].bytes, protocol_version::v3_1_1);
  BOOST_TEST_REQUIRE(packets.size() == 4u);
  const auto& con = std::get<mqtt::codec::connect>(packets[0]);
  BOOST_TEST(con.client_id == "c");
  BOOST_TEST(con.clean_start);
  std::set<std::string> topics;
  for (std::size_t k = 1; k < 3; ++k) {
    const auto& pub = std::get<mqtt::codec::publish>(packets[k]);
    BOOST_TEST(pub.retain);
    BOOST_TEST(pub.payload.empty());
    topics.insert(std::string(pub.topic));
  }
  BOOST_TEST((topics == std::set<std::string>{"t/a", "w"}));
  BOOST_TEST(std::holds_alternative<mqtt::codec::disconnect>(packets[3]));

  // A case with neither needs nothing.
  nf::fuzz_case plain = case_311();
  plain.steps.push_back({nf::step::kind::write, 0, 0, hex(connect_311)});
  BOOST_TEST(nf::cleanup_for(plain, {}).steps.empty());
}

BOOST_AUTO_TEST_CASE(every_model_case_that_keeps_something_gets_a_cleanup_that_decodes) {
  nf::generator g({.seed = 5, .versions = {protocol_version::v3_1_1, protocol_version::v5}, .seeds = nullptr});
  std::size_t with_cleanup = 0;
  for (std::uint64_t n = 0; n < 400; ++n) {
    const nf::fuzz_case c = g.make(n);
    const nf::fuzz_case u = g.cleanup(c);
    if (u.steps.empty()) continue;
    ++with_cleanup;
    BOOST_TEST_CONTEXT("case " << n) {
      BOOST_TEST(u.steps.size() <= nf::case_connections_max);
      for (const nf::step& s : u.steps) {
        auto packets = client_packets(s.bytes, c.version);
        BOOST_TEST_REQUIRE(packets.size() >= 2u);
        BOOST_TEST(std::get<mqtt::codec::connect>(packets.front()).clean_start);
        BOOST_TEST(std::holds_alternative<mqtt::codec::disconnect>(packets.back()));
      }
    }
  }
  BOOST_TEST(with_cleanup > 40u);
}

BOOST_AUTO_TEST_CASE(retag_puts_the_case_tag_in_place_of_the_marker) {
  std::string text = "mh" + std::string(nf::seed_marker_tag) + "c/x/" + std::string(nf::seed_marker_tag);
  nf::byte_vector b(text.begin(), text.end());
  nf::retag(b, "abcdefghij");
  BOOST_TEST(std::string(b.begin(), b.end()) == "mhabcdefghijc/x/abcdefghij");
}

BOOST_AUTO_TEST_CASE(ddmin_finds_the_two_elements_that_fail_together) {
  harness::sim::index_set all;
  for (std::size_t i = 0; i < 40; ++i) all.push_back(i);
  std::size_t runs = 0;
  auto fails = [&](const harness::sim::index_set& s) {
    ++runs;
    bool has7 = std::find(s.begin(), s.end(), 7) != s.end(), has31 = std::find(s.begin(), s.end(), 31) != s.end();
    return has7 && has31;
  };
  auto found = harness::sim::ddmin(all, fails, nullptr, [] { return false; });
  BOOST_TEST(found == (harness::sim::index_set{7, 31}));
  BOOST_TEST(runs < 100u);
}

BOOST_AUTO_TEST_CASE(a_finding_file_round_trips) {
  nf::generator g({.seed = 5, .versions = {protocol_version::v5}, .seeds = nullptr});
  nf::finding_file f;
  f.v = nf::verdict{nf::oracle::violation, "SUBSCRIBE", "MQTT-3.8.1-1", "detail", 0};
  f.cases.push_back(g.make(3));
  f.case_deadline_ms = 700;
  boost::json::object o = nf::to_json(f);
  BOOST_TEST(nf::is_finding_json(o));
  std::string error;
  auto c = nf::case_from_json(o.at("cases").as_array().at(0).as_object(), error);
  BOOST_TEST_REQUIRE(c.has_value(), error);
  BOOST_TEST(c->steps == f.cases[0].steps);
  BOOST_TEST(c->tag == f.cases[0].tag);
}
