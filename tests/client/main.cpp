// Entry point of the client core test suite (Boost.Test, linked as a shared library).
#define BOOST_TEST_MODULE mqtt_client
#include <boost/test/unit_test.hpp>
