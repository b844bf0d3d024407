#!/usr/bin/env python3
"""Every planted broker bug is caught by the conformance suite on the simulator.

usage: mutation_test.py MQTT_HARNESS SCENARIOS_DIR [MIN_BUGS]
Runs `mqtt-harness run SCENARIOS_DIR --plant all` (the suite against the clean simulated
reference broker, then against each planted bug of mqtt/broker/planted.hpp) and checks its
JSON report again on its own terms: the bugs are the ones `mqtt-harness sim --list` names, at
least MIN_BUGS (default 40) of them; the clean broker has no failing case; and for each bug
at least one case failed whose scenario cites, for the case's version, one of the statements
the bug breaks. Prints one line per bug and the wall-clock time of the run.
"""
import json
import os
import subprocess
import sys
import tempfile
import time


def planted_bugs(harness):
    """The bug names of `sim --list`, in its order."""
    out = subprocess.run([harness, "sim", "--list"], check=True, capture_output=True, text=True).stdout
    names, inside = [], False
    for line in out.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            inside = line == "planted bugs:"
            continue
        if inside and line.strip():
            names.append(line.split()[0])
    return names


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__)
        return 2
    harness, scenarios = sys.argv[1], sys.argv[2]
    min_bugs = int(sys.argv[3]) if len(sys.argv) == 4 else 40
    problems = []
    expected = planted_bugs(harness)
    if len(expected) < min_bugs:
        problems.append(f"{len(expected)} planted bugs, want at least {min_bugs}")
    with tempfile.TemporaryDirectory() as work:
        report = os.path.join(work, "mutation.json")
        started = time.monotonic()
        run = subprocess.run([harness, "run", scenarios, "--plant", "all", "--json", report,
                              "--out", os.path.join(work, "reports"), "-q"],
                             capture_output=True, text=True)
        seconds = time.monotonic() - started
        print(run.stdout, end="")
        if run.returncode != 0:
            problems.append(f"run --plant all exited {run.returncode}, want 0")
            print(run.stderr[-2000:], end="")
        if not os.path.exists(report):
            problems.append("no JSON report")
            report_data = {"bugs": [], "clean": {"failing": [], "cases": 0}}
        else:
            with open(report, encoding="utf-8") as f:
                report_data = json.load(f)
    names = [b["name"] for b in report_data["bugs"]]
    if names != expected:
        problems.append(f"the report's bugs {names} are not sim --list's {expected}")
    clean = report_data["clean"]
    if clean["cases"] == 0:
        problems.append("the clean broker ran no case")
    for c in clean["failing"]:
        problems.append(f"clean broker: {c['verdict']} {c['id']} [{c['version']}]: {c['message']}")
    caught = 0
    for bug in report_data["bugs"]:
        broken = {v: set(ids) for v, ids in bug["statements"].items()}
        catching = [c for c in bug["failing"]
                    if c["verdict"] == "fail" and broken.get(c["version"], set()) & set(c["statements"])]
        if not any(broken.values()):
            problems.append(f"{bug['name']}: names no statement it breaks")
        if catching:
            caught += 1
            first = catching[0]
            hit = sorted(broken[first["version"]] & set(first["statements"]))
            print(f"caught   {bug['name']:36} by {first['id']} [{first['version']}] ({' '.join(hit)});"
                  f" {len(catching)} of {len(bug['failing'])} failing cases cite its statements")
        else:
            failing = ", ".join(f"{c['id']} [{c['version']}]" for c in bug["failing"][:5]) or "none"
            problems.append(f"{bug['name']}: no failing case cites {bug['statements']} (failing: {failing})")
        if bool(catching) != bug["caught"]:
            problems.append(f"{bug['name']}: the report says caught={bug['caught']}, its cases say {bool(catching)}")
    print(f"{caught}/{len(report_data['bugs'])} planted bugs caught; the run took {seconds:.1f} s wall clock")
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
