#!/usr/bin/env bash
# The suite against real brokers, started on free loopback ports and stopped by pid:
#   real_run_test.sh ref-tcp|ref-ws|ref-tls|ref-wss HARNESS BROKER SCENARIOS  the real mqtt-ref-broker
#       (TLS verified against the certificate its start script made); its
#       verdicts must equal those of the simulated reference broker, case by case, but for
#       the cases that need a WebSocket connection: skipped on the simulator, they must pass
#       on ws:// and wss:// and be skipped on tcp:// and tls://
#   real_run_test.sh ref-restart HARNESS BROKER SCENARIOS  the real mqtt-ref-broker with persistence
#       (profile-persistence.toml): the fault and restart scenarios pass over tcp:// and wss://,
#       none skipped; the broker is killed and started again by targets/restart
#   real_run_test.sh mosquitto HARNESS - SCENARIOS            Debian's mosquitto with its profile
#       and baseline: nothing fails but what the baseline lists
# Exit 0 pass, 1 fail, 77 mosquitto missing.
set -u
case_name=$1
harness=$2
broker=$3
scenarios=$4
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pid=
cleanup() {
  # A restart leaves a new process behind: its pid is in the file.
  [[ -f "$work/broker/pid" ]] && pid=$(cat "$work/broker/pid")
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && { wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

start() {
  local name=$1
  shift
  "$root/targets/$name/start" "$work/broker" "$@" >/dev/null || { echo "FAIL: $name did not start"; exit 1; }
  pid=$(cat "$work/broker/pid")
}

# "ID VERSION VERDICT" per case; with a second argument (the verdict a WebSocket-only case must
# have on this target) that verdict stands in for the case's own on the simulator.
verdicts() {
  python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
ws = sys.argv[2] if len(sys.argv) > 2 else None
for c in j["cases"]:
    v = c["verdict"]
    if ws and "websocket" in c.get("needs", []):
        if v != "skip":
            v = "not-skipped-on-the-simulator"
        else:
            v = ws
    print(c["id"], c["version"], v)
' "$@" | sort
}

case "$case_name" in
  ref-tcp|ref-ws|ref-tls|ref-wss)
    start mqtt-ref-broker "$broker"
    url=$(cat "$work/broker/${case_name#ref-}_url" 2>/dev/null || cat "$work/broker/url")
    [[ "$case_name" == ref-tcp ]] && url=$(cat "$work/broker/url")
    profile=$root/targets/mqtt-ref-broker/profile.toml
    "$harness" run "$scenarios" --profile "$profile" --out "$work/sim" -q >"$work/sim.out" 2>&1
    sim_status=$?
    "$harness" run "$scenarios" --target "$url" --profile "$profile" --ca-file "$work/broker/cert.pem" --jobs 4 \
      --out "$work/real" -q >"$work/real.out" 2>&1
    real_status=$?
    cat "$work/real.out"
    ws_verdict=skip
    [[ "$case_name" == ref-ws || "$case_name" == ref-wss ]] && ws_verdict=pass
    verdicts "$work/sim/latest/report.json" "$ws_verdict" >"$work/sim.v"
    verdicts "$work/real/latest/report.json" >"$work/real.v"
    if ! diff "$work/sim.v" "$work/real.v" >"$work/diff"; then
      echo "FAIL: verdicts differ between the simulated and the real reference broker ($url):"
      cat "$work/diff"
      exit 1
    fi
    [[ $sim_status -eq $real_status ]] || { echo "FAIL: exit $sim_status on the simulator, $real_status on $url"; exit 1; }
    kill -0 "$pid" 2>/dev/null || { echo "FAIL: the broker died"; tail "$work/broker/log"; exit 1; }
    echo "ok: $(wc -l <"$work/real.v") cases agree ($url)"
    ;;
  ref-restart)
    MQTT_REF_PERSISTENCE=1 start mqtt-ref-broker "$broker"
    profile=$root/targets/mqtt-ref-broker/profile-persistence.toml
    for url in "$(cat "$work/broker/url")" "$(cat "$work/broker/wss_url")"; do
      rm -rf "$work/real"
      "$harness" run "$scenarios/both/4.4-network-faults.scenario" "$scenarios/both/4.1-restart.scenario" \
        --target "$url" --profile "$profile" --ca-file "$work/broker/cert.pem" --out "$work/real" -q
      status=$?
      [[ $status -eq 0 ]] || { echo "FAIL: exit $status on $url"; exit 1; }
      python3 - "$work/real/latest/report.json" <<'PY' || exit 1
import json, sys
cases = json.load(open(sys.argv[1]))["cases"]
restarts = [c for c in cases if "restart" in c.get("needs", [])]
bad = [f'{c["id"]} {c["version"]}: {c["verdict"]}' for c in cases if c["verdict"] != "pass"]
if bad or len(restarts) < 4:
    print("FAIL: every case must pass, at least 4 of them restarting the broker:", bad, len(restarts))
    sys.exit(1)
print(f"ok: {len(cases)} cases pass, {len(restarts)} of them across a broker restart")
PY
      pid=$(cat "$work/broker/pid")
      kill -0 "$pid" 2>/dev/null || { echo "FAIL: the broker is not running after the restarts"; tail "$work/broker/log"; exit 1; }
    done
    ;;
  mosquitto)
    command -v mosquitto >/dev/null || { echo "mosquitto not installed (tools/bootstrap installs it)"; exit 77; }
    start mosquitto
    url=$(cat "$work/broker/url")
    "$harness" run "$scenarios" --target "$url" --profile "$root/targets/mosquitto/profile.toml" \
      --baseline "$root/targets/mosquitto/baseline.toml" --jobs 4 --out "$work/real" -q
    status=$?
    kill -0 "$pid" 2>/dev/null || { echo "FAIL: mosquitto died"; tail "$work/broker/log"; exit 1; }
    [[ $status -eq 0 ]] || { echo "FAIL: exit $status against mosquitto"; exit 1; }
    echo "ok: nothing fails against mosquitto but what its baseline lists ($url)"
    ;;
  *) echo "unknown case $case_name"; exit 2 ;;
esac
