// mosquitto ACL files: parsing with line numbers, and matching topics and subscriptions
// with wildcards, users, patterns (%c, %u) and deny rules.
#include <boost/test/unit_test.hpp>

#include "mqtt/broker/access.hpp"
#include "mqtt/broker/broker.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"

using mqtt::broker::acl_authorizer;
using mqtt::broker::client_identity;

namespace {

acl_authorizer parse_ok(std::string_view text) {
  auto r = acl_authorizer::parse(text);
  if (auto* e = std::get_if<acl_authorizer::parse_error>(&r)) BOOST_FAIL("line " << e->line << ": " << e->message);
  return std::get<acl_authorizer>(std::move(r));
}

client_identity anon(std::string id = "anon-client") { return {std::move(id), std::nullopt}; }
client_identity user(std::string name, std::string id = "c1") { return {std::move(id), std::move(name)}; }

// The SUBACK codes a 5.0 client gets from a broker core using `acl` for one SUBSCRIBE.
std::vector<std::uint8_t> suback_codes_v5(acl_authorizer acl, std::vector<std::string> filters) {
  namespace codec = mqtt::codec;
  mqtt::broker::broker b({}, nullptr, std::make_shared<acl_authorizer>(std::move(acl)));
  const mqtt::broker::clock_ms now = 1'000;
  BOOST_TEST_REQUIRE(b.on_open(1, {"127.0.0.1:1", "sim"}, now));
  codec::connect c;
  c.version = codec::protocol_version::v5;
  c.client_id = "client_test5";
  c.clean_start = true;
  codec::subscribe s;
  s.packet_id = 1;
  for (const std::string& f : filters) s.subscriptions.push_back({f, {codec::qos::at_least_once, false, false, 0}});
  std::vector<std::uint8_t> bytes;
  BOOST_TEST_REQUIRE(codec::encode(codec::packet{c}, c.version, bytes).ok());
  BOOST_TEST_REQUIRE(codec::encode(codec::packet{s}, c.version, bytes).ok());
  b.on_bytes(1, bytes, now);
  std::vector<std::uint8_t> out;
  for (auto& a : b.take_actions()) {
    if (auto* sent = std::get_if<mqtt::broker::send_bytes>(&a)) out.insert(out.end(), sent->bytes.begin(), sent->bytes.end());
  }
  codec::decode_options o;
  o.version = codec::protocol_version::v5;
  o.receiver = codec::receiver_role::client;
  codec::stream_decoder d(o);
  std::vector<std::uint8_t> codes;
  auto failure = d.feed(out, [&](const codec::packet& p) {
    if (auto* ack = std::get_if<codec::suback>(&p)) codes = ack->reason_codes;
  });
  BOOST_TEST(!failure.has_value());
  return codes;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(acl)

BOOST_AUTO_TEST_CASE(parse_rules) {
  auto a = parse_ok(
      "# anonymous clients\n"
      "topic read public/#\n"
      "\n"
      "user alice\n"
      "topic alice/#\n"
      "topic write   logs/alice\n"
      "topic deny alice/secret\n"
      "user bob smith\n"
      "topic readwrite bob/+\n"
      "pattern read clients/%c/in\n"
      "pattern write clients/%u/out\n");
  const auto& r = a.rules();
  BOOST_TEST_REQUIRE(r.size() == 7u);
  BOOST_TEST(r[0].filter == "public/#");
  BOOST_TEST((r[0].read && !r[0].write && !r[0].deny && !r[0].pattern && !r[0].user));
  BOOST_TEST(r[1].filter == "alice/#");
  BOOST_TEST((r[1].read && r[1].write && *r[1].user == "alice"));
  BOOST_TEST((!r[2].read && r[2].write));
  BOOST_TEST(r[3].deny);
  BOOST_TEST(*r[4].user == "bob smith");
  BOOST_TEST((r[5].pattern && r[5].read && !r[5].write && r[5].filter == "clients/%c/in"));
  BOOST_TEST((r[6].pattern && r[6].write));
}

BOOST_AUTO_TEST_CASE(parse_errors_name_the_line) {
  struct bad {
    const char* text;
    std::size_t line;
  };
  const bad cases[] = {
      {"topic\n", 1},
      {"user\n", 1},
      {"# c\ngroup admins\n", 2},
      {"user a\ntopic reed a/b\n", 2},
      {"topic read\n", 0},  // a single word is the filter: valid
      {"topic read a/#/b\n", 1},
      {"topic a+\n", 1},
      {"pattern write x/#y\n", 1},
  };
  for (const bad& b : cases) {
    BOOST_TEST_CONTEXT(b.text) {
      auto r = acl_authorizer::parse(b.text);
      if (b.line == 0) {
        BOOST_TEST(std::holds_alternative<acl_authorizer>(r));
      } else {
        BOOST_TEST_REQUIRE(std::holds_alternative<acl_authorizer::parse_error>(r));
        BOOST_TEST(std::get<acl_authorizer::parse_error>(r).line == b.line);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(topic_rules_apply_to_anonymous_until_user) {
  auto a = parse_ok("topic read public/#\nuser alice\ntopic alice/#\n");
  BOOST_TEST(a.may_read_topic(anon(), "public/news"));
  BOOST_TEST(a.may_read_topic(anon(), "public"));  // # matches the parent level
  BOOST_TEST(!a.may_write(anon(), "public/news"));
  BOOST_TEST(!a.may_read_topic(anon(), "alice/x"));
  BOOST_TEST(a.may_write(user("alice"), "alice/x"));
  BOOST_TEST(a.may_read_topic(user("alice"), "alice/x/y"));
  BOOST_TEST(!a.may_read_topic(user("alice"), "public/news"));  // not an anonymous client
  BOOST_TEST(!a.may_write(user("bob"), "alice/x"));
}

BOOST_AUTO_TEST_CASE(wildcards_and_dollar_topics) {
  auto a = parse_ok("topic readwrite sensors/+/temp\ntopic read #\n");
  BOOST_TEST(a.may_write(anon(), "sensors/k1/temp"));
  BOOST_TEST(!a.may_write(anon(), "sensors/k1/k2/temp"));
  BOOST_TEST(!a.may_write(anon(), "sensors/temp"));
  BOOST_TEST(a.may_read_topic(anon(), "any/thing"));
  BOOST_TEST(!a.may_read_topic(anon(), "$SYS/broker/uptime"));  // MQTT-4.7.2-1
  auto sys = parse_ok("topic read $SYS/#\n");
  BOOST_TEST(sys.may_read_topic(anon(), "$SYS/broker/uptime"));
}

BOOST_AUTO_TEST_CASE(subscribe_needs_a_covering_filter) {
  auto a = parse_ok("topic read a/#\ntopic read b/+/c\ntopic write w/#\n");
  BOOST_TEST(a.may_subscribe(anon(), "a/#"));
  BOOST_TEST(a.may_subscribe(anon(), "a"));
  BOOST_TEST(a.may_subscribe(anon(), "a/+/x"));
  BOOST_TEST(a.may_subscribe(anon(), "a/b/#"));
  BOOST_TEST(!a.may_subscribe(anon(), "#"));
  BOOST_TEST(!a.may_subscribe(anon(), "+/x"));
  BOOST_TEST(a.may_subscribe(anon(), "b/+/c"));
  BOOST_TEST(a.may_subscribe(anon(), "b/x/c"));
  BOOST_TEST(!a.may_subscribe(anon(), "b/#"));
  BOOST_TEST(!a.may_subscribe(anon(), "b/+/c/d"));
  BOOST_TEST(!a.may_subscribe(anon(), "w/x"));  // write-only
  auto all = parse_ok("topic read #\n");
  BOOST_TEST(all.may_subscribe(anon(), "#"));
  BOOST_TEST(!all.may_subscribe(anon(), "$SYS/#"));
}

BOOST_AUTO_TEST_CASE(deny_wins) {
  auto a = parse_ok("topic readwrite #\ntopic deny secret/#\n");
  BOOST_TEST(a.may_write(anon(), "open/x"));
  BOOST_TEST(!a.may_write(anon(), "secret/x"));
  BOOST_TEST(!a.may_read_topic(anon(), "secret"));
  BOOST_TEST(!a.may_subscribe(anon(), "secret/#"));
  BOOST_TEST(!a.may_subscribe(anon(), "secret/a/+"));
  // A wider subscription is allowed; the denied topics are filtered per message.
  BOOST_TEST(a.may_subscribe(anon(), "#"));
  BOOST_TEST(!a.may_read_topic(anon(), "secret/y"));
  // Order does not matter.
  auto b = parse_ok("topic deny secret/#\ntopic readwrite #\n");
  BOOST_TEST(!b.may_write(anon(), "secret/x"));
}

// A 5.0 shared subscription is checked by its Topic Filter, the part after `$share/GROUP/`
// (MQTT-4.8.2-2), as mosquitto 2.0 does: the ACL file of the paho 5.0 interoperability suite
// grants `$share/sharename/client_test5/x` and refuses `$share/sharename/test/nosubscribe`.
BOOST_AUTO_TEST_CASE(shared_subscription_checked_by_its_topic_filter__MQTT_4_8_2_2) {
  auto a = parse_ok("topic readwrite #\ntopic deny test/nosubscribe\n");
  auto codes = suback_codes_v5(a, {"$share/sharename/client_test5/x", "$share/sharename/test/nosubscribe",
                                   "$share/sharename/#"});
  BOOST_TEST(codes == (std::vector<std::uint8_t>{0x01, 0x87, 0x01}));
  // A rule naming the `$share` prefix grants nothing: the filter after it is what is checked.
  auto prefix = parse_ok("topic readwrite $share/sharename/#\n");
  BOOST_TEST(suback_codes_v5(prefix, {"$share/sharename/client_test5/x"}) == std::vector<std::uint8_t>{0x87});
}

BOOST_AUTO_TEST_CASE(patterns_substitute_client_id_and_user_name) {
  auto a = parse_ok("pattern readwrite clients/%c/#\npattern read users/%u/+\n");
  BOOST_TEST(a.may_write(anon("dev7"), "clients/dev7/status"));
  BOOST_TEST(!a.may_write(anon("dev7"), "clients/dev8/status"));
  BOOST_TEST(a.may_read_topic(user("carol", "x"), "users/carol/inbox"));
  BOOST_TEST(!a.may_read_topic(user("carol", "x"), "users/dave/inbox"));
  BOOST_TEST(!a.may_read_topic(anon(), "users//inbox"));  // no user name: %u rules do not apply
  BOOST_TEST(a.may_subscribe(anon("dev7"), "clients/dev7/#"));
  // Wildcards in the substituted value must not widen a rule.
  BOOST_TEST(!a.may_write(anon("+"), "clients/+/x"));
  BOOST_TEST(!a.may_subscribe(anon("#"), "clients/#"));
  // Patterns apply inside user sections too.
  auto b = parse_ok("user alice\npattern write out/%u\n");
  BOOST_TEST(b.may_write(user("alice"), "out/alice"));
  BOOST_TEST(b.may_write(user("bob"), "out/bob"));
}

BOOST_AUTO_TEST_CASE(nothing_is_allowed_without_a_rule) {
  auto a = parse_ok("# empty\n");
  BOOST_TEST(!a.may_write(anon(), "x"));
  BOOST_TEST(!a.may_read_topic(anon(), "x"));
  BOOST_TEST(!a.may_subscribe(anon(), "x"));
}

BOOST_AUTO_TEST_SUITE_END()
