// Entry point of the codec test suite (Boost.Test, linked as a shared library).
#define BOOST_TEST_MODULE mqtt_codec
#include <boost/test/unit_test.hpp>
