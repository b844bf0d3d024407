#!/usr/bin/env bash
# Interop: Debian's mosquitto_pub / mosquitto_sub against mqtt-ref-broker, one feature per run.
# Usage: mosquitto_clients.sh BROKER_EXE 311|5 tcp|tls qos0|qos1|qos2|retain|will|session
# Exit 0 pass, 1 fail (with the broker's -v log), 77 skip (a client tool is missing).

set -euo pipefail
broker_exe=${1:?broker executable}
version=${2:?311 or 5}
transport=${3:?tcp or tls}
feature=${4:?feature}
interop_name="mosquitto v$version $transport $feature"
# shellcheck source=lib/interop.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib/interop.sh"

require_command mosquitto_pub mosquitto-clients
require_command mosquitto_sub mosquitto-clients
require_command stdbuf coreutils

case $version in
  311) version_arg=mqttv311 ;;
  5) version_arg=5 ;;
  *) fail "unknown protocol version $version" ;;
esac

case $transport in
  tcp)
    start_broker "$broker_exe" "listener 0 127.0.0.1"
    client_args=(-h 127.0.0.1 -p "${interop_port[tcp]}" -V "$version_arg")
    ;;
  tls)
    make_certs
    start_broker "$broker_exe" "listener 0 127.0.0.1
certfile $interop_dir/server.crt
keyfile $interop_dir/server.key"
    [[ -n "${interop_port[tls]:-}" ]] || fail "broker printed no tls:// listener"
    client_args=(-h 127.0.0.1 -p "${interop_port[tls]}" -V "$version_arg" --cafile "$interop_dir/ca.crt")
    ;;
  *) fail "unknown transport $transport" ;;
esac

declare -A sub_pid=()

# start_sub NAME ARGS...: mosquitto_sub in the background printing one `MSG RETAIN QOS TOPIC
# PAYLOAD` line per message (debug lines besides); returns once its SUBACK arrived.
start_sub() {
  local name=$1
  shift
  stdbuf -oL mosquitto_sub "${client_args[@]}" -d -F 'MSG %r %q %t %p' "$@" \
    >"$interop_dir/$name.out" 2>"$interop_dir/$name.err" &
  sub_pid[$name]=$!
  interop_pids+=("$!")
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q 'received SUBACK' "$interop_dir/$name.out" && return 0
    # A resumed session may deliver all a -C subscriber waits for before the SUBACK.
    kill -0 "${sub_pid[$name]}" 2>/dev/null || return 0
    sleep 0.1
  done
  fail "subscriber '$name' (mosquitto_sub $*) got no SUBACK within 10 s;" \
    "its output: $(cat "$interop_dir/$name.out" "$interop_dir/$name.err")"
}

# finish_sub NAME: wait for the subscriber to exit by itself (-C, -W or -E bound it).
finish_sub() {
  local name=$1 pid=${sub_pid[$1]}
  wait_gone "$pid" 20 || fail "subscriber '$name' still running after 20 s"
  local rc=0
  wait "$pid" || rc=$?
  sub_rc[$name]=$rc
  check_time
}
declare -A sub_rc=()

received() {
  grep '^MSG ' "$interop_dir/$1.out" | cut -c5- || true
}

# expect_messages NAME WHAT EXPECTED: the subscriber's messages, in order, must be EXPECTED
# (lines `RETAIN QOS TOPIC PAYLOAD`).
expect_messages() {
  local name=$1 what=$2 expected=$3 actual
  actual=$(received "$name")
  [[ "$actual" == "$expected" ]] && return 0
  fail "subscriber '$name': $what
expected (retain qos topic payload):
$expected
received (mosquitto_sub exit status ${sub_rc[$name]:-?}):
${actual:-<nothing>}
mosquitto_sub stderr: $(cat "$interop_dir/$name.err")"
}

# pub ARGS...: mosquitto_pub bounded to 15 s.
pub() {
  local rc=0
  timeout 15 mosquitto_pub "${client_args[@]}" "$@" >"$interop_dir/pub.log" 2>&1 || rc=$?
  ((rc == 0)) || fail "mosquitto_pub $* exited with $rc: $(cat "$interop_dir/pub.log")"
}

lines() { # lines PREFIX FIRST LAST SUFFIX...: one line per number
  local prefix=$1 first=$2 last=$3 i
  for ((i = first; i <= last; i++)); do
    echo "$prefix$i"
  done
}

min() { echo $(($1 < $2 ? $1 : $2)); }

case $version in
  311) ordered=MQTT-4.6.0-6 downgrade=MQTT-3.8.4-6 retain_new=MQTT-3.3.1-8 retain_live=MQTT-3.3.1-9
    retain_clear=MQTT-3.3.1-10 will_sent=MQTT-3.1.2-8 will_removed=MQTT-3.1.2-10 will_retained=MQTT-3.1.2-17
    session_kept=MQTT-3.1.2-4 ;;
  5) ordered=MQTT-4.6.0-5 downgrade=MQTT-3.8.4-8 retain_new=MQTT-3.3.1-9 retain_live=MQTT-3.3.1-12
    retain_clear=MQTT-3.3.1-6 will_sent=MQTT-3.1.2-8 will_removed=MQTT-3.1.2-10 will_retained=MQTT-3.1.2-15
    session_kept=MQTT-3.1.2-5 ;;
esac

feature_qos() {
  local qos=$1 topic=interop/qos$1 count=100
  start_sub high -q 2 -t "$topic" -C $((count + 1)) -W 15
  start_sub low -q 1 -t "$topic" -C $((count + 1)) -W 15
  { lines m 1 $count; echo end; } | pub -q "$qos" -t "$topic" -l
  finish_sub high
  finish_sub low
  local payload expected_high="" expected_low=""
  for payload in $(lines m 1 $count) end; do
    expected_high+="0 $qos $topic $payload"$'\n'
    expected_low+="0 $(min "$qos" 1) $topic $payload"$'\n'
  done
  expect_messages high "QoS $qos publishes to a QoS 2 subscription: each once, in order, at QoS $qos ($ordered)" \
    "${expected_high%$'\n'}"
  expect_messages low "QoS $qos publishes to a QoS 1 subscription: each once, in order, at QoS $(min "$qos" 1) ($downgrade)" \
    "${expected_low%$'\n'}"
}

feature_retain() {
  local t=interop/retain
  pub -q 1 -r -t "$t/a" -m kept-a
  start_sub first -q 1 -t "$t/#" -C 2 -W 10
  wait_for_line "$interop_dir/first.out" "^MSG .* $t/a kept-a$" 5 || true
  pub -q 1 -r -t "$t/a" -m live-a
  finish_sub first
  expect_messages first "retained message sent on subscribing with RETAIN 1 ($retain_new), then a live retained publish with RETAIN 0 ($retain_live)" \
    "1 1 $t/a kept-a
0 1 $t/a live-a"

  pub -q 2 -r -t "$t/b" -m kept-b
  start_sub second -q 2 -t "$t/#" -C 2 -W 10
  finish_sub second
  local actual
  actual=$(received second | sort)
  [[ "$actual" == "1 1 $t/a live-a
1 2 $t/b kept-b" ]] || fail "subscriber 'second': a later subscriber must get the latest retained message of each topic with RETAIN 1 ($retain_new, MQTT-3.3.1-5)
expected (any order): 1 1 $t/a live-a / 1 2 $t/b kept-b
received: ${actual:-<nothing>}"

  pub -q 1 -r -n -t "$t/a"
  start_sub third -q 1 -t "$t/#" -C 2 -W 2
  finish_sub third
  expect_messages third "a retained message with an empty payload clears the topic's retained message ($retain_clear); only $t/b is left" \
    "1 1 $t/b kept-b"
}

feature_will() {
  start_sub watcher -q 1 -t 'interop/will/#' -C 2 -W 15
  # A normal DISCONNECT discards the will.
  pub -q 1 -t interop/other -m x -i interop-will-clean \
    --will-topic interop/will/clean --will-payload "must not be published" --will-qos 1
  # A client that dies without DISCONNECT has its will published; this one asks for it retained.
  start_sub victim -q 0 -t interop/victim-inbox -i interop-will-victim \
    --will-topic interop/will/victim --will-payload gone --will-qos 1 --will-retain
  kill -KILL "${sub_pid[victim]}"
  wait_for_line "$interop_dir/watcher.out" '^MSG .* interop/will/victim ' 10 ||
    fail "no will message within 10 s after a connected client was killed with SIGKILL ($will_sent);
watcher received: $(received watcher)"
  pub -q 1 -t interop/will/end -m end
  finish_sub watcher
  expect_messages watcher "the killed client's will is published ($will_sent), to an established subscription with RETAIN 0 ($retain_live); the cleanly disconnected client's is not ($will_removed)" \
    "0 1 interop/will/victim gone
0 1 interop/will/end end"
  start_sub later -q 1 -t interop/will/victim -C 1 -W 10
  finish_sub later
  expect_messages later "a will with Will Retain 1 is published as a retained message ($will_retained)" \
    "1 1 interop/will/victim gone"
}

feature_session() {
  local session=(-c -i "interop-session-$version-$transport" -q 1 -t interop/session)
  [[ $version == 5 ]] && session+=(-x 300)
  start_sub setup "${session[@]}" -E
  finish_sub setup
  [[ ${sub_rc[setup]} == 0 ]] || fail "mosquitto_sub -c -E exited with ${sub_rc[setup]}: $(cat "$interop_dir/setup.err")"
  lines m 1 5 | pub -q 1 -t interop/session -l
  pub -q 2 -t interop/session -m m6
  start_sub resume "${session[@]}" -C 6 -W 10
  finish_sub resume
  local expected
  expected=$(lines "0 1 interop/session m" 1 6)
  expect_messages resume "QoS 1 and 2 messages published while a persistent session was disconnected (DISCONNECT) arrive on reconnect, in order, at the subscription's QoS 1 ($session_kept, $ordered)" \
    "$expected"

  # The same when the connection ends without DISCONNECT.
  start_sub killed "${session[@]}"
  kill -KILL "${sub_pid[killed]}"
  wait_gone "${sub_pid[killed]}" 5 || fail "mosquitto_sub survived SIGKILL"
  lines m 7 9 | pub -q 1 -t interop/session -l
  start_sub resume2 "${session[@]}" -C 3 -W 10
  finish_sub resume2
  expected=$(lines "0 1 interop/session m" 7 9)
  expect_messages resume2 "QoS 1 messages published after a persistent session's client was killed (SIGKILL) arrive on reconnect, in order ($session_kept, $ordered)" \
    "$expected"
}

case $feature in
  qos0 | qos1 | qos2) feature_qos "${feature#qos}" ;;
  retain) feature_retain ;;
  will) feature_will ;;
  session) feature_session ;;
  *) fail "unknown feature $feature" ;;
esac

echo "PASS [$interop_name]"
