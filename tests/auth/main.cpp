// Entry point of the enhanced authentication test suite.
#define BOOST_TEST_MODULE mqtt_auth
#include <boost/test/unit_test.hpp>
