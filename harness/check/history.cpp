// The history's record list and its running trace hash.
#include "check/history.hpp"

namespace harness::check {
namespace {

// FNV-1a's prime, applied a 64-bit word at a time with a fold of the high half, so that every
// bit of every word reaches the whole hash at a fraction of the per-byte cost.
constexpr std::uint64_t prime = 0x100000001b3ULL;

void mix(std::uint64_t& h, std::uint64_t v) {
  h = (h ^ v) * prime;
  h ^= h >> 29;
}

}  // namespace

void history::add(record r) {
  mix(hash_, r.at);
  mix(hash_, static_cast<std::uint64_t>(r.kind) | std::uint64_t{r.qos} << 8 |
                 std::uint64_t{r.reason} << 16 | std::uint64_t{r.retain} << 24 |
                 std::uint64_t{r.dup} << 25 | std::uint64_t{r.session_present} << 26 |
                 std::uint64_t{r.clean_start} << 27 | std::uint64_t{r.graceful} << 28 |
                 std::uint64_t{r.crash} << 29 | std::uint64_t{r.topic} << 32 |
                 std::uint64_t{r.filter} << 48);
  mix(hash_, std::uint64_t{r.node} | std::uint64_t{r.publisher} << 32);
  mix(hash_, r.conn);
  mix(hash_, r.seq);
  for (char c : r.text) mix(hash_, static_cast<unsigned char>(c));
  records_.push_back(std::move(r));
}

}  // namespace harness::check
