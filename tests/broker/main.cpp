// Entry point of the broker core test suite.
#define BOOST_TEST_MODULE mqtt_broker
#include <boost/test/unit_test.hpp>
