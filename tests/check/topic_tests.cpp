// Topic filter matching (section 4.7), as the checkers and the simulator use it.
#include <boost/test/unit_test.hpp>

#include "check/topic.hpp"

using harness::check::topic_matches;

BOOST_AUTO_TEST_SUITE(topics)

BOOST_AUTO_TEST_CASE(topic_matching_follows_section_4_7) {
  BOOST_TEST(topic_matches("t/#", "t/a"));
  BOOST_TEST(topic_matches("t/#", "t"));  // MQTT-4.7.1-2: the parent level
  BOOST_TEST(topic_matches("t/+", "t/a"));
  BOOST_TEST(!topic_matches("t/+", "t/a/b"));
  BOOST_TEST(!topic_matches("t/+", "u/a"));
  BOOST_TEST(topic_matches("+/+", "t/a"));
  BOOST_TEST(topic_matches("t/a", "t/a"));
  BOOST_TEST(!topic_matches("t/a", "t/a/b"));
  BOOST_TEST(topic_matches("#", "a/b/c"));
  BOOST_TEST(!topic_matches("#", "$SYS/x"));  // MQTT-4.7.2-1
  BOOST_TEST(!topic_matches("+/x", "$SYS/x"));
  BOOST_TEST(topic_matches("$SYS/#", "$SYS/x"));
  BOOST_TEST(topic_matches("will/#", "will/c2"));
  BOOST_TEST(!topic_matches("r/#", "t/b"));
}

BOOST_AUTO_TEST_SUITE_END()
