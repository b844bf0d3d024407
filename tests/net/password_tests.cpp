// Password files in the three mosquitto_passwd formats, including the real tool's output.
#include <boost/test/unit_test.hpp>

#include "password_file.hpp"
#include "test_support.hpp"

namespace net = mqtt::net;
using mqtt::broker::auth_result;

namespace {

net::password_file_authenticator parse_ok(std::string_view text, bool allow_anonymous = false) {
  auto r = net::password_file_authenticator::parse(text, allow_anonymous);
  if (auto* e = std::get_if<net::password_file_authenticator::parse_error>(&r)) {
    BOOST_FAIL("line " << e->line << ": " << e->message);
  }
  return std::get<net::password_file_authenticator>(std::move(r));
}

auth_result check(net::password_file_authenticator& a, std::optional<std::string_view> user,
                  std::optional<std::string_view> password) {
  return a.authenticate("client", user, password);
}

// Written by mosquitto 2.0's mosquitto_passwd for user "alice", password "secret".
constexpr std::string_view pbkdf2_alice =
    "alice:$7$101$g6z3YYS417dIbNqX$CzJFFAGSRyCUp+AIQqGY9UH0U/SoSeHeCDFvM5OSpHB0w5S2IUBYY9o9c/"
    "g1HMzu+rwWYR1WGpQ8hPaXEtO9Vw==";

}  // namespace

BOOST_AUTO_TEST_SUITE(password_file)

BOOST_AUTO_TEST_CASE(plain_entries) {
  auto a = parse_ok("# users\n\nbob:hunter2\ncarol:pa:ss\n");
  BOOST_TEST(a.entries().size() == 2u);
  BOOST_TEST((check(a, "bob", "hunter2") == auth_result::accepted));
  BOOST_TEST((check(a, "bob", "hunter3") == auth_result::bad_credentials));
  BOOST_TEST((check(a, "carol", "pa:ss") == auth_result::accepted));
  BOOST_TEST((check(a, "dave", "hunter2") == auth_result::bad_credentials));
  BOOST_TEST((check(a, "bob", std::nullopt) == auth_result::bad_credentials));
}

BOOST_AUTO_TEST_CASE(pbkdf2_sha512_from_mosquitto_2) {
  auto a = parse_ok(std::string(pbkdf2_alice) + "\n");
  const auto& e = a.entries().at("alice");
  BOOST_TEST((e.how == net::password_entry::kind::pbkdf2_sha512));
  BOOST_TEST(e.iterations == 101u);
  BOOST_TEST(e.salt.size() == 12u);
  BOOST_TEST(e.hash.size() == 64u);
  BOOST_TEST((check(a, "alice", "secret") == auth_result::accepted));
  BOOST_TEST((check(a, "alice", "Secret") == auth_result::bad_credentials));
  BOOST_TEST((check(a, "alice", "") == auth_result::bad_credentials));
}

BOOST_AUTO_TEST_CASE(sha512_from_mosquitto_1) {
  // $6$: base64(salt) and base64(SHA-512(password || salt)); salt "0123456789ab",
  // password "letmein".
  auto a = parse_ok(
      "erin:$6$MDEyMzQ1Njc4OWFi$"
      "6obzmAWq9R26FtAt4jXXXqu0RwwHC4BjNP01fMID1IqUIAp38gRlPqMxnxkXiJ1OPGLR5BgIbwZ+8Cho7We+5w==\n");
  const auto& e = a.entries().at("erin");
  BOOST_TEST((e.how == net::password_entry::kind::sha512));
  BOOST_TEST(e.salt == "0123456789ab");
  BOOST_TEST((check(a, "erin", "letmein") == auth_result::accepted));
  BOOST_TEST((check(a, "erin", "letmeout") == auth_result::bad_credentials));
}

BOOST_AUTO_TEST_CASE(anonymous_follows_allow_anonymous) {
  auto closed = parse_ok("bob:x\n", false);
  BOOST_TEST((check(closed, std::nullopt, std::nullopt) == auth_result::not_authorized));
  auto open = parse_ok("bob:x\n", true);
  BOOST_TEST((check(open, std::nullopt, std::nullopt) == auth_result::accepted));
  BOOST_TEST((check(open, "bob", "y") == auth_result::bad_credentials));
}

BOOST_AUTO_TEST_CASE(errors_name_the_line) {
  struct bad {
    const char* text;
    std::size_t line;
  };
  const bad cases[] = {
      {"nocolon\n", 1},
      {"ok:1\n:nouser\n", 2},
      {"a:\n", 1},
      {"a:$5$abc$def\n", 1},
      {"a:$6$onlysalt\n", 1},
      {"a:$6$!!!!$AAAA\n", 1},
      {"a:$6$AAAA$AAAA\n", 1},  // a SHA-512 hash is 64 bytes
      {"a:$7$x$AAAA$AAAA\n", 1},
      {"a:$7$0$AAAA$AAAA\n", 1},
      {"a:$7$101$AAAA\n", 1},
      {"a:1\n# c\na:2\n", 3},
  };
  for (const bad& b : cases) {
    BOOST_TEST_CONTEXT(b.text) {
      auto r = net::password_file_authenticator::parse(b.text, false);
      BOOST_TEST_REQUIRE(std::holds_alternative<net::password_file_authenticator::parse_error>(r));
      BOOST_TEST(std::get<net::password_file_authenticator::parse_error>(r).line == b.line);
    }
  }
}

BOOST_AUTO_TEST_CASE(real_mosquitto_passwd_output) {
  auto tool = net_test::find_program("mosquitto_passwd");
  BOOST_TEST_REQUIRE(tool.has_value(), "mosquitto_passwd not found: install the mosquitto package (tools/bootstrap)");
  net_test::temp_dir dir;
  std::string file = (dir.path() / "passwd").string();
  auto r = net_test::run_program({*tool, "-c", "-b", file, "alice", "s3cret pass"});
  BOOST_TEST_REQUIRE(r.exit_status == 0, r.err);
  r = net_test::run_program({*tool, "-b", file, "bob", "other"});
  BOOST_TEST_REQUIRE(r.exit_status == 0, r.err);
  std::string text = net_test::read_file(file);
  BOOST_TEST_MESSAGE("mosquitto_passwd wrote:\n" << text);
  auto a = parse_ok(text);
  BOOST_TEST(a.entries().size() == 2u);
  BOOST_TEST((a.entries().at("alice").how == net::password_entry::kind::pbkdf2_sha512));
  BOOST_TEST((check(a, "alice", "s3cret pass") == auth_result::accepted));
  BOOST_TEST((check(a, "alice", "other") == auth_result::bad_credentials));
  BOOST_TEST((check(a, "bob", "other") == auth_result::accepted));
  BOOST_TEST((check(a, "bob", "s3cret pass") == auth_result::bad_credentials));
}

BOOST_AUTO_TEST_SUITE_END()
