// Cases as values and as JSON.
#include "netfuzz/fuzz_case.hpp"

#include <algorithm>

#include <boost/json/array.hpp>

#include "wire/hex.hpp"

namespace harness::netfuzz {

namespace json = boost::json;

std::size_t fuzz_case::byte_count() const {
  std::size_t n = 0;
  for (const step& s : steps) n += s.bytes.size();
  return n;
}

std::size_t fuzz_case::connection_count() const {
  std::size_t n = 0;
  for (const step& s : steps) n = std::max<std::size_t>(n, std::size_t{s.conn} + 1);
  return n;
}

std::string_view to_string(step::kind k) { return k == step::kind::write ? "write" : "close"; }

json::object to_json(const fuzz_case& c) {
  json::object o;
  o["number"] = c.number;
  o["version"] = std::string(mqtt::codec::to_string(c.version));
  o["tag"] = c.tag;
  o["origin"] = c.origin;
  o["mutation"] = c.mutation;
  json::array edges;
  for (const std::string& e : c.edges) edges.emplace_back(e);
  o["edges"] = std::move(edges);
  o["auto_ack"] = c.auto_ack;
  o["expect_end_mask"] = c.expect_end_mask;
  json::array steps;
  for (const step& s : c.steps) {
    json::object j;
    j["conn"] = s.conn;
    if (s.delay_ms != 0) j["delay_ms"] = s.delay_ms;
    if (s.k == step::kind::write) j["write"] = wire::to_hex(std::string_view(reinterpret_cast<const char*>(s.bytes.data()), s.bytes.size()));
    else j["close"] = true;
    steps.emplace_back(std::move(j));
  }
  o["steps"] = std::move(steps);
  return o;
}

std::optional<fuzz_case> case_from_json(const json::object& o, std::string& error) {
  try {
    fuzz_case c;
    c.number = o.at("number").to_number<std::uint64_t>();
    auto v = mqtt::codec::protocol_version_from(std::string(o.at("version").as_string()));
    if (!v) throw std::invalid_argument("unknown version");
    c.version = *v;
    c.tag = std::string(o.at("tag").as_string());
    if (const auto* x = o.if_contains("origin")) c.origin = std::string(x->as_string());
    if (const auto* x = o.if_contains("mutation")) c.mutation = std::string(x->as_string());
    if (const auto* x = o.if_contains("edges")) {
      for (const json::value& e : x->as_array()) c.edges.emplace_back(e.as_string());
    }
    if (const auto* x = o.if_contains("auto_ack")) c.auto_ack = x->as_bool();
    if (const auto* x = o.if_contains("expect_end_mask")) c.expect_end_mask = x->to_number<std::uint8_t>();
    for (const json::value& sv : o.at("steps").as_array()) {
      const json::object& s = sv.as_object();
      step st;
      st.conn = s.at("conn").to_number<std::uint8_t>();
      if (st.conn >= case_connections_max) throw std::invalid_argument("connection index out of range");
      if (const auto* d = s.if_contains("delay_ms")) st.delay_ms = std::min(d->to_number<std::uint32_t>(), step_delay_max_ms * 100);
      if (s.contains("close")) {
        st.k = step::kind::close;
      } else {
        std::optional<wire::hex_error> bad;
        st.bytes = wire::parse_hex(std::string_view(s.at("write").as_string()), bad);
        if (bad) throw std::invalid_argument("a write is not hex: " + bad->message);
      }
      c.steps.push_back(std::move(st));
      if (c.steps.size() > case_steps_max * 4) throw std::invalid_argument("too many steps");
    }
    return c;
  } catch (const std::exception& e) {
    error = e.what();
    return std::nullopt;
  }
}

}  // namespace harness::netfuzz
