// The simulator's only source of randomness: xoshiro256** seeded through splitmix64, with its
// own bounded-integer and real-number functions (no std::*_distribution, whose output differs
// between standard libraries), and independent streams derived from one run seed.
#pragma once

#include <array>
#include <cstdint>

namespace harness::sim {

// splitmix64: expands one 64-bit seed into well-mixed state words.
std::uint64_t splitmix64(std::uint64_t& state);

class prng {
 public:
  explicit prng(std::uint64_t seed);

  std::uint64_t next();                        // 64 uniform bits
  std::uint64_t below(std::uint64_t bound);    // uniform in [0, bound), bound > 0
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi);  // uniform in [lo, hi]
  double real();                               // uniform in [0, 1), 53 bits
  bool chance(double p);                       // true with probability p

 private:
  std::array<std::uint64_t, 4> s_;
};

// The separate streams of one run: faults, network and workload draw independently, so a
// change in one (say, a shorter workload) does not shift the others.
enum class stream : std::uint64_t { network = 1, faults = 2, workload = 3 };
prng make_stream(std::uint64_t run_seed, stream which);

}  // namespace harness::sim
