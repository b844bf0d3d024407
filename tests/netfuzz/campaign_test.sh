#!/usr/bin/env bash
# Bounded network fuzz campaigns (CTest): `ref` against a spawned mqtt-ref-broker must end with
# no findings; `mosquitto` against a spawned mosquitto must run to its end and write its summary
# (findings there are mosquitto's departures, judged in the issue's closing note, not failures).
# `shard`: three --shard K/3 campaigns split one campaign's cases between them.
# usage: campaign_test.sh ref|mosquitto|shard HARNESS REF_BROKER WORK_DIR
set -euo pipefail
mode=$1 harness=$2 broker=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
case "$mode" in
  ref)
    set +e
    "$harness" fuzz --spawn "$broker -p {port}" --cases 20000 --jobs 2 --seed 7 --out "$work" --quiet --differential \
      >"$work/stdout" 2>"$work/stderr"
    status=$?
    set -e
    cat "$work/stdout"
    [[ $status -eq 0 ]] || { echo "fuzz against mqtt-ref-broker exited $status (0: no findings)"; tail -20 "$work/stderr"; exit 1; }
    ;;
  mosquitto)
    command -v mosquitto >/dev/null || { echo "mosquitto is not installed (tools/bootstrap installs it)"; exit 1; }
    set +e
    "$harness" fuzz --spawn "mosquitto -p {port}" --duration 15 --jobs 2 --seed 7 --out "$work" --quiet --shrink-runs 10 \
      >"$work/stdout" 2>"$work/stderr"
    status=$?
    set -e
    cat "$work/stdout"
    [[ $status -eq 0 || $status -eq 1 ]] || { echo "fuzz against mosquitto exited $status"; tail -20 "$work/stderr"; exit 1; }
    # Each finding that has a scenario form becomes a regression scenario; the simulated
    # reference broker must pass every one of them (mosquitto failed them).
    for f in "$work"/findings/*.json; do
      [[ -e "$f" ]] || continue
      "$harness" replay "$f" --scenario "$work/regressions.scenario" --found "mosquitto 2.0.11" >/dev/null 2>&1 || true
    done
    if [[ -s "$work/regressions.scenario" ]]; then
      "$harness" run "$work/regressions.scenario" --out "$work/regressions-sim" -q >"$work/regressions-sim.log" 2>&1 ||
        { echo "the findings' scenarios fail on the simulated reference broker:"; cat "$work/regressions-sim.log"; exit 1; }
      grep -m1 '^mqtt-harness run' "$work/regressions-sim.log" || true
    fi
    ;;
  shard)
    # Three shards of 40 cases play exactly the case numbers 0..119 between them, each its own
    # residue, and each case as the unsharded campaign of 120 plays it.
    for k in all 1/3 2/3 3/3; do
      name=${k//\//-of-}
      n=40 args=(--shard "$k")
      [[ $k == all ]] && n=120 args=()
      "$harness" fuzz --spawn "$broker -p {port}" --cases $n --jobs 1 --seed 9 --out "$work/$name" --quiet \
        --trace "$work/$name.trace" "${args[@]}" >"$work/$name.stdout" 2>"$work/$name.stderr" ||
        { echo "fuzz --shard $k exited $?"; tail -20 "$work/$name.stderr"; exit 1; }
    done
    python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def cases(name):
    out = {}
    for line in open(f"{work}/{name}.trace"):
        o = json.loads(line)
        out[o["case"]] = (o["version"], o["origin"], o["mutation"])
    return out
whole = cases("all")
assert sorted(whole) == list(range(120)), f"the unsharded campaign played {sorted(whole)[:5]}..."
union = {}
for k in (1, 2, 3):
    part = cases(f"{k}-of-3")
    assert len(part) == 40, f"shard {k}/3 played {len(part)} cases"
    assert all(n % 3 == k - 1 for n in part), f"shard {k}/3 played a number of another shard"
    assert not set(part) & set(union), f"shard {k}/3 overlaps another"
    union.update(part)
    s = json.load(open(f"{work}/{k}-of-3/summary.json"))
    assert s["shard"] == f"{k}/3", f"summary.json of shard {k}/3 says shard {s['shard']}"
assert union == whole, "the shards' cases differ from the unsharded campaign's"
print("3 shards x 40 cases = the unsharded 120, case by case")
PY
    exit 0
    ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
python3 - "$work/summary.json" "$mode" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for key in ("cases", "seconds", "cases_per_second", "findings"):
    assert key in s, f"summary.json lacks {key}"
assert s["cases"] > 100, f"only {s['cases']} cases ran"
assert s["model_edges_covered"] == s["model_edges"], f"model coverage {s['model_edges_covered']}/{s['model_edges']}"
for f in s["findings"]:
    for key in ("signature", "oracle", "statement", "file"):
        assert key in f, f"a finding lacks {key}"
if sys.argv[2] == "ref":
    assert not s["findings"], f"findings against mqtt-ref-broker: {[f['signature'] for f in s['findings']]}"
print(f"{s['cases']} cases, {s['cases_per_second']:.0f}/s, {len(s['findings'])} findings")
PY
