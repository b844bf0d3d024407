#!/usr/bin/env python3
"""Code coverage beside statement coverage, for tools/coverage.

usage: coverage_summary.py GCOVR_SUMMARY_JSON SUITE_REPORT_JSON OUT_DIR
Reads gcovr's --json-summary of reference-impl/ and the suite's report.json from a run on the
simulated reference broker, and writes OUT_DIR/summary.json and OUT_DIR/summary.html: line and
branch coverage of the protocol cores, and per protocol version the statements the broker
enforces (its enforcement points, mqtt/broker/enforced.hpp), the statements the suite reaches
(cited by a scenario that ran with a verdict other than skip), and those enforced but reached
by no scenario, listed. Prints the same figures.
"""
import html
import json
import os
import sys


def pct(n, d):
    return 100.0 * n / d if d else 0.0


def main():
    gcovr_path, suite_path, out = sys.argv[1:4]
    with open(gcovr_path, encoding="utf-8") as f:
        g = json.load(f)
    with open(suite_path, encoding="utf-8") as f:
        suite = json.load(f)
    code = {
        "lines": {"covered": g["line_covered"], "total": g["line_total"], "percent": g["line_percent"]},
        "branches": {"covered": g["branch_covered"], "total": g["branch_total"], "percent": g["branch_percent"]},
        "functions": {"covered": g.get("function_covered", 0), "total": g.get("function_total", 0),
                      "percent": g.get("function_percent", 0.0)},
    }
    files = sorted(({"file": f["filename"], "line_percent": f["line_percent"], "branch_percent": f["branch_percent"],
                     "lines": f["line_total"]} for f in g.get("files", [])), key=lambda f: f["file"])
    reached = {}
    for case in suite["cases"]:
        if case["verdict"] == "skip":
            continue
        reached.setdefault(case["version"], set()).update(case["statements"])
    versions = {}
    for version, s in suite["statements"].items():
        items = s["items"]
        enforced = [i["id"] for i in items if i["enforced"]]
        hit = [i["id"] for i in items if i["id"] in reached.get(version, set())]
        unreached = [i for i in enforced if i not in reached.get(version, set())]
        reached_not_enforced = [i for i in hit if i not in enforced]
        versions[version] = {"statements": len(items), "enforced": len(enforced), "reached": len(hit),
                             "enforced_and_reached": len(enforced) - len(unreached),
                             "enforced_unreached": unreached, "reached_not_enforced": len(reached_not_enforced)}
    summary = {"code": code, "files": files, "statements": versions, "suite_run": suite.get("run_id")}
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)

    print(f"coverage: reference-impl/ lines {code['lines']['percent']:.1f}% ({code['lines']['covered']}/{code['lines']['total']}), "
          f"branches {code['branches']['percent']:.1f}% ({code['branches']['covered']}/{code['branches']['total']})")
    for version, v in versions.items():
        print(f"coverage: MQTT {version}: {v['reached']} of {v['statements']} statements reached by the suite; "
              f"the broker enforces {v['enforced']}, {len(v['enforced_unreached'])} of them reached by no scenario")

    rows = "".join(
        f"<tr><td>MQTT {html.escape(ver)}</td><td>{v['statements']}</td><td>{v['reached']} ({pct(v['reached'], v['statements']):.0f}%)</td>"
        f"<td>{v['enforced']}</td><td>{v['enforced_and_reached']}</td><td>{len(v['enforced_unreached'])}</td>"
        f"<td class=ids>{html.escape(', '.join(v['enforced_unreached'])) or '—'}</td></tr>"
        for ver, v in versions.items())
    file_rows = "".join(
        f"<tr><td>{html.escape(f['file'])}</td><td>{f['lines']}</td><td>{f['line_percent']:.1f}%</td><td>{f['branch_percent']:.1f}%</td></tr>"
        for f in files)
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Coverage: code and statements</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }}
.side {{ display: flex; gap: 3em; flex-wrap: wrap; }}
.big {{ font-size: 28px; font-weight: 600; }}
.ids {{ font-family: monospace; font-size: 12px; max-width: 40em; }}
</style></head><body>
<h1>Coverage of the reference broker: code and statements</h1>
<div class="side">
<section id="code"><h2>Code (gcovr, reference-impl/)</h2>
<p><span class="big">{code['lines']['percent']:.1f}%</span> of lines ({code['lines']['covered']} of {code['lines']['total']})<br>
<span class="big">{code['branches']['percent']:.1f}%</span> of branches ({code['branches']['covered']} of {code['branches']['total']})</p>
<p><a href="index.html">line by line</a></p></section>
<section id="statements"><h2>Statements (the suite on the simulator)</h2>
<table><tr><th>version</th><th>statements</th><th>reached by the suite</th><th>enforced by the broker</th>
<th>enforced and reached</th><th>enforced, never reached</th><th>which</th></tr>{rows}</table>
<p><a href="suite/latest/report.html">the suite's report</a></p></section>
</div>
<h2>Files</h2>
<table><tr><th>file</th><th>lines</th><th>line coverage</th><th>branch coverage</th></tr>{file_rows}</table>
</body></html>
"""
    with open(os.path.join(out, "summary.html"), "w", encoding="utf-8") as f:
        f.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
