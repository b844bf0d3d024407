// Zeller's ddmin over a set of element indexes: the project's one delta-debugging loop, used by
// the simulator's shrinker (faults of a schedule) and the network fuzzer (steps of a case).
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace harness::sim {

using index_set = std::vector<std::size_t>;  // ascending

// Starting from `current` (known to fail), looks for a smaller subset that still fails: first
// the empty set, then chunks, then complements, refining the split as Zeller's ddmin does.
// `still_fails` runs one candidate (it may remember candidates already tried); `accepted` hears
// of every smaller failing subset; the search stops early once `exhausted` says so. Returns the
// smallest failing subset found, 1-minimal unless the search stopped early.
index_set ddmin(index_set current, const std::function<bool(const index_set&)>& still_fails,
                const std::function<void(const index_set&)>& accepted, const std::function<bool()>& exhausted);

}  // namespace harness::sim
