#!/usr/bin/env bats
# Faults: inputs and surroundings that try to break the tools. Each must fail
# clearly, lose nothing it accepted, and go on. (Redis going away under
# event-fire -l and under a listener: redis.bats.)

load helpers


setup() {
  common_setup
  export EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
}
teardown() {
  common_teardown
  mountpoint -q "$T/state" 2>/dev/null && umount -l "$T/state"
  return 0
}

# A 10 MB line, binary garbage, and good lines around them.
hostile_input() {
  printf '{"tag":"before","data":1}\n'
  head -c 10000000 /dev/zero | tr '\0' 'x'
  printf '\n'
  head -c 100000 /dev/urandom | tr -d '\n'
  printf '\n'
  printf '\xff\xfe{"tag":"bad-utf8"}\n'
  printf '{"tag":"after","data":2}\n'
}

@test "a 10 MB line and binary garbage on event-fire -l: each named, the stream goes on (exit 4)" {
  hostile_input > "$T/in"
  start_listener l -n 2
  run --separate-stderr event-fire -l < "$T/in"
  assert_failure 4
  [[ $stderr == *"line 2:"* ]]
  [[ $stderr == *"line 3:"* ]]
  [[ $stderr == *"line 4:"* ]]
  [ "$(wc -l <<< "$stderr")" -le 4 ]
  finish l
  assert_equal "$(sed 's/.*"tag":"\([^"]*\)".*/\1/' "$T/l.out" | tr '\n' ' ')" 'before after '
}

@test "a 10 MB line and binary garbage on event-listen -u -: the stream goes on (exit 4)" {
  hostile_input > "$T/in"
  run --separate-stderr event-listen -u - -o '%t' < "$T/in"
  assert_failure 4
  assert_output "$(printf 'before\nafter')"
  [[ $stderr == *"line 3:"* ]]
}

@test "a 10 MB line and binary garbage on event-handle: skipped, the others handled (exit 4)" {
  mkdir -p "$T/h/before" "$T/h/after"
  printf '#!/bin/sh\ntouch "%s/ran-before"\n' "$T" > "$T/h/before/10"
  printf '#!/bin/sh\ntouch "%s/ran-after"\n' "$T" > "$T/h/after/10"
  chmod +x "$T/h/before/10" "$T/h/after/10"
  hostile_input > "$T/in"
  run --separate-stderr event-handle --log stderr "$T/h" < "$T/in"
  assert_failure 4
  [ -e "$T/ran-before" ]
  [ -e "$T/ran-after" ]
  [ "$(grep -c '"status":"completed"' <<< "$output")" -eq 2 ]
}

@test "stdout closed early: event-listen -u - and event-handle stop quietly" {
  seq 1 100000 | sed 's/.*/{"tag":"t","data":&}/' > "$T/in"
  run bash -c 'event-listen -u - < "$1" 2> "$2" | head -n 1' _ "$T/in" "$T/err1"
  assert_success
  assert_output --partial '"data":1'
  run cat "$T/err1"
  assert_output ''
  mkdir -p "$T/h"
  run bash -c 'event-handle --log none "$1" < "$2" 2> "$3" | head -n 1; echo "${PIPESTATUS[0]}"' _ "$T/h" "$T/in" "$T/err2"
  assert_line --index 1 0
  run cat "$T/err2"
  assert_output ''
}

@test "a handler that floods its output: relayed, bounded in memory, the event completes" {
  mkdir -p "$T/h/flood"
  # 50 MB of lines, and one 20 MB line with no newline.
  printf '#!/bin/sh\nyes flooding | head -c 50000000\nhead -c 20000000 /dev/zero | tr "\\0" y\n' > "$T/h/flood/10"
  chmod +x "$T/h/flood/10"
  run --separate-stderr /usr/bin/time -f 'rss %M' event-handle --log stderr "$T/h" <<< '{"tag":"flood"}'
  assert_success
  assert_output --partial '"status":"completed"'
  local rss
  rss=$(grep -o 'rss [0-9]*' <<< "$stderr" | cut -d' ' -f2)
  # KiB: neither 50 MB of lines nor the 20 MB one was held whole (ASan's own memory aside)
  [ -n "${SANITIZE:-}" ] || [ "$rss" -lt 65536 ]
  [ "$(grep -c 'flood/10: flooding' <<< "$stderr")" -gt 1000 ]
}

@test "a webhook that answers one byte a second: webhook-test and serve give up at the timeout" {
  local port
  port=$(free_port)
  $PYTHON "$FIX/webhook_receiver.py" "$port" "$T/r.log" --trickle 3>&- &
  wait_for_file "$T/r.log.ready"
  eventsapi config-set timeout 2 > /dev/null
  local start=$SECONDS
  run eventsapi webhook-test "http://127.0.0.1:$port/"
  assert_failure 3
  assert_output --regexp 'NOT OK: .*([Tt]imeout|timed out)'
  [ $((SECONDS - start)) -le 5 ]

  eventsapi webhook-add "http://127.0.0.1:$port/" > /dev/null
  eventsapi config-set retry-schedule 0.1,0.1,0.1 > /dev/null
  eventsapi serve --port 0 --ready-file "$T/ready" 2> "$T/serve.err" 3>&- &
  local serve=$!
  wait_for_file "$T/ready"
  event-fire slow
  # Each attempt is cut at 2 s: the retries come, the event is given up into failed.log.
  wait_for_file "$T/state/failed.log" 20
  [ "$(grep -c '"path"' "$T/r.log")" -ge 4 ]
  grep -q 'timed out\|Timeout' "$T/state/failed.log"
  kill "$serve"
  wait "$serve"
}

@test "a full disk under eventsapi's spool: refused and counted, no corruption, recovery when space returns" {
  mkdir -p "$T/state"
  mount -t tmpfs -o size=256k,mode=0700 tmpfs "$T/state" 2>/dev/null || skip "cannot mount a tmpfs here"
  local port
  port=$(free_port)
  eventsapi webhook-add "http://127.0.0.1:$port/" > /dev/null
  eventsapi config-set disable-events-log true > /dev/null
  eventsapi config-set retry-schedule 0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2 > /dev/null
  eventsapi serve --port 0 --ready-file "$T/ready" 2> "$T/serve.err" 3>&- &
  local serve=$!
  wait_for_file "$T/ready"
  # 200 events of 2 KB for 256 KB of disk, nobody answering.
  $PYTHON -c 'import json
for i in range(200): print(json.dumps({"seq": i, "pad": "p" * 2000}))' | event-fire -l big
  # Its status report cannot be written to the full disk either: the log says it.
  wait_for_text "$T/serve.err" 'No space left on device'
  # The counts reach status once the spool drains and gives its space back.
  $PYTHON "$FIX/webhook_receiver.py" "$port" "$T/r.log" 3>&- &
  wait_for_status '"pending":0,("redelivered":0,)?"refused":[1-9]' 30
  local kept refused
  read -r kept refused < <(eventsapi --json status | $PYTHON -c 'import json,sys
w = json.load(sys.stdin)["output"]["webhooks"][0]; print(w["delivered"], w["refused"])')
  [ "$kept" -gt 50 ]
  assert_equal $((kept + refused)) 200
  [ "$(grep -c 'refused for' "$T/serve.err")" -eq 1 ]  # counted each time, said once
  # What was kept arrived whole and in order.
  run $PYTHON -c 'import json,sys
seqs = [json.loads(json.loads(l)["body"])["message"]["seq"] for l in open(sys.argv[1])]
print(seqs == sorted(seqs), len(set(seqs)))' "$T/r.log"
  assert_output "True $kept"
  # Delivered, the spool gave its space back: new events are taken again.
  seq 1 20 | event-fire -l small
  wait_for_lines "$T/r.log" $((kept + 20)) 20
  kill "$serve"
  wait "$serve"
}
