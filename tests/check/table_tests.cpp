// The rule table: one row per rule in rule_id order, each with a check and a summary, and
// every statement it cites a real one (in the standards' statement lists of
// mqtt/spec/statements.hpp) or a section reference.
#include <boost/test/unit_test.hpp>
#include <regex>
#include <set>
#include <string>

#include "mqtt/spec/statements.hpp"

#include "check/checkers.hpp"

using harness::check::citation;
using harness::check::describe_statements;
using harness::check::find_rule;
using harness::check::info;
using harness::check::rule_id;
using harness::check::rule_info;
using harness::check::rules;

namespace {

std::vector<std::string> ids_in(std::string_view statements) {
  std::vector<std::string> ids;
  while (!statements.empty()) {
    std::size_t comma = statements.find(", ");
    ids.emplace_back(statements.substr(0, comma));
    statements = comma == std::string_view::npos ? std::string_view() : statements.substr(comma + 2);
  }
  return ids;
}

const std::regex statement_id(R"(MQTT-\d+\.\d+\.\d+-\d+)");
const std::regex section(R"(§\d+(\.\d+)*)");

// The standards' statement IDs, as the project lists them (mqtt/spec/statements.hpp).
std::set<std::string> statements_of(mqtt::codec::protocol_version v) {
  std::set<std::string> ids;
  for (mqtt::spec::statement_id id : mqtt::spec::statements(v)) ids.emplace(id.text());
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rule_table)

BOOST_AUTO_TEST_CASE(one_row_per_rule_in_id_order) {
  BOOST_TEST(rules().size() == static_cast<std::size_t>(rule_id::count_));
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < rules().size(); ++i) {
    const rule_info& r = rules()[i];
    BOOST_TEST_CONTEXT("rule " << i << " " << r.name) {
      BOOST_TEST(static_cast<std::size_t>(r.id) == i);
      BOOST_TEST(&info(r.id) == &r);
      BOOST_TEST(find_rule(r.name) == &r);
      BOOST_TEST(names.insert(r.name).second);
      BOOST_TEST(!r.summary.empty());
      BOOST_TEST(r.check != nullptr);
      if (r.cites == citation::table) {
        BOOST_TEST(!r.statement_v5.empty());  // every rule of 3.1.1 is one of 5.0 too
      } else {
        BOOST_TEST((r.statement_v311.empty() && r.statement_v5.empty()));
      }
    }
  }
  BOOST_TEST(find_rule("no-such-rule") == nullptr);
}

BOOST_AUTO_TEST_CASE(statements_are_ids_or_sections) {
  for (const rule_info& r : rules()) {
    for (const std::string& column : {r.statement_v311.text(), r.statement_v5.text()}) {
      for (const std::string& id : ids_in(column)) {
        BOOST_TEST((std::regex_match(id, statement_id) || std::regex_match(id, section)),
                   r.name << ": '" << id << "' is neither a statement ID nor a section");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(every_statement_id_is_in_the_standard) {
  const std::set<std::string> v311 = statements_of(mqtt::codec::protocol_version::v3_1_1);
  const std::set<std::string> v5 = statements_of(mqtt::codec::protocol_version::v5);
  // The standards number 141 and 251 statements: a short list is a wrong one.
  BOOST_TEST_REQUIRE(v311.size() == 141u);
  BOOST_TEST_REQUIRE(v5.size() == 251u);
  for (const rule_info& r : rules()) {
    for (const std::string& id : ids_in(r.statement_v311.text())) {
      if (id.starts_with("MQTT-")) BOOST_TEST(v311.count(id) == 1u, r.name << ": " << id << " is not in 3.1.1");
    }
    for (const std::string& id : ids_in(r.statement_v5.text())) {
      if (id.starts_with("MQTT-")) BOOST_TEST(v5.count(id) == 1u, r.name << ": " << id << " is not in 5.0");
    }
  }
}

BOOST_AUTO_TEST_CASE(listings_show_the_statements_per_version) {
  BOOST_TEST(describe_statements(info(rule_id::invented)) == "MQTT-4.5.0-1");
  BOOST_TEST(describe_statements(info(rule_id::order)) == "MQTT-4.6.0-6 (3.1.1) / MQTT-4.6.0-5 (5.0)");
  BOOST_TEST(describe_statements(info(rule_id::shared_lost)) == "MQTT-4.8.2-4 (5.0 only)");
  BOOST_TEST(describe_statements(info(rule_id::not_reconnected)) == "liveness");
  BOOST_TEST(describe_statements(info(rule_id::raw_not_closed)) ==
             "(the statement the raw peer's input breaks)");
}

BOOST_AUTO_TEST_SUITE_END()
