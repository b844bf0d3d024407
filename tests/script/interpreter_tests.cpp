// The interpreter on the simulated reference broker: verdicts, messages that name the step and
// every acceptable outcome, captures, quiet windows in virtual time, skips and preconditions;
// and the whole suite in scenarios/ parses.
#include <boost/test/unit_test.hpp>

#include "run/profile.hpp"
#include "run/runner.hpp"
#include "run/sim_target.hpp"
#include "script/parse.hpp"

namespace hs = harness::script;
namespace hr = harness::run;

namespace {

struct outcome {
  hs::verdict v;
  hr::case_run run;
};

outcome run_text(const std::string& text, hs::protocol_version version = hs::protocol_version::v5, hr::profile p = {}) {
  auto parsed = hs::parse_scenarios(text, "t.scenario");
  for (const auto& e : parsed.errors) BOOST_TEST_MESSAGE(e.format());
  BOOST_TEST_REQUIRE(parsed.errors.empty());
  BOOST_TEST_REQUIRE(parsed.scenarios.size() == 1u);
  hs::case_context ctx;
  ctx.version = version;
  ctx.capabilities = p.capabilities();
  ctx.profile_values = p.values();
  ctx.connect_credentials = p.connect_credentials();
  auto r = hr::run_on_sim(parsed.scenarios[0], ctx, p, {});
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
