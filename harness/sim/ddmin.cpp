// ddmin: split into n chunks, keep a chunk that fails alone (back to n = 2) or a complement that
// fails (n - 1), else split finer until the chunks are single elements.
#include "sim/ddmin.hpp"

#include <algorithm>
#include <iterator>
#include <optional>

namespace harness::sim {
namespace {

// Splits `c` into n nearly equal, contiguous, non-empty chunks (n <= c.size()).
std::vector<index_set> split(const index_set& c, std::size_t n) {
  std::vector<index_set> chunks;
  for (std::size_t k = 0; k < n; ++k) {
    auto first = c.begin() + static_cast<std::ptrdiff_t>(k * c.size() / n);
    auto last = c.begin() + static_cast<std::ptrdiff_t>((k + 1) * c.size() / n);
    chunks.emplace_back(first, last);
  }
  return chunks;
}

index_set without(const index_set& c, const index_set& chunk) {
  index_set rest;
  std::set_difference(c.begin(), c.end(), chunk.begin(), chunk.end(), std::back_inserter(rest));
  return rest;
}

}  // namespace

index_set ddmin(index_set current, const std::function<bool(const index_set&)>& still_fails,
                const std::function<void(const index_set&)>& accepted, const std::function<bool()>& exhausted) {
  if (current.empty()) return current;
  if (still_fails({})) {
    if (accepted) accepted({});
    return {};
  }
  std::size_t n = 2;
  while (current.size() >= 2 && !exhausted()) {
    n = std::min(n, current.size());
    std::vector<index_set> chunks = split(current, n);
    std::optional<index_set> smaller;
    std::size_t next_n = n;
    for (const index_set& chunk : chunks) {
      if (still_fails(chunk)) {
        smaller = chunk;
        next_n = 2;
        break;
      }
    }
    // With two chunks each complement is the other chunk, already tried.
    for (std::size_t k = 0; !smaller && n > 2 && k < chunks.size(); ++k) {
      index_set rest = without(current, chunks[k]);
      if (still_fails(rest)) {
        smaller = std::move(rest);
        next_n = std::max<std::size_t>(n - 1, 2);
      }
    }
    if (smaller) {
      current = std::move(*smaller);
      if (accepted) accepted(current);
      n = next_n;
    } else if (n >= current.size()) {
      break;
    } else {
      n = std::min(n * 2, current.size());
    }
  }
  return current;
}

}  // namespace harness::sim
