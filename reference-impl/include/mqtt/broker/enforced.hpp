// The statements the reference broker enforces, found in its code: every statement ID the
// broker sources name outside comments (its enforcement points, refusals and disconnects), and
// every statement of the codec's rules. Reports show those that no scenario reaches.
#pragma once

#include <vector>

#include "mqtt/codec/types.hpp"
#include "mqtt/spec/statement_id.hpp"

namespace mqtt::broker {

// The IDs that exist in that version's standard, in the standard's order. The broker names a
// statement by ID alone, so an ID both standards use counts for both.
std::vector<spec::statement_id> enforced_statements(codec::protocol_version v);

}  // namespace mqtt::broker
