// The simulator's PRNG: known output for a known seed (so runs replay on any standard
// library), bounds, rough uniformity, and independent streams.
#include <boost/test/unit_test.hpp>
#include <set>

#include "sim/random.hpp"

using harness::sim::prng;

BOOST_AUTO_TEST_SUITE(sim_random)

BOOST_AUTO_TEST_CASE(splitmix64_reference_values) {
  // Reference outputs of splitmix64 from state 0 (Vigna's splitmix64.c).
  std::uint64_t state = 0;
  BOOST_TEST(harness::sim::splitmix64(state) == 0xE220A8397B1DCDAFull);
  BOOST_TEST(harness::sim::splitmix64(state) == 0x6E789E6AA1B965F4ull);
  BOOST_TEST(harness::sim::splitmix64(state) == 0x06C45D188009454Full);
}

BOOST_AUTO_TEST_CASE(same_seed_same_sequence_other_seed_other_sequence) {
  prng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    std::uint64_t x = a.next();
    BOOST_TEST(x == b.next());
    differs = differs || x != c.next();
  }
  BOOST_TEST(differs);
}

BOOST_AUTO_TEST_CASE(below_stays_in_bounds_and_covers_them) {
  prng r(7);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 10'000; ++i) {
    std::uint64_t v = r.below(10);
    BOOST_TEST_REQUIRE(v < 10u);
    seen.insert(v);
  }
  BOOST_TEST(seen.size() == 10u);
  for (int i = 0; i < 1000; ++i) {
    std::uint64_t v = r.between(5, 8);
    BOOST_TEST_REQUIRE((v >= 5 && v <= 8));
  }
  BOOST_TEST(r.between(3, 3) == 3u);
}

BOOST_AUTO_TEST_CASE(real_is_in_unit_interval_and_roughly_uniform) {
  prng r(99);
  int low = 0;
  const int n = 100'000;
  for (int i = 0; i < n; ++i) {
    double x = r.real();
    BOOST_TEST_REQUIRE((x >= 0.0 && x < 1.0));
    if (x < 0.5) ++low;
  }
  // Binomial(100000, 0.5): 6 standard deviations is about 950.
  BOOST_TEST(std::abs(low - n / 2) < 950);
}

BOOST_AUTO_TEST_CASE(streams_are_independent_and_reproducible) {
  using harness::sim::make_stream;
  using harness::sim::stream;
  auto net1 = make_stream(1, stream::network);
  auto net2 = make_stream(1, stream::network);
  auto faults = make_stream(1, stream::faults);
  BOOST_TEST(net1.next() == net2.next());
  BOOST_TEST(make_stream(1, stream::network).next() != faults.next());
  BOOST_TEST(make_stream(1, stream::workload).next() != make_stream(2, stream::workload).next());
}

BOOST_AUTO_TEST_SUITE_END()
