// The self-contained HTML report: no external resources, no script needed to read it. A
// statement matrix per version, then every case as a <details> block with its source (the
// deciding step marked), the acceptable outcomes beside the actual one, and its wire log.
#include <boost/json.hpp>
#include <map>
#include <set>
#include <sstream>

#include "report/html_escape.hpp"
#include "report/suite_report.hpp"
#include "wire/packet_json.hpp"

namespace harness::report {
namespace {

namespace json = boost::json;
using script::verdict;


std::string anchor(const run::case_result& c) {
  std::string a = "case-" + c.sc->id + "-" + std::string(mqtt::codec::to_string(c.version));
  for (char& ch : a) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') ch = '-';
  }
  return a;
}

constexpr const char* style = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header .meta{color:#c5cad6;font-size:13px}
main{padding:18px 28px}
section{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:14px 18px;margin-bottom:18px}
h2{font-size:17px;margin:0 0 10px}
.summary{display:flex;flex-wrap:wrap;gap:10px}
.count{border-radius:6px;padding:8px 14px;min-width:86px;text-align:center;color:#fff}
.count b{display:block;font-size:22px}
.v-pass{background:#2e7d32}.v-nonstrict{background:#7cb342}.v-fail{background:#c62828}.v-waived{background:#ef8f00}
.v-skip{background:#90a4ae}.v-unsupported{background:#6d4c41}.v-inconclusive{background:#8e6fb5}.v-error{background:#37474f}
.v-uncovered{background:#e4e7ec;color:#555}.v-stale{background:#ad1457}
.matrix{display:grid;grid-template-columns:repeat(auto-fill,minmax(118px,1fr));gap:4px;margin-top:8px}
.cell{font:11px ui-monospace,SFMono-Regular,Menlo,monospace;padding:4px 5px;border-radius:4px;color:#fff;text-decoration:none;white-space:nowrap;overflow:hidden}
.cell.v-uncovered{color:#555}
.cell.enforced-unreached{outline:2px dashed #c62828;outline-offset:-2px}
.legend .hatch,.cell.k-client.v-uncovered,.cell.k-unobservable.v-uncovered{background:repeating-linear-gradient(135deg,#f4f5f8 0 5px,#e4e7ec 5px 10px);color:#8a93a3}
.legend{display:flex;flex-wrap:wrap;gap:8px;font-size:12px;margin-top:10px}
.legend span{padding:2px 8px;border-radius:4px;color:#fff}
.legend .v-uncovered{color:#555}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceff3;vertical-align:top}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px}
details{border-top:1px solid #eceff3;padding:6px 0}
summary{cursor:pointer;font-size:13px}
summary code{font-size:12px}
pre{background:#f3f5f8;padding:8px;border-radius:6px;overflow:auto;font-size:12px;margin:6px 0}
.src{counter-reset:ln}
.src .l{display:block}
.src .l.bad{background:#fdecea;border-left:3px solid #c62828}
.src .n{display:inline-block;width:34px;color:#8a93a3;user-select:none}
.cmp{display:grid;grid-template-columns:1fr 1fr;gap:10px}
.cmp h4{margin:4px 0;font-size:12px;color:#555}
.wire td{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.wire .dir{width:22px;text-align:center}
.wire .sent .dir{color:#1565c0}.wire .received .dir{color:#2e7d32}.wire .closed td,.wire .note td{color:#8a6d00}
.muted{color:#6b7385;font-size:12px}
)css";

std::string verdict_class(const std::string& v) { return "v-" + v; }

std::string badge(const std::string& v) { return "<span class=\"badge " + verdict_class(v) + "\">" + html_escape(v) + "</span>"; }

std::string packet_text(const json::object& p) {
  std::string type = p.contains("type") && p.at("type").is_string() ? std::string(p.at("type").get_string()) : "?";
  json::object rest = wire::readable_fields(p);
  std::string body = rest.empty() ? "" : " " + json::serialize(rest);
  if (body.size() > 600) body = body.substr(0, 600) + " …";
  return "<b>" + html_escape(type) + "</b>" + html_escape(body);
}

void write_case(std::ostringstream& o, const run::case_result& c) {
  std::string v = c.stale_waiver ? "stale" : shown_verdict(c);
  const auto& out = c.run.outcome;
  std::string message = c.result == verdict::skip ? c.skip_reason : out.message;
  o << "<details id=\"" << anchor(c) << "\"" << ((c.result == verdict::fail && !c.waived) || c.result == verdict::error ? " open" : "") << "><summary>"
    << badge(v) << " <code>" << html_escape(c.sc->id) << "</code> [" << html_escape(mqtt::codec::to_string(c.version)) << "] " << html_escape(c.sc->title)
    << " <span class=\"muted\">" << c.wall_ms << " ms" << "</span></summary>";
  o << "<p class=\"muted\">" << html_escape(c.sc->file) << ":" << c.sc->first_line << " · statements:";
  for (const auto& id : c.sc->statements_for(c.version)) o << " <code>" << html_escape(id) << "</code>";
  if (!c.sc->needs.empty()) {
    o << " · needs:";
    for (const auto& n : c.sc->needs) o << " " << html_escape(n);
  }
  o << "</p>";
  if (!message.empty()) o << "<p>" << html_escape(message) << "</p>";
  if (c.waived || c.stale_waiver) o << "<p class=\"muted\">baseline: " << html_escape(c.waiver_note) << "</p>";
  if (!out.expected.empty()) {
    o << "<div class=\"cmp\"><div><h4>Acceptable outcomes</h4><pre>";
    for (const auto& e : out.expected) o << html_escape(e) << "\n";
    o << "</pre></div><div><h4>What happened</h4><pre>" << html_escape(out.actual) << "</pre></div></div>";
  }
  // The source, line numbers as in the file, the deciding step marked.
  o << "<pre class=\"src\">";
  int line = c.sc->first_line;
  std::istringstream src(c.sc->source);
  std::string text;
  while (std::getline(src, text)) {
    bool bad = out.line == line && c.result != verdict::pass;
    o << "<span class=\"l" << (bad ? " bad" : "") << "\"><span class=\"n\">" << line << "</span>" << html_escape(text) << "</span>";
    ++line;
  }
  o << "</pre>";
  if (!c.run.transcript.empty()) {
    o << "<table class=\"wire\"><tr><th>ms</th><th>client</th><th></th><th>packet or event</th><th>step</th></tr>";
    std::uint64_t t0 = c.run.transcript.front().at;
    for (const auto& e : c.run.transcript) {
      static constexpr const char* kinds[] = {"sent", "received", "opened", "closed", "note"};
      static constexpr const char* arrows[] = {"→", "←", "⇄", "✕", "·"};
      int k = static_cast<int>(e.k);
      o << "<tr class=\"" << kinds[k] << "\"><td>" << (e.at - t0) << "</td><td>" << html_escape(e.client) << "#" << e.conn << "</td><td class=\"dir\">"
        << arrows[k] << "</td><td>";
      if (!e.packet.empty()) o << packet_text(e.packet);
      if (!e.text.empty()) o << (e.packet.empty() ? "" : " — ") << html_escape(e.text);
      o << "</td><td>" << (e.line ? std::to_string(e.line) : "") << "</td></tr>";
    }
    o << "</table>";
    if (c.run.transcript_dropped) o << "<p class=\"muted\">" << c.run.transcript_dropped << " more entries not kept</p>";
  }
  o << "</details>";
}

void write_legend(std::ostringstream& o) {
  o << "<div class=\"legend\">";
  for (const char* v : {"pass", "nonstrict", "fail", "waived", "unsupported", "inconclusive", "error", "skip", "uncovered"}) {
    o << "<span class=\"" << verdict_class(v) << "\">" << v << "</span>";
  }
  o << "<span style=\"outline:2px dashed #c62828;color:#555\">enforced by the reference broker, reached by no scenario</span>";
  o << "<span class=\"hatch\">client-side or not on the wire (the suite's classification)</span></div>";
}

}  // namespace

std::string html_report(const run::run_result& r) {
  std::ostringstream o;
  run::counts n = run::count(r);
  o << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>MQTT conformance: " << html_escape(r.target) << "</title><style>"
    << style << "</style></head><body>";
  o << "<header><h1>MQTT conformance report — " << html_escape(r.target == "sim" ? "simulated reference broker" : r.target) << "</h1><div class=\"meta\">profile "
    << html_escape(r.profile_name) << " · run " << html_escape(r.run_id) << " · " << r.cases.size() << " cases in " << r.wall_ms << " ms</div></header><main>";
  o << "<section id=\"summary\"><h2>Summary</h2><div class=\"summary\">";
  auto box = [&](const char* v, std::size_t k) {
    o << "<div class=\"count " << verdict_class(v) << "\"><b>" << k << "</b>" << v << "</div>";
  };
  box("pass", n.pass);
  box("nonstrict", n.nonstrict);
  box("fail", n.fail);
  box("waived", n.waived);
  box("unsupported", n.unsupported);
  box("inconclusive", n.inconclusive);
  box("error", n.error);
  box("skip", n.skip);
  if (n.stale) box("stale", n.stale);
  o << "</div>";
  if (r.liveness_failure) o << "<p><b>The broker did not answer the final liveness probe:</b> " << html_escape(*r.liveness_failure) << "</p>";
  if (n.stale) o << "<p>" << n.stale << " baseline entries no longer fail: remove them from the baseline.</p>";
  o << "</section>";
  std::map<std::string, const run::case_result*> first_case;
  for (const auto& m : statement_matrix(r)) {
    std::string vname(mqtt::codec::to_string(m.version));
    o << "<section class=\"statements\" id=\"matrix-" << html_escape(vname) << "\"><h2>MQTT " << html_escape(vname) << ": statements</h2>";
    o << "<p>" << m.covered << " of " << m.cells.size() << " normative statements covered by a case with a verdict; "
      << m.enforced_unreached << " enforced by the reference broker but reached by no scenario.";
    if (m.classified()) {
      o << " The suite classifies " << m.observable << " as observable from a broker's client connections (" << m.observable_covered
        << " of them covered), " << m.client_side << " as client-side and " << m.unobservable << " as not observable on the wire.";
    }
    o << "</p><div class=\"matrix\">";
    for (const auto& cell : m.cells) {
      std::string v = cell_verdict(cell);
      if (v == "skip") v = "uncovered";
      std::string tip = cell.id + ": " + v + (cell.klass.empty() || cell.klass == "broker" ? "" : " (" + cell.klass + ")");
      for (const auto* c : cell.cases) tip += "\n" + c->sc->id + " (" + shown_verdict(*c) + ")";
      std::string href = cell.cases.empty() ? "" : " href=\"#" + anchor(*cell.cases.front()) + "\"";
      o << "<a class=\"cell " << verdict_class(v) << (cell.enforced && !cell.worst ? " enforced-unreached" : "")
        << (cell.klass == "client" || cell.klass == "unobservable" ? " k-" + cell.klass : std::string()) << "\" title=\"" << html_escape(tip) << "\"" << href
        << ">" << html_escape(cell.id.substr(5)) << "</a>";
    }
    o << "</div>";
    write_legend(o);
    o << "</section>";
  }
  o << "<section id=\"cases\"><h2>Cases</h2>";
  // Failures first, so the page opens on what needs reading.
  std::vector<const run::case_result*> order;
  for (const auto& c : r.cases) order.push_back(&c);
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    auto rank = [](const run::case_result* c) { return c->waived ? 2 : -script::severity(c->result); };
    return rank(a) < rank(b);
  });
  for (const auto* c : order) write_case(o, *c);
  o << "</section></main></body></html>\n";
  return o.str();
}

namespace {

// A merged run's column: its profile and the transport of its target ("mosquitto 2.0.11 · ws"),
// since one broker may be run over several.
std::string run_label(const json::object& r) {
  std::string target = json::value_to<std::string>(r.at("target"));
  std::size_t scheme_end = target.find("://");
  std::string transport = scheme_end == std::string::npos ? target : target.substr(0, scheme_end);
  return json::value_to<std::string>(r.at("profile")) + " · " + transport;
}

}  // namespace

std::string html_merged(const std::vector<json::object>& runs) {
  std::ostringstream o;
  o << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>MQTT conformance: brokers side by side</title><style>" << style
    << ".m td{font:11px ui-monospace,monospace;padding:2px 4px;text-align:center}.m td.id{text-align:left}</style></head><body>";
  o << "<header><h1>MQTT conformance — " << runs.size() << " runs side by side</h1><div class=\"meta\">";
  for (const auto& r : runs) o << html_escape(json::value_to<std::string>(r.at("target"))) << " (" << html_escape(json::value_to<std::string>(r.at("profile"))) << ") · ";
  o << "</div></header><main>";
  o << "<section><h2>Summary</h2><table><tr><th>target</th><th>profile</th>";
  for (const char* k : {"pass", "nonstrict", "fail", "waived", "unsupported", "inconclusive", "error", "skip"}) o << "<th>" << k << "</th>";
  o << "</tr>";
  for (const auto& r : runs) {
    const auto& s = r.at("summary").as_object();
    o << "<tr><td>" << html_escape(json::value_to<std::string>(r.at("target"))) << "</td><td>" << html_escape(json::value_to<std::string>(r.at("profile"))) << "</td>";
    for (const char* k : {"pass", "nonstrict", "fail", "waived", "unsupported", "inconclusive", "error", "skip"}) {
      o << "<td>" << (s.contains(k) ? json::serialize(s.at(k)) : "0") << "</td>";
    }
    o << "</tr>";
  }
  o << "</table></section>";
  std::set<std::string> versions;
  for (const auto& r : runs) {
    for (const auto& [v, _] : r.at("statements").as_object()) versions.insert(std::string(v));
  }
  for (const auto& v : versions) {
    o << "<section class=\"statements\"><h2>MQTT " << html_escape(v) << ": statements × runs</h2><table class=\"m\"><tr><th>statement</th>";
    for (const auto& r : runs) {
      o << "<th title=\"" << html_escape(json::value_to<std::string>(r.at("target"))) << "\">" << html_escape(run_label(r)) << "</th>";
    }
    o << "</tr>";
    std::vector<std::string> ids;
    std::map<std::string, std::vector<std::string>> cells;
    for (std::size_t k = 0; k < runs.size(); ++k) {
      const json::value* st = runs[k].at("statements").as_object().if_contains(v);
      if (!st) continue;
      for (const auto& item : st->at("items").as_array()) {
        std::string id = json::value_to<std::string>(item.at("id"));
        if (!cells.contains(id)) ids.push_back(id);
        auto& row = cells[id];
        row.resize(runs.size(), "uncovered");
        row[k] = json::value_to<std::string>(item.at("verdict"));
      }
    }
    for (const auto& id : ids) {
      o << "<tr><td class=\"id\">" << html_escape(id) << "</td>";
      for (const auto& verdict_text : cells[id]) o << "<td class=\"" << verdict_class(verdict_text) << "\">" << html_escape(verdict_text) << "</td>";
      o << "</tr>";
    }
    o << "</table></section>";
  }
  o << "</main></body></html>\n";
  return o.str();
}

}  // namespace harness::report
