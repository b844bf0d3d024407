// The test CA and certificates: EC P-256 keys, valid two days, signed by the openssl CLI.
#include "test_pki.hpp"

#include <boost/test/unit_test.hpp>

namespace net_test {

test_pki::test_pki() {
  auto openssl = find_program("openssl");
  BOOST_TEST_REQUIRE(openssl.has_value(), "openssl not found (tools/bootstrap installs it)");
  auto p = [&](const char* name) { return (dir.path() / name).string(); };
  ca_crt = p("ca.crt"), ca_key = p("ca.key"), server_crt = p("server.crt"), server_key = p("server.key");
  client_crt = p("client.crt"), client_key = p("client.key");
  std::string ext = dir.write("server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run({*openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", ca_key, "-out", ca_crt, "-days", "2", "-subj", "/CN=mqtt test CA"});
  issue(*openssl, "localhost", server_key, server_crt, ext);
  issue(*openssl, "test client", client_key, client_crt, "");
}

void test_pki::issue(const std::string& openssl, const std::string& cn, const std::string& key, const std::string& crt,
                     const std::string& ext) {
  std::string csr = crt + ".csr";
  run({openssl, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
       "-out", csr, "-subj", "/CN=" + cn});
  std::vector<std::string> sign{openssl, "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
                                "-CAcreateserial", "-out", crt, "-days", "2"};
  if (!ext.empty()) {
    sign.push_back("-extfile");
    sign.push_back(ext);
  }
  run(sign);
}

void test_pki::run(const std::vector<std::string>& argv) {
  auto r = run_program(argv, 60s);
  BOOST_TEST_REQUIRE(r.exit_status == 0, "openssl failed: " << r.err);
}

}  // namespace net_test
