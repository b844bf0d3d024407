#!/usr/bin/env bash
# Sensitivity of the simulator's checkers: a default sweep (standard workload, flaky faults)
# of at most 200 seeds catches each planted broker bug, and `shrink` cuts the first failing
# run to at most 5 faults. Prints the table of the closing figures.
# Usage: sim_sensitivity.sh HARNESS [BUG...]
set -u
harness=$1
shift
bugs=("$@")
if ((${#bugs[@]} == 0)); then
  bugs=(drop-offline-qos1 qos2-duplicate-on-reconnect will-after-normal-disconnect
        no-will-on-keepalive-timeout forget-retained reorder-topic deliver-after-unsubscribe)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
faults_max=5

printf '%-30s %-28s %8s %8s %8s\n' bug rule first-seed faults shrunk
for bug in "${bugs[@]}"; do
  out=$work/$bug
  "$harness" sim --plant "$bug" --seeds 200 --jobs 2 --out "$out" >"$work/sim.log" 2>&1
  status=$?
  if [[ $status -ne 1 ]]; then
    echo "FAIL: $bug: 200 seeds exited $status, want 1 (caught)"
    tail -5 "$work/sim.log"
    failures=$((failures + 1))
    continue
  fi
  first=$(python3 -c 'import json,sys; print(min(json.load(open(sys.argv[1]))["failed_seeds"]))' "$out/summary.json")
  replay=$out/seed-$first.replay
  "$harness" shrink "$replay" -o "$out/shrunk.replay" >"$work/shrink.log" 2>&1 || {
    echo "FAIL: $bug: shrink of seed $first failed"
    tail -5 "$work/shrink.log"
    failures=$((failures + 1))
    continue
  }
  read -r rule before < <(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["failed_rule"], len(j["faults"]))' "$replay")
  read -r rule_after after < <(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["failed_rule"], len(j["faults"]))' "$out/shrunk.replay")
  printf '%-30s %-28s %8s %8s %8s\n' "$bug" "$rule" "$first" "$before" "$after"
  "$harness" replay "$out/shrunk.replay" >/dev/null 2>&1
  if [[ $? -ne 1 ]]; then
    echo "FAIL: $bug: the shrunk replay does not fail"
    failures=$((failures + 1))
  fi
  if [[ "$rule_after" != "$rule" ]]; then
    echo "FAIL: $bug: shrinking changed the failed rule from $rule to $rule_after"
    failures=$((failures + 1))
  fi
  if ((after > faults_max)); then
    echo "FAIL: $bug: shrunk to $after faults, want at most $faults_max"
    failures=$((failures + 1))
  fi
done
exit $((failures > 0))
