// The mutation run's JSON and HTML: the score, the clean broker's verdict, and per planted bug
// its statements, whether it was caught, and by which failing cases citing which statements.
#include "report/mutation_report.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <sstream>

#include "report/html_escape.hpp"

namespace harness::report {
namespace {

namespace json = boost::json;

std::string version_name(script::protocol_version v) { return std::string(mqtt::codec::to_string(v)); }

// The case's statements that the bug breaks (what makes it a catch).
std::vector<std::string> cited_broken(const run::case_result& c, const run::bug_outcome& b) {
  std::vector<std::string> out;
  auto it = b.statements.find(c.version);
  if (it == b.statements.end()) return out;
  for (const std::string& id : c.sc->statements_for(c.version)) {
    if (std::find(it->second.begin(), it->second.end(), id) != it->second.end()) out.push_back(id);
  }
  return out;
}

json::object case_json(const run::case_result& c) {
  json::object o;
  o["id"] = c.sc->id;
  o["version"] = version_name(c.version);
  o["verdict"] = std::string(script::to_string(c.result));
  json::array st;
  for (const std::string& id : c.sc->statements_for(c.version)) st.push_back(json::string(id));
  o["statements"] = std::move(st);
  o["message"] = c.run.outcome.message;
  if (c.run.outcome.line) o["step"] = c.sc->file + ":" + std::to_string(c.run.outcome.line);
  return o;
}

unsigned percent(std::size_t part, std::size_t whole) {
  return whole == 0 ? 0u : static_cast<unsigned>((part * 100 + whole / 2) / whole);
}

constexpr const char* style = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header .meta{color:#c5cad6;font-size:13px}
main{padding:18px 28px}
section{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:14px 18px;margin-bottom:18px}
h2{font-size:17px;margin:0 0 10px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceff3;vertical-align:top}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px}
.caught{background:#2e7d32}.missed{background:#c62828}
.muted{color:#6b7385;font-size:12px}
)css";

}  // namespace

std::string mutation_summary(const run::mutation_result& m) {
  std::ostringstream o;
  o << "mutation score " << m.caught() << "/" << m.bugs.size() << " (" << percent(m.caught(), m.bugs.size())
    << "%) planted bugs caught; the clean broker has " << m.clean_failing.size() << " failing of " << m.clean_cases
    << " cases; " << m.wall_ms << " ms";
  return o.str();
}

json::object mutation_json(const run::mutation_result& m) {
  json::object root;
  root["tool"] = "mqtt-harness";
  root["kind"] = "mutation";
  root["target"] = "sim";
  root["planted"] = m.bugs.size();
  root["caught"] = m.caught();
  root["score"] = m.bugs.empty() ? 0.0 : static_cast<double>(m.caught()) / static_cast<double>(m.bugs.size());
  root["wall_ms"] = m.wall_ms;
  root["exit_status"] = m.exit_status();
  json::object clean;
  clean["cases"] = m.clean_cases;
  clean["wall_ms"] = m.clean_wall_ms;
  json::array clean_failing;
  for (const auto& c : m.clean_failing) clean_failing.push_back(case_json(c));
  clean["failing"] = std::move(clean_failing);
  root["clean"] = std::move(clean);
  json::array bugs;
  for (const run::bug_outcome& b : m.bugs) {
    json::object o;
    o["name"] = b.name;
    o["description"] = b.description;
    json::object st;
    for (const auto& [v, ids] : b.statements) {
      json::array a;
      for (const std::string& id : ids) a.push_back(json::string(id));
      st[version_name(v)] = std::move(a);
    }
    o["statements"] = std::move(st);
    o["caught"] = b.caught();
    o["cases"] = b.cases;
    o["wall_ms"] = b.wall_ms;
    json::array catching;
    for (std::size_t i : b.catching) {
      json::object c = case_json(b.failing[i]);
      json::array broken;
      for (const std::string& id : cited_broken(b.failing[i], b)) broken.push_back(json::string(id));
      c["broken_statements"] = std::move(broken);
      catching.push_back(std::move(c));
    }
    o["catching"] = std::move(catching);
    json::array failing;
    for (const auto& c : b.failing) failing.push_back(case_json(c));
    o["failing"] = std::move(failing);
    bugs.push_back(std::move(o));
  }
  root["bugs"] = std::move(bugs);
  return root;
}

std::string mutation_html(const run::mutation_result& m) {
  std::ostringstream o;
  o << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>MQTT conformance: mutation score</title><style>"
    << style << "</style></head><body>";
  o << "<header><h1>Mutation score of the conformance suite</h1><div class=\"meta\">simulated reference broker · "
    << m.bugs.size() << " planted bugs · " << m.clean_cases << " cases each · " << m.wall_ms << " ms</div></header><main>";
  o << "<section id=\"mutation\"><h2>Score: " << m.caught() << " / " << m.bugs.size() << " (" << percent(m.caught(), m.bugs.size())
    << "%)</h2>";
  o << "<p>A planted bug is caught when a case fails whose scenario cites, for its version, a statement the bug breaks. "
    << "The clean broker has " << m.clean_failing.size() << " failing cases";
  if (!m.clean_failing.empty()) {
    o << ":";
    for (const auto& c : m.clean_failing) o << " <code>" << html_escape(c.sc->id) << " [" << html_escape(version_name(c.version)) << "]</code>";
  }
  o << ".</p>";
  o << "<table><tr><th>bug</th><th>statements it breaks</th><th></th><th>caught by</th><th>failing cases</th></tr>";
  for (const run::bug_outcome& b : m.bugs) {
    o << "<tr><td><code>" << html_escape(b.name) << "</code><div class=\"muted\">" << html_escape(b.description) << "</div></td><td>";
    for (const auto& [v, ids] : b.statements) {
      if (ids.empty()) continue;
      o << "<div>" << html_escape(version_name(v)) << ":";
      for (const std::string& id : ids) o << " <code>" << html_escape(id) << "</code>";
      o << "</div>";
    }
    o << "</td><td><span class=\"badge " << (b.caught() ? "caught\">caught" : "missed\">missed") << "</span></td><td>";
    for (std::size_t i : b.catching) {
      const run::case_result& c = b.failing[i];
      o << "<div><code>" << html_escape(c.sc->id) << " [" << html_escape(version_name(c.version)) << "]</code>";
      for (const std::string& id : cited_broken(c, b)) o << " <span class=\"muted\">" << html_escape(id) << "</span>";
      o << "</div>";
    }
    o << "</td><td>" << b.failing.size() << "</td></tr>";
  }
  o << "</table></section></main></body></html>\n";
  return o.str();
}

}  // namespace harness::report
