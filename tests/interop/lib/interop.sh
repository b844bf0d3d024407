# Shared helpers for the bash interop tests: a scratch directory, a throwaway CA and server
# certificate, an mqtt-ref-broker on free ports of 127.0.0.1, bounded waits, and failure
# reports that carry the broker's log. Source it; it sets `set -euo pipefail`.
# shellcheck shell=bash
set -euo pipefail

interop_name=${interop_name:-interop}
interop_dir=$(mktemp -d "${TMPDIR:-/tmp}/mqtt-interop.XXXXXX")
interop_broker_pid=
interop_pids=()
declare -gA interop_port=()   # scheme (tcp, tls, ws, wss) -> port of the first such listener

interop_cleanup() {
  local pid
  for pid in "${interop_pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [[ -n "$interop_broker_pid" ]]; then
    kill -TERM "$interop_broker_pid" 2>/dev/null || true
    wait_gone "$interop_broker_pid" 5 || kill -KILL "$interop_broker_pid" 2>/dev/null || true
  fi
  if [[ -n "${INTEROP_KEEP:-}" ]]; then
    echo "$interop_name: scratch directory kept: $interop_dir" >&2
  else
    rm -rf "$interop_dir"
  fi
}
trap interop_cleanup EXIT

# The whole test is bounded: past this the test fails instead of hanging until CTest's timeout.
interop_deadline=$((SECONDS + ${INTEROP_TIME_LIMIT_S:-45}))

# fail MESSAGE...: report, show the broker's log tail, exit 1.
fail() {
  echo "FAIL [$interop_name]: $*" >&2
  if [[ -f "$interop_dir/broker.log" ]]; then
    echo "--- last lines of the broker log (-v) ---" >&2
    tail -n 60 "$interop_dir/broker.log" >&2
  fi
  exit 1
}

skip() {
  echo "SKIP [$interop_name]: $*" >&2
  exit 77
}

require_command() {
  command -v "$1" >/dev/null 2>&1 || skip "$1 not found (tools/bootstrap installs ${2:-$1})"
}

check_time() {
  ((SECONDS < interop_deadline)) || fail "overall time limit of ${INTEROP_TIME_LIMIT_S:-45} s exceeded"
}

# wait_gone PID SECONDS: wait for a process (child or not) to exit; 1 on timeout.
wait_gone() {
  local pid=$1 limit_ds=$(($2 * 10)) i
  for ((i = 0; i < limit_ds; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# wait_for_line FILE PATTERN SECONDS: wait until a line of FILE matches the extended regex.
wait_for_line() {
  local file=$1 pattern=$2 limit_ds=$(($3 * 10)) i
  for ((i = 0; i < limit_ds; i++)); do
    [[ -f "$file" ]] && grep -Eq -- "$pattern" "$file" && return 0
    sleep 0.1
  done
  return 1
}

# make_certs: a throwaway CA and a server certificate for 127.0.0.1 and localhost in
# $interop_dir (ca.crt, server.crt, server.key).
make_certs() {
  require_command openssl
  local d=$interop_dir
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=mqtt interop test CA" -keyout "$d/ca.key" -out "$d/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; fail "openssl: CA"; }
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=127.0.0.1" -keyout "$d/server.key" -out "$d/server.csr" \
    >>"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; fail "openssl: server key"; }
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/server.ext" -out "$d/server.crt" \
    >>"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; fail "openssl: server certificate"; }
}

# start_broker EXE CONFIG_TEXT: run `EXE -c CONFIG -v`, wait for one `listening on` line per
# listener (10 s at most), fill interop_port[scheme].
start_broker() {
  local exe=$1 config=$2
  [[ -x "$exe" ]] || fail "broker executable not found: $exe"
  printf '%s\n' "$config" >"$interop_dir/broker.conf"
  local listeners
  listeners=$(grep -Ec '^(listener|http_listener) ' "$interop_dir/broker.conf" || true)
  : >"$interop_dir/broker.out"
  : >"$interop_dir/broker.log"
  "$exe" -c "$interop_dir/broker.conf" -v >"$interop_dir/broker.out" 2>"$interop_dir/broker.log" &
  interop_broker_pid=$!
  local i count=0
  for ((i = 0; i < 100; i++)); do
    count=$(grep -c '^listening on ' "$interop_dir/broker.out" || true)
    ((count >= listeners)) && break
    kill -0 "$interop_broker_pid" 2>/dev/null || fail "broker exited at start-up: $(cat "$interop_dir/broker.log")"
    sleep 0.1
  done
  ((count >= listeners)) || fail "broker printed $count of $listeners 'listening on' lines within 10 s"
  local line scheme port
  while read -r line; do
    [[ "$line" =~ ^listening\ on\ ([a-z]+)://127\.0\.0\.1:([0-9]+)$ ]] || fail "unexpected broker output: $line"
    scheme=${BASH_REMATCH[1]}
    port=${BASH_REMATCH[2]}
    [[ -n "${interop_port[$scheme]:-}" ]] || interop_port[$scheme]=$port
  done <"$interop_dir/broker.out"
}
