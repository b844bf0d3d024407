#!/usr/bin/env bash
# mqtt-harness chaos as a user runs it, one case per CTest test:
#   chaos_test.sh CASE HARNESS BROKER OUT
# usage    bad command lines exit 2 with a reason
# crash    a bounded run of the crash profile on mqtt-ref-broker (SIGKILL and restarts through
#          --spawn, client crashes with and without their host) holds every rule, and writes
#          the run's folder (summary, history, both pcaps, replay)
# persist  the same on mqtt-ref-broker with persistence true (--broker-keeps-state): sessions
#          come back after each restart (Session Present 1) and every rule holds
# will     a black hole on a will-carrying client: only the broker's keep alive ends the
#          connection, and its will reaches the watcher (BROKER: mqtt-ref-broker)
# transports  mqtt-ref-broker with persistence on its TLS and secure WebSocket ports (the
#          proxies carry the clients' MQTT on in the broker's transport): a crash-profile run
#          over wss, the broker crashed and restarted by the profile's [restart] commands,
#          holds every rule and sessions come back; then a flaky run over tls on the same
#          broker holds every rule: its clean slate discards the sessions the first run left
#          (without it they would count as this run's); the records read the CONNECTs
#          (BROKER: mqtt-ref-broker)
# qos-cap  a profile with max_qos = 1: the workload publishes, subscribes and wills at QoS 1
#          at most, and QoS 1 publications are acknowledged throughout
# planted  the same run on mqtt-ref-broker-planted with no-will-on-keepalive-timeout: the will
#          is missing, exit 1, the rule and its statement named (BROKER: the planted broker)
set -uo pipefail
case_name=$1 harness=$2 broker=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out" && mkdir -p "$out"
fail() { echo "FAIL: $*"; exit 1; }

run() {  # run NAME ARGS...: the command's status in $status, its output in $out/NAME.out
  local name=$1
  shift
  timeout 180 "$harness" chaos "$@" >"$out/$name.out" 2>"$out/$name.err"
  status=$?
  cat "$out/$name.out"
}

case "$case_name" in
  qos-cap)
    root=$(cd "$here/../.." && pwd)
    sed 's/^max_qos = 2/max_qos = 1/' "$root/targets/mqtt-ref-broker/profile.toml" >"$out/profile.toml"
    grep -q "^max_qos = 1" "$out/profile.toml" || fail "could not make the profile"
    run cap --spawn "$broker -c /dev/null -p {port}" --profile "$out/profile.toml" --faults none --duration 6 --drain 2 --out "$out/run" -q
    ((status == 0)) || fail "exit $status"
    h=$out/run/history.txt
    (($(grep -c " publish c.* qos=1" "$h") > 10)) || fail "too few QoS 1 publications"
    ! grep -qE "(publish|delivered) .* qos=2|granted=2" "$h" || fail "QoS 2 above the profile's max_qos: $(grep -m1 -E 'qos=2|granted=2' "$h")"
    last_ack=$(grep "publish-acked" "$h" | tail -1 | sed 's/^t=\([0-9]*\)ms.*/\1/')
    ((last_ack > 5000)) || fail "acknowledgements stopped at ${last_ack} ms"
    echo "ok: QoS at most 1 throughout, last acknowledgement at ${last_ack} ms"
    ;;
  usage)
    run none -q
    ((status == 2)) || fail "no target: exit $status"
    grep -q "give --target URL or --spawn CMD" "$out/none.err" || fail "no reason given"
    run badca --target wss://127.0.0.1:1/mqtt --ca-file "$out/no-such-ca.pem" -q --out "$out/badca"
    ((status == 2)) && grep -q "cannot use ca_file" "$out/badca.err" || fail "wss target with a missing CA file: exit $status"
    run remote --target tcp://192.0.2.1:1883 -q
    ((status == 2)) && grep -q "not a loopback address" "$out/remote.err" || fail "remote target: exit $status"
    run noport --spawn "$broker" -q
    ((status == 2)) && grep -q "needs {port}" "$out/noport.err" || fail "spawn without {port}: exit $status"
    run badfaults --spawn "$broker -p {port}" --faults nonsense -q --out "$out/bad"
    ((status == 2)) && grep -q "unknown fault profile" "$out/badfaults.err" || fail "unknown profile: exit $status"
    ;;
  crash)
    run crash --spawn "$broker -p {port}" --faults crash --seed 1 --duration 12 --drain 10 --out "$out/run" -q
    ((status == 0)) || fail "the crash run on mqtt-ref-broker: exit $status"
    grep -q "every rule held" "$out/crash.out" || fail "no verdict line"
    python3 - "$out/run" <<'PY' || exit 1
import json, os, sys
d = sys.argv[1]
s = json.load(open(os.path.join(d, "summary.json")))
assert s["passed"] and not s["violations"], s["violations"]
assert s["broker_crashes"] >= 1, "the crash profile crashed no broker: %r" % s
verdicts = {r["rule"]: r["verdict"] for r in s["rules"]}
assert verdicts["qos1-lost"] == "held" and verdicts["will-missing"] == "held", verdicts
assert verdicts["event-budget"].startswith("not judged"), verdicts
for f in ("history.txt", "clients.pcap", "broker.pcap", "replay.json", "proxy-records.jsonl"):
    assert os.path.getsize(os.path.join(d, f)) > 0, f
hist = open(os.path.join(d, "history.txt")).read()
assert "broker-crash" in hist and "broker-restart" in hist and "broker-got-connect" in hist, "history lacks the broker's side"
r = json.load(open(os.path.join(d, "replay.json")))
assert r["faults"] and "re-driven" in r["re_driven"], r
PY
    ;;
  persist)
    mkdir -p "$out/state"
    printf 'persistence true\npersistence_location %s\n' "$out/state" >"$out/broker.conf"
    run persist --spawn "$broker -c $out/broker.conf -p {port}" --faults crash --seed 5 --duration 12 --drain 10 \
      --broker-keeps-state --out "$out/run" -q
    ((status == 0)) || fail "the crash run on mqtt-ref-broker with persistence: exit $status"
    [[ -s "$out/state/mqtt-ref-broker.db" ]] || fail "no persistence file"
    awk '/broker-restart/ {r = 1} r && /session-present=1/ {found = 1} END {exit !found}' "$out/run/history.txt" ||
      fail "no session came back after a restart"
    ;;
  transports)
    root=$(cd "$here/../.." && pwd)
    MQTT_REF_PERSISTENCE=1 "$root/targets/mqtt-ref-broker/start" "$out/broker" "$broker" >"$out/start.log" 2>&1 ||
      fail "the broker did not start: $(cat "$out/start.log")"
    # The pid file follows each restart; the broker is stopped by it whatever happens.
    trap 'kill "$(cat "$out/broker/pid")" 2>/dev/null' EXIT
    run wss --target "$(cat "$out/broker/wss_url")" --ca-file "$out/broker/cert.pem" \
      --profile "$root/targets/mqtt-ref-broker/profile-persistence.toml" --broker-keeps-state \
      --faults crash --seed 5 --duration 12 --drain 8 --out "$out/wss" -q
    ((status == 0)) || fail "the crash run over wss: exit $status"
    grep -q "^chaos: wss://127.0.0.1:.*[1-9][0-9]* broker crashes" "$out/wss.out" || fail "no broker crash over wss"
    awk '/broker-restart/ {r = 1} r && /session-present=1/ {found = 1} END {exit !found}' "$out/wss/history.txt" ||
      fail "no session came back after a restart"
    grep -q '"connect_reached_broker": true, "client_id": "c0"' "$out/wss/proxy-records.jsonl" ||
      fail "the proxy records read no CONNECT over wss"
    run tls --target "$(cat "$out/broker/tls_url")" --ca-file "$out/broker/cert.pem" \
      --profile "$root/targets/mqtt-ref-broker/profile-persistence.toml" --faults flaky --seed 2 --duration 8 --drain 5 \
      --out "$out/tls" -q
    ((status == 0)) || fail "the flaky run over tls: exit $status"
    grep -q "every rule held" "$out/tls.out" || fail "no verdict over tls"
    grep -q "^clean slate: .*(left by an earlier run: c" "$out/tls/log.txt" || fail "the clean slate found no session left"
    (($(grep -c "delivered" "$out/tls/history.txt") > 50)) || fail "too few deliveries over tls"
    ;;
  will)
    run will --spawn "$broker -p {port}" --replay "$here/black-hole-will.replay.json" --out "$out/run" -q
    ((status == 0)) || fail "the black-hole run on mqtt-ref-broker: exit $status"
    grep -q "broker-conn-end c3 conn=4 (no DISCONNECT)" "$out/run/history.txt" || fail "the broker did not end c3's connection"
    grep -q "delivered c4 conn=4 topic=will/c3" "$out/run/history.txt" || fail "c3's will did not reach c4"
    ;;
  planted)
    run planted --spawn "$broker --planted-bug no-will-on-keepalive-timeout -p {port}" \
      --replay "$here/black-hole-will.replay.json" --out "$out/run" -q
    ((status == 1)) || fail "the planted bug was not caught: exit $status"
    grep -q "VIOLATION will-missing \[MQTT-3.1.2-8" "$out/planted.out" || fail "no will-missing violation named"
    ;;
  *)
    fail "unknown case $case_name"
    ;;
esac
echo "PASS: $case_name"
