// Entry point of the report test suite (Boost.Test, linked as a shared library).
#define BOOST_TEST_MODULE harness_report
#include <boost/test/unit_test.hpp>
