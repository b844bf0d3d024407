// Enhanced authentication in the broker core (section 4.12, AUTH 3.15) with a scripted method,
// every branch of the exchange before CONNACK and of re-authentication; and Request Response
// Information (3.1.2.11.7).
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "broker_fixture.hpp"

using namespace mqtt::test;
namespace codec = mqtt::codec;
namespace broker = mqtt::broker;

namespace {
constexpr auto v5 = codec::protocol_version::v5;
constexpr std::string_view challenge_method = "TEST-CHALLENGE";
constexpr std::string_view oneshot_method = "TEST-ONESHOT";

// Two rounds: "hello" -> continue with "challenge"; "answer" -> success as alice with "welcome"
// ("answer-bob": success as bob). Anything else fails with 0x86.
class challenge_exchange final : public broker::auth_exchange {
 public:
  broker::auth_step step(const std::optional<std::string_view>& data) override {
    broker::auth_step s;
    s.reason_code = 0x86;
    if (round_++ == 0) {
      if (data == std::optional<std::string_view>("hello")) {
        s.result = broker::auth_step::outcome::continue_auth;
        s.data = "challenge";
      } else {
        s.text = "bad greeting";
      }
      return s;
    }
    if (data == std::optional<std::string_view>("answer") || data == std::optional<std::string_view>("answer-bob")) {
      s.result = broker::auth_step::outcome::success;
      s.data = "welcome";
      s.user_name = *data == "answer" ? "alice" : "bob";
    } else {
      s.text = "wrong answer";
    }
    return s;
  }

 private:
  int round_ = 0;
};
class challenge_authenticator final : public broker::enhanced_authenticator {
 public:
  std::unique_ptr<broker::auth_exchange> start(std::string_view client_id) override {
    started.emplace_back(client_id);
    return std::make_unique<challenge_exchange>();
  }
  std::vector<std::string> started;
};

// One round: "ok" -> success with "granted"; anything else fails with 0x8A (Banned).
class oneshot_exchange final : public broker::auth_exchange {
 public:
  broker::auth_step step(const std::optional<std::string_view>& data) override {
    broker::auth_step s;
    if (data == std::optional<std::string_view>("ok")) {
      s.result = broker::auth_step::outcome::success;
      s.data = "granted";
    } else {
      s.reason_code = 0x8A;
      s.text = "banned";
    }
    return s;
  }
};
class oneshot_authenticator final : public broker::enhanced_authenticator {
 public:
  std::unique_ptr<broker::auth_exchange> start(std::string_view) override {
    return std::make_unique<oneshot_exchange>();
  }
};

broker::options auth_options() {
  broker::options o;
  o.enhanced_auth.emplace(std::string(challenge_method), std::make_shared<challenge_authenticator>());
  o.enhanced_auth.emplace(std::string(oneshot_method), std::make_shared<oneshot_authenticator>());
  return o;
}

codec::connect connect_with(std::string_view id, std::string_view method, std::optional<std::string_view> data) {
  auto c = broker_fixture::connect_packet(id, true, v5);
  c.props.authentication_method = method;
  c.props.authentication_data = data;
  return c;
}

codec::auth auth_packet(std::uint8_t code, std::string_view method, std::optional<std::string_view> data) {
  codec::auth a;
  a.reason_code = code;
  a.props.authentication_method = method;
  a.props.authentication_data = data;
  return a;
}

// CONNECT with the challenge method, up to the server's AUTH 0x18.
broker::connection_id start_challenge(broker_fixture& f, std::string_view id = "c") {
  auto c = f.connect(connect_with(id, challenge_method, "hello"));
  auto in = f.received(c);
  BOOST_TEST_REQUIRE(in.size() == 1u);
  BOOST_TEST_REQUIRE(std::holds_alternative<codec::auth>(in[0]));
  return c;
}

// The whole exchange, up to CONNACK 0x00.
broker::connection_id authenticated(broker_fixture& f, std::string_view id = "c") {
  auto c = start_challenge(f, id);
  f.send(c, auth_packet(0x18, challenge_method, "answer"));
  auto acks = f.received_of<codec::connack>(c);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST_REQUIRE(acks[0].reason_code == 0x00);
  return c;
}

std::uint8_t only_connack_code(broker_fixture& f, broker::connection_id c) {
  auto in = f.received(c);
  BOOST_TEST_REQUIRE(in.size() == 1u);
  BOOST_TEST_REQUIRE(std::holds_alternative<codec::connack>(in[0]));
  return std::get<codec::connack>(in[0]).reason_code;
}

bool enforced(const broker_fixture& f, mqtt::spec::statement_id id) { return f.b.probe().counts().contains(id); }

std::uint8_t only_disconnect_code(broker_fixture& f, broker::connection_id c) {
  auto in = f.received(c);
  BOOST_TEST_REQUIRE(in.size() == 1u);
  BOOST_TEST_REQUIRE(std::holds_alternative<codec::disconnect>(in[0]));
  return std::get<codec::disconnect>(in[0]).reason_code;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(broker_enhanced_auth)

BOOST_AUTO_TEST_CASE(unsupported_method_gets_connack_0x8c_and_close__MQTT_4_12_0_1) {
  broker_fixture f(auth_options());
  auto c = f.connect(connect_with("c", "SCRAM-SHA-512", "n,,n=u,r=x"));
  BOOST_TEST(only_connack_code(f, c) == 0x8C);
  BOOST_TEST(f.closed(c));
  BOOST_TEST(!f.b.has_session("c"));
  BOOST_TEST(f.logged_statement("MQTT-4.12.0-1"));
}

BOOST_AUTO_TEST_CASE(exchange_auth_0x18_then_connack_with_method_and_data__MQTT_4_12_0_2__MQTT_4_12_0_5) {
  broker_fixture f(auth_options());
  auto c = f.connect(connect_with("c", challenge_method, "hello"));
  auto in = f.received(c);
  BOOST_TEST_REQUIRE(in.size() == 1u);
  const auto& a = std::get<codec::auth>(in.at(0));
  BOOST_TEST(a.reason_code == 0x18);
  BOOST_TEST(a.props.authentication_method.value_or("") == challenge_method);
  BOOST_TEST(a.props.authentication_data.value_or("") == "challenge");
  BOOST_TEST(a.props.user_properties.empty());
  BOOST_TEST(!f.b.has_session("c"));  // nothing happens to sessions before the exchange ends
  f.send(c, auth_packet(0x18, challenge_method, "answer"));
  in = f.received(c);
  BOOST_TEST_REQUIRE(in.size() == 1u);
  const auto& ack = std::get<codec::connack>(in.at(0));
  BOOST_TEST(ack.reason_code == 0x00);
  BOOST_TEST(ack.props.authentication_method.value_or("") == challenge_method);
  BOOST_TEST(ack.props.authentication_data.value_or("") == "welcome");
  BOOST_TEST(f.b.has_session("c"));
  f.send(c, codec::pingreq{});
  BOOST_TEST(f.received_of<codec::pingresp>(c).size() == 1u);
  BOOST_TEST(enforced(f, "MQTT-4.12.0-2"));
}

BOOST_AUTO_TEST_CASE(the_connect_is_acted_on_after_the_exchange) {
  broker_fixture f(auth_options());
  auto p = connect_with("resumer", challenge_method, "hello");
  p.clean_start = false;
  p.props.session_expiry_interval_s = 300;
  codec::will_message w;
  w.topic = "will/t";
  w.payload = "gone";
  p.will = w;
  auto c = f.connect(p);
  f.received(c);
  f.send(c, auth_packet(0x18, challenge_method, "answer"));
  BOOST_TEST(f.received_of<codec::connack>(c).at(0).reason_code == 0x00);
  auto sub = f.connect(broker_fixture::connect_packet("sub", true, v5));
  codec::subscribe s;
  s.packet_id = 1;
  s.subscriptions.push_back({"will/t", {codec::qos::at_most_once, false, false, 0}});
  f.send(sub, s);
  f.received(sub);
  f.network_close(c);
  auto wills = f.received_of<codec::publish>(sub);
  BOOST_TEST_REQUIRE(wills.size() == 1u);  // the CONNECT's will, kept through the exchange
  BOOST_TEST(wills[0].payload == "gone");
  BOOST_TEST(f.b.has_session("resumer"));  // its Session Expiry Interval too
}

BOOST_AUTO_TEST_CASE(one_step_method_connack_without_auth) {
  broker_fixture f(auth_options());
  auto c = f.connect(connect_with("c", oneshot_method, "ok"));
  auto in = f.received(c);
  BOOST_TEST_REQUIRE(in.size() == 1u);
  const auto& ack = std::get<codec::connack>(in.at(0));
  BOOST_TEST(ack.reason_code == 0x00);
  BOOST_TEST(ack.props.authentication_method.value_or("") == oneshot_method);
  BOOST_TEST(ack.props.authentication_data.value_or("") == "granted");
}

BOOST_AUTO_TEST_CASE(rejection_at_any_step_connack_0x80_or_above_and_close__MQTT_4_12_0_4) {
  broker_fixture f(auth_options());
  auto first = f.connect(connect_with("a", challenge_method, "hi"));
  BOOST_TEST(only_connack_code(f, first) == 0x86);
  BOOST_TEST(f.closed(first));
  auto second = start_challenge(f, "b");
  f.send(second, auth_packet(0x18, challenge_method, "guess"));
  BOOST_TEST(only_connack_code(f, second) == 0x86);
  BOOST_TEST(f.closed(second));
  BOOST_TEST(!f.b.has_session("b"));
  auto banned = f.connect(connect_with("c", oneshot_method, std::nullopt));
  BOOST_TEST(only_connack_code(f, banned) == 0x8A);
  BOOST_TEST(f.logged_statement("MQTT-4.12.0-4"));
}

// Until CONNACK only AUTH and DISCONNECT (MQTT-3.1.2-30): anything else is a Protocol Error,
// answered with CONNACK 0x82 and the close.
BOOST_DATA_TEST_CASE(other_packets_before_connack_get_connack_0x82__MQTT_3_1_2_30,
                     boost::unit_test::data::make({0, 1, 2, 3}), kind) {
  broker_fixture f(auth_options());
  auto c = start_challenge(f);
  switch (kind) {
    case 0: f.send(c, make_publish("t", "early")); break;
    case 1: f.send(c, make_subscribe(1, "t")); break;
    case 2: f.send(c, codec::pingreq{}); break;
    case 3: f.send(c, connect_with("c", challenge_method, "hello")); break;
  }
  BOOST_TEST(only_connack_code(f, c) == 0x82);
  BOOST_TEST(f.closed(c));
  BOOST_TEST(!f.b.has_session("c"));
  BOOST_TEST(f.logged_statement("MQTT-3.1.2-30"));
}

BOOST_AUTO_TEST_CASE(disconnect_before_connack_just_closes) {
  broker_fixture f(auth_options());
  auto c = start_challenge(f);
  f.send(c, codec::disconnect{});
  BOOST_TEST(f.received(c).empty());
  BOOST_TEST(f.closed(c));
  BOOST_TEST(!f.b.has_session("c"));
}

BOOST_AUTO_TEST_CASE(auth_before_connack_needs_0x18_and_the_same_method__MQTT_4_12_0_3__MQTT_4_12_0_5) {
  broker_fixture f(auth_options());
  auto other = start_challenge(f, "a");
  f.send(other, auth_packet(0x18, oneshot_method, "answer"));
  BOOST_TEST(only_connack_code(f, other) == 0x82);
  auto none = start_challenge(f, "b");
  f.send(none, auth_packet(0x18, "", "answer"));
  BOOST_TEST(only_connack_code(f, none) == 0x82);
  auto reauth = start_challenge(f, "c");
  f.send(reauth, auth_packet(0x19, challenge_method, "answer"));
  BOOST_TEST(only_connack_code(f, reauth) == 0x82);
  BOOST_TEST(f.logged_statement("MQTT-4.12.0-3"));
  auto success = start_challenge(f, "d");
  f.send(success, auth_packet(0x00, challenge_method, "answer"));
  BOOST_TEST(only_connack_code(f, success) == 0x82);
  BOOST_TEST(f.closed(success));
}

// A reason code outside the Authenticate set is malformed (MQTT-3.15.2-1): CONNACK 0x81 before
// CONNACK, DISCONNECT 0x81 after.
BOOST_AUTO_TEST_CASE(auth_reason_code_outside_the_set_is_malformed__MQTT_3_15_2_1) {
  broker_fixture f(auth_options());
  const std::vector<std::uint8_t> bad{0xF0, 0x02, 0x01, 0x00};
  auto before = start_challenge(f, "a");
  f.send_raw(before, bad);
  BOOST_TEST(only_connack_code(f, before) == 0x81);
  BOOST_TEST(f.closed(before));
  auto after = authenticated(f, "b");
  f.send_raw(after, bad);
  BOOST_TEST(only_disconnect_code(f, after) == 0x81);
  BOOST_TEST(f.closed(after));
  BOOST_TEST(f.logged_statement("MQTT-3.15.2-1"));
}

// A client without a method never sees AUTH or an Authentication Method (MQTT-4.12.0-6), and
// its AUTH is a Protocol Error (MQTT-4.12.0-7).
BOOST_AUTO_TEST_CASE(client_without_method_gets_no_auth__MQTT_4_12_0_6__MQTT_4_12_0_7) {
  broker_fixture f(auth_options());
  auto c = f.connect(broker_fixture::connect_packet("plain", true, v5));
  auto in = f.received(c);
  BOOST_TEST_REQUIRE(in.size() == 1u);
  const auto& ack = std::get<codec::connack>(in[0]);
  BOOST_TEST(!ack.props.authentication_method.has_value());
  BOOST_TEST(!ack.props.authentication_data.has_value());
  f.send(c, auth_packet(0x19, challenge_method, "hello"));
  BOOST_TEST(only_disconnect_code(f, c) == 0x82);
  BOOST_TEST(f.logged_statement("MQTT-4.12.0-7"));
}

BOOST_AUTO_TEST_CASE(reauthentication_same_exchange_ends_with_auth_0x00__MQTT_4_12_1_1) {
  auto opts = auth_options();
  auto* method = static_cast<challenge_authenticator*>(opts.enhanced_auth.at(std::string(challenge_method)).get());
  broker_fixture f(opts);
  auto c = authenticated(f);
  for (int round = 0; round < 2; ++round) {
    BOOST_TEST_CONTEXT("round=" << round) {
      f.send(c, auth_packet(0x19, challenge_method, "hello"));
      auto in = f.received(c);
      BOOST_TEST_REQUIRE(in.size() == 1u);
      BOOST_TEST(std::get<codec::auth>(in[0]).reason_code == 0x18);
      BOOST_TEST(std::get<codec::auth>(in[0]).props.authentication_data.value_or("") == "challenge");
      f.send(c, codec::pingreq{});  // the connection stays in use meanwhile
      BOOST_TEST(f.received_of<codec::pingresp>(c).size() == 1u);
      f.send(c, auth_packet(0x18, challenge_method, "answer"));
      in = f.received(c);
      BOOST_TEST_REQUIRE(in.size() == 1u);
      const auto& done = std::get<codec::auth>(in[0]);
      BOOST_TEST(done.reason_code == 0x00);
      BOOST_TEST(done.props.authentication_method.value_or("") == challenge_method);
      BOOST_TEST(done.props.authentication_data.value_or("") == "welcome");
      BOOST_TEST(!f.closed(c));
    }
  }
  BOOST_TEST(method->started == (std::vector<std::string>{"c", "c", "c"}));
  BOOST_TEST(enforced(f, "MQTT-4.12.1-1"));
}

BOOST_AUTO_TEST_CASE(reauthentication_with_another_method_is_a_protocol_error__MQTT_4_12_1_1) {
  broker_fixture f(auth_options());
  auto c = authenticated(f);
  f.send(c, auth_packet(0x19, oneshot_method, "ok"));
  BOOST_TEST(only_disconnect_code(f, c) == 0x82);
  BOOST_TEST(f.closed(c));
  BOOST_TEST(f.logged_statement("MQTT-4.12.1-1"));
}

// A failed re-authentication: DISCONNECT with a fitting reason and the close (MQTT-4.12.1-2);
// 0x86 is no Disconnect Reason Code, so a wrong secret is 0x87; a proof of another identity too.
BOOST_DATA_TEST_CASE(failed_reauthentication_disconnects__MQTT_4_12_1_2,
                     boost::unit_test::data::make({"hi", "wrong", "answer-bob"}), how) {
  broker_fixture f(auth_options());
  auto c = authenticated(f);
  std::string_view h = how;
  if (h == "hi") {
    f.send(c, auth_packet(0x19, challenge_method, "hi"));
  } else {
    f.send(c, auth_packet(0x19, challenge_method, "hello"));
    BOOST_TEST_REQUIRE(f.received_of<codec::auth>(c).size() == 1u);
    f.send(c, auth_packet(0x18, challenge_method, h));
  }
  BOOST_TEST(only_disconnect_code(f, c) == 0x87);
  BOOST_TEST(f.closed(c));
  BOOST_TEST(f.logged_statement("MQTT-4.12.1-2"));
}

BOOST_AUTO_TEST_CASE(auth_after_connack_out_of_turn_is_a_protocol_error) {
  broker_fixture f(auth_options());
  auto stray = authenticated(f, "a");
  f.send(stray, auth_packet(0x18, challenge_method, "answer"));  // no re-authentication under way
  BOOST_TEST(only_disconnect_code(f, stray) == 0x82);
  auto success = authenticated(f, "b");
  f.send(success, auth_packet(0x00, challenge_method, {}));  // 0x00 is the server's
  BOOST_TEST(only_disconnect_code(f, success) == 0x82);
  auto twice = authenticated(f, "c");
  f.send(twice, auth_packet(0x19, challenge_method, "hello"));
  f.received(twice);
  f.send(twice, auth_packet(0x19, challenge_method, "hello"));  // while one is under way
  BOOST_TEST(only_disconnect_code(f, twice) == 0x82);
}

// The AUTH's Reason String: only for a client that asks for problem information
// (MQTT-3.1.2-29), and left out where it would exceed the client's Maximum Packet Size
// (MQTT-3.15.2-2); no User Property is added (MQTT-3.15.2-3).
BOOST_AUTO_TEST_CASE(auth_reason_string_within_the_client_maximum_packet_size__MQTT_3_15_2_2__MQTT_3_15_2_3) {
  broker_fixture f(auth_options());
  auto p = connect_with("a", challenge_method, "hello");
  auto c = f.connect(p);
  auto full = f.received_of<codec::auth>(c).at(0);
  BOOST_TEST_REQUIRE(full.props.reason_string.has_value());
  const std::size_t full_size = codec::encoded_size(full, v5);
  auto bare = full;
  bare.props.reason_string.reset();
  const std::size_t bare_size = codec::encoded_size(bare, v5);

  p.client_id = "b";
  p.props.maximum_packet_size = static_cast<std::uint32_t>(full_size - 1);
  auto small = f.connect(p);
  auto a = f.received_of<codec::auth>(small);
  BOOST_TEST_REQUIRE(a.size() == 1u);
  BOOST_TEST(!a[0].props.reason_string.has_value());
  BOOST_TEST(a[0].props.user_properties.empty());
  BOOST_TEST(f.largest_packet(small) <= full_size - 1);
  BOOST_TEST(enforced(f, "MQTT-3.15.2-2"));

  p.client_id = "c";
  p.props.maximum_packet_size = static_cast<std::uint32_t>(bare_size - 1);
  auto tiny = f.connect(p);
  BOOST_TEST(f.received(tiny).empty());  // not even the bare AUTH fits: closed without it
  BOOST_TEST(f.closed(tiny));

  p.client_id = "d";
  p.props.maximum_packet_size.reset();
  p.props.request_problem_information = 0;
  auto quiet = f.connect(p);
  BOOST_TEST(!f.received_of<codec::auth>(quiet).at(0).props.reason_string.has_value());
}

// A method that keeps asking: each client AUTH continues the exchange until auth_rounds_max.
class endless_exchange final : public broker::auth_exchange {
 public:
  broker::auth_step step(const std::optional<std::string_view>&) override {
    broker::auth_step s;
    s.result = broker::auth_step::outcome::continue_auth;
    s.data = "more";
    return s;
  }
};
class endless_authenticator final : public broker::enhanced_authenticator {
 public:
  std::unique_ptr<broker::auth_exchange> start(std::string_view) override { return std::make_unique<endless_exchange>(); }
};

BOOST_AUTO_TEST_CASE(auth_rounds_of_one_exchange_are_bounded) {
  broker::options o;
  o.limits.auth_rounds_max = 3;
  o.enhanced_auth.emplace("ENDLESS", std::make_shared<endless_authenticator>());
  broker_fixture f(o);
  auto c = f.connect(connect_with("c", "ENDLESS", "x"));
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST_REQUIRE(f.received_of<codec::auth>(c).size() == 1u);
    f.send(c, auth_packet(0x18, "ENDLESS", "x"));
  }
  BOOST_TEST_REQUIRE(f.received_of<codec::auth>(c).size() == 1u);  // the third round's answer
  f.send(c, auth_packet(0x18, "ENDLESS", "x"));                    // a fourth: refused
  BOOST_TEST(only_connack_code(f, c) == 0x87);
  BOOST_TEST(f.closed(c));
}

BOOST_AUTO_TEST_CASE(connect_timeout_bounds_an_unfinished_exchange) {
  broker_fixture f(auth_options());
  auto c = start_challenge(f);
  f.advance(29'000);
  BOOST_TEST(!f.closed(c));
  f.advance(2'000);
  BOOST_TEST(f.closed(c));
  BOOST_TEST(!f.b.has_session("c"));
}

// The method authenticates instead of the password check, so it works with
// allow_anonymous false, and the ACL sees the identity it proved.
BOOST_AUTO_TEST_CASE(method_replaces_password_authentication_and_names_the_user) {
  auto opts = auth_options();
  opts.allow_anonymous = false;
  auto parsed = broker::acl_authorizer::parse("user alice\ntopic readwrite alice/#\n");
  auto acl = std::make_shared<broker::acl_authorizer>(std::get<broker::acl_authorizer>(parsed));
  broker_fixture f(opts, nullptr, acl);
  auto c = authenticated(f);
  codec::subscribe allowed = make_subscribe(1, "alice/x");
  f.send(c, allowed);
  auto acks = f.received_of<codec::suback>(c);
  BOOST_TEST_REQUIRE(acks.size() == 1u);
  BOOST_TEST(acks[0].reason_codes.at(0) == 0x00);
  f.send(c, make_subscribe(2, "bob/x"));
  BOOST_TEST(f.received_of<codec::suback>(c).at(0).reason_codes.at(0) == 0x87);
  auto plain = f.connect(broker_fixture::connect_packet("plain", true, v5));
  BOOST_TEST(only_connack_code(f, plain) == 0x87);  // still no anonymous access
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(broker_response_information)

// Response Information only on request (MQTT-3.1.2-28), and only where a prefix is configured.
BOOST_AUTO_TEST_CASE(response_information_only_when_requested__MQTT_3_1_2_28) {
  broker::options o;
  o.response_information_prefix = "reply/";
  broker_fixture f(o);
  auto p = broker_fixture::connect_packet("asker", true, v5);
  p.props.request_response_information = 1;
  auto asker = f.connect(p);
  BOOST_TEST(f.received_of<codec::connack>(asker).at(0).props.response_information.value_or("") == "reply/asker");
  p.client_id = "zero";
  p.props.request_response_information = 0;
  auto zero = f.connect(p);
  BOOST_TEST(!f.received_of<codec::connack>(zero).at(0).props.response_information.has_value());
  BOOST_TEST(enforced(f, "MQTT-3.1.2-28"));
  p.client_id = "absent";
  p.props.request_response_information.reset();
  auto absent = f.connect(p);
  BOOST_TEST(!f.received_of<codec::connack>(absent).at(0).props.response_information.has_value());

  broker_fixture none;  // no prefix configured: none offered even on request
  p.client_id = "asker";
  p.props.request_response_information = 1;
  auto c = none.connect(p);
  BOOST_TEST(!none.received_of<codec::connack>(c).at(0).props.response_information.has_value());
}

BOOST_AUTO_TEST_CASE(response_information_with_an_assigned_identifier_and_within_maximum_packet_size) {
  broker::options o;
  o.response_information_prefix = "reply/";
  broker_fixture f(o);
  auto p = broker_fixture::connect_packet("", true, v5);
  p.props.request_response_information = 1;
  auto c = f.connect(p);
  auto ack = f.received_of<codec::connack>(c).at(0);
  BOOST_TEST(ack.props.response_information.value_or("") ==
             "reply/" + std::string(ack.props.assigned_client_identifier.value_or("?")));
  auto bare = ack;
  bare.props.response_information.reset();
  p.props.maximum_packet_size = static_cast<std::uint32_t>(codec::encoded_size(bare, v5));
  auto small = f.connect(p);
  auto small_ack = f.received_of<codec::connack>(small);
  BOOST_TEST_REQUIRE(small_ack.size() == 1u);
  BOOST_TEST(small_ack[0].reason_code == 0x00);
  BOOST_TEST(!small_ack[0].props.response_information.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
