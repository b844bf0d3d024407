#!/usr/bin/env bash
# Checks `mqtt-harness decode`: JSON Lines output, statement IDs, and exit statuses
# (0 decoded, 1 malformed, 2 usage, 3 incomplete).
set -u
harness=$1
failures=0

# expect STATUS PATTERN -- ARGS...: runs decode with ARGS (stdin from $stdin_data when set),
# checks the exit status and that stdout matches the extended regex PATTERN.
expect() {
  local want_status=$1 pattern=$2
  shift 3
  local out status
  if [[ -n "${stdin_data:-}" ]]; then
    out=$(printf '%s' "$stdin_data" | "$harness" decode "$@" 2>/dev/null)
  else
    out=$("$harness" decode "$@" 2>/dev/null </dev/null)
  fi
  status=$?
  if [[ $status -ne $want_status ]] || ! grep -Eq -- "$pattern" <<<"$out"; then
    echo "FAIL: decode $* (stdin: ${stdin_data:-none})"
    echo "  want status $want_status and output matching: $pattern"
    echo "  got status $status, output: $out"
    failures=$((failures + 1))
  fi
}

# 3.1.1 CONNECT, client id "c1", keep alive 60, then PINGREQ.
expect 0 '^\{"type":"CONNECT".*"protocol_level":4.*"client_id":"c1"' -- 10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 63 31 c0 00
expect 0 '"type":"PINGREQ","flags":0,"offset":16,"length":2' -- 10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 63 31 c0 00
# Wireshark-style colon separated bytes.
expect 0 '"type":"PINGRESP"' -- d0:00
# A stream beginning with a 5.0 CONNECT switches the decoder to 5.0: the PUBLISH that
# follows has a property length.
expect 0 '"type":"PUBLISH".*"topic":"t".*"properties":\{"topic_alias":1\}.*"payload":"hi"' -- \
  10 0d 00 04 4d 51 54 54 05 02 00 00 00 00 00 32 0b 00 01 74 00 01 03 23 00 01 68 69
# 3.1 CONNECT ("MQIsdp", level 3).
expect 0 '"protocol_name":"MQIsdp","protocol_level":3' -- 10 0f 00 06 4d 51 49 73 64 70 03 02 00 0a 00 01 78
# --protocol 5 for a stream without CONNECT; PUBACK with a reason code and its name.
expect 0 '"type":"PUBACK".*"packet_id":7,"reason_code":16,"reason":"No matching subscribers"' -- --protocol 5 40 03 00 07 10
# stdin input, binary payload shown as hex.
stdin_data="30 05 00 01 61 ff fe" expect 0 '"payload_hex":"fffe"' --
stdin_data=""

# Malformed: non-minimal Remaining Length in 5.0 (MQTT-1.5.5-1).
expect 1 '"statement":"MQTT-1.5.5-1","reason_code":129.*"offset":1' -- --protocol 5 30 80 00
# Malformed: U+0000 in a topic name, 3.1.1 statement MQTT-1.5.3-2, offset of the bad byte.
expect 1 '"statement":"MQTT-1.5.3-2".*"offset":5' -- 30 05 00 02 61 00 00
# Same in 5.0 cites MQTT-1.5.4-2.
expect 1 '"statement":"MQTT-1.5.4-2"' -- -V 5 30 06 00 02 61 00 00 00
# Reserved flags on PINGREQ.
expect 1 '"statement":"MQTT-2.2.2-1"' -- c1 00
# The first packet decodes, then the error; the error offset is a stream offset.
expect 1 '"offset":2,"rule":"flags_reserved"' -- c0 00 c1 00
# Packet type 0 is reserved.
expect 1 '"rule":"packet_type_reserved"' -- 00 00

# Input ends inside a packet.
expect 3 '"incomplete":true' -- 30 05 00 01
expect 3 '"incomplete":true' -- 30

# Usage errors.
expect 2 '' -- zz
expect 2 '' -- 3
expect 2 '' -- --protocol 6 c0 00
expect 2 '' -- --bogus

if ((failures > 0)); then
  echo "$failures decode CLI check(s) failed"
  exit 1
fi
echo "all decode CLI checks passed"
