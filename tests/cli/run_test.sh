#!/usr/bin/env bash
# Checks `mqtt-harness run` end to end on the simulator, one case per CTest test:
# run_test.sh CASE HARNESS SCENARIOS_DIR. Exit 0 pass, 1 fail.
set -u
case_name=$1
harness=$2
scenarios=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# run STATUS ARGS...: runs the harness, output in $work/out and $work/err, checks the status.
run() {
  local want=$1
  shift
  "$harness" "$@" >"$work/out" 2>"$work/err"
  local status=$?
  if [[ $status -ne $want ]]; then
    fail "mqtt-harness $* exited $status, want $want"
    sed 's/^/  stdout: /' "$work/out" | head -20
    sed 's/^/  stderr: /' "$work/err" | head -20
    return 1
  fi
  return 0
}

py() { python3 - "$@"; }

# A scenario that fails on purpose: the broker is asked for a QoS it cannot grant.
write_failing() {
  mkdir -p "$work/bad"
  cat >"$work/bad/bad.scenario" <<'SCN'
scenario test/3.8/wrong-qos "expects a SUBACK code the broker does not send"
spec     MQTT-3.8.4-1
version  5
connect  c
require  c CONNACK reason=0
send     c SUBSCRIBE id=1 filter=$t/a qos=1
expect   c SUBACK id=1 reason_codes=[2] within 1s
SCN
}

case_suite() {
  run 0 run "$scenarios" --target sim --out "$work/r" -q || return
  grep -q "cases on the simulated reference broker" "$work/out" || fail "no summary line"
  [[ -L "$work/r/latest" ]] || fail "reports/latest is not a link"
  for f in junit.xml report.json report.html; do
    [[ -s "$work/r/latest/$f" ]] || fail "no $f"
  done
  py "$work/r/latest" <<'PY' || fail "report contents"
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
j = json.load(open(d + "/report.json"))
root = ET.parse(d + "/junit.xml").getroot()
cases = root.findall(".//testcase")
assert len(cases) == len(j["cases"]) > 0, (len(cases), len(j["cases"]))
assert int(root.get("tests")) == len(cases)
for tc in cases:
    assert tc.get("name"), "testcase without a name"
    props = {p.get("name"): p.get("value") for p in tc.findall("properties/property")}
    assert "verdict" in props and any(p.get("name") == "statement" for p in tc.findall("properties/property")), tc.get("name")
for c in j["cases"]:
    for key in ("id", "statements", "version", "verdict", "duration_ms", "message", "transcript"):
        assert key in c, key
    assert c["verdict"] in ("pass", "nonstrict", "skip"), (c["id"], c["verdict"], c["message"])
s = j["statements"]
assert s["3.1.1"]["total"] == 141 and s["5.0"]["total"] == 251, s.keys()
assert s["5.0"]["covered"] > 0
assert j["summary"]["exit_status"] == 0
PY
}

case_failure() {
  write_failing
  run 1 run "$work/bad" --out "$work/r" -q || return
  grep -q "bad.scenario:7: expected SUBACK id=1 reason_codes=\[2\]" "$work/err" || fail "the failure does not name the step: $(cat "$work/err")"
  py "$work/r/latest" <<'PY' || fail "failure in the reports"
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
j = json.load(open(d + "/report.json"))
c = j["cases"][0]
assert c["verdict"] == "fail" and c["step"].endswith("bad.scenario:7"), c
assert "reason_codes" in c["actual"] and c["expected"], c
f = ET.parse(d + "/junit.xml").getroot().find(".//testcase/failure")
assert f is not None and "Expected" in f.text and "Actual" in f.text, f
PY
}

case_baseline() {
  write_failing
  cat >"$work/waive.toml" <<'TOML'
target = "sim"
[[waive]]
scenario = "test/3.8/wrong-qos"
versions = ["5"]
statement = "MQTT-3.8.4-1"
evidence = "a test of the baseline: this scenario expects what the standard does not require"
TOML
  run 0 run "$work/bad" --baseline "$work/waive.toml" --out "$work/r" -q || return
  grep -q "1 waived" "$work/out" || fail "no waived count: $(cat "$work/out")"
  # A waiver for another transport does not apply: the failure stays a failure.
  sed 's|^statement|transports = ["ws"]\nstatement|' "$work/waive.toml" >"$work/waive-ws.toml"
  run 1 run "$work/bad" --baseline "$work/waive-ws.toml" --out "$work/r" -q || return
  grep -q "0 waived" "$work/out" || fail "a ws-only waiver applied on the simulator: $(cat "$work/out")"
  # A waiver for a scenario that passes is stale: the run fails until it is removed.
  sed -i 's|test/3.8/wrong-qos|both/3.3/qos0-round-trip|' "$work/waive.toml"
  run 1 run "$scenarios" --filter 'both/3.3/qos0-*' --baseline "$work/waive.toml" --out "$work/r" -q || return
  grep -q "baseline entries no longer fail" "$work/out" || fail "stale waiver not reported"
  # Unless the departure is intermittent (a race in the broker): then a pass is no news.
  sed -i 's|^statement|intermittent = true\nstatement|' "$work/waive.toml"
  run 0 run "$scenarios" --filter 'both/3.3/qos0-*' --baseline "$work/waive.toml" --out "$work/r" -q || return
  grep -q "baseline entries no longer fail" "$work/out" && fail "an intermittent waiver reported stale"
  return 0
}

case_errors() {
  mkdir -p "$work/syntax"
  printf 'scenario a/b "t"\nspec MQTT-3.8.4-1\nversion 5\nexpect c PUBLSH\n' >"$work/syntax/x.scenario"
  run 2 run "$work/syntax" --out "$work/r" || return
  grep -q "x.scenario:4:10: error: unknown packet type" "$work/err" || fail "no file:line:col: $(cat "$work/err")"
  grep -q "^           \^" "$work/err" || fail "no caret"
  run 2 run "$scenarios" --protocol 4 || return
  run 2 run "$scenarios" --target http://x || return
  run 0 run "$scenarios" --list || return
  grep -q "both/3.3/qos1-round-trip \[5.0\]" "$work/out" || fail "--list"
}

case_filters() {
  run 0 run "$scenarios" --statement MQTT-3.3.1-4 --protocol 5 --list || return
  [[ $(wc -l <"$work/out") -ge 1 ]] || fail "--statement selects nothing"
  if grep -v "MQTT-3.3.1-4" "$work/out" | grep -q .; then fail "--statement selected a scenario not citing it"; fi
}

# run --plant all on a slice: a bug counts as caught only by a failing case that cites one of
# its statements. both/3.1/will-retained cites the will's retain statements: will-retain-ignored
# fails it and is caught; forget-retained fails it too but is not caught (a retained store is
# not what the scenario checks); the run exits 1 as not every bug is caught.
case_mutation() {
  run 1 run "$scenarios" --plant all --filter 'both/3.1/will-retained' --json "$work/m.json" --out "$work/r" -q || return
  grep -q "^mqtt-harness run --plant all: mutation score 1/" "$work/out" || fail "no score line: $(head -1 "$work/out")"
  grep -q "not caught: forget-retained" "$work/out" || fail "forget-retained not listed as missed"
  [[ -s $(ls "$work"/r/*-mutation/mutation.html 2>/dev/null | head -1) ]] || fail "no mutation.html"
  py "$work/m.json" <<'PY' || fail "mutation.json contents"
import json, sys
j = json.load(open(sys.argv[1]))
bugs = {b["name"]: b for b in j["bugs"]}
assert j["caught"] == 1 and j["planted"] == len(bugs) >= 40, (j["caught"], j["planted"])
assert j["clean"]["failing"] == [] and j["clean"]["cases"] == 2, j["clean"]
hit = bugs["will-retain-ignored"]
assert hit["caught"] and {c["version"] for c in hit["catching"]} == {"3.1.1", "5.0"}, hit["catching"]
assert hit["catching"][0]["broken_statements"] in (["MQTT-3.1.2-17"], ["MQTT-3.1.2-15"]), hit["catching"]
missed = bugs["forget-retained"]
assert not missed["caught"] and len(missed["failing"]) == 2 and missed["catching"] == [], missed
PY
}

"case_$case_name"
if ((failures > 0)); then
  echo "$failures failure(s)"
  exit 1
fi
echo "ok"
