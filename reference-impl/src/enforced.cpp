// The broker's enforced statements: the IDs its sources name (generated) and the codec's rules.
#include "mqtt/broker/enforced.hpp"

#include <algorithm>
#include <set>

#include "mqtt/codec/error.hpp"
#include "mqtt/spec/statements.hpp"

namespace mqtt::broker {
namespace detail {
extern const spec::statement_id named_statements[];
extern const std::size_t named_statements_count;
}  // namespace detail

std::vector<spec::statement_id> enforced_statements(codec::protocol_version v) {
  std::set<spec::statement_id> named(detail::named_statements,
                                     detail::named_statements + detail::named_statements_count);
  for (const codec::rule_info& r : codec::all_rules()) {
    spec::statement_id s = v == codec::protocol_version::v5 ? r.statement_v5 : r.statement_v311;
    if (!s.empty()) named.insert(s);
  }
  std::vector<spec::statement_id> out;
  for (spec::statement_id id : spec::statements(v)) {
    if (named.contains(id)) out.push_back(id);
  }
  return out;
}

}  // namespace mqtt::broker
