// Entry point of the network layer test suite (Boost.Test, linked as a shared library).
#define BOOST_TEST_MODULE mqtt_net
#include <boost/test/unit_test.hpp>
