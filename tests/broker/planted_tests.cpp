// Each bug that can be planted in the broker core, shown through raw packets: the unplanted
// broker behaves correctly, the planted one shows exactly its defect and no other.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <set>
#include <sstream>

#include "broker_fixture.hpp"
#include "mqtt/broker/planted.hpp"

using namespace mqtt::test;
namespace codec = mqtt::codec;
namespace data = boost::unit_test::data;
using codec::qos;
using mqtt::broker::planted_bug;

namespace {

constexpr auto v311 = codec::protocol_version::v3_1_1;
constexpr auto v5 = codec::protocol_version::v5;
// Longer than any hold or delay in the broker: lets whatever waits on a timer go out.
constexpr mqtt::broker::clock_ms settle_ms = 60'000;

// One line per packet, with the fields the scenarios below tell apart.
std::string describe(const codec::packet& p) {
  std::ostringstream o;
  o << codec::to_string(codec::type_of(p));
  if (auto* ack = std::get_if<codec::connack>(&p)) {
    o << " session_present=" << ack->session_present << " rc=" << int{ack->reason_code};
  } else if (auto* pub = std::get_if<codec::publish>(&p)) {
    o << " " << pub->topic << " '" << pub->payload << "' qos=" << static_cast<int>(pub->qos)
      << " id=" << pub->packet_id << " dup=" << pub->dup << " retain=" << pub->retain;
  } else if (auto* rel = std::get_if<codec::pubrel>(&p)) {
    o << " id=" << rel->packet_id;
  } else if (auto* un = std::get_if<codec::unsuback>(&p)) {
    o << " id=" << un->packet_id;
    for (std::uint8_t rc : un->reason_codes) o << " rc=" << int{rc};
  }
  return o.str();
}

template <class T>
std::vector<std::string> describe(const std::vector<T>& packets) {
  std::vector<std::string> out;
  for (const T& p : packets) out.push_back(describe(codec::packet(p)));
  return out;
}

// A scripted broker with `bug` planted (none: the correct broker).
struct planted_fixture : broker_fixture {
  explicit planted_fixture(planted_bug bug) { mqtt::broker::plant_bug(b, bug); }
};

codec::will_message will_on(std::string_view topic, std::string_view payload) {
  return codec::will_message{topic, payload, qos::at_most_once, false, {}};
}

// The scenarios: each returns what the observing client received.

// A persistent subscriber is offline when a QoS 1 message arrives; what it gets on resume.
std::vector<std::string> offline_qos1(planted_bug bug) {
  planted_fixture f(bug);
  auto sub = f.connect(broker_fixture::connect_packet("sub", false));
  f.send(sub, make_subscribe(1, "q", qos::at_least_once));
  f.network_close(sub);
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("q", "offline", qos::at_least_once, 1));
  BOOST_TEST(f.received_of<codec::puback>(pub).size() == 1u);  // accepted either way
  auto again = f.connect(broker_fixture::connect_packet("sub", false));
  return describe(f.received(again));
}

// A QoS 2 message is released to the subscriber (PUBREC in, PUBREL out), then the network
// fails before PUBCOMP; what the subscriber gets on resume.
std::vector<std::string> qos2_resume(planted_bug bug) {
  planted_fixture f(bug);
  auto sub = f.connect(broker_fixture::connect_packet("sub", false));
  f.send(sub, make_subscribe(1, "t", qos::exactly_once));
  f.received(sub);
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("t", "once", qos::exactly_once, 1));
  f.send(pub, codec::pubrel{1, 0, {}});
  f.advance(settle_ms);
  auto first = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(first.size() == 1u);
  f.send(sub, codec::pubrec{first[0].packet_id, 0, {}});
  BOOST_TEST_REQUIRE(f.received_of<codec::pubrel>(sub).size() == 1u);
  f.network_close(sub);
  auto again = f.connect(broker_fixture::connect_packet("sub", false));
  return describe(f.received(again));
}

// A client with a will ends with a normal DISCONNECT (reason 0x00); what a watcher gets.
std::vector<std::string> will_on_disconnect(planted_bug bug, codec::protocol_version v) {
  planted_fixture f(bug);
  auto watcher = f.connect(broker_fixture::connect_packet("watcher"));
  f.send(watcher, make_subscribe(1, "w"));
  f.received(watcher);
  auto c = broker_fixture::connect_packet("polite", true, v);
  c.will = will_on("w", "gone");
  auto polite = f.connect(c);
  f.send(polite, codec::disconnect{});
  BOOST_TEST(f.closed(polite));
  return describe(f.received(watcher));
}

// A client with a will goes silent past 1.5 x its keep alive; what a watcher gets.
std::vector<std::string> will_on_keep_alive_timeout(planted_bug bug) {
  planted_fixture f(bug);
  auto watcher = f.connect(broker_fixture::connect_packet("watcher"));
  f.send(watcher, make_subscribe(1, "w"));
  f.received(watcher);
  auto c = broker_fixture::connect_packet("sleepy");
  c.keep_alive_s = 10;
  c.will = will_on("w", "timeout");
  auto sleepy = f.connect(c);
  f.advance(15'001);
  BOOST_TEST(f.closed(sleepy));  // closed either way
  return describe(f.received(watcher));
}

// A retained message, then a new subscription to its topic; what the new subscriber gets.
std::vector<std::string> retained_for_new_subscriber(planted_bug bug) {
  planted_fixture f(bug);
  auto live = f.connect(broker_fixture::connect_packet("live"));
  f.send(live, make_subscribe(1, "r"));
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("r", "kept", qos::at_most_once, 0, true));
  BOOST_TEST(f.received_of<codec::publish>(live).size() == 1u);  // forwarded either way
  auto sub = f.connect(broker_fixture::connect_packet("sub"));
  f.send(sub, make_subscribe(1, "r"));
  return describe(f.received_of<codec::publish>(sub));
}

// Three QoS 1 messages on one topic to one subscriber; what it gets, in order.
std::vector<std::string> one_topic_order(planted_bug bug) {
  planted_fixture f(bug);
  auto sub = f.connect(broker_fixture::connect_packet("sub"));
  f.send(sub, make_subscribe(1, "t", qos::at_least_once));
  f.received(sub);
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  for (std::uint16_t i = 1; i <= 3; ++i) {
    f.send(pub, make_publish("t", std::to_string(i), qos::at_least_once, i));
  }
  f.advance(settle_ms);
  return describe(f.received(sub));
}

// A 5.0 client subscribes, unsubscribes (UNSUBACK 0x00), then a message is published.
std::vector<std::string> after_unsubscribe(planted_bug bug) {
  planted_fixture f(bug);
  auto sub = f.connect(broker_fixture::connect_packet("sub", true, v5));
  f.send(sub, make_subscribe(1, "u"));
  f.received(sub);
  codec::unsubscribe u;
  u.packet_id = 2;
  u.filters.push_back("u");
  f.send(sub, u);
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("u", "after"));
  return describe(f.received(sub));
}

struct scenario {
  std::string_view name;
  planted_bug shows;  // the one bug this scenario exposes
  std::function<std::vector<std::string>(planted_bug)> run;
};

const std::vector<scenario>& scenarios() {
  static const std::vector<scenario> all{
      {"offline_qos1", planted_bug::drop_offline_qos1, offline_qos1},
      {"qos2_resume", planted_bug::qos2_duplicate_on_reconnect, qos2_resume},
      {"will_on_disconnect_v311", planted_bug::will_after_normal_disconnect,
       [](planted_bug b) { return will_on_disconnect(b, v311); }},
      {"will_on_disconnect_v5", planted_bug::will_after_normal_disconnect,
       [](planted_bug b) { return will_on_disconnect(b, v5); }},
      {"will_on_keep_alive_timeout", planted_bug::no_will_on_keepalive_timeout, will_on_keep_alive_timeout},
      {"retained_for_new_subscriber", planted_bug::forget_retained, retained_for_new_subscriber},
      {"one_topic_order", planted_bug::reorder_topic, one_topic_order},
      {"after_unsubscribe", planted_bug::deliver_after_unsubscribe, after_unsubscribe},
  };
  return all;
}

// none and the bugs a scenario above shows. The other bugs each break one statement of the
// conformance suite, which shows them (cli-mutation-score); some of them rightly change what
// these scenarios see too (a wrong Session Present shows in any resume).
std::vector<std::string> bug_names() {
  std::vector<std::string> out{"none"};
  for (planted_bug b : mqtt::broker::all_planted_bugs()) {
    bool shown = std::any_of(scenarios().begin(), scenarios().end(), [&](const scenario& s) { return s.shows == b; });
    if (shown) out.emplace_back(mqtt::broker::to_string(b));
  }
  return out;
}

using lines = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(broker_planted)

BOOST_AUTO_TEST_CASE(drop_offline_qos1_loses_the_queued_message) {
  BOOST_TEST(offline_qos1(planted_bug::none) ==
                 (lines{"CONNACK session_present=1 rc=0", "PUBLISH q 'offline' qos=1 id=1 dup=0 retain=0"}),
             boost::test_tools::per_element());
  BOOST_TEST(offline_qos1(planted_bug::drop_offline_qos1) == (lines{"CONNACK session_present=1 rc=0"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(qos2_duplicate_on_reconnect_sends_a_released_message_as_new) {
  // Correct: the flow resumes at PUBREL (MQTT-4.4.0-1).
  BOOST_TEST(qos2_resume(planted_bug::none) == (lines{"CONNACK session_present=1 rc=0", "PUBREL id=1"}),
             boost::test_tools::per_element());
  // Planted: the same message again under a new identifier, DUP 0: delivered twice.
  BOOST_TEST(qos2_resume(planted_bug::qos2_duplicate_on_reconnect) ==
                 (lines{"CONNACK session_present=1 rc=0", "PUBLISH t 'once' qos=2 id=2 dup=0 retain=0"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(will_after_normal_disconnect_publishes_the_will) {
  for (codec::protocol_version v : {v311, v5}) BOOST_TEST_CONTEXT("version=" << codec::to_string(v)) {
    // Correct: a normal DISCONNECT discards the will (MQTT-3.14.4-3; 3.1.1 MQTT-3.1.2-10).
    BOOST_TEST(will_on_disconnect(planted_bug::none, v).empty());
    BOOST_TEST(will_on_disconnect(planted_bug::will_after_normal_disconnect, v) ==
                   (lines{"PUBLISH w 'gone' qos=0 id=0 dup=0 retain=0"}),
               boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(no_will_on_keepalive_timeout_loses_the_will) {
  // Correct: the keep-alive timeout publishes the will (MQTT-3.1.2-24).
  BOOST_TEST(will_on_keep_alive_timeout(planted_bug::none) == (lines{"PUBLISH w 'timeout' qos=0 id=0 dup=0 retain=0"}),
             boost::test_tools::per_element());
  BOOST_TEST(will_on_keep_alive_timeout(planted_bug::no_will_on_keepalive_timeout).empty());
}

BOOST_AUTO_TEST_CASE(forget_retained_gives_a_new_subscriber_nothing) {
  BOOST_TEST(retained_for_new_subscriber(planted_bug::none) == (lines{"PUBLISH r 'kept' qos=0 id=0 dup=0 retain=1"}),
             boost::test_tools::per_element());
  BOOST_TEST(retained_for_new_subscriber(planted_bug::forget_retained).empty());
}

BOOST_AUTO_TEST_CASE(reorder_topic_swaps_two_messages_and_loses_none) {
  BOOST_TEST(one_topic_order(planted_bug::none) == (lines{"PUBLISH t '1' qos=1 id=1 dup=0 retain=0",
                                                          "PUBLISH t '2' qos=1 id=2 dup=0 retain=0",
                                                          "PUBLISH t '3' qos=1 id=3 dup=0 retain=0"}),
             boost::test_tools::per_element());
  // Planted: '1' is held back and sent after '2'; '3', with no successor, goes out late.
  BOOST_TEST(one_topic_order(planted_bug::reorder_topic) == (lines{"PUBLISH t '2' qos=1 id=1 dup=0 retain=0",
                                                                   "PUBLISH t '1' qos=1 id=2 dup=0 retain=0",
                                                                   "PUBLISH t '3' qos=1 id=3 dup=0 retain=0"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(deliver_after_unsubscribe_keeps_the_subscription) {
  // Correct: no more messages after UNSUBACK (MQTT-3.10.4-2).
  BOOST_TEST(after_unsubscribe(planted_bug::none) == (lines{"UNSUBACK id=2 rc=0"}), boost::test_tools::per_element());
  BOOST_TEST(after_unsubscribe(planted_bug::deliver_after_unsubscribe) ==
                 (lines{"UNSUBACK id=2 rc=0", "PUBLISH u 'after' qos=0 id=0 dup=0 retain=0"}),
             boost::test_tools::per_element());
}

// Each planted bug changes what its own scenario observes and nothing in any other, so a
// checker that fires under a bug is reacting to that bug.
BOOST_DATA_TEST_CASE(each_bug_changes_only_its_own_scenario, data::make(bug_names()), name) {
  std::optional<planted_bug> bug = mqtt::broker::planted_bug_from_string(name);
  BOOST_TEST_REQUIRE(bug.has_value());
  for (const scenario& s : scenarios()) {
    BOOST_TEST_CONTEXT("bug=" << name << " scenario=" << s.name) {
      bool changed = s.run(*bug) != s.run(planted_bug::none);
      BOOST_TEST(changed == (*bug == s.shows));
    }
  }
}

BOOST_AUTO_TEST_CASE(names_round_trip) {
  auto all = mqtt::broker::all_planted_bugs();
  BOOST_TEST(all.size() == 49u);
  std::set<std::string_view> seen;
  for (planted_bug b : all) {
    std::string_view name = mqtt::broker::to_string(b);
    BOOST_TEST_CONTEXT("bug=" << name) {
      BOOST_TEST((b != planted_bug::none));
      BOOST_TEST(seen.insert(name).second);  // unique
      BOOST_TEST(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string_view::npos);
      BOOST_TEST((mqtt::broker::planted_bug_from_string(name) == b));
    }
  }
  BOOST_TEST(mqtt::broker::to_string(planted_bug::drop_offline_qos1) == "drop-offline-qos1");
  BOOST_TEST((mqtt::broker::planted_bug_from_string("none") == planted_bug::none));
  BOOST_TEST(!mqtt::broker::planted_bug_from_string("drop_offline_qos1").has_value());
  BOOST_TEST(!mqtt::broker::planted_bug_from_string("").has_value());
}

// Every bug names the statements it breaks, in each version's numbering, and none names none.
BOOST_AUTO_TEST_CASE(each_bug_names_the_statements_it_breaks) {
  for (codec::protocol_version v : {codec::protocol_version::v3_1, v311, v5}) {
    BOOST_TEST(mqtt::broker::broken_statements(planted_bug::none, v).empty());
  }
  for (planted_bug b : mqtt::broker::all_planted_bugs()) BOOST_TEST_CONTEXT("bug=" << mqtt::broker::to_string(b)) {
    auto old = mqtt::broker::broken_statements(b, v311);
    BOOST_TEST((mqtt::broker::broken_statements(b, codec::protocol_version::v3_1) == old));  // 3.1 numbered as 3.1.1
    BOOST_TEST(old.size() + mqtt::broker::broken_statements(b, v5).size() > 0u);
    BOOST_TEST(!mqtt::broker::describe(b).empty());
  }
  auto keep_alive = mqtt::broker::broken_statements(planted_bug::keep_alive_not_enforced, v311);
  BOOST_TEST_REQUIRE(keep_alive.size() == 1u);
  BOOST_TEST(keep_alive[0].text() == "MQTT-3.1.2-24");
  BOOST_TEST(mqtt::broker::broken_statements(planted_bug::keep_alive_not_enforced, v5)[0].text() == "MQTT-3.1.2-22");
}

// Planting none takes a planted bug out again.
BOOST_AUTO_TEST_CASE(planting_none_restores_the_correct_broker) {
  planted_fixture f(planted_bug::deliver_after_unsubscribe);
  mqtt::broker::plant_bug(f.b, planted_bug::none);
  auto sub = f.connect(broker_fixture::connect_packet("sub"));
  f.send(sub, make_subscribe(1, "u"));
  codec::unsubscribe u;
  u.packet_id = 2;
  u.filters.push_back("u");
  f.send(sub, u);
  f.received(sub);
  auto pub = f.connect(broker_fixture::connect_packet("pub"));
  f.send(pub, make_publish("u", "after"));
  BOOST_TEST(f.received_of<codec::publish>(sub).empty());
}

BOOST_AUTO_TEST_SUITE_END()
