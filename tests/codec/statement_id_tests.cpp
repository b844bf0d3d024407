// spec::statement_id: literals of both standards' IDs and sections construct, compare, hash
// and print; parsed text goes through lookup(); statements() lists each standard in order.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <boost/test/unit_test.hpp>

#include "mqtt/spec/statements.hpp"

namespace {

using mqtt::codec::protocol_version;
using mqtt::spec::section;
using mqtt::spec::statement_id;

std::string printed(statement_id id) {
  std::ostringstream out;
  out << id;
  return out.str();
}

// The literal checks run at compile time; these state their verdicts where a test can see them.
static_assert(mqtt::spec::detail::spelled_like_statement_id("MQTT-3.1.2-10"));
static_assert(!mqtt::spec::detail::spelled_like_statement_id("MQTT-3.1.2"));
static_assert(!mqtt::spec::detail::spelled_like_statement_id("MQTT-3.1.2-"));
static_assert(!mqtt::spec::detail::spelled_like_statement_id("MQTT-3.1-2-1"));
static_assert(!mqtt::spec::detail::spelled_like_statement_id("MQTT-3.1.2-1-1"));
static_assert(!mqtt::spec::detail::spelled_like_statement_id("mqtt-3.1.2-1"));
static_assert(mqtt::spec::detail::spelled_like_section("§3.14.2.2.2"));
static_assert(mqtt::spec::detail::spelled_like_section("§2"));
static_assert(!mqtt::spec::detail::spelled_like_section("§"));
static_assert(!mqtt::spec::detail::spelled_like_section("§2."));
static_assert(!mqtt::spec::detail::spelled_like_section("2.2.1"));
static_assert(statement_id("MQTT-3.8.3-1").text() == "MQTT-3.8.3-1");
static_assert(!statement_id::lookup("MQTT-9.9.9-9").has_value());

}  // namespace

BOOST_AUTO_TEST_SUITE(statement_ids)

BOOST_AUTO_TEST_CASE(literals_of_either_standard_construct) {
  constexpr statement_id both("MQTT-3.8.3-1");
  constexpr statement_id only_v311("MQTT-1.5.3-1");
  constexpr statement_id only_v5("MQTT-1.5.4-1");
  BOOST_TEST(both.text() == "MQTT-3.8.3-1");
  BOOST_TEST(!both.empty());
  BOOST_TEST(!both.is_section());
  BOOST_TEST(mqtt::spec::is_statement(protocol_version::v3_1_1, only_v311));
  BOOST_TEST(!mqtt::spec::is_statement(protocol_version::v5, only_v311));
  BOOST_TEST(mqtt::spec::is_statement(protocol_version::v5, only_v5));
  BOOST_TEST(!mqtt::spec::is_statement(protocol_version::v3_1_1, only_v5));
  BOOST_TEST(mqtt::spec::is_statement(protocol_version::v3_1, only_v311));  // 3.1 uses 3.1.1's
  BOOST_TEST(printed(only_v5) == "MQTT-1.5.4-1");
}

BOOST_AUTO_TEST_CASE(sections_are_their_own_kind) {
  constexpr statement_id s = section("§3.3.2.3.4");
  BOOST_TEST(s.text() == "§3.3.2.3.4");
  BOOST_TEST(s.is_section());
  BOOST_TEST(!s.empty());
  BOOST_TEST(printed(s) == "§3.3.2.3.4");
  BOOST_TEST(!mqtt::spec::is_statement(protocol_version::v5, s));
  BOOST_TEST(s == section("§3.3.2.3.4"));
  BOOST_TEST(s != section("§3.3.2.3"));
}

BOOST_AUTO_TEST_CASE(the_empty_statement) {
  constexpr statement_id none;
  BOOST_TEST(none.empty());
  BOOST_TEST(none.text().empty());
  BOOST_TEST(!none.is_section());
  BOOST_TEST(printed(none).empty());
  BOOST_TEST(none == statement_id());
  BOOST_TEST(none != statement_id("MQTT-3.8.3-1"));
  BOOST_TEST(none < statement_id("MQTT-1.5.3-1"));
  BOOST_TEST(!mqtt::spec::is_statement(protocol_version::v5, none));
  BOOST_TEST(!statement_id::lookup("").has_value());
}

BOOST_AUTO_TEST_CASE(equality_and_order_are_those_of_the_text) {
  const statement_id a("MQTT-3.1.2-9");
  const statement_id b("MQTT-3.1.2-10");
  BOOST_TEST(a == statement_id("MQTT-3.1.2-9"));
  BOOST_TEST(a != b);
  // As strings "MQTT-3.1.2-10" < "MQTT-3.1.2-9"; reports order by section with statement_less.
  BOOST_TEST(b < a);
  BOOST_TEST(((a <=> a) == std::strong_ordering::equal));
  BOOST_TEST(((b <=> a) == std::strong_ordering::less));
  BOOST_TEST(mqtt::spec::statement_less(a, b));
  BOOST_TEST(!mqtt::spec::statement_less(b, a));

  std::map<statement_id, int> counts;
  ++counts[a];
  ++counts[b];
  ++counts[statement_id("MQTT-3.1.2-9")];
  BOOST_TEST(counts.size() == 2u);
  BOOST_TEST(counts.at(a) == 2);
  BOOST_TEST(counts.begin()->first == b);
}

BOOST_AUTO_TEST_CASE(hashes_as_its_text) {
  const statement_id a("MQTT-4.3.3-1");
  BOOST_TEST(std::hash<statement_id>{}(a) == std::hash<std::string_view>{}("MQTT-4.3.3-1"));
  std::unordered_set<statement_id> seen{a, statement_id("MQTT-4.3.3-2"), section("§4.3.1")};
  BOOST_TEST(seen.size() == 3u);
  BOOST_TEST(seen.count(*statement_id::lookup("MQTT-4.3.3-1")) == 1u);
  BOOST_TEST(seen.count(statement_id("MQTT-4.3.3-3")) == 0u);
  std::unordered_map<statement_id, int> by_id{{a, 1}};
  BOOST_TEST(by_id.at(statement_id("MQTT-4.3.3-1")) == 1);
}

BOOST_AUTO_TEST_CASE(lookup_finds_known_ids_only) {
  std::optional<statement_id> known = statement_id::lookup(std::string("MQTT-3.14.4-3"));
  BOOST_TEST_REQUIRE(known.has_value());
  BOOST_TEST(*known == statement_id("MQTT-3.14.4-3"));
  BOOST_TEST(known->text() == "MQTT-3.14.4-3");
  for (std::string unknown : {"MQTT-9.9.9-9", "MQTT-3.14.4-99", "MQTT-3.8.3-1 ", "mqtt-3.8.3-1",
                              "MQTT-3.8.3", "§2.2.1", "x"}) {
    BOOST_TEST(!statement_id::lookup(unknown).has_value(), "'" << unknown << "' was found");
  }
  // The found ID outlives the text it was looked up with: it points into the table.
  std::optional<statement_id> kept;
  {
    std::string transient = "MQTT-4.12.0-7";
    kept = statement_id::lookup(transient);
    transient.assign(transient.size(), 'x');
  }
  BOOST_TEST_REQUIRE(kept.has_value());
  BOOST_TEST(kept->text() == "MQTT-4.12.0-7");
}

BOOST_AUTO_TEST_CASE(statements_lists_each_standard_in_section_order) {
  const std::size_t want[] = {141, 251};
  const protocol_version versions[] = {protocol_version::v3_1_1, protocol_version::v5};
  for (std::size_t i = 0; i < 2; ++i) {
    auto all = mqtt::spec::statements(versions[i]);
    BOOST_TEST_CONTEXT("version " << mqtt::codec::to_string(versions[i])) {
      BOOST_TEST(all.size() == want[i]);
      BOOST_TEST(std::is_sorted(all.begin(), all.end(),
                                [](statement_id a, statement_id b) { return mqtt::spec::statement_less(a, b); }));
      std::set<statement_id> unique(all.begin(), all.end());
      BOOST_TEST(unique.size() == all.size());
      for (statement_id id : all) {
        BOOST_TEST(!id.empty());
        BOOST_TEST((statement_id::lookup(id.text()) == id));
        BOOST_TEST(mqtt::spec::is_statement(versions[i], id.text()));
      }
    }
  }
  BOOST_TEST(mqtt::spec::statements(protocol_version::v3_1).size() == 141u);
}

BOOST_AUTO_TEST_SUITE_END()
