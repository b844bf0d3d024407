// Reference substitution, JSON field look-up with aliases, and comparison.
#include "script/values.hpp"

#include <boost/json.hpp>
#include <algorithm>
#include <charconv>
#include <optional>

namespace harness::script {
namespace {

namespace json = boost::json;

bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string json_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  return json::serialize(v);
}

const json::value* walk(const json::value* v, std::string_view path) {
  while (v && !path.empty()) {
    std::size_t dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    if (v->is_object()) {
      v = v->get_object().if_contains(part);
    } else if (v->is_array()) {
      std::size_t index = 0;
      auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
      if (ec != std::errc() || end != part.data() + part.size() || index >= v->get_array().size()) return nullptr;
      v = &v->get_array()[index];
    } else {
      return nullptr;
    }
  }
  return v;
}

// Resolves one $reference starting at text[i] ('$'); appends its text to `out`, or returns the
// JSON value when `whole` (the reference is the entire word).
std::optional<json::value> reference(std::string_view text, std::size_t& i, const bindings& b, source_pos pos,
                                     std::string& out) {
  std::size_t start = i + 1;
  std::size_t j = start;
  while (j < text.size() && (ident_char(text[j]) || (text[j] == '.' && j + 1 < text.size() && ident_char(text[j + 1])))) ++j;
  std::string_view ref = text.substr(start, j - start);
  i = j;
  std::string_view head = ref.substr(0, ref.find('.'));
  std::string_view rest = head.size() < ref.size() ? ref.substr(head.size() + 1) : std::string_view{};
  if (head == "t" && rest.empty()) {
    out += b.topic_prefix;
    return std::nullopt;
  }
  if (head == "id") {
    auto it = b.client_ids.find(std::string(rest));
    if (it == b.client_ids.end()) throw resolve_error(pos, "$id." + std::string(rest) + ": no client of that name in this scenario");
    out += it->second;
    return std::nullopt;
  }
  if (head == "profile") {
    auto it = b.profile.find(std::string(rest));
    if (it == b.profile.end()) throw resolve_error(pos, "$profile." + std::string(rest) + ": the target profile does not set it");
    out += it->second;
    return std::nullopt;
  }
  auto cap = b.captures.find(std::string(head));
  if (cap == b.captures.end()) {
    throw resolve_error(pos, "$" + std::string(ref) +
                                 ": unknown reference (known: $t, $id.CLIENT, $profile.KEY, captures made with 'as NAME'; "
                                 "write $$ for a literal $)");
  }
  json::value whole(cap->second);
  const json::value* v = rest.empty() ? &whole : find_field(cap->second, rest);
  if (!v) throw resolve_error(pos, "$" + std::string(ref) + ": the captured packet has no field " + std::string(rest));
  json::value copy = *v;
  out += json_text(copy);
  return copy;
}

std::string substitute(const term& t, const bindings& b, std::optional<json::value>* single) {
  std::string out;
  std::string_view text = t.text;
  std::size_t refs = 0;
  std::optional<json::value> last;
  bool literal = false;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      i += 2;
      literal = true;
      continue;
    }
    if (text[i] == '$') {
      std::size_t before = i;
      last = reference(text, i, b, t.pos, out);
      ++refs;
      if (before != 0 || i != text.size()) literal = true;
      continue;
    }
    out += text[i++];
    literal = true;
  }
  if (single && refs == 1 && !literal && last) *single = std::move(last);
  return out;
}

std::optional<std::int64_t> number_of(std::string_view w) {
  std::int64_t v = 0;
  int base = 10;
  if (w.starts_with("0x") || w.starts_with("0X")) {
    w.remove_prefix(2);
    base = 16;
  }
  if (w.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), v, base);
  if (ec != std::errc() || end != w.data() + w.size()) return std::nullopt;
  return v;
}

struct number {
  bool ok = false;
  double v = 0;
};
number as_number(const json::value& v) {
  if (v.is_int64()) return {true, static_cast<double>(v.get_int64())};
  if (v.is_uint64()) return {true, static_cast<double>(v.get_uint64())};
  if (v.is_double()) return {true, v.get_double()};
  if (v.is_bool()) return {true, v.get_bool() ? 1.0 : 0.0};
  return {};
}

bool compare(const json::value& actual, matcher::op op, const json::value& want) {
  switch (op) {
    case matcher::op::eq:
    case matcher::op::in: return same_value(actual, want);
    case matcher::op::ne: return !same_value(actual, want);
    default: break;
  }
  number a = as_number(actual);
  number w = as_number(want);
  if (!a.ok || !w.ok) return false;
  switch (op) {
    case matcher::op::lt: return a.v < w.v;
    case matcher::op::le: return a.v <= w.v;
    case matcher::op::gt: return a.v > w.v;
    case matcher::op::ge: return a.v >= w.v;
    default: return false;
  }
}

// `user_property=[k, v]` and `subscription_identifier=N` test membership in the lists.
bool list_member(const json::object& packet, std::string_view field, const json::value& want, bool& handled) {
  std::string_view list = field == "user_property" ? "user_properties" : field == "subscription_identifier" ? "subscription_identifiers" : "";
  handled = !list.empty();
  if (!handled) return false;
  const json::value* v = find_field(packet, list);
  if (!v || !v->is_array()) return false;
  for (const json::value& e : v->get_array()) {
    if (same_value(e, want)) return true;
  }
  return false;
}

const char* op_text(matcher::op op) {
  switch (op) {
    case matcher::op::eq: return "=";
    case matcher::op::ne: return "!=";
    case matcher::op::lt: return "<";
    case matcher::op::le: return "<=";
    case matcher::op::gt: return ">";
    case matcher::op::ge: return ">=";
    case matcher::op::in: return " in ";
  }
  return "?";
}

}  // namespace

json::value resolve(const term& t, const bindings& b) {
  if (t.k == term::kind::list) {
    json::array a;
    for (const term& item : t.items) a.push_back(resolve(item, b));
    return a;
  }
  std::optional<json::value> single;
  std::string s = substitute(t, b, &single);
  if (t.k == term::kind::string) return json::string(s);
  if (single) return std::move(*single);
  if (s == "true") return true;
  if (s == "false") return false;
  if (auto n = number_of(s)) return *n;
  return json::string(s);
}

std::string resolve_text(const term& t, const bindings& b) {
  if (t.k == term::kind::list) return json::serialize(resolve(t, b));
  return substitute(t, b, nullptr);
}

const json::value* find_field(const json::object& packet, std::string_view field) {
  std::string_view head = field.substr(0, field.find('.'));
  std::string_view rest = head.size() < field.size() ? field.substr(head.size() + 1) : std::string_view{};
  auto lookup = [&](std::string_view key) -> const json::value* {
    const json::value* v = packet.if_contains(key);
    if (!v) {
      if (const json::value* props = packet.if_contains("properties")) {
        if (props->is_object()) v = props->get_object().if_contains(key);
      }
    }
    return v;
  };
  const json::value* v = nullptr;
  if (head == "id") v = lookup("packet_id");
  else if (head == "clean") v = lookup("clean_start");
  else if (head == "reason") {
    v = lookup("reason_code");
    if (!v) v = lookup("return_code");
    // Before 5.0, acknowledgements carry no reason code: they are all successes.
    static const json::value success(0);
    const json::value* type = packet.if_contains("type");
    if (!v && type && type->is_string()) {
      std::string_view t = type->get_string();
      if (t == "PUBACK" || t == "PUBREC" || t == "PUBREL" || t == "PUBCOMP" || t == "DISCONNECT") v = &success;
    }
  } else v = lookup(head);
  if (!v || rest.empty()) return v;
  return walk(v, rest);
}

bool same_value(const json::value& a, const json::value& b) {
  number na = as_number(a);
  number nb = as_number(b);
  if (na.ok && nb.ok) return na.v == nb.v;
  if (a.is_string() && b.is_string()) return a.get_string() == b.get_string();
  if (a.is_array() && b.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!same_value(x[i], y[i])) return false;
    }
    return true;
  }
  return a == b;
}

namespace {

bool presence_word(const term& t) { return t.k == term::kind::word && (t.text == "absent" || t.text == "present"); }

// One value of a matcher: true when the packet's field relates to it as the operator says.
bool matches_value(const matcher& m, const term& t, const json::object& packet, const bindings& b) {
  if (presence_word(t)) {
    bool there = find_field(packet, m.field) != nullptr;
    bool want = t.text == "present";
    return m.oper == matcher::op::ne ? there != want : there == want;
  }
  json::value want = resolve(t, b);
  bool handled = false;
  bool member = list_member(packet, m.field, want, handled);
  if (handled) return m.oper == matcher::op::ne ? !member : member;
  // `reason="Malformed Packet"` compares the reason's name; a number compares the code.
  const json::value* actual = (m.field == "reason" && want.is_string()) ? packet.if_contains("reason") : find_field(packet, m.field);
  if (!actual) return m.oper == matcher::op::ne;
  return compare(*actual, m.oper, want);
}

}  // namespace

bool matches(const packet_pattern& p, const json::object& packet, const bindings& b) {
  const json::value* type = packet.if_contains("type");
  if (!type || !type->is_string() || type->get_string() != mqtt::codec::to_string(p.type)) return false;
  for (const matcher& m : p.matchers) {
    // `in {...}` holds when any value matches; the other operators have one value.
    bool any = std::any_of(m.values.begin(), m.values.end(), [&](const term& t) { return matches_value(m, t, packet, b); });
    if (!any) return false;
  }
  return true;
}

std::string describe(const packet_pattern& p, const bindings& b) {
  std::string s(mqtt::codec::to_string(p.type));
  for (const matcher& m : p.matchers) {
    s += " " + m.field + op_text(m.oper);
    if (m.oper == matcher::op::in) s += "{";
    for (std::size_t i = 0; i < m.values.size(); ++i) {
      if (i) s += ", ";
      std::string text;
      try {
        const term& t = m.values[i];
        text = t.k == term::kind::string ? "\"" + resolve_text(t, b) + "\"" : resolve_text(t, b);
      } catch (const resolve_error&) {
        text = m.values[i].text;
      }
      s += text;
    }
    if (m.oper == matcher::op::in) s += "}";
  }
  return s;
}

}  // namespace harness::script
