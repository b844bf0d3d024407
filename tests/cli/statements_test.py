#!/usr/bin/env python3
"""The suite's classification of the standards, checked against the suite as it runs.

scenarios/statements-3.1.1.tsv and statements-5.0.tsv classify every normative statement of
each standard: `broker` (observable from the client side of a broker's connections: a scenario
must cover it), `client` (only a test that plays the broker towards a client can see it) or
`unobservable` (not visible on the wire; the note says why). scenarios/malformed-classes.tsv
does the same for the codec's malformed-packet classes: each class a broker can receive has a
scenario that sends it (its `malformed` header names the class).

usage: statements_test.py [--allow-incomplete] MQTT_HARNESS SCENARIOS_DIR [MIN_3.1.1 MIN_5.0]
--allow-incomplete, while the suite is being written, lists rows still classified '?' and
broker-observable statements that no scenario covers yet as "incomplete" instead of failing on
them; everything else still fails.
The statement lists are the project's own (mqtt/spec/statement_table.hpp), as the JSON report gives them.
Runs the suite on the simulated reference broker and fails, listing every problem, when a
statement is missing or unknown, classified twice or without a reason, when a `broker`
statement is cited by no scenario that ran with a verdict other than skip (a statement only a
WebSocket connection shows is cited by scenarios that need `websocket`: those skip on the
simulator, and cli-run-real-ref-ws/wss require them to pass on the real mqtt-ref-broker), when a scenario
cites a statement classified unobservable, or when fewer statements than the minimum are
covered.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

CLASSES = {"broker", "client", "unobservable"}
VERSIONS = ("3.1.1", "5.0")


def read_tsv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def main():
    args = sys.argv[1:]
    allow_incomplete = "--allow-incomplete" in args
    args = [a for a in args if a != "--allow-incomplete"]
    incomplete = []
    harness, scenarios = args[0:2]
    minimum = {"3.1.1": int(args[2]), "5.0": int(args[3])} if len(args) > 3 else {}
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        run = subprocess.run([harness, "run", scenarios, "--json", out, "--out", tmp],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if run.returncode != 0:
            print(run.stdout[-4000:])
            print(f"the suite does not pass on the simulator (exit {run.returncode})")
            return 1
        with open(out, encoding="utf-8") as f:
            report = json.load(f)

    for version in VERSIONS:
        ids = [item["id"] for item in report["statements"][version]["items"]]
        path = os.path.join(scenarios, f"statements-{version}.tsv")
        rows = read_tsv(path)
        seen = {}
        for n, row in enumerate(rows, start=2):
            sid, cls, note = row["id"], row["class"], (row.get("note") or "").strip()
            where = f"{path}:{n}"
            if sid in seen:
                problems.append(f"{where}: {sid} is classified twice (also line {seen[sid]})")
            seen[sid] = n
            if sid not in ids:
                problems.append(f"{where}: {sid} is not a statement of MQTT {version}")
            if cls == "?" and allow_incomplete:
                incomplete.append(f"{where}: {sid} is not classified yet")
                continue
            if cls not in CLASSES:
                problems.append(f"{where}: {sid}: class '{cls}' is none of {sorted(CLASSES)}")
            if cls in ("client", "unobservable") and not note:
                problems.append(f"{where}: {sid} is {cls}: the note must say why")
        for sid in ids:
            if sid not in seen:
                problems.append(f"{path}: {sid} of MQTT {version} is not classified")

        classes = {row["id"]: row["class"] for row in rows}
        ran = {}
        websocket_only = {}
        for case in report["cases"]:
            if case["version"] != version:
                continue
            if "websocket" in case.get("needs", []):
                for sid in case["statements"]:
                    websocket_only.setdefault(sid, []).append(case["id"])
                continue
            if case["verdict"] == "skip":
                continue
            for sid in case["statements"]:
                ran.setdefault(sid, []).append(case["id"])
        for sid, cls in classes.items():
            if cls == "broker" and sid not in ran and sid in websocket_only:
                print(f"MQTT {version}: {sid} is seen only over WebSocket: {', '.join(sorted(set(websocket_only[sid])))}")
            elif cls == "broker" and sid not in ran and allow_incomplete:
                incomplete.append(f"{path}: {sid} is broker-observable; no scenario covers it yet")
            elif cls == "broker" and sid not in ran:
                problems.append(f"{path}: {sid} is broker-observable but no scenario that ran on the simulator cites it")
            cited = ran.get(sid, []) + websocket_only.get(sid, [])
            if cls == "unobservable" and cited:
                problems.append(f"{path}: {sid} is classified unobservable, yet {', '.join(sorted(set(cited)))} cite it")
        covered = sum(1 for sid in ids if sid in ran)
        counts = {c: sum(1 for v in classes.values() if v == c) for c in sorted(CLASSES)}
        print(f"MQTT {version}: {covered} of {len(ids)} statements covered on the simulator; "
              + ", ".join(f"{v} {k}" for k, v in counts.items()))
        if version in minimum and covered < minimum[version]:
            problems.append(f"MQTT {version}: {covered} statements covered, fewer than {minimum[version]}")

    # Malformed-packet classes.
    rules = subprocess.run([harness, "rules", "--json"], stdout=subprocess.PIPE, text=True, check=True)
    known = [json.loads(line)["rule"] for line in rules.stdout.splitlines() if line.strip()]
    path = os.path.join(scenarios, "malformed-classes.tsv")
    rows = read_tsv(path)
    listed = {row["rule"]: row for row in rows}
    sent = {}
    for case in report["cases"]:
        if case["verdict"] == "skip":
            continue
        # What the scenario's own bytes break, as the interpreter decoded them on sending.
        broke = set()
        for entry in case.get("transcript", []):
            rule = entry.get("packet", {}).get("rule") if entry["kind"] == "sent" else None
            if rule:
                broke.add(rule)
        for name in case.get("malformed", []):
            sent.setdefault(name, set()).add(case["id"])
            if name not in broke:
                problems.append(f"{case['id']} [{case['version']}] declares 'malformed {name}', but what it sends breaks "
                                + (", ".join(sorted(broke)) if broke else "no codec rule"))
    for name in known:
        if name not in listed:
            problems.append(f"{path}: codec rule {name} is not classified")
    for n, row in enumerate(rows, start=2):
        name, cls, note = row["rule"], row["class"], (row.get("note") or "").strip()
        if name not in known:
            problems.append(f"{path}:{n}: {name} is not a rule of the codec (mqtt-harness rules)")
        if cls not in ("broker", "client", "encode"):
            problems.append(f"{path}:{n}: {name}: class '{cls}' is none of broker, client, encode")
        if cls != "broker" and not note:
            problems.append(f"{path}:{n}: {name} is {cls}: the note must say why")
        if cls == "broker" and name not in sent:
            problems.append(f"{path}:{n}: no scenario that ran sends {name} to the broker (a 'malformed {name}' header)")
    print(f"malformed classes: {sum(1 for r in rows if r['class'] == 'broker' and r['rule'] in sent)} of "
          f"{sum(1 for r in rows if r['class'] == 'broker')} a broker can receive are sent by a scenario")

    if incomplete:
        print(f"incomplete ({len(incomplete)}):")
        for line in incomplete:
            print("  " + line)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
