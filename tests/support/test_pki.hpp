// A throwaway CA with a server certificate (localhost, 127.0.0.1) and a client certificate,
// made by the openssl command line in a temporary directory, for the TLS tests.
#pragma once

#include <string>
#include <vector>

#include "test_support.hpp"

namespace net_test {

// Usable as a Boost.Test fixture; fails the test (BOOST_TEST_REQUIRE) when openssl is
// missing or fails.
struct test_pki {
  temp_dir dir;
  std::string ca_crt, ca_key, server_crt, server_key, client_crt, client_key;

  test_pki();

 private:
  void issue(const std::string& openssl, const std::string& cn, const std::string& key, const std::string& crt,
             const std::string& ext);
  static void run(const std::vector<std::string>& argv);
};

}  // namespace net_test
