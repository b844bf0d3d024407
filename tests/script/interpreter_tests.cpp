// The interpreter on the simulated reference broker: verdicts, messages that name the step and
// every acceptable outcome, captures, quiet windows in virtual time, skips and preconditions,
// `check history` on brokers with planted bugs; and the whole suite in scenarios/ parses.
#include <boost/test/unit_test.hpp>

#include "run/profile.hpp"
#include "run/runner.hpp"
#include "run/sim_target.hpp"
#include "script/interpreter.hpp"
#include "script/parse.hpp"

namespace hs = harness::script;
namespace hr = harness::run;

namespace {

struct outcome {
  hs::verdict v;
  hr::case_run run;
};

outcome run_text(const std::string& text, hs::protocol_version version = hs::protocol_version::v5, hr::profile p = {},
                 const hr::sim_options& sim = {}) {
  auto parsed = hs::parse_scenarios(text, "t.scenario");
  for (const auto& e : parsed.errors) BOOST_TEST_MESSAGE(e.format());
  BOOST_TEST_REQUIRE(parsed.errors.empty());
  BOOST_TEST_REQUIRE(parsed.scenarios.size() == 1u);
  hs::case_context ctx;
  ctx.version = version;
  ctx.capabilities = p.capabilities();
  ctx.profile_values = p.values();
  ctx.connect_credentials = p.connect_credentials();
  auto r = hr::run_on_sim(parsed.scenarios[0], ctx, p, sim);
  BOOST_TEST_MESSAGE(r.outcome.message);
  return {r.outcome.result, std::move(r)};
}

const std::string subscribed =
    "scenario a/b \"t\"\nspec MQTT-3.8.4-1\nversion all\n"
    "connect s\nrequire s CONNACK reason=0\n"
    "send s SUBSCRIBE id=1 filter=$t/a qos=1\nrequire s SUBACK id=1 reason_codes=[1]\n"
    "connect p\nrequire p CONNACK reason=0\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(interpreter_tests)

BOOST_AUTO_TEST_CASE(a_round_trip_passes_in_both_versions) {
  std::string text = subscribed +
                     "send p PUBLISH topic=$t/a qos=1 payload=\"x\"\nexpect p PUBACK\n"
                     "expect s PUBLISH topic=$t/a qos=1 payload=\"x\" as m\nsend s PUBACK id=$m.packet_id\n"
                     "assert s received 1 PUBLISH topic=$t/a\n";
  BOOST_TEST(static_cast<int>(run_text(text).v) == static_cast<int>(hs::verdict::pass));
  BOOST_TEST(static_cast<int>(run_text(text, hs::protocol_version::v3_1_1).v) == static_cast<int>(hs::verdict::pass));
}

BOOST_AUTO_TEST_CASE(a_wrong_field_fails_naming_the_step_and_what_came) {
  auto o = run_text(subscribed + "send p PUBLISH topic=$t/a qos=1 payload=\"x\"\nexpect s PUBLISH topic=$t/a qos=2 within 1s\n");
  BOOST_TEST(static_cast<int>(o.v) == static_cast<int>(hs::verdict::fail));
  BOOST_TEST(o.run.outcome.line == 11);
  BOOST_TEST(o.run.outcome.message.find("t.scenario:11: expected PUBLISH topic=mh/") == 0u, o.run.outcome.message);
  BOOST_TEST_REQUIRE(o.run.outcome.expected.size() == 1u);
  BOOST_TEST(o.run.outcome.actual.find("PUBLISH {\"dup\":false,\"qos\":1") == 0u, o.run.outcome.actual);
}

BOOST_AUTO_TEST_CASE(one_of_takes_the_longest_complete_outcome) {
  std::string head = "scenario a/b \"t\"\nspec MQTT-3.8.4-1\nversion 5\nconnect c\nrequire c CONNACK\nsend c raw \"36 07 00 03 61 2f 62 00 01\"\n";
  auto pass = run_text(head + "expect c one of {\n closed => pass\n DISCONNECT reason=0x81 then closed => pass\n}\n");
  BOOST_TEST(static_cast<int>(pass.v) == static_cast<int>(hs::verdict::pass));
  auto nonstrict = run_text(head + "expect c one of {\n closed => pass\n DISCONNECT then closed => nonstrict \"any code\"\n}\n");
  BOOST_TEST(static_cast<int>(nonstrict.v) == static_cast<int>(hs::verdict::nonstrict));
  BOOST_TEST(nonstrict.run.outcome.message.find("any code") != std::string::npos);
  auto fail = run_text(head + "expect c one of {\n PUBACK => pass\n nothing => pass\n}\n");
  BOOST_TEST(static_cast<int>(fail.v) == static_cast<int>(hs::verdict::fail));
  BOOST_TEST(fail.run.outcome.expected.size() == 2u);
  BOOST_TEST(fail.run.outcome.actual.find("connection closed (FIN)") != std::string::npos, fail.run.outcome.actual);
}

BOOST_AUTO_TEST_CASE(quiet_windows_cost_no_wall_time) {
  auto o = run_text("scenario a/b \"t\"\nspec MQTT-3.8.4-1\nversion 5\nconnect c keep_alive=0\nrequire c CONNACK\nexpect c nothing for 1h\nwait 30m\n");
  BOOST_TEST(static_cast<int>(o.v) == static_cast<int>(hs::verdict::pass));
  BOOST_TEST(o.run.simulated_ms >= 5'400'000u);
}

BOOST_AUTO_TEST_CASE(keep_alive_expiry_closes_under_virtual_time) {
  auto o = run_text("scenario a/b \"t\"\nspec MQTT-3.1.2-22\nversion 5\nconnect c keep_alive=60\nrequire c CONNACK\n"
                    "expect c no DISCONNECT for 89s\nexpect c one of {\n closed => pass\n DISCONNECT reason=0x8D then closed => pass\n} within 2s\n");
  BOOST_TEST(static_cast<int>(o.v) == static_cast<int>(hs::verdict::pass));
}

BOOST_AUTO_TEST_CASE(require_makes_it_inconclusive) {
  auto o = run_text("scenario a/b \"t\"\nspec MQTT-3.8.4-1\nversion 5\nconnect c\nrequire c CONNACK reason=0x80 within 1s\n");
  BOOST_TEST(static_cast<int>(o.v) == static_cast<int>(hs::verdict::inconclusive));
}

BOOST_AUTO_TEST_CASE(a_bad_reference_is_an_error) {
  auto o = run_text("scenario a/b \"t\"\nspec MQTT-3.8.4-1\nversion 5\nconnect c\nsend c PUBLISH topic=$nope/a\n");
  BOOST_TEST(static_cast<int>(o.v) == static_cast<int>(hs::verdict::error));
  BOOST_TEST(o.run.outcome.message.find("$nope: unknown reference") != std::string::npos, o.run.outcome.message);
}

// Fault steps on the simulator: a partition holds one client's packets and no other's, and a
// restart keeps the broker's state only when the profile says persistence.
BOOST_AUTO_TEST_CASE(a_partition_holds_one_client_only) {
  std::string text = subscribed +
                     "partition s for 3s\nsend p PUBLISH topic=$t/a qos=1 payload=\"x\"\nexpect p PUBACK within 1s\n"
                     "expect s no PUBLISH for 2500ms\nexpect s PUBLISH topic=$t/a payload=\"x\" within 2s\n";
  BOOST_TEST(static_cast<int>(run_text(text).v) == static_cast<int>(hs::verdict::pass));
  auto held = run_text(subscribed + "partition s\nsend p PUBLISH topic=$t/a qos=1 payload=\"x\"\nexpect p PUBACK within 1s\n"
                                    "expect s PUBLISH topic=$t/a within 5s\n");
  BOOST_TEST(static_cast<int>(held.v) == static_cast<int>(hs::verdict::fail));
  auto healed = run_text(subscribed + "partition s\nsend p PUBLISH topic=$t/a qos=1 payload=\"x\"\nexpect p PUBACK within 1s\n"
                                      "heal\nexpect s PUBLISH topic=$t/a within 1s\n");
  BOOST_TEST(static_cast<int>(healed.v) == static_cast<int>(hs::verdict::pass));
}

BOOST_AUTO_TEST_CASE(a_restart_keeps_state_only_with_persistence) {
  std::string text = "scenario a/b \"t\"\nspec MQTT-3.1.2-23\nversion 5\nneeds restart\n"
                     "connect c clean=0 session_expiry_interval=300\nrequire c CONNACK reason=0\n"
                     "send c SUBSCRIBE id=1 filter=$t/a qos=1\nrequire c SUBACK id=1\nrestart broker\nexpect c closed within 1s\n"
                     "connect c clean=0 session_expiry_interval=300\nexpect c CONNACK reason=0 session_present=1\n";
  hr::profile kept;
  kept.persistence = true;
  BOOST_TEST(static_cast<int>(run_text(text, hs::protocol_version::v5, kept).v) == static_cast<int>(hs::verdict::pass));
  auto lost = run_text(text);
  BOOST_TEST(static_cast<int>(lost.v) == static_cast<int>(hs::verdict::fail));
  BOOST_TEST(lost.run.outcome.actual.find("\"session_present\":false") != std::string::npos, lost.run.outcome.actual);
}

BOOST_AUTO_TEST_CASE(a_black_hole_needs_an_open_connection) {
  auto o = run_text("scenario a/b \"t\"\nspec MQTT-3.8.4-1\nversion 5\nblack-hole c\n");
  BOOST_TEST(static_cast<int>(o.v) == static_cast<int>(hs::verdict::error));
  BOOST_TEST(o.run.outcome.message.find("no open connection") != std::string::npos, o.run.outcome.message);
}

BOOST_AUTO_TEST_CASE(restart_cases_are_skipped_without_restart_commands) {
  hr::suite s;
  s.scenarios = hs::parse_scenarios("scenario a/b \"t\"\nspec MQTT-3.8.4-1\nversion 5\nneeds restart\nrestart broker\n", "t").scenarios;
  hr::run_options o;
  o.transport = "tcp";
  auto cases = hr::select_cases(s, o);
  BOOST_TEST_REQUIRE(cases.size() == 1u);
  BOOST_TEST(static_cast<int>(cases[0].result) == static_cast<int>(hs::verdict::skip));
  BOOST_TEST(cases[0].skip_reason.find("[restart]") != std::string::npos);
  o.prof.crash_command = "true";
  o.prof.restart_command = "true";
  BOOST_TEST(static_cast<int>(hr::select_cases(s, o)[0].result) == static_cast<int>(hs::verdict::pass));
  o.prof = {};
  o.transport = "sim";
  BOOST_TEST(static_cast<int>(hr::select_cases(s, o)[0].result) == static_cast<int>(hs::verdict::pass));
}

BOOST_AUTO_TEST_CASE(capabilities_the_profile_lacks_are_skipped) {
  hr::suite s;
  s.scenarios = hs::parse_scenarios("scenario a/b \"t\"\nspec MQTT-3.8.4-1\nversion all\nneeds qos2\nconnect c\n", "t").scenarios;
  hr::run_options o;
  o.prof.max_qos = 1;
  auto cases = hr::select_cases(s, o);
  BOOST_TEST_REQUIRE(cases.size() == 2u);
  BOOST_TEST(static_cast<int>(cases[0].result) == static_cast<int>(hs::verdict::skip));
  BOOST_TEST(cases[0].skip_reason == "the profile lacks 'qos2'");
}

BOOST_AUTO_TEST_CASE(websocket_cases_run_only_on_websocket_targets) {
  hr::suite s;
  s.scenarios = hs::parse_scenarios("scenario a/b \"t\"\nspec MQTT-6.0.0-4\nversion 5\nneeds websocket\nopen c\n", "t").scenarios;
  hr::run_options o;
  for (const char* transport : {"sim", "tcp", "tls", "ws", "wss"}) {
    o.transport = transport;
    auto cases = hr::select_cases(s, o);
    BOOST_TEST_REQUIRE(cases.size() == 1u);
    bool ws = o.transport == "ws" || o.transport == "wss";
    BOOST_TEST(static_cast<int>(cases[0].result) == static_cast<int>(ws ? hs::verdict::pass : hs::verdict::skip), transport);
    if (!ws) BOOST_TEST(cases[0].skip_reason == "needs a WebSocket target (ws:// or wss://)");
  }
}

BOOST_AUTO_TEST_CASE(auto_ack_completes_qos2_deliveries) {
  const std::string head =
      "scenario a/b \"t\"\nspec MQTT-4.3.3-1\nversion all\n"
      "connect s\nrequire s CONNACK reason=0\n"
      "send s SUBSCRIBE id=1 filter=$t/a qos=2\nrequire s SUBACK id=1 reason_codes=[2]\n";
  const std::string flow =
      "connect p\nrequire p CONNACK reason=0\n"
      "send p PUBLISH topic=$t/a qos=2 id=7 payload=x\nrequire p PUBREC id=7\nsend p PUBREL id=7\nrequire p PUBCOMP id=7\n"
      "expect s PUBLISH topic=$t/a qos=2 as m\nexpect s PUBREL id=$m.packet_id within 1s\n";
  for (auto v : {hs::protocol_version::v3_1_1, hs::protocol_version::v5}) {
    auto with = run_text(head + "auto-ack s\n" + flow, v);
    BOOST_TEST(static_cast<int>(with.v) == static_cast<int>(hs::verdict::pass), with.run.outcome.message);
    // Without it nobody sends PUBREC, so no PUBREL comes.
    auto without = run_text(head + flow, v);
    BOOST_TEST(static_cast<int>(without.v) == static_cast<int>(hs::verdict::fail));
  }
}

// The WebSocket steps, with the interpreter driven by hand as a real target drives it.
namespace {

hs::case_outcome drive(const std::string& steps, const hs::open_info& info, std::vector<hs::action>* actions = nullptr) {
  auto parsed = hs::parse_scenarios("scenario a/b \"t\"\nspec MQTT-6.0.0-4\nversion 5\nneeds websocket\n" + steps, "t");
  BOOST_TEST_REQUIRE(parsed.errors.empty());
  hs::interpreter in(parsed.scenarios.at(0), hs::case_context{});
  in.start(0);
  auto first = in.take_actions();
  BOOST_TEST_REQUIRE(first.size() == 1u);
  BOOST_TEST_REQUIRE(static_cast<int>(first[0].k) == static_cast<int>(hs::action::kind::open));
  in.on_open(first[0].conn, 1, info);
  if (actions) *actions = in.take_actions();
  BOOST_TEST_REQUIRE(in.finished());
  return in.outcome();
}

}  // namespace

BOOST_AUTO_TEST_CASE(assert_subprotocol_reads_the_upgrade_answer) {
  BOOST_TEST(static_cast<int>(drive("open c\nassert c subprotocol \"mqtt\"\n", {"mqtt"}).result) == static_cast<int>(hs::verdict::pass));
  auto o = drive("open c\nassert c subprotocol \"mqtt\"\n", {""});
  BOOST_TEST(static_cast<int>(o.result) == static_cast<int>(hs::verdict::fail));
  BOOST_TEST(o.message.find("it answered absent") != std::string::npos, o.message);
  o = drive("open c\nassert c subprotocol \"mqtt\"\n", {"mqttv3.1"});
  BOOST_TEST(o.actual == "\"mqttv3.1\"");
  o = drive("open c\nassert c subprotocol \"mqtt\"\n", {});
  BOOST_TEST(o.actual == "no WebSocket connection");
  BOOST_TEST(static_cast<int>(drive("open c\nassert c subprotocol absent\n", {""}).result) == static_cast<int>(hs::verdict::pass));
}

BOOST_AUTO_TEST_CASE(send_text_is_one_text_message) {
  std::vector<hs::action> actions;
  auto o = drive("open c\nsend c text \"not MQTT\"\n", {"mqtt"}, &actions);
  BOOST_TEST(static_cast<int>(o.result) == static_cast<int>(hs::verdict::pass));
  BOOST_TEST_REQUIRE(!actions.empty());  // then the close at the end of the case
  BOOST_TEST(static_cast<int>(actions[0].k) == static_cast<int>(hs::action::kind::write_text));
  BOOST_TEST(std::string(actions[0].bytes.begin(), actions[0].bytes.end()) == "not MQTT");
}

// `check history` judges the case's traffic by the checkers' rules: a broker with a planted bug
// fails the step with the rule and the statement it breaks, the reference broker passes.
namespace {

hr::sim_options planted(const std::string& bug) {
  hr::sim_options o;
  o.planted_bug = bug;
  return o;
}

const char* name_of(hs::protocol_version v) { return v == hs::protocol_version::v5 ? "5.0" : "3.1.1"; }

void expect_check_failure(const outcome& o, const std::string& rule, const std::string& statement) {
  BOOST_TEST(static_cast<int>(o.v) == static_cast<int>(hs::verdict::fail), o.run.outcome.message);
  const std::string want = "check history: " + rule + " (" + statement + "): ";
  BOOST_TEST(o.run.outcome.message.find(want) != std::string::npos, o.run.outcome.message);
  BOOST_TEST(!o.run.outcome.actual.empty());
  BOOST_TEST_MESSAGE(o.run.outcome.message << "\n" << o.run.outcome.actual);
}

}  // namespace

BOOST_AUTO_TEST_CASE(check_history_catches_a_qos2_message_sent_again_after_its_pubrel) {
  // The subscriber takes the message, PUBREC, PUBREL, and goes before its PUBCOMP.
  std::string text =
      "scenario a/b \"t\"\nspec 3.1.1 MQTT-4.3.3-2\nspec 5 MQTT-4.3.3-10\nversion all\n"
      "[3.1.1] connect s clean=0\n[5] connect s clean=0 session_expiry_interval=300\nrequire s CONNACK reason=0\n"
      "send s SUBSCRIBE id=1 filter=$t/a qos=2\nrequire s SUBACK id=1 reason_codes=[2]\n"
      "connect p\nrequire p CONNACK reason=0\n"
      "send p PUBLISH topic=$t/a qos=2 id=1 payload=\"once\"\nrequire p PUBREC id=1\nsend p PUBREL id=1\nrequire p PUBCOMP id=1\n"
      "expect s PUBLISH topic=$t/a qos=2 payload=\"once\" as m\nsend s PUBREC id=$m.packet_id\nexpect s PUBREL id=$m.packet_id\n"
      "close s\n"
      "[3.1.1] connect s clean=0\n[5] connect s clean=0 session_expiry_interval=300\nrequire s CONNACK reason=0 session_present=1\n"
      "wait 300ms\ncheck history within 1s\n"
      "expect s PUBREL id=$m.packet_id\nsend s PUBCOMP id=$m.packet_id\n";
  for (auto v : {hs::protocol_version::v3_1_1, hs::protocol_version::v5}) {
    BOOST_TEST_CONTEXT(name_of(v)) {
      auto bad = run_text(text, v, {}, planted("qos2-duplicate-on-reconnect"));
      expect_check_failure(bad, "qos2-duplicate",
                           v == hs::protocol_version::v5 ? "MQTT-4.3.3-6, MQTT-4.3.3-10" : "MQTT-4.3.3-1, MQTT-4.3.3-2");
      BOOST_TEST(bad.run.outcome.line == 24);
      BOOST_TEST(bad.run.outcome.actual.find("is p's PUBLISH on mh/") != std::string::npos, bad.run.outcome.actual);
      auto good = run_text(text, v);
      BOOST_TEST(static_cast<int>(good.v) == static_cast<int>(hs::verdict::pass), good.run.outcome.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(check_history_catches_a_will_lost_at_a_keep_alive_timeout) {
  std::string text =
      "scenario a/b \"t\"\nspec MQTT-3.1.2-8\nversion all\n"
      "connect s\nrequire s CONNACK reason=0\n"
      "send s SUBSCRIBE id=1 filter=$t/will qos=1\nrequire s SUBACK id=1 reason_codes=[1]\n"
      "connect w keep_alive=1 will.topic=$t/will will.payload=\"gone\" will.qos=1\nrequire w CONNACK reason=0\n"
      "expect w closed within 5s\n"
      "check history within 2s\n"
      "expect s PUBLISH topic=$t/will payload=\"gone\" qos=1 as m\nsend s PUBACK id=$m.packet_id\n"
      "check history rules will-missing,will-unexpected\n";
  for (auto v : {hs::protocol_version::v3_1_1, hs::protocol_version::v5}) {
    BOOST_TEST_CONTEXT(name_of(v)) {
      auto bad = run_text(text, v, {}, planted("no-will-on-keepalive-timeout"));
      expect_check_failure(bad, "will-missing",
                           v == hs::protocol_version::v5 ? "MQTT-3.1.2-8, MQTT-3.1.2-22" : "MQTT-3.1.2-8, MQTT-3.1.2-24");
      BOOST_TEST(bad.run.outcome.line == 11);
      auto good = run_text(text, v);
      BOOST_TEST(static_cast<int>(good.v) == static_cast<int>(hs::verdict::pass), good.run.outcome.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(check_history_catches_a_will_after_a_normal_disconnect) {
  std::string text =
      "scenario a/b \"t\"\nspec MQTT-3.1.2-10\nversion all\n"
      "connect s\nrequire s CONNACK reason=0\n"
      "send s SUBSCRIBE id=1 filter=$t/will qos=0\nrequire s SUBACK id=1 reason_codes=[0]\n"
      "connect w will.topic=$t/will will.payload=\"gone\" will.qos=0\nrequire w CONNACK reason=0\n"
      "send w DISCONNECT\nclose w\nwait 500ms\n"
      "check history rules will-after-disconnect\n";
  for (auto v : {hs::protocol_version::v3_1_1, hs::protocol_version::v5}) {
    BOOST_TEST_CONTEXT(name_of(v)) {
      auto bad = run_text(text, v, {}, planted("will-after-normal-disconnect"));
      expect_check_failure(bad, "will-after-disconnect",
                           v == hs::protocol_version::v5 ? "MQTT-3.1.2-8, MQTT-3.1.2-10, MQTT-3.1.3-9"
                                                         : "MQTT-3.1.2-8, MQTT-3.1.2-10");
      auto good = run_text(text, v);
      BOOST_TEST(static_cast<int>(good.v) == static_cast<int>(hs::verdict::pass), good.run.outcome.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(check_history_catches_messages_out_of_order) {
  // m1 is acknowledged before m2 is sent: the broker had it first, for sure.
  std::string text = subscribed +
                     "send p PUBLISH topic=$t/a qos=1 payload=\"m1\"\nrequire p PUBACK\n"
                     "send p PUBLISH topic=$t/a qos=1 payload=\"m2\"\nrequire p PUBACK\n"
                     "expect s PUBLISH topic=$t/a payload=\"m1\" as a\nexpect s PUBLISH topic=$t/a payload=\"m2\" as b\n"
                     "send s PUBACK id=$a.packet_id\nsend s PUBACK id=$b.packet_id\n"
                     "check history\n";
  auto bad = run_text(text, hs::protocol_version::v5, {}, planted("reorder-topic"));
  expect_check_failure(bad, "order", "MQTT-4.6.0-5");
  BOOST_TEST(bad.run.outcome.message.find("s received m1.0 after m1.1 on mh/") != std::string::npos, bad.run.outcome.message);
  auto good = run_text(text);
  BOOST_TEST(static_cast<int>(good.v) == static_cast<int>(hs::verdict::pass), good.run.outcome.message);
}

// A message owed to a subscriber that is away is not owed yet: the check passes, and fails
// once it is back and the message still does not come.
BOOST_AUTO_TEST_CASE(check_history_owes_queued_messages_once_the_subscriber_is_back) {
  std::string head =
      "scenario a/b \"t\"\nspec MQTT-3.1.2-23\nversion 5\n"
      "connect s clean=0 session_expiry_interval=300\nrequire s CONNACK reason=0\n"
      "send s SUBSCRIBE id=1 filter=$t/a qos=1\nrequire s SUBACK id=1 reason_codes=[1]\nsend s DISCONNECT\nclose s\n"
      "connect p\nrequire p CONNACK reason=0\nsend p PUBLISH topic=$t/a qos=1 payload=\"queued\"\nrequire p PUBACK\n"
      "check history\n"
      "connect s clean=0 session_expiry_interval=300\nrequire s CONNACK reason=0\n";
  auto away = run_text(head, hs::protocol_version::v5, {}, planted("drop-offline-qos1"));
  BOOST_TEST(static_cast<int>(away.v) == static_cast<int>(hs::verdict::pass), away.run.outcome.message);
  auto bad = run_text(head + "check history within 1s\n", hs::protocol_version::v5, {}, planted("drop-offline-qos1"));
  expect_check_failure(bad, "qos1-lost", "MQTT-4.5.0-1, MQTT-3.1.2-23");
  // On the reference broker the message comes, unacknowledged: nothing more is owed until it is.
  auto good = run_text(head + "check history within 1s\n");
  BOOST_TEST(static_cast<int>(good.v) == static_cast<int>(hs::verdict::pass), good.run.outcome.message);
}

BOOST_AUTO_TEST_CASE(without_anonymous_access_a_connect_carries_the_profile_credentials) {
  hr::profile p;
  p.user_name = "harness";
  p.password = "harness-secret";
  p.anonymous = false;
  // The simulated broker refuses clients without credentials; the CONNECT that writes none gets
  // the profile's, one that writes its own keeps them, and raw bytes stay as written.
  auto o = run_text("scenario a/b \"t\"\nspec MQTT-3.1.2-19\nversion 5\n"
                    "connect c\nexpect c CONNACK reason=0\n"
                    "connect d user_name=harness password=wrong\nexpect d CONNACK reason=0x86\n"
                    "open r\nsend r raw \"10 0e 00 04 4d 51 54 54 05 02 00 3c 00 00 01 72\"\nexpect r CONNACK reason=0x87\n",
                    hs::protocol_version::v5, p);
  BOOST_TEST(static_cast<int>(o.v) == static_cast<int>(hs::verdict::pass), o.run.outcome.message);
  p.anonymous = true;
  auto anonymous = run_text("scenario a/b \"t\"\nspec MQTT-3.1.2-19\nversion 5\nconnect c\nexpect c CONNACK reason=0\n"
                            "open r\nsend r raw \"10 0e 00 04 4d 51 54 54 05 02 00 3c 00 00 01 72\"\nexpect r CONNACK reason=0\n",
                            hs::protocol_version::v5, p);
  BOOST_TEST(static_cast<int>(anonymous.v) == static_cast<int>(hs::verdict::pass), anonymous.run.outcome.message);
}

BOOST_AUTO_TEST_CASE(a_profile_says_whether_the_broker_has_anonymous_access) {
  auto open = hr::parse_profile("[credentials]\nuser_name = \"u\"\npassword = \"p\"\n", "open.toml");
  BOOST_TEST_REQUIRE(open.value.has_value(), open.error);
  BOOST_TEST(!open.value->connect_credentials().has_value());
  auto closed = hr::parse_profile("[credentials]\nuser_name = \"u\"\npassword = \"p\"\nanonymous = false\n", "closed.toml");
  BOOST_TEST_REQUIRE(closed.value.has_value(), closed.error);
  BOOST_TEST_REQUIRE(closed.value->connect_credentials().has_value());
  BOOST_TEST(closed.value->connect_credentials()->first == "u");
  BOOST_TEST(closed.value->connect_credentials()->second == "p");
  auto nobody = hr::parse_profile("[credentials]\nanonymous = false\n", "nobody.toml");
  BOOST_TEST(!nobody.value.has_value());
  BOOST_TEST(nobody.error.find("anonymous = false needs the user_name") != std::string::npos, nobody.error);
}

// scram.* fields: the interpreter plays the SCRAM-SHA-256 client against the simulated broker,
// answers the server-first by itself and marks the server-final; `reauth` sends AUTH 0x19.
BOOST_AUTO_TEST_CASE(scram_fields_run_the_exchange_and_reauth) {
  auto parsed = hr::parse_profile("[capabilities]\nenhanced_auth = [\"SCRAM-SHA-256\"]\n"
                                  "[auth]\nscram_user = \"u\"\nscram_password = \"pw\"\n", "scram.toml");
  BOOST_TEST_REQUIRE(parsed.value.has_value(), parsed.error);
  hr::profile p = *parsed.value;
  BOOST_TEST(p.capabilities().contains("scram_sha_256"));
  const std::string head = "scenario a/b \"t\"\nspec MQTT-4.12.0-2\nversion 5\nneeds scram_sha_256\n";
  auto ok = run_text(head +
                         "connect c scram.user=$profile.scram_user scram.password=$profile.scram_password\n"
                         "expect c AUTH reason=0x18\nexpect c CONNACK reason=0 scram=verified\n"
                         "reauth c scram.user=u scram.password=pw\nexpect c AUTH reason=0x18\n"
                         "expect c AUTH reason=0 scram=verified\n",
                     hs::protocol_version::v5, p);
  BOOST_TEST(static_cast<int>(ok.v) == static_cast<int>(hs::verdict::pass), ok.run.outcome.message);
  // A wrong password, or a wrong proof, gets no CONNACK 0x00: the expectation fails.
  for (std::string fields : {"scram.user=u scram.password=nope", "scram.user=u scram.password=pw scram.proof=wrong"}) {
    auto bad = run_text(head + "connect c " + fields + "\nexpect c CONNACK reason=0 within 1s\n", hs::protocol_version::v5, p);
    BOOST_TEST(static_cast<int>(bad.v) == static_cast<int>(hs::verdict::fail), fields);
  }
  // A user the broker does not have: refused at the proof.
  auto stranger = run_text(head + "connect c scram.user=x scram.password=pw\nexpect c CONNACK reason=0x86\n",
                           hs::protocol_version::v5, p);
  BOOST_TEST(static_cast<int>(stranger.v) == static_cast<int>(hs::verdict::pass), stranger.run.outcome.message);
  auto half = run_text(head + "connect c scram.user=u\n", hs::protocol_version::v5, p);
  BOOST_TEST(static_cast<int>(half.v) == static_cast<int>(hs::verdict::error));
  auto lonely = hr::parse_profile("[auth]\nscram_user = \"u\"\n", "half.toml");
  BOOST_TEST(!lonely.value.has_value());
}

BOOST_AUTO_TEST_CASE(the_suite_parses) {
  hr::suite s = hr::load_suite({MQTT_SCENARIOS_DIR});
  for (const auto& e : s.errors) BOOST_TEST_MESSAGE(e.format());
  BOOST_TEST(s.errors.empty());
  BOOST_TEST(!s.scenarios.empty());
}

BOOST_AUTO_TEST_SUITE_END()
