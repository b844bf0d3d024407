// Entry point of the client transport test suite (Boost.Test, linked as a shared library).
#define BOOST_TEST_MODULE harness_transport
#include <boost/test/unit_test.hpp>
