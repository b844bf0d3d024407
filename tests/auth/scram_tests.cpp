// SCRAM-SHA-256: the RFC 7677 test vector on both halves, stored entries, bounds, and malformed
// messages failing the exchange without a crash.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "mqtt/auth/scram.hpp"

namespace scram = mqtt::auth::scram;

namespace {

// RFC 7677 section 3: user "user", password "pencil".
constexpr std::string_view rfc_client_nonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view rfc_server_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view rfc_salt_b64 = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr std::string_view rfc_client_first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view rfc_server_first =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view rfc_client_final =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view rfc_server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

scram::credentials rfc_credentials() {
  return scram::derive_credentials("pencil", *scram::base64_decode(rfc_salt_b64), 4096);
}

scram::server_exchange rfc_server() {
  scram::credentials c = rfc_credentials();
  return scram::server_exchange(
      [c](std::string_view user) -> std::optional<scram::credentials> {
        if (user == "user") return c;
        return std::nullopt;
      },
      [c](std::string_view) {
        scram::credentials fake = c;
        fake.stored_key.fill(0);
        return fake;
      },
      std::string(rfc_server_nonce));
}

// A counter as the random source: reproducible, and different on every call.
scram::random_source counting_random() {
  auto n = std::make_shared<std::uint8_t>(0);
  return [n](std::span<std::uint8_t> out) {
    for (auto& b : out) b = (*n)++;
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scram_sha_256)

BOOST_AUTO_TEST_CASE(rfc7677_vector_client_side) {
  scram::client_exchange c("user", "pencil", std::string(rfc_client_nonce));
  BOOST_TEST(c.client_first() == rfc_client_first);
  scram::outcome o = c.on_server_first(rfc_server_first);
  BOOST_TEST_REQUIRE(o.ok(), o.error);
  BOOST_TEST(o.message == rfc_client_final);
  BOOST_TEST(c.server_final_valid(rfc_server_final));
  BOOST_TEST(!c.server_final_valid("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5="));
  BOOST_TEST(!c.server_final_valid("e=invalid-proof"));
}

BOOST_AUTO_TEST_CASE(rfc7677_vector_server_side) {
  scram::server_exchange s = rfc_server();
  scram::outcome first = s.on_client_first(rfc_client_first);
  BOOST_TEST_REQUIRE(first.ok(), first.error);
  BOOST_TEST(first.message == rfc_server_first);
  scram::outcome final_ = s.on_client_final(rfc_client_final);
  BOOST_TEST_REQUIRE(final_.ok(), final_.error);
  BOOST_TEST(final_.message == rfc_server_final);
  BOOST_TEST(s.user() == "user");
  // Nothing after the end of the exchange.
  BOOST_TEST(!s.on_client_final(rfc_client_final).ok());
}

BOOST_AUTO_TEST_CASE(wrong_password_fails_at_the_proof) {
  scram::server_exchange s = rfc_server();
  scram::client_exchange c("user", "pencils", std::string(rfc_client_nonce));
  scram::outcome first = s.on_client_first(c.client_first());
  BOOST_TEST_REQUIRE(first.ok());
  scram::outcome final_ = s.on_client_final(c.on_server_first(first.message).message);
  BOOST_TEST(!final_.ok());
  BOOST_TEST(s.proof_was_wrong());
}

BOOST_AUTO_TEST_CASE(flipped_proof_fails) {
  scram::server_exchange s = rfc_server();
  scram::client_exchange c("user", "pencil", std::string(rfc_client_nonce));
  scram::outcome first = s.on_client_first(c.client_first());
  scram::outcome final_ = s.on_client_final(c.on_server_first(first.message, true).message);
  BOOST_TEST(!final_.ok());
  BOOST_TEST(s.proof_was_wrong());
}

BOOST_AUTO_TEST_CASE(entry_round_trip_rfc5803_form) {
  scram::credentials c = rfc_credentials();
  std::string line = scram::format_entry("user", c);
  BOOST_TEST(line.starts_with("user:SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"));
  auto parsed = scram::parse_entry(line);
  BOOST_TEST_REQUIRE(std::holds_alternative<scram::entry>(parsed));
  BOOST_TEST(std::get<scram::entry>(parsed).user == "user");
  BOOST_TEST((std::get<scram::entry>(parsed).creds == c));
}

BOOST_DATA_TEST_CASE(bad_entries_are_refused,
                     boost::unit_test::data::make(std::vector<std::string>{
                         "",
                         "user",
                         ":SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:AAAA",
                         "user:SCRAM-SHA-1$4096:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:AAAA",
                         "user:SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:AAAA",
                         "user:SCRAM-SHA-256$10:W22ZaJ0SNY7soEsUEjb6gQ==$"
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                         "user:SCRAM-SHA-256$99999999999:W22ZaJ0SNY7soEsUEjb6gQ==$"
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                         "user:SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ=$"
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                         "user:SCRAM-SHA-256$04096:W22ZaJ0SNY7soEsUEjb6gQ==$"
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                     }),
                     line) {
  BOOST_TEST_CONTEXT("line=" << line) { BOOST_TEST(std::holds_alternative<std::string>(scram::parse_entry(line))); }
}

BOOST_AUTO_TEST_CASE(password_file_lines_comments_and_errors) {
  std::string alice = scram::format_entry("alice", scram::derive_credentials("a", "salt-a", 4096));
  std::string bob = scram::format_entry("bob", scram::derive_credentials("b", "salt-b", 5000));
  auto ok = scram::parse_password_file("# users\n" + alice + "\r\n\n" + bob);
  BOOST_TEST_REQUIRE(std::holds_alternative<scram::user_map>(ok));
  const auto& users = std::get<scram::user_map>(ok);
  BOOST_TEST(users.size() == 2u);
  BOOST_TEST(users.at("bob").iterations == 5000u);
  auto twice = scram::parse_password_file(alice + "\n" + alice + "\n");
  BOOST_TEST_REQUIRE(std::holds_alternative<scram::file_error>(twice));
  BOOST_TEST(std::get<scram::file_error>(twice).line == 2u);
  auto bad = scram::parse_password_file(alice + "\n\nbob:plain\n");
  BOOST_TEST_REQUIRE(std::holds_alternative<scram::file_error>(bad));
  BOOST_TEST(std::get<scram::file_error>(bad).line == 3u);
}

BOOST_AUTO_TEST_CASE(base64_is_strict) {
  BOOST_TEST(scram::base64_encode("") == "");
  BOOST_TEST(scram::base64_encode("n,,") == "biws");
  BOOST_TEST(*scram::base64_decode("biws") == "n,,");
  BOOST_TEST(*scram::base64_decode("YQ==") == "a");
  BOOST_TEST(!scram::base64_decode("YR=="));  // non-zero pad bits
  BOOST_TEST(!scram::base64_decode("Y==="));
  BOOST_TEST(!scram::base64_decode("YQ=a"));
  BOOST_TEST(!scram::base64_decode("YQ"));
  BOOST_TEST(!scram::base64_decode("Y!=="));
}

// Hostile client-first messages: each fails the exchange, none crashes or allocates unbounded.
BOOST_DATA_TEST_CASE(malformed_client_first_fails,
                     boost::unit_test::data::make(std::vector<std::string>{
                         "",
                         "n",
                         "n,,",
                         "x,,n=user,r=abc",
                         "p=tls-unique,,n=user,r=abc",
                         "n,a=admin,n=user,r=abc",
                         "n,,r=abc,n=user",
                         "n,,n=,r=abc",
                         "n,,n=us=er,r=abc",
                         "n,,n=user,r=",
                         "n,,n=user,r=a b",
                         "n,,n=user,r=abc,m=ext",
                         "n,,n=user,r=abc,x=1,y=2,z=3,a=4,b=5,c=6,d=7",
                         "n,,n=user,r=abc,,",
                         "n,,n=user,r=" + std::string(200, 'a'),
                         "n,,n=" + std::string(2'000, 'u') + ",r=abc",
                         std::string("n,,n=u\0r,r=abc", 14),
                     }),
                     msg) {
  scram::server_exchange s = rfc_server();
  BOOST_TEST_CONTEXT("msg=" << msg) { BOOST_TEST(!s.on_client_first(msg).ok()); }
}

BOOST_DATA_TEST_CASE(malformed_client_final_fails,
                     boost::unit_test::data::make(std::vector<std::string>{
                         "",
                         "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
                         "c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                         "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                         "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                         "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,c=biws,"
                         "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                         "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapW",
                         "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=" + std::string(3'000, 'A'),
                     }),
                     msg) {
  scram::server_exchange s = rfc_server();
  BOOST_TEST_REQUIRE(s.on_client_first(rfc_client_first).ok());
  BOOST_TEST_CONTEXT("msg=" << msg) {
    BOOST_TEST(!s.on_client_final(msg).ok());
    BOOST_TEST(!s.proof_was_wrong());
  }
}

BOOST_DATA_TEST_CASE(hostile_server_first_fails_the_client,
                     boost::unit_test::data::make(std::vector<std::string>{
                         "",
                         "r=other,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                         "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                         "r=rOprNGfwEbeRWgbNEkqOxyz,s=,i=4096",
                         "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1",
                         "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4000000000",
                         "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1",
                         "r=rOprNGfwEbeRWgbNEkqOxyz,i=4096,s=W22ZaJ0SNY7soEsUEjb6gQ==",
                     }),
                     msg) {
  scram::client_exchange c("user", "pencil", std::string(rfc_client_nonce));
  BOOST_TEST_CONTEXT("msg=" << msg) { BOOST_TEST(!c.on_server_first(msg).ok()); }
}

BOOST_AUTO_TEST_CASE(authenticator_runs_the_exchange_and_names_the_user) {
  scram::user_map users{{"user", rfc_credentials()}};
  scram::authenticator a(users, counting_random());
  auto ex = a.start("client-1");
  scram::client_exchange c("user", "pencil", "clientnonce");
  mqtt::broker::auth_step first = ex->step(c.client_first());
  BOOST_TEST_REQUIRE((first.result == mqtt::broker::auth_step::outcome::continue_auth));
  scram::outcome o = c.on_server_first(first.data);
  BOOST_TEST_REQUIRE(o.ok(), o.error);
  mqtt::broker::auth_step last = ex->step(o.message);
  BOOST_TEST_REQUIRE((last.result == mqtt::broker::auth_step::outcome::success), last.text);
  BOOST_TEST(c.server_final_valid(last.data));
  BOOST_TEST(last.user_name.value_or("") == "user");
  // Each exchange draws a fresh server nonce.
  auto ex2 = a.start("client-1");
  mqtt::broker::auth_step again = ex2->step(c.client_first());
  BOOST_TEST(again.data != first.data);
}

BOOST_AUTO_TEST_CASE(authenticator_wrong_password_0x86_unknown_user_same_as_wrong_password) {
  scram::user_map users{{"user", rfc_credentials()}};
  scram::authenticator a(users, counting_random());
  for (std::string_view who : {"user", "nobody"}) {
    BOOST_TEST_CONTEXT("user=" << who) {
      auto ex = a.start("client-1");
      scram::client_exchange c(std::string(who), "wrong", "clientnonce");
      mqtt::broker::auth_step first = ex->step(c.client_first());
      BOOST_TEST_REQUIRE((first.result == mqtt::broker::auth_step::outcome::continue_auth));
      mqtt::broker::auth_step last = ex->step(c.on_server_first(first.data).message);
      BOOST_TEST((last.result == mqtt::broker::auth_step::outcome::failure));
      BOOST_TEST(last.reason_code == 0x86);
    }
  }
  // An unknown user sees the same salt on every attempt, as a known one does.
  auto e1 = a.start("c");
  auto e2 = a.start("c");
  scram::client_exchange c("nobody", "x", "n1");
  std::string s1 = e1->step(c.client_first()).data;
  std::string s2 = e2->step(c.client_first()).data;
  BOOST_TEST(s1.substr(s1.find(",s=")) == s2.substr(s2.find(",s=")));
}

BOOST_AUTO_TEST_CASE(authenticator_fails_without_data_or_with_garbage_0x87) {
  scram::authenticator a({}, counting_random());
  BOOST_TEST(a.start("c")->step(std::nullopt).reason_code == 0x87);
  mqtt::broker::auth_step s = a.start("c")->step(std::string_view("\xff\xfe garbage"));
  BOOST_TEST((s.result == mqtt::broker::auth_step::outcome::failure));
  BOOST_TEST(s.reason_code == 0x87);
}

BOOST_AUTO_TEST_SUITE_END()
