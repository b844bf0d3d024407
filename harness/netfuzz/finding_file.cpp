// Replay files as JSON.
#include "netfuzz/finding_file.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "wire/hex.hpp"

namespace harness::netfuzz {

namespace json = boost::json;

namespace {
std::string hex_of(const byte_vector& b) {
  return wire::to_hex(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}
}  // namespace

json::object to_json(const finding_file& f) {
  json::object o;
  o["format"] = std::string(finding_format);
  o["signature"] = f.v.signature();
  o["oracle"] = std::string(to_string(f.v.kind));
  o["packet_type"] = f.v.packet_type;
  o["statement"] = f.v.statement;
  o["detail"] = f.v.detail;
  o["connection"] = f.v.conn;
  o["case_deadline_ms"] = f.case_deadline_ms;
  json::array cases;
  for (const fuzz_case& c : f.cases) cases.emplace_back(to_json(c));
  o["cases"] = std::move(cases);
  o["evidence"] = f.evidence;
  return o;
}

bool is_finding_json(const json::object& o) {
  const json::value* f = o.if_contains("format");
  return f && f->is_string() && f->as_string() == finding_format;
}

std::optional<finding_file> read_finding(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path;
    return std::nullopt;
  }
  std::stringstream s;
  s << in.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(s.str(), ec);
  if (ec || !v.is_object() || !is_finding_json(v.as_object())) {
    error = path + " is not a fuzz replay file (no \"format\": \"" + std::string(finding_format) + "\")";
    return std::nullopt;
  }
  const json::object& o = v.as_object();
  try {
    finding_file f;
    auto k = oracle_from(std::string(o.at("oracle").as_string()));
    if (!k) throw std::invalid_argument("unknown oracle");
    f.v.kind = *k;
    f.v.packet_type = std::string(o.at("packet_type").as_string());
    f.v.statement = std::string(o.at("statement").as_string());
    f.v.detail = std::string(o.at("detail").as_string());
    if (const auto* k = o.if_contains("connection")) f.v.conn = std::min<std::uint8_t>(k->to_number<std::uint8_t>(), case_connections_max - 1);
    if (const auto* d = o.if_contains("case_deadline_ms")) f.case_deadline_ms = d->to_number<std::uint32_t>();
    for (const json::value& c : o.at("cases").as_array()) {
      auto fc = case_from_json(c.as_object(), error);
      if (!fc) throw std::invalid_argument(error);
      f.cases.push_back(std::move(*fc));
    }
    if (const auto* e = o.if_contains("evidence")) f.evidence = e->as_object();
    return f;
  } catch (const std::exception& e) {
    error = path + ": " + e.what();
    return std::nullopt;
  }
}

json::object record_json(const case_record& r) {
  json::object o;
  o["deadline_hit"] = r.deadline_hit;
  o["elapsed_ms"] = r.elapsed_ms;
  json::array conns;
  for (std::size_t k = 0; k < r.conns.size(); ++k) {
    const connection_record& c = r.conns[k];
    if (!c.used) continue;
    json::object j;
    j["conn"] = k;
    j["opened"] = c.opened;
    if (!c.open_error.empty()) j["open_error"] = c.open_error;
    j["sent"] = hex_of(c.sent);
    j["received"] = hex_of(c.received);
    j["ended"] = c.ended_by_broker ? "by the broker (" + c.end + ")" : c.ended_by_case ? std::string("by the case") : std::string("open at the end");
    j["ended_at_ms"] = c.ended_at_ms;
    conns.emplace_back(std::move(j));
  }
  o["connections"] = std::move(conns);
  return o;
}

std::string file_name_for(const std::string& signature) {
  std::string out;
  for (char ch : signature) {
    const bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
    out += plain ? ch : '_';
  }
  return out;
}

}  // namespace harness::netfuzz
