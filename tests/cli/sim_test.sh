#!/usr/bin/env bash
# Checks `mqtt-harness sim`, `replay` and `shrink` end to end on short runs, one case per CTest
# test: sim_test.sh CASE HARNESS [TSHARK]. Exit 0 pass, 1 fail, 77 tshark missing (pcap case).
set -u
case_name=$1
harness=$2
tshark=${3:-tshark}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# run STATUS ARGS...: runs the harness with ARGS, output in $work/out and $work/err, and checks
# the exit status.
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

# json_get FILE EXPR: prints the Python expression EXPR evaluated on the JSON object `j`.
json_get() {
  python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

case_list() {
  run 0 sim --list || return
  local names=(standard small shared none flaky lossy partition crash chaos
    drop-offline-qos1 qos2-duplicate-on-reconnect will-after-normal-disconnect
    no-will-on-keepalive-timeout forget-retained reorder-topic deliver-after-unsubscribe
    qos1-lost will-missing order)
  for n in "${names[@]}"; do
    grep -Eq "^  $n +[^ ]" "$work/out" || fail "sim --list does not show '$n' with a description"
  done
  for section in 'workloads:' 'fault profiles:' 'planted bugs:' 'checker rules:'; do
    grep -qx "$section" "$work/out" || fail "sim --list has no '$section' section"
  done
}

case_sweep() {
  run 0 sim --faults none --seeds 20 --duration 2 --out "$work/clean" || return
  grep -q '^summary: 20 seeds run, 0 failed' "$work/out" || fail "no summary line: $(cat "$work/out")"
  grep -Eq 'seeds/s.*simulated s per wall s.*events/s' "$work/out" || fail "no rates in the summary"
  local summary=$work/clean/summary.json
  [[ -f $summary ]] || { fail "no summary.json"; return; }
  for field in seeds failed wall_seconds simulated_seconds events seeds_per_second workload profile \
    planted_bug failed_seeds; do
    [[ $(json_get "$summary" "'$field' in j") == True ]] || fail "summary.json lacks $field"
  done
  [[ "$(json_get "$summary" "(j['seeds'], j['failed'], j['failed_seeds'], j['workload'], j['profile'])")" == \
    "(20, 0, [], 'standard', 'none')" ]] || fail "summary.json: $(cat "$summary")"
  # 20 runs of 2 s chaos and 10 s drain.
  [[ $(json_get "$summary" "j['simulated_seconds'] == 240 and j['events'] > 0") == True ]] ||
    fail "summary.json simulated seconds or events: $(cat "$summary")"
  ls "$work/clean"/seed-*.replay >/dev/null 2>&1 && fail "replay files written for passing seeds"
  # A shard runs only its share of the sweep.
  run 0 sim --faults none --seeds 20 --duration 2 --shard 2/3 --out "$work/shard" || return
  [[ $(json_get "$work/shard/summary.json" "j['seeds']") == 7 ]] || fail "--shard 2/3 of 20 seeds did not run 7"
}

case_determinism() {
  run 0 sim --seeds 4 --duration 2 --faults chaos --check-determinism || return
  grep -q '^summary: 4 seeds run, 0 failed' "$work/out" || fail "determinism sweep: $(cat "$work/out")"
  # A planted bug makes failures to compare; the report must not depend on the thread count.
  local args=(sim --seeds 30 --duration 3 --faults chaos --plant drop-offline-qos1)
  "$harness" "${args[@]}" --jobs 1 --out "$work/j1" >"$work/out1" 2>/dev/null
  local s1=$?
  "$harness" "${args[@]}" --jobs 2 --out "$work/j2" >"$work/out2" 2>/dev/null
  local s2=$?
  [[ $s1 -eq $s2 ]] || fail "--jobs 1 exited $s1, --jobs 2 exited $s2"
  local expr="(j['seeds'], j['failed'], j['failed_seeds'], j['events'], j['simulated_seconds'],
    [(f['seed'], f['rule'], f['message']) for f in j['failures']])"
  [[ "$(json_get "$work/j1/summary.json" "$expr")" == "$(json_get "$work/j2/summary.json" "$expr")" ]] ||
    fail "--jobs 1 and --jobs 2 summaries differ"
  # The printed report is the same but for the directory names and wall-clock figures.
  diff <(grep -v '^  [0-9.]* seeds/s\|^  wall\|^summary: ' "$work/out1" | sed "s#$work/j1#DIR#g") \
    <(grep -v '^  [0-9.]* seeds/s\|^  wall\|^summary: ' "$work/out2" | sed "s#$work/j2#DIR#g") >/dev/null ||
    fail "--jobs 1 and --jobs 2 print different reports"
}

case_planted() {
  run 1 sim --plant will-after-normal-disconnect --faults none --seeds 50 --out "$work/planted" || return
  local replay
  replay=$(ls "$work/planted"/seed-*.replay 2>/dev/null | head -1)
  [[ -n $replay ]] || { fail "no seed-*.replay written"; return; }
  [[ $(json_get "$work/planted/summary.json" "j['failed'] > 0 and j['planted_bug']") == \
    will-after-normal-disconnect ]] || fail "summary.json: $(cat "$work/planted/summary.json")"
  grep -q "replay: mqtt-harness replay $replay" "$work/out" || fail "no replay command for $replay"
  grep -q '^  will-after-disconnect \[' "$work/out" || fail "first violation not printed"

  run 1 replay "$replay" || return
  local recorded
  recorded=$(json_get "$replay" "j['trace_hash']")
  grep -qx "trace-hash: $recorded" "$work/out" || fail "replay printed $(grep trace-hash "$work/out"), recorded $recorded"
  grep -q '^FAIL' "$work/out" || fail "replay printed no FAIL verdict"
  grep -q 'differs' "$work/err" && fail "replay warned of a difference: $(cat "$work/err")"

  # A changed hash in the file is reported, the exit status still follows the verdict.
  sed 's/"trace_hash":"[0-9a-f]*"/"trace_hash":"0000000000000001"/' "$replay" >"$work/edited.replay"
  run 1 replay "$work/edited.replay" &&
    { grep -q 'trace-hash differs from the replay file (recorded 0000000000000001)' "$work/err" ||
      fail "no trace-hash warning"; }

  run 0 shrink "$replay" || return
  local shrunk=${replay%.replay}.shrunk.replay
  [[ -f $shrunk ]] || { fail "shrink wrote no $shrunk"; return; }
  grep -q "^wrote $shrunk" "$work/out" || fail "shrink did not say where it wrote"
  run 1 replay "$shrunk" || return
  local before after
  before=$(json_get "$replay" "len(j['faults'])")
  after=$(json_get "$shrunk" "len(j['faults'])")
  ((after <= before)) || fail "shrunk file has $after faults, the original $before"
  [[ "$(json_get "$shrunk" "(j['seed'], j['planted_bug'], j['failed_rule'])")" == \
    "$(json_get "$replay" "(j['seed'], j['planted_bug'], j['failed_rule'])")" ]] || fail "shrink changed seed, bug or rule"
  [[ $(json_get "$shrunk" "j['chaos_ms'] <= $(json_get "$replay" "j['chaos_ms']")") == True ]] ||
    fail "shrink lengthened the chaos phase"
  grep -qx "trace-hash: $(json_get "$shrunk" "j['trace_hash']")" "$work/out" ||
    fail "the shrunk file's trace hash is not the one its replay gives"

  # -o names the output; a run that passes has nothing to shrink.
  run 0 shrink "$replay" -o "$work/named.replay" && [[ -f $work/named.replay ]] || fail "shrink -o wrote nothing"
  sed 's/"planted_bug":"[a-z-]*"/"planted_bug":""/' "$replay" >"$work/passing.replay"
  run 0 replay "$work/passing.replay"
  run 2 shrink "$work/passing.replay"
}

case_pcap() {
  if ! "$tshark" --version >/dev/null 2>&1; then
    echo "tshark not found as '$tshark': tools/bootstrap installs it (Debian package tshark)"
    exit 77
  fi
  run 0 sim --seed 3 --faults none --duration 2 --pcap "$work/run.pcap" || return
  [[ -s $work/run.pcap ]] || { fail "no pcap written"; return; }
  local types
  types=$("$tshark" -r "$work/run.pcap" -d tcp.port==1883,mqtt -Y mqtt -T fields -e mqtt.msgtype 2>/dev/null |
    tr ',' '\n' | sort -un | tr '\n' ' ')
  # 1 CONNECT, 2 CONNACK, 3 PUBLISH.
  for t in 1 2 3; do
    [[ " $types" == *" $t "* ]] || fail "tshark decoded no MQTT message type $t (got: $types)"
  done
  run 0 sim --seed 3 --faults none --duration 2 || return
  local hash
  hash=$(grep '^trace-hash:' "$work/out")
  run 0 sim --seed 3 --faults none --duration 2 --pcap "$work/again.pcap" || return
  grep -qx "$hash" "$work/out" || fail "--pcap changed the run's trace hash"
  cmp -s "$work/run.pcap" "$work/again.pcap" || fail "two runs of one seed wrote different pcap files"
}

case_usage() {
  run 2 sim --workload no-such-workload
  run 2 sim --faults no-such-profile
  run 2 sim --plant no-such-bug
  run 2 sim --seeds 0
  run 2 sim --seeds many
  run 2 sim --seed 3 --seeds 4
  run 2 sim --jobs 0
  run 2 sim --shard 3/2
  run 2 sim --duration -1
  run 2 sim --duration 0
  run 2 sim --pcap "$work/x.pcap"
  run 2 sim --verbose --seeds 3
  run 2 sim --no-such-option
  run 2 sim --seeds
  run 2 replay
  run 2 replay "$work/missing.replay"
  echo '{"format":"something-else"}' >"$work/bad.replay"
  run 2 replay "$work/bad.replay"
  echo 'not json' >"$work/bad2.replay"
  run 2 replay "$work/bad2.replay"
  run 2 shrink "$work/bad.replay"
  run 2 shrink
  run 2 replay "$work/bad.replay" --no-such-option
}

case "$case_name" in
  list) case_list ;;
  sweep) case_sweep ;;
  determinism) case_determinism ;;
  planted) case_planted ;;
  pcap) case_pcap ;;
  usage) case_usage ;;
  *)
    echo "unknown case $case_name"
    exit 2
    ;;
esac

if ((failures > 0)); then
  echo "$failures sim CLI check(s) failed in case $case_name"
  exit 1
fi
echo "sim CLI case $case_name passed"
