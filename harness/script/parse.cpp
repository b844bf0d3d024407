// Recursive-descent parser over a line-aware token stream. One step a line; `{ ... }` blocks
// (`one of`, `unordered`) span lines. Errors stop the current scenario, not the file.
#include "script/parse.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "mqtt/codec/error.hpp"
#include "mqtt/spec/statements.hpp"
#include "script/fields.hpp"
#include "script/history_adapter.hpp"

namespace harness::script {
namespace {

struct token {
  enum class kind : std::uint8_t { word, string, lbrace, rbrace, lbracket, rbracket, comma, op, newline, end };
  kind k = kind::end;
  std::string text;
  source_pos pos;
};

struct failure : std::runtime_error {
  source_pos pos;
  failure(source_pos p, const std::string& m) : std::runtime_error(m), pos(p) {}
};

bool word_char(char c) {
  return !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '{' || c == '}' || c == '[' ||
           c == ']' || c == ',' || c == '=' || c == '!' || c == '<' || c == '>');
}

std::vector<token> tokenize(std::string_view text) {
  std::vector<token> out;
  int line = 1;
  std::size_t line_start = 0;
  std::size_t i = 0;
  auto pos = [&](std::size_t at) { return source_pos{line, static_cast<int>(at - line_start) + 1}; };
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      out.push_back({token::kind::newline, "", pos(i)});
      ++i;
      ++line;
      line_start = i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    // A comment starts with '#' at the line start or after white space; `filter=#` is a value.
    if (c == '#' && (i == line_start || text[i - 1] == ' ' || text[i - 1] == '\t')) {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    source_pos p = pos(i);
    if (c == '"') {
      std::string s;
      ++i;
      bool closed = false;
      while (i < text.size() && text[i] != '\n') {
        char d = text[i++];
        if (d == '"') {
          closed = true;
          break;
        }
        if (d == '\\' && i < text.size()) {
          char e = text[i++];
          switch (e) {
            case 'n': s += '\n'; break;
            case 't': s += '\t'; break;
            case '0': s += '\0'; break;
            case '"': s += '"'; break;
            case '\\': s += '\\'; break;
            case '$': s += "$$"; break;  // a literal dollar, kept escaped for substitution
            default: throw failure(pos(i - 1), std::string("unknown escape \\") + e + " (known: \\n \\t \\0 \\\" \\\\ \\$)");
          }
          continue;
        }
        s += d;
      }
      if (!closed) throw failure(p, "unterminated string: expected a closing '\"' on the same line");
      out.push_back({token::kind::string, std::move(s), p});
      continue;
    }
    auto single = [&](token::kind k) {
      out.push_back({k, std::string(1, c), p});
      ++i;
    };
    switch (c) {
      case '{': single(token::kind::lbrace); continue;
      case '}': single(token::kind::rbrace); continue;
      case '[': single(token::kind::lbracket); continue;
      case ']': single(token::kind::rbracket); continue;
      case ',': single(token::kind::comma); continue;
      default: break;
    }
    if (c == '=' || c == '!' || c == '<' || c == '>') {
      std::string op(1, c);
      std::size_t len = 1;
      if (i + 1 < text.size() && (text[i + 1] == '=' || (c == '=' && text[i + 1] == '>'))) {
        op += text[i + 1];
        len = 2;
      }
      if (op == "!") throw failure(p, "'!' must be followed by '=' (the operator !=)");
      if (op == "==") op = "=";
      i += len;
      out.push_back({token::kind::op, op, p});
      continue;
    }
    std::size_t start = i;
    while (i < text.size() && word_char(text[i])) ++i;
    out.push_back({token::kind::word, std::string(text.substr(start, i - start)), p});
  }
  out.push_back({token::kind::newline, "", pos(i)});
  out.push_back({token::kind::end, "", pos(i)});
  return out;
}

class parser {
 public:
  parser(std::vector<token> toks, std::string_view text, const std::string& file)
      : toks_(std::move(toks)), text_(text), file_(file) {}

  parse_result run() {
    parse_result r;
    while (peek().k != token::kind::end) {
      skip_newlines();
      if (peek().k == token::kind::end) break;
      std::size_t start_index = i_;
      try {
        scenario s = parse_scenario();
        finish(s);
        r.scenarios.push_back(std::move(s));
      } catch (const failure& f) {
        r.errors.push_back(make_error(f.pos, f.what()));
        // Resume at the next `scenario` line.
        if (i_ == start_index) ++i_;
        while (peek().k != token::kind::end && !(at_line_start() && peek().k == token::kind::word && peek().text == "scenario")) ++i_;
      }
    }
    return r;
  }

 private:
  const token& peek(std::size_t ahead = 0) const { return toks_[std::min(i_ + ahead, toks_.size() - 1)]; }
  const token& next() { return toks_[std::min(i_++, toks_.size() - 1)]; }
  bool at_line_start() const { return i_ == 0 || toks_[i_ - 1].k == token::kind::newline; }
  void skip_newlines() {
    while (peek().k == token::kind::newline) ++i_;
  }
  bool is_word(std::string_view w, std::size_t ahead = 0) const {
    return peek(ahead).k == token::kind::word && peek(ahead).text == w;
  }

  [[noreturn]] void fail(const token& t, const std::string& message) const {
    std::string found = t.k == token::kind::newline || t.k == token::kind::end ? "the end of the line"
                        : t.k == token::kind::string                          ? "\"" + t.text + "\""
                                                                               : "'" + t.text + "'";
    throw failure(t.pos, message + ", found " + found);
  }

  std::string expect_word(const std::string& what) {
    if (peek().k != token::kind::word) fail(peek(), "expected " + what);
    return next().text;
  }
  void end_of_line() {
    if (peek().k != token::kind::newline && peek().k != token::kind::end) fail(peek(), "expected the end of the step");
    ++i_;
  }

  std::string line_text(int line) const {
    int l = 1;
    std::size_t start = 0;
    for (std::size_t k = 0; k < text_.size() && l < line; ++k) {
      if (text_[k] == '\n') {
        ++l;
        start = k + 1;
      }
    }
    std::size_t end = text_.find('\n', start);
    if (end == std::string_view::npos) end = text_.size();
    std::string s(text_.substr(start, end - start));
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  }

  parse_error make_error(source_pos p, const std::string& message) const {
    return {file_, p.line, p.col, message, line_text(p.line)};
  }

  // The text of the current line from `from` (a column) to the token at `to`.
  std::string span_text(source_pos from, const token& to) const {
    std::string line = line_text(from.line);
    int end_col = to.pos.line == from.line ? to.pos.col : static_cast<int>(line.size()) + 1;
    std::size_t a = static_cast<std::size_t>(from.col - 1);
    std::size_t b = static_cast<std::size_t>(std::max(end_col - 1, from.col - 1));
    std::string s = line.substr(std::min(a, line.size()), b - a);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
    return s;
  }

  scenario parse_scenario() {
    const token& kw = peek();
    if (!is_word("scenario")) fail(kw, "expected 'scenario ID \"title\"' to open a scenario");
    ++i_;
    scenario s;
    s.file = file_;
    s.pos = kw.pos;
    s.first_line = kw.pos.line;
    s.id = expect_word("the scenario's id (such as v5/3.8/subscribe-reserved-flags)");
    if (peek().k != token::kind::string) fail(peek(), "expected the scenario's title in quotes");
    s.title = next().text;
    end_of_line();
    std::vector<std::pair<std::optional<protocol_version>, token>> cited;
    bool have_version = false;
    // Header lines, then steps, until the next `scenario` or the end.
    while (true) {
      skip_newlines();
      if (peek().k == token::kind::end || is_word("scenario")) break;
      const token& t = peek();
      if (t.k == token::kind::lbracket) {
        s.steps.push_back(parse_step());
        continue;
      }
      if (t.k != token::kind::word) fail(t, "expected a step or a header line");
      if (t.text == "spec") {
        ++i_;
        std::optional<protocol_version> only;
        if (peek().k == token::kind::word && mqtt::codec::protocol_version_from(peek().text)) only = mqtt::codec::protocol_version_from(next().text);
        if (peek().k != token::kind::word) fail(peek(), "expected statement IDs (such as MQTT-3.8.1-1)");
        while (peek().k == token::kind::word) cited.emplace_back(only, next());
        end_of_line();
      } else if (t.text == "version") {
        ++i_;
        have_version = true;
        if (peek().k != token::kind::word) fail(peek(), "expected protocol versions: 3.1, 3.1.1, 5 or all");
        while (peek().k == token::kind::word) {
          const token& v = next();
          if (v.text == "all") {
            s.versions = {protocol_version::v3_1_1, protocol_version::v5};
            continue;
          }
          auto pv = mqtt::codec::protocol_version_from(v.text);
          if (!pv) fail(v, "expected a protocol version: 3.1, 3.1.1, 5 or all");
          if (std::find(s.versions.begin(), s.versions.end(), *pv) == s.versions.end()) s.versions.push_back(*pv);
        }
        end_of_line();
      } else if (t.text == "needs") {
        ++i_;
        while (peek().k == token::kind::word) {
          const token& c = next();
          const auto& known = known_capabilities();
          if (std::find(known.begin(), known.end(), c.text) == known.end()) {
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            fail(c, "unknown capability (known: " + list + ")");
          }
          s.needs.push_back(c.text);
        }
        end_of_line();
      } else if (t.text == "found") {
        ++i_;
        if (peek().k != token::kind::string) fail(peek(), "expected where the bug was found, in quotes (\"mosquitto 2.0.11\")");
        s.found_in = next().text;
        end_of_line();
      } else if (t.text == "malformed") {
        ++i_;
        if (peek().k != token::kind::word) fail(peek(), "expected the codec's rule names (mqtt-harness rules), such as utf8_null");
        while (peek().k == token::kind::word) {
          const token& r = next();
          auto rules = mqtt::codec::all_rules();
          if (std::none_of(rules.begin(), rules.end(), [&](const auto& info) { return info.name == r.text; })) fail(r, "unknown codec rule (mqtt-harness rules lists them)");
          s.malformed.push_back(r.text);
        }
        end_of_line();
      } else {
        s.steps.push_back(parse_step());
      }
    }
    if (!have_version) throw failure(s.pos, "scenario " + s.id + " has no 'version' line");
    if (cited.empty()) throw failure(s.pos, "scenario " + s.id + " cites no statement: add a 'spec' line");
    for (auto& [only, tok] : cited) {
      std::vector<protocol_version> vs = only ? std::vector{*only} : s.versions;
      for (protocol_version v : vs) {
        if (std::find(s.versions.begin(), s.versions.end(), v) == s.versions.end()) {
          fail(tok, "statement given for version " + std::string(mqtt::codec::to_string(v)) + ", which the scenario does not apply to");
        }
        if (!mqtt::spec::is_statement(v, tok.text)) {
          throw failure(tok.pos, "'" + tok.text + "' is not a statement of MQTT " + std::string(mqtt::codec::to_string(v)) +
                                     (only ? "" : " (cite version-specific IDs with 'spec 3.1.1 ID' or 'spec 5 ID')"));
        }
        auto& list = s.statements[v];
        if (std::find(list.begin(), list.end(), tok.text) == list.end()) list.push_back(tok.text);
      }
    }
    return s;
  }

  void finish(scenario& s) {
    int last = s.steps.empty() ? s.first_line : s.steps.back().pos.line;
    std::string src;
    for (int l = s.first_line; l <= last; ++l) src += line_text(l) + "\n";
    s.source = std::move(src);
    bool websocket = std::find(s.needs.begin(), s.needs.end(), "websocket") != s.needs.end();
    for (const step& st : s.steps) {
      bool ws_only = false;
      if (const auto* send = std::get_if<send_step>(&st.body)) {
        if (send->raw_hex || send->unchecked || send->ws_text) s.hostile = true;
        ws_only = send->ws_text.has_value();
      } else if (const auto* a = std::get_if<assert_step>(&st.body)) {
        ws_only = a->k == assert_step::kind::subprotocol;
      } else if (const auto* f = std::get_if<fault_step>(&st.body)) {
        s.faults = true;
        if (f->k == fault_step::kind::restart) {
          s.restarts = true;
          if (std::find(s.needs.begin(), s.needs.end(), "restart") == s.needs.end()) {
            throw failure(st.pos, "this step restarts the broker: the scenario needs 'needs restart'");
          }
        }
      } else if (std::holds_alternative<check_step>(st.body) && s.restarts) {
        // The checkers would take the sessions and wills a restart ended for ones still owed.
        throw failure(st.pos, "'check history' after 'restart broker' is not supported: the history has no record of the restart");
      }
      if (ws_only && !websocket) {
        throw failure(st.pos, "this step exists only on a WebSocket connection: the scenario needs 'needs websocket'");
      }
    }
  }

  std::string client_name() {
    const token& t = peek();
    std::string n = expect_word("a client name");
    bool ok = !n.empty() && n.size() <= 8 &&
              std::all_of(n.begin(), n.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
    if (!ok) fail(t, "a client name is 1 to 8 lower-case letters and digits");
    return n;
  }

  step parse_step() {
    step st;
    st.pos = peek().pos;
    st.text = line_text(st.pos.line);
    if (peek().k == token::kind::lbracket) {
      ++i_;
      while (peek().k == token::kind::word) {
        const token& v = next();
        auto pv = mqtt::codec::protocol_version_from(v.text);
        if (!pv) fail(v, "expected a protocol version in [ ]");
        st.only.push_back(*pv);
      }
      if (peek().k != token::kind::rbracket) fail(peek(), "expected ']' after the step's versions");
      ++i_;
    }
    const token& kw = peek();
    std::string verb = expect_word("a step");
    if (verb == "connect" || verb == "open") {
      connect_step c;
      c.open_only = verb == "open";
      c.client = client_name();
      if (!c.open_only) c.fields = parse_fields(packet_type::connect);
      end_of_line();
      st.body = std::move(c);
    } else if (verb == "send") {
      st.body = parse_send();
    } else if (verb == "reauth") {
      // `reauth C FIELD=VALUE...`: AUTH 0x19 (Re-authenticate), the fields as for AUTH.
      send_step s;
      s.client = client_name();
      s.type = packet_type::auth;
      field_setting reason{"reason", {}, kw.pos};
      reason.value.text = "0x19";
      reason.value.pos = kw.pos;
      s.fields.push_back(std::move(reason));
      for (auto& f : parse_fields(packet_type::auth)) s.fields.push_back(std::move(f));
      end_of_line();
      st.body = std::move(s);
    } else if (verb == "expect" || verb == "require") {
      st.body = parse_expect(verb == "require");
    } else if (verb == "close" || verb == "half-close" || verb == "reset") {
      close_step c;
      c.k = verb == "close" ? close_step::kind::close : verb == "reset" ? close_step::kind::reset : close_step::kind::half_close;
      c.client = client_name();
      end_of_line();
      st.body = std::move(c);
    } else if (verb == "wait") {
      wait_step w;
      w.duration_ms = duration();
      end_of_line();
      st.body = w;
    } else if (verb == "ignore") {
      ignore_step g;
      g.client = client_name();
      while (peek().k == token::kind::word) g.types.push_back(packet_type_word());
      if (g.types.empty()) fail(peek(), "expected packet types to ignore");
      end_of_line();
      st.body = std::move(g);
    } else if (verb == "auto-ack") {
      auto_ack_step a;
      a.client = client_name();
      end_of_line();
      st.body = std::move(a);
    } else if (verb == "partition" || verb == "black-hole" || verb == "half-open" || verb == "heal" ||
               verb == "restart") {
      st.body = parse_fault(verb);
    } else if (verb == "assert") {
      st.body = parse_assert();
    } else if (verb == "check") {
      st.body = parse_check();
    } else {
      fail(kw, "unknown step '" + verb +
                   "' (steps: connect, open, send, reauth, expect, require, close, half-close, reset, wait, ignore, auto-ack, assert, check, partition, black-hole, half-open, heal, restart)");
    }
    return st;
  }

  fault_step parse_fault(const std::string& verb) {
    fault_step f;
    if (verb == "heal") {
      f.k = fault_step::kind::heal;
    } else if (verb == "restart") {
      f.k = fault_step::kind::restart;
      const token& t = peek();
      if (expect_word("'broker'") != "broker") fail(t, "expected 'restart broker'");
    } else {
      f.k = verb == "partition" ? fault_step::kind::partition
            : verb == "black-hole" ? fault_step::kind::black_hole
                                   : fault_step::kind::half_open;
      f.client = client_name();
      if (f.k == fault_step::kind::half_open) {
        const token& t = peek();
        std::string end = expect_word("the end that learns of it: client or broker");
        if (end != "client" && end != "broker") fail(t, "expected the end that learns of it: client or broker");
        f.broker_told = end == "broker";
      } else if (f.k == fault_step::kind::partition && peek().k == token::kind::word && peek().text == "for") {
        ++i_;
        f.duration_ms = duration();
      }
    }
    end_of_line();
    return f;
  }

  ms duration() {
    const token& t = peek();
    if (t.k != token::kind::word) fail(t, "expected a duration such as 5s or 500ms");
    auto d = parse_duration(t.text);
    if (!d) fail(t, "expected a duration such as 5s or 500ms");
    ++i_;
    return *d;
  }

  packet_type packet_type_word() {
    const token& t = peek();
    std::string w = expect_word("a packet type");
    auto pt = packet_type_from(w);
    if (!pt) fail(t, "unknown packet type (the standard's names: CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH)");
    return *pt;
  }

  term parse_term() {
    const token& t = peek();
    term v;
    v.pos = t.pos;
    if (t.k == token::kind::word) {
      v.k = term::kind::word;
      v.text = next().text;
      return v;
    }
    if (t.k == token::kind::string) {
      v.k = term::kind::string;
      v.text = next().text;
      return v;
    }
    if (t.k == token::kind::lbracket) {
      ++i_;
      v.k = term::kind::list;
      while (peek().k != token::kind::rbracket) {
        v.items.push_back(parse_term());
        if (peek().k == token::kind::comma) {
          ++i_;
          continue;
        }
        if (peek().k != token::kind::rbracket) fail(peek(), "expected ',' or ']' in a list");
      }
      ++i_;
      return v;
    }
    fail(t, "expected a value");
  }

  std::vector<field_setting> parse_fields(packet_type type) {
    std::vector<field_setting> out;
    while (peek().k == token::kind::word && peek(1).k == token::kind::op && peek(1).text == "=") {
      const token& name = next();
      ++i_;
      if (!sendable_field(type, name.text)) {
        fail(name, "unknown field '" + name.text + "' for " + std::string(mqtt::codec::to_string(type)));
      }
      out.push_back({name.text, parse_term(), name.pos});
    }
    return out;
  }

  send_step parse_send() {
    send_step s;
    s.client = client_name();
    if (is_word("raw")) {
      ++i_;
      if (peek().k != token::kind::string) fail(peek(), "expected the bytes as a quoted hex string");
      s.raw_hex = parse_term();
      end_of_line();
      return s;
    }
    if (is_word("text")) {
      ++i_;
      if (is_word("raw")) {
        ++i_;
        s.ws_text_hex = true;
      }
      if (peek().k != token::kind::string) fail(peek(), s.ws_text_hex ? "expected the bytes as a quoted hex string" : "expected the message as a quoted string");
      s.ws_text = parse_term();
      end_of_line();
      return s;
    }
    s.type = packet_type_word();
    s.fields = parse_fields(s.type);
    if (is_word("unchecked")) {
      ++i_;
      s.unchecked = true;
    }
    if (peek().k == token::kind::word && peek(1).k != token::kind::op) {
      fail(peek(), "expected FIELD=VALUE, 'unchecked' or the end of the step");
    }
    end_of_line();
    return s;
  }

  matcher::op op_from(const token& t) {
    if (t.text == "=") return matcher::op::eq;
    if (t.text == "!=") return matcher::op::ne;
    if (t.text == "<") return matcher::op::lt;
    if (t.text == "<=") return matcher::op::le;
    if (t.text == ">") return matcher::op::gt;
    if (t.text == ">=") return matcher::op::ge;
    fail(t, "expected a comparison (=, !=, <, <=, >, >=, in)");
  }

  // Words that end a packet pattern rather than name a field.
  bool pattern_end() const {
    const token& t = peek();
    if (t.k != token::kind::word) return true;
    return t.text == "as" || t.text == "within" || t.text == "for" || t.text == "then" || t.text == "by";
  }

  packet_pattern parse_pattern() {
    packet_pattern p;
    p.pos = peek().pos;
    p.type = packet_type_word();
    while (!pattern_end()) {
      const token& name = peek();
      if (!(peek(1).k == token::kind::op || (peek(1).k == token::kind::word && peek(1).text == "in"))) break;
      ++i_;
      if (!matchable_field(p.type, name.text)) {
        fail(name, "unknown field '" + name.text + "' for " + std::string(mqtt::codec::to_string(p.type)));
      }
      matcher m;
      m.field = name.text;
      m.pos = name.pos;
      if (is_word("in")) {
        ++i_;
        m.oper = matcher::op::in;
        if (peek().k != token::kind::lbrace) fail(peek(), "expected '{' to open the set of values");
        ++i_;
        while (peek().k != token::kind::rbrace) {
          m.values.push_back(parse_term());
          if (peek().k == token::kind::comma) ++i_;
          else if (peek().k != token::kind::rbrace) fail(peek(), "expected ',' or '}' in a set of values");
        }
        ++i_;
      } else {
        m.oper = op_from(next());
        m.values.push_back(parse_term());
      }
      p.matchers.push_back(std::move(m));
    }
    if (is_word("as")) {
      ++i_;
      p.capture = expect_word("a name to capture the packet under");
    }
    p.text = span_text(p.pos, peek());
    return p;
  }

  std::optional<ms> trailing_duration(const char* word) {
    if (!is_word(word)) return std::nullopt;
    ++i_;
    return duration();
  }

  outcome_item parse_outcome_item() {
    outcome_item it;
    if (is_word("closed")) {
      ++i_;
      it.k = outcome_item::kind::closed;
    } else if (is_word("nothing")) {
      ++i_;
      it.k = outcome_item::kind::nothing;
    } else {
      it.packet = parse_pattern();
    }
    return it;
  }

  alternative parse_alternative() {
    alternative a;
    a.pos = peek().pos;
    a.items.push_back(parse_outcome_item());
    while (is_word("then")) {
      ++i_;
      a.items.push_back(parse_outcome_item());
    }
    for (std::size_t k = 0; k + 1 < a.items.size(); ++k) {
      if (a.items[k].k != outcome_item::kind::packet) throw failure(a.pos, "'closed' and 'nothing' can only end an outcome");
    }
    if (a.items.size() > 1 && a.items.back().k == outcome_item::kind::nothing) {
      throw failure(a.pos, "'nothing' is an outcome of its own");
    }
    a.text = span_text(a.pos, peek());
    if (peek().k != token::kind::op || peek().text != "=>") fail(peek(), "expected '=>' and a verdict (pass, nonstrict \"why\", fail \"why\")");
    ++i_;
    const token& v = peek();
    std::string w = expect_word("a verdict: pass, nonstrict or fail");
    if (w == "pass") a.result = verdict::pass;
    else if (w == "nonstrict") a.result = verdict::nonstrict;
    else if (w == "fail") a.result = verdict::fail;
    else fail(v, "expected a verdict: pass, nonstrict or fail");
    if (peek().k == token::kind::string) a.note = next().text;
    if (a.result != verdict::pass && a.note.empty()) fail(peek(), "a nonstrict or fail outcome needs its reason in quotes");
    return a;
  }

  expect_step parse_expect(bool precondition) {
    expect_step e;
    e.precondition = precondition;
    e.client = client_name();
    if (is_word("closed")) {
      ++i_;
      e.k = expect_step::kind::closed;
      e.duration_ms = trailing_duration("within");
    } else if (is_word("nothing")) {
      ++i_;
      e.k = expect_step::kind::nothing;
      e.duration_ms = trailing_duration("for");
      if (!e.duration_ms) fail(peek(), "expected 'for DURATION' after 'nothing'");
    } else if (is_word("no")) {
      ++i_;
      e.k = expect_step::kind::none_of_type;
      e.packets.push_back(parse_pattern());
      e.duration_ms = trailing_duration("for");
      if (!e.duration_ms) fail(peek(), "expected 'for DURATION' after the packet");
    } else if (is_word("unordered") || (is_word("one") && is_word("of", 1))) {
      bool one_of = is_word("one");
      i_ += one_of ? 2 : 1;
      e.k = one_of ? expect_step::kind::one_of : expect_step::kind::unordered;
      if (peek().k != token::kind::lbrace) fail(peek(), "expected '{' to open the block");
      ++i_;
      end_of_line();
      while (true) {
        skip_newlines();
        if (peek().k == token::kind::rbrace) break;
        if (peek().k == token::kind::end) fail(peek(), "expected '}' to close the block");
        if (one_of) e.alternatives.push_back(parse_alternative());
        else e.packets.push_back(parse_pattern());
        end_of_line();
      }
      ++i_;
      if (one_of && e.alternatives.empty()) fail(peek(), "a 'one of' block needs outcomes");
      if (!one_of && e.packets.empty()) fail(peek(), "an 'unordered' block needs packets");
      e.duration_ms = trailing_duration("within");
    } else {
      e.k = expect_step::kind::packet;
      e.packets.push_back(parse_pattern());
      e.duration_ms = trailing_duration("within");
    }
    end_of_line();
    return e;
  }

  assert_step parse_assert() {
    assert_step a;
    a.client = client_name();
    while (peek().k == token::kind::comma) {
      ++i_;
      a.more_clients.push_back(client_name());
    }
    const token& kw = peek();
    std::string w = expect_word("'received', 'order' or 'subprotocol'");
    if (w == "subprotocol") {
      a.k = assert_step::kind::subprotocol;
      if (!a.more_clients.empty()) fail(kw, "'subprotocol' is about one connection");
      if (peek().k != token::kind::string && peek().k != token::kind::word) fail(peek(), "expected the subprotocol's name (or absent)");
      a.subprotocol = parse_term();
    } else if (w == "received") {
      a.k = assert_step::kind::received;
      if (peek().k == token::kind::op) a.count_op = op_from(next());
      const token& n = peek();
      std::string count = expect_word("a count");
      auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), a.count);
      if (ec != std::errc() || end != count.data() + count.size()) fail(n, "expected a count");
      a.packet = parse_pattern();
    } else if (w == "order") {
      a.k = assert_step::kind::order;
      a.packet = parse_pattern();
      if (!is_word("by")) fail(peek(), "expected 'by FIELD [values...]'");
      ++i_;
      a.by_field = expect_word("a field");
      term list = parse_term();
      if (list.k != term::kind::list) fail(peek(), "expected the values in order as a [list]");
      a.sequence = std::move(list.items);
    } else {
      fail(kw, "expected 'received', 'order' or 'subprotocol'");
    }
    end_of_line();
    return a;
  }

  // `check history [rules R1,R2,...] [within DUR]`
  check_step parse_check() {
    check_step c;
    if (!is_word("history")) fail(peek(), "expected 'history' ('check history [rules R1,R2] [within DUR]')");
    ++i_;
    if (is_word("rules")) {
      ++i_;
      while (true) {
        const token& t = peek();
        std::string name = expect_word("a rule name (such as qos1-lost)");
        const check::rule_info* r = check::find_rule(name);
        if (!r) throw failure(t.pos, "unknown rule '" + name + "' (rules: " + judged_rule_names() + ")");
        if (!judged_in_scenarios(r->id)) {
          throw failure(t.pos, "rule '" + name + "' is the simulator's own, not judged in scenarios (rules: " +
                                   judged_rule_names() + ")");
        }
        if (std::find(c.rules.begin(), c.rules.end(), r->id) == c.rules.end()) c.rules.push_back(r->id);
        if (peek().k != token::kind::comma) break;
        ++i_;
      }
    }
    c.duration_ms = trailing_duration("within");
    end_of_line();
    return c;
  }

  static std::string judged_rule_names() {
    std::string s;
    for (const check::rule_info& r : check::rules()) {
      if (judged_in_scenarios(r.id)) s += (s.empty() ? "" : ", ") + std::string(r.name);
    }
    return s;
  }

  std::vector<token> toks_;
  std::string_view text_;
  const std::string& file_;
  std::size_t i_ = 0;
};

}  // namespace

std::string parse_error::format() const {
  std::string s = file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": error: " + message + "\n";
  s += "  " + line_text + "\n  ";
  for (int k = 1; k < col; ++k) s += (k - 1 < static_cast<int>(line_text.size()) && line_text[static_cast<std::size_t>(k - 1)] == '\t') ? '\t' : ' ';
  s += "^\n";
  return s;
}

std::optional<ms> parse_duration(std::string_view text) {
  ms value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  ms scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : unit == "h" ? 3'600'000 : 0;
  if (scale == 0) return std::nullopt;
  return value * scale;
}

parse_result parse_scenarios(std::string_view text, const std::string& file) {
  try {
    return parser(tokenize(text), text, file).run();
  } catch (const failure& f) {
    parse_result r;
    int l = 1;
    std::size_t start = 0;
    for (std::size_t k = 0; k < text.size() && l < f.pos.line; ++k) {
      if (text[k] == '\n') {
        ++l;
        start = k + 1;
      }
    }
    std::size_t end = text.find('\n', start);
    r.errors.push_back({file, f.pos.line, f.pos.col, f.what(), std::string(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start))});
    return r;
  }
}

}  // namespace harness::script
