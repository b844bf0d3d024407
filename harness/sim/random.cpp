// xoshiro256** (Blackman and Vigna) and splitmix64, with Lemire's multiply-shift rejection
// method for bounded integers.
#include "sim/random.hpp"

#include "mqtt/assert.hpp"

namespace harness::sim {
namespace {

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// gcc and clang provide 128-bit integers as an extension; Lemire's method needs the product.
__extension__ typedef unsigned __int128 u128;

}  // namespace

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

prng::prng(std::uint64_t seed) {
  for (auto& word : s_) word = splitmix64(seed);
}

std::uint64_t prng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t prng::below(std::uint64_t bound) {
  MQTT_ASSERT(bound > 0);
  // Lemire: the high half of a 128-bit product, rejecting the biased low values.
  u128 m = static_cast<u128>(next()) * bound;
  auto low = static_cast<std::uint64_t>(m);
  if (low < bound) {
    std::uint64_t threshold = (0 - bound) % bound;
    // Bounded in expectation: each retry succeeds with probability above 1/2.
    while (low < threshold) {
      m = static_cast<u128>(next()) * bound;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::uint64_t prng::between(std::uint64_t lo, std::uint64_t hi) {
  MQTT_ASSERT(lo <= hi);
  if (hi - lo == ~std::uint64_t{0}) return next();
  return lo + below(hi - lo + 1);
}

double prng::real() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

bool prng::chance(double p) { return real() < p; }

prng make_stream(std::uint64_t run_seed, stream which) {
  std::uint64_t mix = run_seed ^ (static_cast<std::uint64_t>(which) * 0xD1B54A32D192ED03ull);
  return prng(splitmix64(mix));
}

}  // namespace harness::sim
