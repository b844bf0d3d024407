// Entry point of the checker test suite.
#define BOOST_TEST_MODULE harness_check
#include <boost/test/unit_test.hpp>
