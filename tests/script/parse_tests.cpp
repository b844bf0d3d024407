// The parser: what it accepts, and errors that point at file:line:col with a caret.
#include <boost/test/unit_test.hpp>

#include "script/parse.hpp"

namespace hs = harness::script;

namespace {

hs::parse_result parse(const std::string& text) { return hs::parse_scenarios(text, "t.scenario"); }

std::string first_error(const std::string& text) {
  auto r = parse(text);
  BOOST_TEST_REQUIRE(!r.errors.empty());
  return r.errors.front().format();
}

const std::string header = "scenario a/b \"t\"\nspec MQTT-3.8.4-1\nversion all\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_tests)

BOOST_AUTO_TEST_CASE(a_whole_scenario) {
  auto r = parse(header +
                 "connect c keep_alive=10 will.topic=$t/w will.qos=1\n"
                 "require c CONNACK reason=0\n"
                 "send c SUBSCRIBE id=3 filter=$t/# qos=1 filter=$t/x qos=2 no_local=1\n"
                 "expect c SUBACK id=3 reason_codes in {[1, 2], [0, 0]} as s within 2s\n"
                 "[5] expect c one of {\n"
                 "  closed => pass\n"
                 "  DISCONNECT reason>=0x80 then closed => nonstrict \"why\"\n"
                 "  nothing => fail \"kept it open\"\n"
                 "} within 1s\n"
                 "expect c unordered {\n  PUBLISH topic=$t/a\n  PUBLISH topic=$t/b # a comment\n}\n"
                 "expect c no PUBLISH for 200ms\n"
                 "assert c received >= 2 PUBLISH qos=1\n"
                 "assert c order PUBLISH topic=$t/o by payload [\"1\", \"2\"]\n"
                 "half-close c\nreset c\nwait 3s\nignore c PINGRESP\n");
  for (const auto& e : r.errors) BOOST_TEST_MESSAGE(e.format());
  BOOST_TEST_REQUIRE(r.errors.empty());
  BOOST_TEST_REQUIRE(r.scenarios.size() == 1u);
  const auto& s = r.scenarios[0];
  BOOST_TEST(s.versions.size() == 2u);
  BOOST_TEST(s.steps.size() == 13u);
  const auto& one_of = std::get<hs::expect_step>(s.steps[4].body);
  BOOST_TEST(one_of.alternatives.size() == 3u);
  BOOST_TEST(one_of.alternatives[1].items.size() == 2u);
  BOOST_TEST(static_cast<int>(one_of.alternatives[1].result) == static_cast<int>(hs::verdict::nonstrict));
  BOOST_TEST(s.steps[4].only.size() == 1u);
  BOOST_TEST(*one_of.duration_ms == 1000u);
}

BOOST_AUTO_TEST_CASE(errors_point_at_line_and_column) {
  std::string e = first_error(header + "connect c\nexpect c PUBLSH topic=a\n");
  BOOST_TEST(e.find("t.scenario:5:10: error: unknown packet type") == 0u, e);
  BOOST_TEST(e.find("  expect c PUBLSH topic=a\n           ^") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(unknown_fields_steps_and_capabilities_are_errors) {
  BOOST_TEST(first_error(header + "send c PUBLISH topik=a\n").find("unknown field 'topik' for PUBLISH") != std::string::npos);
  BOOST_TEST(first_error(header + "expect c SUBACK filter=a\n").find("unknown field 'filter' for SUBACK") != std::string::npos);
  BOOST_TEST(first_error(header + "jump c\n").find("unknown step 'jump'") != std::string::npos);
  BOOST_TEST(first_error("scenario a/b \"t\"\nspec MQTT-3.8.4-1\nversion 5\nneeds wings\n").find("unknown capability") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(websocket_steps_need_the_websocket_capability) {
  std::string e = first_error(header + "connect c\nsend c text \"hi\"\n");
  BOOST_TEST(e.find("t.scenario:5:1: error: this step exists only on a WebSocket connection") == 0u, e);
  e = first_error(header + "connect c\nassert c subprotocol \"mqtt\"\n");
  BOOST_TEST(e.find("needs 'needs websocket'") != std::string::npos, e);
  auto r = parse(header + "needs websocket\nconnect c\nsend c text \"hi\"\nassert c subprotocol \"mqtt\"\n");
  BOOST_TEST_REQUIRE(r.errors.empty());
  const auto& sc = r.scenarios.at(0);
  BOOST_TEST(sc.hostile);
  const auto* send = std::get_if<hs::send_step>(&sc.steps.at(1).body);
  BOOST_TEST_REQUIRE(send != nullptr);
  BOOST_TEST_REQUIRE(send->ws_text.has_value());
  BOOST_TEST(send->ws_text->text == "hi");
  const auto* a = std::get_if<hs::assert_step>(&sc.steps.at(2).body);
  BOOST_TEST_REQUIRE(a != nullptr);
  BOOST_TEST(static_cast<int>(a->k) == static_cast<int>(hs::assert_step::kind::subprotocol));
  BOOST_TEST(a->subprotocol.text == "mqtt");
}

BOOST_AUTO_TEST_CASE(statements_must_exist_in_each_version) {
  std::string e = first_error("scenario a/b \"t\"\nspec MQTT-9.9.9-9\nversion 5\n");
  BOOST_TEST(e.find("'MQTT-9.9.9-9' is not a statement of MQTT 5.0") != std::string::npos, e);
  // MQTT-3.1.2-26 exists in 5.0 only.
  e = first_error("scenario a/b \"t\"\nspec MQTT-3.1.2-26\nversion all\n");
  BOOST_TEST(e.find("not a statement of MQTT 3.1.1") != std::string::npos, e);
  auto ok = parse("scenario a/b \"t\"\nspec 5 MQTT-3.1.2-26\nspec 3.1.1 MQTT-3.1.2-24\nversion all\n");
  BOOST_TEST(ok.errors.empty());
  BOOST_TEST(parse("scenario a/b \"t\"\nversion 5\n").errors.front().message.find("cites no statement") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_error_stops_one_scenario_not_the_file) {
  auto r = parse("scenario a/b \"t\"\nspec MQTT-3.8.4-1\nversion 5\nfly c\n" + std::string("scenario a/c \"u\"\nspec MQTT-3.8.4-1\nversion 5\nconnect c\n"));
  BOOST_TEST(r.errors.size() == 1u);
  BOOST_TEST_REQUIRE(r.scenarios.size() == 1u);
  BOOST_TEST(r.scenarios[0].id == "a/c");
}

BOOST_AUTO_TEST_CASE(strings_and_durations) {
  BOOST_TEST(first_error(header + "send c PUBLISH topic=\"abc\n").find("unterminated string") != std::string::npos);
  BOOST_TEST(*hs::parse_duration("250ms") == 250u);
  BOOST_TEST(*hs::parse_duration("2m") == 120'000u);
  BOOST_TEST(!hs::parse_duration("5 s"));
  BOOST_TEST(!hs::parse_duration("s"));
}

BOOST_AUTO_TEST_CASE(check_history_takes_rules_the_scenario_can_be_judged_by) {
  auto r = parse(header + "check history\ncheck history rules qos1-lost, order,will-missing within 2s\n[5] check history within 1s\n");
  for (const auto& e : r.errors) BOOST_TEST_MESSAGE(e.format());
  BOOST_TEST_REQUIRE(r.errors.empty());
  const auto& s = r.scenarios.at(0);
  BOOST_TEST_REQUIRE(s.steps.size() == 3u);
  const auto& all = std::get<hs::check_step>(s.steps[0].body);
  BOOST_TEST(all.rules.empty());
  BOOST_TEST(!all.duration_ms);
  const auto& some = std::get<hs::check_step>(s.steps[1].body);
  BOOST_TEST_REQUIRE(some.rules.size() == 3u);
  BOOST_TEST(static_cast<int>(some.rules[0]) == static_cast<int>(harness::check::rule_id::qos1_lost));
  BOOST_TEST(static_cast<int>(some.rules[2]) == static_cast<int>(harness::check::rule_id::will_missing));
  BOOST_TEST(*some.duration_ms == 2000u);
  BOOST_TEST(s.steps[2].only.size() == 1u);
}

BOOST_AUTO_TEST_CASE(unknown_rules_are_errors) {
  std::string e = first_error(header + "check history rules qos1-lost,qos9-lost\n");
  BOOST_TEST(e.find("t.scenario:4:31: error: unknown rule 'qos9-lost' (rules: invented,") == 0u, e);
  e = first_error(header + "check history rules not-reconnected\n");
  BOOST_TEST(e.find("rule 'not-reconnected' is the simulator's own, not judged in scenarios") != std::string::npos, e);
  e = first_error(header + "check histories\n");
  BOOST_TEST(e.find("expected 'history'") != std::string::npos, e);
  e = first_error(header + "check history rules\n");
  BOOST_TEST(e.find("expected a rule name") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(fault_steps) {
  auto r = parse("scenario a/b \"t\"\nspec MQTT-3.8.4-1\nversion all\nneeds restart\nconnect c\n"
                 "partition c for 2s\npartition d\nblack-hole c\nhalf-open c broker\nhalf-open d client\nheal\nrestart broker\n");
  BOOST_TEST_REQUIRE(r.errors.empty());
  const hs::scenario& s = r.scenarios.at(0);
  BOOST_TEST(s.faults);
  BOOST_TEST(s.restarts);
  BOOST_TEST(!s.hostile);
  BOOST_TEST_REQUIRE(s.steps.size() == 8u);
  const auto& p = std::get<hs::fault_step>(s.steps[1].body);
  BOOST_TEST(static_cast<int>(p.k) == static_cast<int>(hs::fault_step::kind::partition));
  BOOST_TEST(p.client == "c");
  BOOST_TEST(p.duration_ms.value_or(0) == 2000u);
  BOOST_TEST(!std::get<hs::fault_step>(s.steps[2].body).duration_ms.has_value());
  BOOST_TEST(std::get<hs::fault_step>(s.steps[4].body).broker_told);
  BOOST_TEST(!std::get<hs::fault_step>(s.steps[5].body).broker_told);
  BOOST_TEST(static_cast<int>(std::get<hs::fault_step>(s.steps[7].body).k) == static_cast<int>(hs::fault_step::kind::restart));
  BOOST_TEST(!parse(header + "partition c\n").scenarios.at(0).restarts);
}

BOOST_AUTO_TEST_CASE(fault_step_errors) {
  BOOST_TEST(first_error(header + "half-open c\n").find("client or broker") != std::string::npos);
  BOOST_TEST(first_error(header + "restart c\n").find("'restart broker'") != std::string::npos);
  BOOST_TEST(first_error(header + "restart broker\n").find("needs 'needs restart'") != std::string::npos);
  BOOST_TEST(first_error(header + "needs restart\nrestart broker\ncheck history\n").find("not supported") != std::string::npos);
  BOOST_TEST(first_error(header + "partition c for ever\n").find("duration") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
