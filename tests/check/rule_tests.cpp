// Every rule of the table fires on a small hand-written run that breaks it, naming the rule
// and the statement it cites, and stays silent on the matching run that does not.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <set>

#include "run_builder.hpp"

namespace bdata = boost::unit_test::data;
using namespace check_test;
using harness::check::citation;
using harness::check::find_rule;
using harness::check::rule_info;
using harness::check::rules;
using harness::check::will_facts;

namespace {

constexpr protocol_version v311 = protocol_version::v3_1_1;
constexpr protocol_version v5 = protocol_version::v5;
constexpr sim_ms heal_at = 5'000;

struct rule_case {
  std::string_view rule;
  std::string_view broken;  // what the firing run does wrong
  // Versions of the client whose version picks the statement (the subscriber, the will's
  // owner, ...); the case runs once for each.
  std::vector<protocol_version> versions;
  // Builds the run for `version`; `broken` makes the records that break the rule.
  std::function<void(run_builder&, protocol_version version, bool broken)> build;
  // The statements the violation cites, when that is a part of the rule's (one case of
  // several); empty: the rule's column for the version.
  std::string_view cites_v311 = {};
  std::string_view cites_v5 = {};
};

// A publisher and a subscriber of t/# with the given subscription QoS, both connected.
struct pub_sub {
  node_id pub;
  node_id sub;
};
pub_sub publisher_and_subscriber(run_builder& b, protocol_version sub_version, bool persistent,
                                 std::uint8_t qos) {
  client_facts s = client("sub", sub_version, persistent);
  s.subscriptions = {{f_t_all, qos, false, ""}};
  pub_sub ps{b.add(client("pub", v311, false)), b.add(std::move(s))};
  b.connect_first(0, ps.pub, 1);
  b.connect_first(0, ps.sub, 2);
  b.subscribe(20, ps.sub, 0, f_t_all, qos);
  return ps;
}

// A publisher with a will (QoS 1, on will/pub) and a persistent 5.0 watcher of will/#.
struct will_run {
  node_id pub;
  node_id watcher;
};
will_run publisher_with_will(run_builder& b, protocol_version v, bool persistent,
                             std::uint32_t delay_s = 0) {
  client_facts p = client("pub", v, persistent);
  p.will = will_facts{will_pub, 1, delay_s};
  client_facts w = client("watcher", v5, true);
  w.subscriptions = {{f_will_all, 1, false, ""}};
  will_run r{b.add(std::move(p)), b.add(std::move(w))};
  b.connect_first(0, r.pub, 1);
  b.connect_first(0, r.watcher, 2);
  b.subscribe(20, r.watcher, 0, f_will_all, 1);
  return r;
}

// Two persistent 5.0 members of $share/g/s/# (granted QoS 1) and a publisher.
struct shared_run {
  node_id pub;
  node_id a;
  node_id b;
};
shared_run shared_group(run_builder& b) {
  client_facts m = client("m1", v5, true);
  m.subscriptions = {{f_s_all, 1, false, "g"}};
  client_facts m2 = m;
  m2.name = "m2";
  shared_run r{b.add(client("pub", v5, false)), b.add(std::move(m)), b.add(std::move(m2))};
  b.connect_first(0, r.pub, 1);
  b.connect_first(0, r.a, 2);
  b.connect_first(0, r.b, 3);
  b.subscribe(20, r.a, 0, f_s_all, 1);
  b.subscribe(20, r.b, 0, f_s_all, 1);
  return r;
}

void owed_message(run_builder& b, protocol_version v, bool broken, std::uint8_t qos) {
  auto [pub, sub] = publisher_and_subscriber(b, v, true, qos);
  b.publish(100, pub, 0, t_a, qos);
  if (!broken) b.deliver(110, sub, pub, 0, t_a, qos);
  b.heal(heal_at);
}

const std::vector<rule_case>& rule_cases() {
  static const std::vector<rule_case> all{
      {"event-budget", "the simulator stopped the run at its event budget", {v311},
       [](run_builder& b, protocol_version v, bool broken) {
         node_id c = b.add(client("c", v, false));
         b.connect_first(0, c, 1);
         b.heal(heal_at);
         b.facts().event_budget_exhausted = broken;
         b.facts().events_max = 1'000;
       }},
      {"client-detected", "the client core reports a broken rule", {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         node_id c = b.add(client("c", v, false));
         b.connect_first(0, c, 1);
         if (broken) b.client_reports(300, c, "MQTT-3.3.2-2: PUBLISH topic with a wildcard");
         b.heal(heal_at);
       }},
      {"invented", "a delivery of m0.7, which was never published", {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         auto [pub, sub] = publisher_and_subscriber(b, v, false, 0);
         b.publish(100, pub, 0, t_a, 0);
         b.deliver(110, sub, pub, 0, t_a, 0);
         if (broken) b.deliver(120, sub, pub, 7, t_a, 0);
         b.heal(heal_at);
       }},
      {"unsubscribed-delivery", "a delivery on t/a to a subscriber of r/# only", {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         const std::uint16_t filter = broken ? f_r_all : f_t_all;
         client_facts s = client("sub", v, false);
         s.subscriptions = {{filter, 0, false, ""}};
         node_id pub = b.add(client("pub", v311, false));
         node_id sub = b.add(std::move(s));
         b.connect_first(0, pub, 1);
         b.connect_first(0, sub, 2);
         b.subscribe(20, sub, 0, filter, 0);
         b.publish(100, pub, 0, t_a, 0);
         b.deliver(110, sub, pub, 0, t_a, 0);
         b.heal(heal_at);
       }},
      {"qos0-duplicate", "a QoS 0 message delivered twice", {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         auto [pub, sub] = publisher_and_subscriber(b, v, false, 0);
         b.publish(100, pub, 0, t_a, 0);
         b.deliver(110, sub, pub, 0, t_a, 0);
         if (broken) b.deliver(120, sub, pub, 0, t_a, 0);
         b.heal(heal_at);
       }},
      {"qos2-duplicate", "a QoS 2 message delivered twice at QoS 2, no crash in its flow",
       {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         auto [pub, sub] = publisher_and_subscriber(b, v, false, 2);
         b.publish(100, pub, 0, t_a, 2);
         b.deliver(110, sub, pub, 0, t_a, 2);
         if (broken) b.deliver(120, sub, pub, 0, t_a, 2);
         b.heal(heal_at);
       }},
      {"order", "QoS 0 messages m0.0 and m0.1 delivered the other way round", {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         auto [pub, sub] = publisher_and_subscriber(b, v, false, 0);
         b.publish(100, pub, 0, t_a, 0);
         b.publish(150, pub, 1, t_a, 0);
         b.deliver(160, sub, pub, broken ? 1 : 0, t_a, 0);
         b.deliver(170, sub, pub, broken ? 0 : 1, t_a, 0);
         b.heal(heal_at);
       }},
      {"order",
       "QoS 1 messages delivered the other way round, the first acknowledged in the millisecond "
       "the second was published",
       {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         auto [pub, sub] = publisher_and_subscriber(b, v, false, 1);
         b.publish_only(100, pub, 0, t_a, 1);
         b.acknowledge(150, pub, 0);
         b.publish_only(150, pub, 1, t_a, 1);
         b.acknowledge(151, pub, 1);
         b.deliver(160, sub, pub, broken ? 1 : 0, t_a, 1);
         b.deliver(170, sub, pub, broken ? 0 : 1, t_a, 1);
         b.heal(heal_at);
       }},
      {"qos1-lost", "an acknowledged QoS 1 message never reaches a persistent subscriber",
       {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) { owed_message(b, v, broken, 1); }},
      {"qos2-lost", "an acknowledged QoS 2 message never reaches a persistent subscriber",
       {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) { owed_message(b, v, broken, 2); }},
      {"delivered-after-unsubscribe",
       "a message published after the UNSUBACK is delivered (the clean run's was published "
       "before the UNSUBSCRIBE)",
       {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         auto [pub, sub] = publisher_and_subscriber(b, v, false, 0);
         b.publish(broken ? 300 : 150, pub, 0, t_a, 0);
         b.unsubscribe(200, sub, 1, f_t_all);
         b.deliver(broken ? 310 : 210, sub, pub, 0, t_a, 0);
         b.heal(heal_at);
       }},
      {"retained-missing",
       "a persistent subscriber subscribes after a retained message was acknowledged and gets "
       "no retained message",
       {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         client_facts s = client("sub", v, true);
         s.subscriptions = {{f_r_all, 1, false, ""}};
         node_id pub = b.add(client("pub", v311, false));
         node_id sub = b.add(std::move(s));
         b.connect_first(0, pub, 1);
         b.connect_first(0, sub, 2);
         b.publish(100, pub, 0, r_x, 1, true);
         b.subscribe(200, sub, 0, f_r_all, 1);
         if (!broken) b.deliver(205, sub, pub, 0, r_x, 1, true);
         b.heal(heal_at);
       }},
      {"will-invented", "a will naming a connection that never existed, beside a real one",
       {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         auto [pub, watcher] = publisher_with_will(b, v, false);
         b.lose(500, pub, 1);
         b.deliver_will(510, watcher, 1, will_pub);
         if (broken) b.deliver_will(600, watcher, 99, will_pub);
         b.connect(800, pub, 3, true, false);
         b.heal(heal_at);
       }},
      {"will-after-disconnect", "the will of a connection closed by a normal DISCONNECT",
       {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         auto [pub, watcher] = publisher_with_will(b, v, false);
         b.disconnect(500, pub, 1);
         if (broken) b.deliver_will(510, watcher, 1, will_pub);
         b.connect(800, pub, 3, true, false);
         b.heal(heal_at);
       }},
      {"will-unexpected", "the will of a connection that is still open", {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         auto [pub, watcher] = publisher_with_will(b, v, false);
         if (broken) b.deliver_will(500, watcher, 1, will_pub);
         b.heal(heal_at);
       }},
      {"will-unexpected",
       "the will of a connection whose client came back within the Will Delay (the clean run's "
       "came back after it)",
       {v5},
       [](run_builder& b, protocol_version v, bool broken) {
         auto [pub, watcher] = publisher_with_will(b, v, true, 5);
         b.lose(500, pub, 1);
         b.connect(broken ? 1'500 : 6'000, pub, 3, false, true);
         b.deliver_will(5'510, watcher, 1, will_pub);
         b.heal(heal_at);
       }},
      {"will-missing",
       "no will for a connection whose CONNECT came in the same millisecond as the one before "
       "it, which ended then (that one is no comeback within the Will Delay)",
       {v5},
       [](run_builder& b, protocol_version v, bool broken) {
         auto [pub, watcher] = publisher_with_will(b, v, true, 1);
         b.lose(500, pub, 1);
         b.connect(1'000, pub, 3, false, true);
         b.lose(1'000, pub, 3);
         b.connect(1'000, pub, 4, false, true);
         b.lose(1'500, pub, 4);
         if (!broken) b.deliver_will(2'510, watcher, 4, will_pub);
         b.connect(5'000, pub, 5, false, true);
         b.heal(heal_at);
       }},
      {"will-missing", "no will for a connection that ended without DISCONNECT", {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         auto [pub, watcher] = publisher_with_will(b, v, false);
         b.lose(500, pub, 1);
         if (!broken) b.deliver_will(510, watcher, 1, will_pub);
         b.connect(800, pub, 3, true, false);
         b.heal(heal_at);
       }},
      {"session-present", "Session Present 1 in answer to a clean start", {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         node_id c = b.add(client("c", v, false));
         b.connect(0, c, 1, true, broken);
         b.heal(heal_at);
       },
       "MQTT-3.2.2-1", "MQTT-3.2.2-2"},
      {"session-present", "Session Present 0 when the broker held the session", {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         node_id c = b.add(client("c", v, true));
         b.connect_first(0, c, 1);
         b.lose(500, c, 1);
         b.connect(800, c, 2, false, !broken);
         b.heal(heal_at);
       },
       "MQTT-3.2.2-2, MQTT-3.2.2-3", "MQTT-3.2.2-3"},
      {"shared-duplicate", "a QoS 0 message delivered to both members of a shared subscription",
       {v5},
       [](run_builder& b, protocol_version, bool broken) {
         shared_run r = shared_group(b);
         b.publish(100, r.pub, 0, s_x, 0);
         b.deliver(110, r.a, r.pub, 0, s_x, 0);
         if (broken) b.deliver(115, r.b, r.pub, 0, s_x, 0);
         b.heal(heal_at);
       }},
      {"shared-lost",
       "an acknowledged QoS 1 message reaches no member of a shared subscription whose sessions "
       "held",
       {v5},
       [](run_builder& b, protocol_version, bool broken) {
         shared_run r = shared_group(b);
         b.publish(100, r.pub, 0, s_x, 1);
         if (!broken) b.deliver(110, r.b, r.pub, 0, s_x, 1);
         b.heal(heal_at);
       }},
      {"raw-not-closed", "the broker keeps the connection of a raw peer that broke a rule",
       {v311},
       [](run_builder& b, protocol_version v, bool broken) {
         client_facts raw = client("raw5", v, false);
         raw.raw_peer = true;
         raw.raw_must_close = "MQTT-3.3.1-4";
         node_id n = b.add(std::move(raw));
         b.connect(0, n, 7, true, false);
         if (!broken) b.broker_closes(600, n, 7);
         b.heal(heal_at);
       },
       "MQTT-3.3.1-4", "MQTT-3.3.1-4"},
      {"not-reconnected", "a client that lost its connection is not back after the drain",
       {v311, v5},
       [](run_builder& b, protocol_version v, bool broken) {
         node_id c = b.add(client("c", v, false));
         b.connect_first(0, c, 1);
         b.lose(500, c, 1);
         if (!broken) b.connect(800, c, 2, true, false);
         b.heal(heal_at);
       }},
  };
  return all;
}

std::vector<std::string> rule_names() {
  std::vector<std::string> names;
  for (const rule_info& r : rules()) names.emplace_back(r.name);
  return names;
}

std::vector<const rule_case*> cases_of(std::string_view rule) {
  std::vector<const rule_case*> found;
  for (const rule_case& c : rule_cases()) {
    if (c.rule == rule) found.push_back(&c);
  }
  return found;
}

std::set<std::string_view> ids_in(std::string_view statements) {
  std::set<std::string_view> ids;
  while (!statements.empty()) {
    std::size_t comma = statements.find(", ");
    ids.insert(statements.substr(0, comma));
    statements = comma == std::string_view::npos ? std::string_view() : statements.substr(comma + 2);
  }
  return ids;
}

// What a violation of `r` in case `c` cites when the deciding client has version `v`.
std::string expected_statement(const rule_info& r, const rule_case& c, protocol_version v) {
  std::string_view own = v == v311 ? c.cites_v311 : c.cites_v5;
  if (!own.empty()) return std::string(own);
  switch (r.cites) {
    case citation::table:
      return (v == v311 && !r.statement_v311.empty() ? r.statement_v311 : r.statement_v5).text();
    case citation::client_report:
      return "see message";
    case citation::liveness:
      return "liveness";
    case citation::raw_peer:
      break;
  }
  return "(a raw peer's case names its statement)";
}

std::string first_of(const std::vector<violation>& vs) {
  return vs.empty() ? std::string("(none)") : vs.front().rule + ": " + vs.front().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rules_fire)

BOOST_AUTO_TEST_CASE(every_rule_in_the_table_has_a_firing_case) {
  for (const rule_info& r : rules()) {
    BOOST_TEST(!cases_of(r.name).empty(), "no hand-written run breaks rule " << r.name);
  }
  for (const rule_case& c : rule_cases()) {
    BOOST_TEST(find_rule(c.rule) != nullptr, "a case breaks " << c.rule << ", not in the table");
    BOOST_TEST(!c.versions.empty());
  }
}

BOOST_DATA_TEST_CASE(the_rule_fires_on_its_broken_run_and_not_on_the_clean_one,
                     bdata::make(rule_names()), name) {
  const rule_info* r = find_rule(name);
  BOOST_TEST_REQUIRE(r != nullptr);
  std::vector<const rule_case*> cases = cases_of(name);
  BOOST_TEST_REQUIRE(!cases.empty(), "no hand-written run breaks rule " << name);
  for (const rule_case* c : cases) {
    for (protocol_version v : c->versions) {
      BOOST_TEST_CONTEXT(name << ": " << c->broken << " (" << version_name(v) << ")") {
        run_builder broken;
        c->build(broken, v, true);
        std::vector<violation> found = broken.check();
        BOOST_TEST(!found.empty(), "the rule did not fire");
        const std::string cites = expected_statement(*r, *c, v);
        for (const violation& x : found) {
          BOOST_TEST(x.rule == name, "another rule fired: " << x.rule << ": " << x.message);
          BOOST_TEST(x.statement == cites);
          BOOST_TEST(!x.message.empty());
          if (r->cites != citation::liveness) BOOST_TEST(!x.evidence.empty());
        }
        // A case's own statements are some of the rule's.
        if (r->cites == citation::table) {
          std::set<std::string_view> all;
          for (mqtt::spec::statement_id id :
               (v == v311 && !r->statement_v311.empty() ? r->statement_v311 : r->statement_v5).ids()) {
            all.insert(id.text());
          }
          for (std::string_view id : ids_in(cites)) {
            BOOST_TEST(all.count(id) == 1u, id << " is not among the rule's statements");
          }
        }
        run_builder clean;
        c->build(clean, v, false);
        std::vector<violation> none = clean.check();
        BOOST_TEST(none.empty(), "the clean run broke a rule: " << first_of(none));
      }
    }
  }
}

// Violations come in the order of the table, whatever the order of the records.
BOOST_AUTO_TEST_CASE(violations_follow_the_table_order) {
  run_builder b;
  auto [pub, sub] = publisher_and_subscriber(b, v5, false, 0);
  b.publish(100, pub, 0, t_a, 0);
  b.deliver(110, sub, pub, 0, t_a, 0);
  b.deliver(120, sub, pub, 0, t_a, 0);
  b.lose(200, sub, 2);
  b.client_reports(300, pub, "MQTT-3.3.2-2: PUBLISH topic with a wildcard");
  b.heal(heal_at);
  b.facts().event_budget_exhausted = true;
  std::vector<std::string> got;
  for (const violation& v : b.check()) got.push_back(v.rule);
  const std::vector<std::string> want{"event-budget", "client-detected", "qos0-duplicate",
                                      "not-reconnected"};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(evidence_shows_the_records_concerned) {
  run_builder b;
  owed_message(b, v5, true, 1);
  std::vector<violation> found = b.check();
  BOOST_TEST_REQUIRE(found.size() == 1u);
  BOOST_TEST(found[0].message ==
             "sub (persistent session, subscribed to t/#) never got m0.0 (QoS 1 on t/a), "
             "acknowledged to its publisher");
  const std::vector<std::string> want{"t=100ms publish pub m0.0 topic=t/a qos=1",
                                      "t=101ms publish-acked pub m0.0 reason=0"};
  BOOST_TEST(found[0].evidence == want, boost::test_tools::per_element());
}

// Rules stay silent where the history cannot tell what a correct broker does: a QoS 2 flow
// that spans a broker crash may be delivered again (the re-sent message is a new publication).
BOOST_AUTO_TEST_CASE(a_broker_crash_in_a_qos2_flow_excuses_a_second_delivery) {
  for (bool crashed : {false, true}) {
    BOOST_TEST_CONTEXT("broker crash in the flow: " << crashed) {
      run_builder b;
      auto [pub, sub] = publisher_and_subscriber(b, v5, false, 2);
      b.publish_only(100, pub, 0, t_a, 2);
      b.deliver(110, sub, pub, 0, t_a, 2);
      if (crashed) {
        b.broker_crash(150, 300, {{pub, 1}, {sub, 2}});
        b.connect(400, pub, 3, true, false);
        b.connect(400, sub, 4, true, false);
        b.subscribe(420, sub, 1, f_t_all, 2);
      }
      b.acknowledge(450, pub, 0);
      b.deliver(460, sub, pub, 0, t_a, 2);
      b.heal(heal_at);
      std::vector<violation> found = b.check();
      if (crashed) {
        BOOST_TEST(found.empty(), "a rule fired: " << first_of(found));
      } else {
        BOOST_TEST_REQUIRE(found.size() == 1u);
        BOOST_TEST(found[0].rule == "qos2-duplicate");
      }
    }
  }
}

// A broker that keeps its state across a crash: the crash ends no session (Session Present 1
// is owed; a 5.0 session's expiry across the crash is left undecided: the broker cannot know
// when its crash closed the connection), and a QoS 2 flow across it is still owed exactly once.
BOOST_AUTO_TEST_CASE(a_broker_that_keeps_its_state_owes_sessions_across_a_crash) {
  for (bool keeps : {false, true}) {
    for (bool session_present : {false, true}) {
      BOOST_TEST_CONTEXT("keeps state: " << keeps << ", session present " << session_present) {
        run_builder b;
        b.facts().broker_keeps_state = keeps;
        node_id c = b.add(client("c", v311, true));  // a 3.1.1 session never expires
        b.connect_first(0, c, 1);
        b.broker_crash(500, 600, {{c, 1}});
        b.connect(800, c, 2, false, session_present);
        b.heal(heal_at);
        std::vector<violation> found = b.check();
        const bool fires = keeps != session_present;  // a lost session wants 0, a kept one 1
        BOOST_TEST(found.size() == (fires ? 1u : 0u), first_of(found));
        if (!found.empty()) BOOST_TEST(found[0].rule == "session-present");
      }
    }
  }
  for (bool keeps : {false, true}) {
    BOOST_TEST_CONTEXT("QoS 2 across a crash, keeps state: " << keeps) {
      run_builder b;
      b.facts().broker_keeps_state = keeps;
      auto [pub, sub] = publisher_and_subscriber(b, v5, true, 2);
      b.publish_only(100, pub, 0, t_a, 2);
      b.deliver(110, sub, pub, 0, t_a, 2);
      b.broker_crash(150, 300, {{pub, 1}, {sub, 2}});
      b.connect(400, pub, 3, false, keeps);
      b.connect(400, sub, 4, false, keeps);
      b.acknowledge(450, pub, 0);
      b.deliver(460, sub, pub, 0, t_a, 2);
      b.heal(heal_at);
      std::vector<violation> found = b.check();
      if (keeps) {
        BOOST_TEST_REQUIRE(found.size() == 1u, first_of(found));
        BOOST_TEST(found[0].rule == "qos2-duplicate");
      } else {
        BOOST_TEST(found.empty(), "a rule fired: " << first_of(found));
      }
    }
  }
}

// Producers that know each connection's will and session (scripted clients) say so per
// connection; those facts win over the client's.
BOOST_AUTO_TEST_CASE(a_connection_s_own_will_is_judged_instead_of_its_client_s) {
  using harness::check::connection_facts;
  for (bool own_will : {false, true}) {
    BOOST_TEST_CONTEXT("the lost connection carried a will: " << own_will) {
      run_builder b;
      // The client's facts name a will; only the connection's own facts decide.
      auto [pub, watcher] = publisher_with_will(b, v5, false);
      connection_facts c;
      if (own_will) c.will = will_facts{will_pub, 1, 0};
      b.facts().connections[1] = c;
      b.lose(500, pub, 1);
      b.connect(800, pub, 3, true, false);
      b.heal(heal_at);
      std::vector<violation> found = b.check();
      if (own_will) {
        BOOST_TEST_REQUIRE(found.size() == 1u);
        BOOST_TEST(found[0].rule == "will-missing");
      } else {
        BOOST_TEST(found.empty(), "a rule fired: " << first_of(found));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_connection_s_own_session_state_decides_session_present) {
  using state = harness::check::connection_facts::session_state;
  struct row {
    state s;
    bool session_present;
    bool fires;
  };
  // The client's facts would keep the session (persistent, 5.0, an hour).
  for (row r : {row{state::held, false, true}, row{state::held, true, false},
                row{state::not_held, true, true}, row{state::not_held, false, false},
                row{state::undecided, true, false}, row{state::undecided, false, false},
                row{state::from_client_facts, false, true}}) {
    BOOST_TEST_CONTEXT("state " << static_cast<int>(r.s) << ", session present "
                                << r.session_present) {
      run_builder b;
      node_id c = b.add(client("c", v5, true));
      b.connect_first(0, c, 1);
      b.lose(500, c, 1);
      b.connect(800, c, 2, false, r.session_present);
      b.facts().connections[2].session_at_connect = r.s;
      b.heal(heal_at);
      std::vector<violation> found = b.check();
      BOOST_TEST(found.size() == (r.fires ? 1u : 0u), first_of(found));
      if (!found.empty()) BOOST_TEST(found[0].rule == "session-present");
    }
  }
}

// A topic listed in will_topics carries wills though no prefix marks it.
BOOST_AUTO_TEST_CASE(listed_will_topics_carry_wills) {
  run_builder b;
  b.facts().will_topic_prefix.clear();
  b.facts().will_topics = {will_pub};
  auto [pub, watcher] = publisher_with_will(b, v5, false);
  b.disconnect(500, pub, 1);
  b.deliver_will(510, watcher, 1, will_pub);
  b.connect(800, pub, 3, true, false);
  b.heal(heal_at);
  std::vector<violation> found = b.check();
  BOOST_TEST_REQUIRE(found.size() == 1u);
  BOOST_TEST(found[0].rule == "will-after-disconnect");
}

// An UNSUBSCRIBE removes the filter it names only: a message that still matches another
// subscribed filter may come.
BOOST_AUTO_TEST_CASE(unsubscribing_one_filter_leaves_the_others) {
  for (bool both_gone : {false, true}) {
    BOOST_TEST_CONTEXT("both filters unsubscribed: " << both_gone) {
      run_builder b;
      auto [pub, sub] = publisher_and_subscriber(b, v5, false, 0);
      b.facts().filters.push_back("t/+");
      const auto plus = static_cast<std::uint16_t>(b.facts().filters.size() - 1);
      b.subscribe(30, sub, 1, plus, 0);
      b.unsubscribe(200, sub, 2, plus);
      if (both_gone) b.unsubscribe(250, sub, 3, f_t_all);
      b.publish(300, pub, 0, t_a, 0);
      b.deliver(310, sub, pub, 0, t_a, 0);
      b.heal(heal_at);
      std::vector<violation> found = b.check();
      if (both_gone) {
        BOOST_TEST_REQUIRE(found.size() == 1u);
        BOOST_TEST(found[0].rule == "delivered-after-unsubscribe");
      } else {
        BOOST_TEST(found.empty(), "a rule fired: " << first_of(found));
      }
    }
  }
}

// 5.0 §4.8.2: a shared subscription is sent no retained messages.
BOOST_AUTO_TEST_CASE(a_shared_subscription_is_owed_no_retained_message) {
  for (bool shared : {false, true}) {
    BOOST_TEST_CONTEXT("shared: " << shared) {
      run_builder b;
      client_facts s = client("sub", v5, true);
      s.subscriptions = {{f_r_all, 1, false, shared ? "g" : ""}};
      node_id pub = b.add(client("pub", v311, false));
      node_id sub = b.add(std::move(s));
      b.connect_first(0, pub, 1);
      b.connect_first(0, sub, 2);
      b.publish(100, pub, 0, r_x, 1, true);
      b.subscribe(200, sub, 0, f_r_all, 1);
      b.deliver(205, sub, pub, 0, r_x, 1, false);
      b.heal(heal_at);
      std::vector<violation> found = b.check();
      if (shared) {
        BOOST_TEST(found.empty(), "a rule fired: " << first_of(found));
      } else {
        BOOST_TEST_REQUIRE(found.size() == 1u);
        BOOST_TEST(found[0].rule == "retained-missing");
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
