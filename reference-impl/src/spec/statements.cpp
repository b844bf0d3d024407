// The statement lists of statement_table.hpp as statement IDs, and look-ups over them.
#include "mqtt/spec/statements.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ostream>
#include <vector>

namespace mqtt::spec {
namespace {

// Built once at run time: as a constant expression the look-ups (each a scan of both tables)
// exceed clang's constexpr step limit, and nothing needs these lists at compile time.
template <std::size_t count>
std::array<statement_id, count> ids_of(const std::string_view (&table)[count]) {
  std::array<statement_id, count> out{};
  for (std::size_t i = 0; i < count; ++i) out[i] = *statement_id::lookup(table[i]);
  return out;
}

}  // namespace

std::span<const statement_id> statements(codec::protocol_version v) {
  static const auto v311_ids = ids_of(detail::v311_statement_ids);
  static const auto v5_ids = ids_of(detail::v5_statement_ids);
  if (v == codec::protocol_version::v5) return v5_ids;
  return v311_ids;
}

bool is_statement(codec::protocol_version v, statement_id id) {
  auto all = statements(v);
  return !id.empty() && std::find(all.begin(), all.end(), id) != all.end();
}

bool is_statement(codec::protocol_version v, std::string_view id) {
  auto known = statement_id::lookup(id);
  return known && is_statement(v, *known);
}

bool is_statement(std::string_view id) { return statement_id::lookup(id).has_value(); }

std::ostream& operator<<(std::ostream& out, statement_id id) { return out << id.text(); }

namespace {

// "MQTT-3.1.2-10" -> {3, 1, 2, 10}; anything unparsable sorts by text after the numbers.
std::vector<unsigned> numbers_of(std::string_view id) {
  std::vector<unsigned> out;
  if (id.starts_with("MQTT-")) id.remove_prefix(5);
  const char* p = id.data();
  const char* end = id.data() + id.size();
  while (p < end) {
    unsigned n = 0;
    auto [next, ec] = std::from_chars(p, end, n);
    if (ec != std::errc()) break;
    out.push_back(n);
    p = next;
    if (p < end && (*p == '.' || *p == '-')) ++p;
  }
  return out;
}

}  // namespace

bool statement_less(std::string_view a, std::string_view b) {
  auto na = numbers_of(a);
  auto nb = numbers_of(b);
  if (na != nb) return na < nb;
  return a < b;
}

}  // namespace mqtt::spec
