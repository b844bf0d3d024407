#!/usr/bin/env bash
# The web page client (web_client.py) against mqtt-ref-broker's WebSocket listener, 3.1.1 and 5.0.
# web_ref_broker.sh BROKER BUNDLE CHROMIUM. Starts the broker on free loopback ports with
# targets/mqtt-ref-broker/start and stops it by its process id.
set -u
broker=$1 bundle=$2 chromium=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pid=
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
"$here/../../targets/mqtt-ref-broker/start" "$work" "$broker" >/dev/null || exit 1
pid=$(cat "$work/pid")
status=0
for v in 4 5; do
  python3 "$here/web_client.py" --ws-url "$(cat "$work/ws_url")" --bundle "$bundle" --chromium "$chromium" --version "$v"
  rc=$?
  ((rc == 77)) && exit 77
  ((rc != 0)) && status=1
done
exit $status
