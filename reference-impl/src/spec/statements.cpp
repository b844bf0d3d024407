// Look-ups over the statement lists of statement_ids.cpp.
#include <algorithm>
#include <charconv>
#include <vector>

#include "mqtt/spec/statements.hpp"

namespace mqtt::spec {

bool is_statement(codec::protocol_version v, std::string_view id) {
  auto all = statements(v);
  return std::find(all.begin(), all.end(), id) != all.end();
}

bool is_statement(std::string_view id) {
  return is_statement(codec::protocol_version::v3_1_1, id) || is_statement(codec::protocol_version::v5, id);
}

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
