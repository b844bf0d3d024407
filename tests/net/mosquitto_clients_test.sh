#!/usr/bin/env bash
# Interoperability: Debian's mosquitto_sub and mosquitto_pub (3.1.1 and 5.0) against
# mqtt-ref-broker on a free loopback port. Bounded: every step has a timeout.
set -euo pipefail
broker=${1:?usage: mosquitto_clients_test.sh PATH/TO/mqtt-ref-broker}
command -v mosquitto_sub >/dev/null || { echo "mosquitto-clients not installed (tools/bootstrap)" >&2; exit 1; }

dir=$(mktemp -d)
broker_pid=
cleanup() {
  [[ -n "$broker_pid" ]] && kill -TERM "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

timeout 60 "$broker" -p 0 >"$dir/out" 2>"$dir/log" &
broker_pid=$!
port=
for _ in $(seq 50); do
  port=$(sed -n 's#^listening on tcp://127.0.0.1:\([0-9]*\)$#\1#p' "$dir/out")
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || { echo "broker did not start"; cat "$dir/log"; exit 1; }

for version in mqttv311 mqttv5; do
  timeout 10 mosquitto_sub -h 127.0.0.1 -p "$port" -V "$version" -t 'interop/#' -q 2 -C 3 -v >"$dir/sub" &
  sub_pid=$!
  sleep 0.5
  for qos in 0 1 2; do
    timeout 10 mosquitto_pub -h 127.0.0.1 -p "$port" -V "$version" -t "interop/q$qos" -m "hello $qos" -q "$qos"
  done
  wait "$sub_pid"
  expected=$'interop/q0 hello 0\ninterop/q1 hello 1\ninterop/q2 hello 2'
  if [[ "$(cat "$dir/sub")" != "$expected" ]]; then
    echo "FAIL ($version): got"; cat "$dir/sub"; cat "$dir/log"; exit 1
  fi
  echo "ok: $version QoS 0, 1, 2"
done

kill -TERM "$broker_pid"
status=0
wait "$broker_pid" || status=$?
broker_pid=
[[ $status -eq 0 ]] || { echo "broker exited with $status after SIGTERM"; exit 1; }
echo "ok: SIGTERM exit 0"
