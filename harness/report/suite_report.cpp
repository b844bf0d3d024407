// The statement matrix and the JUnit and JSON writers.
#include "report/suite_report.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "mqtt/broker/enforced.hpp"
#include "mqtt/spec/statements.hpp"

namespace harness::report {

namespace json = boost::json;
using script::protocol_version;
using script::verdict;

std::string shown_verdict(const run::case_result& c) {
  if (c.waived) return "waived";
  return std::string(script::to_string(c.result));
}

std::string cell_verdict(const statement_cell& cell) {
  if (cell.waived) return "waived";
  if (cell.worst) return std::string(script::to_string(*cell.worst));
  return cell.cases.empty() ? "uncovered" : "skip";
}

std::vector<version_matrix> statement_matrix(const run::run_result& r) {
  std::vector<version_matrix> out;
  std::set<protocol_version> versions;
  for (const auto& c : r.cases) versions.insert(c.version == protocol_version::v3_1 ? protocol_version::v3_1_1 : c.version);
  for (protocol_version v : versions) {
    version_matrix m;
    m.version = v;
    auto enforced = mqtt::broker::enforced_statements(v);
    for (mqtt::spec::statement_id id : mqtt::spec::statements(v)) {
      statement_cell cell;
      cell.id = std::string(id.text());
      cell.enforced = std::find(enforced.begin(), enforced.end(), id) != enforced.end();
      bool unwaived_fail = false;
      for (const auto& c : r.cases) {
        protocol_version cv = c.version == protocol_version::v3_1 ? protocol_version::v3_1_1 : c.version;
        if (cv != v) continue;
        const auto& cited = c.sc->statements_for(c.version);
        if (std::find(cited.begin(), cited.end(), cell.id) == cited.end()) continue;
        cell.cases.push_back(&c);
        if (c.result == verdict::skip) continue;
        verdict shown = c.waived ? verdict::fail : c.result;
        if (shown == verdict::fail && !c.waived) unwaived_fail = true;
        if (!cell.worst || script::severity(shown) > script::severity(*cell.worst)) cell.worst = shown;
      }
      cell.waived = cell.worst == verdict::fail && !unwaived_fail;
      if (auto cv = r.classes.find(v); cv != r.classes.end()) {
        if (auto k = cv->second.find(cell.id); k != cv->second.end()) cell.klass = k->second;
      }
      if (cell.klass == "broker") {
        ++m.observable;
        if (cell.worst) ++m.observable_covered;
      }
      if (cell.klass == "client") ++m.client_side;
      if (cell.klass == "unobservable") ++m.unobservable;
      if (cell.worst) ++m.covered;
      if (cell.enforced && !cell.worst) ++m.enforced_unreached;
      m.cells.push_back(std::move(cell));
    }
    out.push_back(std::move(m));
  }
  return out;
}

namespace {

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 has no place for other control characters.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') out += "?";
        else out += c;
    }
  }
  return out;
}

std::string seconds(std::uint64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string version_name(protocol_version v) { return std::string(mqtt::codec::to_string(v)); }

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace

std::string junit_xml(const run::run_result& r) {
  run::counts n = run::count(r);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  std::size_t failures = n.fail + n.unsupported + n.inconclusive + n.stale;
  out += "<testsuites name=\"mqtt-harness\" tests=\"" + std::to_string(r.cases.size()) + "\" failures=\"" + std::to_string(failures) +
         "\" errors=\"" + std::to_string(n.error) + "\" skipped=\"" + std::to_string(n.skip) + "\" time=\"" + seconds(r.wall_ms) + "\">\n";
  // One suite per protocol version, so CI systems group them.
  std::set<protocol_version> versions;
  for (const auto& c : r.cases) versions.insert(c.version);
  for (protocol_version v : versions) {
    std::size_t tests = 0, fail = 0, err = 0, skip = 0;
    std::uint64_t ms = 0;
    for (const auto& c : r.cases) {
      if (c.version != v) continue;
      ++tests;
      ms += c.wall_ms;
      if (c.result == verdict::skip) ++skip;
      else if (c.result == verdict::error) ++err;
      else if (!c.waived && (c.result == verdict::fail || c.result == verdict::unsupported || c.result == verdict::inconclusive || c.stale_waiver)) ++fail;
    }
    std::string suite_name = "mqtt-" + version_name(v) + " on " + r.target;
    out += "  <testsuite name=\"" + xml_escape(suite_name) + "\" tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(fail) +
           "\" errors=\"" + std::to_string(err) + "\" skipped=\"" + std::to_string(skip) + "\" time=\"" + seconds(ms) + "\">\n";
    out += "    <properties><property name=\"target\" value=\"" + xml_escape(r.target) + "\"/><property name=\"profile\" value=\"" +
           xml_escape(r.profile_name) + "\"/><property name=\"run_id\" value=\"" + xml_escape(r.run_id) + "\"/></properties>\n";
    for (const auto& c : r.cases) {
      if (c.version != v) continue;
      std::string name = c.sc->id + " [" + version_name(c.version) + "]";
      out += "    <testcase name=\"" + xml_escape(name) + "\" classname=\"" + xml_escape("mqtt" + version_name(c.version) + "." + c.sc->id.substr(0, c.sc->id.rfind('/'))) +
             "\" file=\"" + xml_escape(c.sc->file) + "\" line=\"" + std::to_string(c.sc->first_line) + "\" time=\"" + seconds(c.wall_ms) + "\">\n";
      out += "      <properties>\n";
      out += "        <property name=\"verdict\" value=\"" + xml_escape(shown_verdict(c)) + "\"/>\n";
      out += "        <property name=\"title\" value=\"" + xml_escape(c.sc->title) + "\"/>\n";
      for (const auto& id : c.sc->statements_for(c.version)) out += "        <property name=\"statement\" value=\"" + xml_escape(id) + "\"/>\n";
      if (c.waived || c.stale_waiver) out += "        <property name=\"baseline\" value=\"" + xml_escape(c.waiver_note) + "\"/>\n";
      out += "      </properties>\n";
      const auto& o = c.run.outcome;
      std::string detail = o.message;
      if (!o.expected.empty()) detail += "\nExpected (any of):\n  " + join(o.expected, "\n  ");
      if (!o.actual.empty()) detail += "\nActual:\n  " + o.actual;
      if (c.result == verdict::skip) {
        out += "      <skipped message=\"" + xml_escape(c.skip_reason) + "\"/>\n";
      } else if (c.result == verdict::error) {
        out += "      <error message=\"" + xml_escape(o.message) + "\" type=\"error\">" + xml_escape(detail) + "</error>\n";
      } else if (c.stale_waiver) {
        out += "      <failure message=\"" + xml_escape("listed in the baseline but " + shown_verdict(c) + ": remove the entry") +
               "\" type=\"stale-baseline\">" + xml_escape(c.waiver_note) + "</failure>\n";
      } else if (c.waived) {
        out += "      <system-out>" + xml_escape("waived by the baseline (" + c.waiver_note + ")\n" + detail) + "</system-out>\n";
      } else if (c.result == verdict::fail || c.result == verdict::unsupported || c.result == verdict::inconclusive) {
        out += "      <failure message=\"" + xml_escape(o.message) + "\" type=\"" + std::string(script::to_string(c.result)) + "\">" +
               xml_escape(detail) + "</failure>\n";
      } else if (c.result == verdict::nonstrict) {
        out += "      <system-out>" + xml_escape("nonstrict: " + o.message) + "</system-out>\n";
      }
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

namespace {

json::object transcript_json(const script::transcript_entry& e) {
  json::object o;
  o["at_ms"] = e.at;
  static constexpr const char* kinds[] = {"sent", "received", "opened", "closed", "note"};
  o["kind"] = kinds[static_cast<int>(e.k)];
  o["client"] = e.client;
  o["conn"] = e.conn;
  if (!e.packet.empty()) o["packet"] = e.packet;
  if (!e.text.empty()) o["text"] = e.text;
  if (e.line) o["line"] = e.line;
  return o;
}

}  // namespace

json::object json_report(const run::run_result& r) {
  json::object root;
  root["tool"] = "mqtt-harness";
  root["run_id"] = r.run_id;
  root["target"] = r.target;
  root["profile"] = r.profile_name;
  root["wall_ms"] = r.wall_ms;
  run::counts n = run::count(r);
  json::object sum;
  sum["cases"] = r.cases.size();
  sum["pass"] = n.pass;
  sum["nonstrict"] = n.nonstrict;
  sum["fail"] = n.fail;
  sum["skip"] = n.skip;
  sum["unsupported"] = n.unsupported;
  sum["inconclusive"] = n.inconclusive;
  sum["error"] = n.error;
  sum["waived"] = n.waived;
  sum["stale_waivers"] = n.stale;
  sum["exit_status"] = run::exit_status(r);
  if (r.liveness_failure) sum["liveness_failure"] = *r.liveness_failure;
  root["summary"] = std::move(sum);
  json::array cases;
  for (const auto& c : r.cases) {
    json::object o;
    o["id"] = c.sc->id;
    o["title"] = c.sc->title;
    o["file"] = c.sc->file;
    o["line"] = c.sc->first_line;
    o["version"] = version_name(c.version);
    json::array st;
    for (const auto& id : c.sc->statements_for(c.version)) st.push_back(json::string(id));
    o["statements"] = std::move(st);
    json::array needs;
    for (const auto& x : c.sc->needs) needs.push_back(json::string(x));
    o["needs"] = std::move(needs);
    if (!c.sc->found_in.empty()) o["found_in"] = c.sc->found_in;
    if (!c.sc->malformed.empty()) {
      json::array classes;
      for (const auto& x : c.sc->malformed) classes.push_back(json::string(x));
      o["malformed"] = std::move(classes);
    }
    o["verdict"] = shown_verdict(c);
    o["raw_verdict"] = std::string(script::to_string(c.result));
    o["duration_ms"] = c.wall_ms;
    if (r.target == "sim") o["simulated_ms"] = c.run.simulated_ms;
    std::string message = c.result == verdict::skip ? c.skip_reason : c.run.outcome.message;
    o["message"] = message;
    if (c.run.outcome.line) o["step"] = c.sc->file + ":" + std::to_string(c.run.outcome.line);
    if (!c.run.outcome.expected.empty()) {
      json::array ex;
      for (const auto& x : c.run.outcome.expected) ex.push_back(json::string(x));
      o["expected"] = std::move(ex);
      o["actual"] = c.run.outcome.actual;
    }
    if (c.waived || c.stale_waiver) o["baseline"] = c.waiver_note;
    if (c.stale_waiver) o["stale_waiver"] = true;
    if (c.broker_died) o["broker_died"] = true;
    o["source"] = c.sc->source;
    json::array tr;
    for (const auto& e : c.run.transcript) tr.push_back(transcript_json(e));
    o["transcript"] = std::move(tr);
    if (c.run.transcript_dropped) o["transcript_dropped"] = c.run.transcript_dropped;
    cases.push_back(std::move(o));
  }
  root["cases"] = std::move(cases);
  json::object statements;
  for (const auto& m : statement_matrix(r)) {
    json::object vo;
    vo["total"] = m.cells.size();
    vo["covered"] = m.covered;
    vo["enforced_unreached"] = m.enforced_unreached;
    if (m.classified()) {
      vo["broker_observable"] = m.observable;
      vo["broker_observable_covered"] = m.observable_covered;
      vo["client_side"] = m.client_side;
      vo["unobservable"] = m.unobservable;
    }
    json::array items;
    for (const auto& cell : m.cells) {
      json::object s;
      s["id"] = cell.id;
      s["verdict"] = cell_verdict(cell);
      s["enforced"] = cell.enforced;
      if (!cell.klass.empty()) s["class"] = cell.klass;
      json::array sc;
      for (const auto* c : cell.cases) sc.push_back(json::string(c->sc->id));
      s["scenarios"] = std::move(sc);
      items.push_back(std::move(s));
    }
    vo["items"] = std::move(items);
    statements[version_name(m.version)] = std::move(vo);
  }
  root["statements"] = std::move(statements);
  return root;
}

}  // namespace harness::report
