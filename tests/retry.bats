#!/usr/bin/env bats
# event-handle --retry and --dead-letter: an aborted or timed-out handler
# runs again (EVENT_ATTEMPT), a durable source keeps its entry until the
# event completed or was given up, and what is given up is fired to the
# dead-letter endpoint, whole, with a dead_letter member.

load helpers

setup() {
  common_setup
  H=$T/handlers
  mkdir -p "$H"
  export XDG_RUNTIME_DIR=$T/run
  mkdir -m 700 "$XDG_RUNTIME_DIR"
}
teardown() { common_teardown; }

stream() { echo "redis+stream://127.0.0.1:$REDIS_PORT/$1${2:+?group=$2}"; }
pending() { redis-cli -p "$REDIS_PORT" XPENDING "$1" "$2" | head -1; }
# The value of a path into a JSON line (python3: no jq needed by the suite).
jget() { python3 -c 'import json,sys; v=json.loads(sys.stdin.readline()); exec("for k in sys.argv[1].split(\".\"): v=v[k]"); print(json.dumps(v))' "$1"; }

# A step that fails (exit 3) until the run numbered $2, recording each run's EVENT_ATTEMPT in $3.
flaky() { step "$1" "echo \"\$EVENT_ATTEMPT\" >> '$3'; [ \"\$EVENT_ATTEMPT\" -ge $2 ] || exit 3"; }

@test "a flaky step succeeds on its second attempt: EVENT_ATTEMPT 2, one result with attempts" {
  flaky "$H/x/10flaky" 2 "$T/attempts"
  run event-handle --retry 3 --retry-delay 0.05 --log none "$H" <<< "$(event a/event/x)"
  assert_success
  assert_equal "$(cat "$T/attempts" | tr '\n' ' ')" '1 2 '
  assert_equal "$(wc -l <<< "$output")" 1
  assert_equal "$(jget data.status <<< "$output")" '"completed"'
  assert_equal "$(jget data.attempts <<< "$output")" 2
}

@test "without --retry an aborted handler is final (the ns8 contract), EVENT_ATTEMPT 1" {
  flaky "$H/x/10flaky" 2 "$T/attempts"
  run event-handle --log none "$H" <<< "$(event a/event/x)"
  assert_failure 1
  assert_equal "$(cat "$T/attempts")" 1
  assert_equal "$(jget data.status <<< "$output")" '"aborted"'
  refute_output --partial attempts
}

@test "a timed-out handler is retried too" {
  step "$H/x/10slow" "echo \"\$EVENT_ATTEMPT\" >> '$T/attempts'; [ \"\$EVENT_ATTEMPT\" -ge 2 ] || exec sleep 30"
  run event-handle --retry 1 --retry-delay 0.05 --timeout 0.3 --grace 0.2 --log none "$H" <<< "$(event a/event/x)"
  assert_success
  assert_equal "$(cat "$T/attempts" | tr '\n' ' ')" '1 2 '
  assert_equal "$(jget data.attempts <<< "$output")" 2
}

@test "from a Redis stream: the retried entry is acknowledged once it completed, EVENT_ATTEMPT 2" {
  start_redis
  flaky "$H/x/10flaky" 2 "$T/attempts"
  event a/event/x | event-fire -l -u "$(stream evq)"
  run timeout 60 event-handle -u "$(stream evq g1)" -n 1 --retry 2 --retry-delay 0.05 --log none "$H"
  assert_success
  assert_equal "$(cat "$T/attempts" | tr '\n' ' ')" '1 2 '
  assert_equal "$(jget data.attempts <<< "$output")" 2
  assert_equal "$(pending evq g1)" 0
}

@test "retries used up: a dead letter with every member in a dead-letter stream, the source acknowledged" {
  start_redis
  flaky "$H/x/20fail" 99 "$T/attempts"
  event a/event/x '{"k":"v"}' | event-fire -l -u "$(stream evq)"
  local id
  id=$(redis-cli -p "$REDIS_PORT" XRANGE evq - + | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  run timeout 60 event-handle -u "$(stream evq g1)" -n 1 --retry 2 --retry-delay 0.05 \
    --dead-letter "$(stream dlq)" --log none "$H"
  assert_failure 1
  assert_equal "$(cat "$T/attempts" | tr '\n' ' ')" '1 2 3 '
  assert_equal "$(jget data.status <<< "$output")" '"aborted"'
  assert_equal "$(jget data.attempts <<< "$output")" 3
  assert_equal "$(pending evq g1)" 0
  run timeout 10 event-listen -u "$(stream dlq requeue)" -n 1
  assert_success
  local dl=$output
  assert_equal "$(wc -l <<< "$dl")" 1
  assert_equal "$(jget id <<< "$dl")" "\"$id\""
  assert_equal "$(jget tag <<< "$dl")" '"a/event/x"'
  assert_equal "$(jget data <<< "$dl")" '{"k": "v"}'
  assert_equal "$(jget dead_letter.handler <<< "$dl")" '"x"'
  assert_equal "$(jget dead_letter.step <<< "$dl")" '"20fail"'
  assert_equal "$(jget dead_letter.status <<< "$dl")" '"aborted"'
  assert_equal "$(jget dead_letter.exit_code <<< "$dl")" 3
  assert_equal "$(jget dead_letter.attempts <<< "$dl")" 3
  python3 -c 'import json,sys,time; t=json.loads(sys.argv[1])["dead_letter"]["time"]; assert abs(t-time.time()) < 60, t' "$dl"
  # Sent back as the man page says: the added member dropped, handled again.
  rm -f "$T/attempts"
  flaky "$H/x/20fail" 1 "$T/attempts"
  jq -c 'del(.dead_letter)' <<< "$dl" | event-fire -l -u "$(stream evq)"
  run timeout 60 event-handle -u "$(stream evq g1)" -n 1 --log none "$H"
  assert_success
  assert_equal "$(jget data.event_id <<< "$output")" "\"$id\""
}

@test "a rejected event and one given up go to local: as they came, with their dead_letter" {
  flaky "$H/x/20fail" 99 "$T/attempts"
  event-listen -n 2 --ready-file "$T/dl.ready" > "$T/dl.out" 2> "$T/dl.err" 3>&- &
  local listener=$!
  wait_for_file "$T/dl.ready"
  printf '%s\n' '{"tag":"a/event/.hidden","data":1,"id":"rej-1"}' '{"tag":"a/event/x","data":2,"id":"gone-1"}' |
    event-handle --retry 1 --retry-delay 0.05 --dead-letter local: --log none "$H" > "$T/results" || true
  wait_for_exit "$listener"
  run jget dead_letter <<< "$(grep rej-1 "$T/dl.out")"
  assert_output '{"handler": ".hidden", "step": null, "status": "rejected", "exit_code": null, "attempts": 1, "time": '"$(jget dead_letter.time <<< "$(grep rej-1 "$T/dl.out")")"'}'
  local gone
  gone=$(grep gone-1 "$T/dl.out")
  assert_equal "$(jget data <<< "$gone")" 2
  assert_equal "$(jget dead_letter.status <<< "$gone")" '"aborted"'
  assert_equal "$(jget dead_letter.attempts <<< "$gone")" 2
  assert_equal "$(jget dead_letter.exit_code <<< "$gone")" 3
}

@test "--dead-letter takes only a transport that carries the whole envelope: exit 2 otherwise" {
  run event-handle --dead-letter redis://127.0.0.1:1 --log none "$H" < /dev/null
  assert_failure 2
  assert_output --partial 'whole envelope'
  run event-handle --dead-letter tcp://127.0.0.1:1 --log none "$H" < /dev/null
  assert_failure 2
  run event-handle --dead-letter nats://127.0.0.1:1 --log none "$H" < /dev/null
  assert_failure 2
  run event-handle --retry 1 --retry-delay 10 --retry-max-delay 5 --log none "$H" < /dev/null
  assert_failure 2
}

@test "a dead letter that cannot be sent leaves the entry unacknowledged, and says so" {
  start_redis
  flaky "$H/x/20fail" 99 "$T/attempts"
  event a/event/x | event-fire -l -u "$(stream evq)"
  run timeout 60 event-handle -u "$(stream evq g1)" -n 1 --dead-letter "redis+stream://127.0.0.1:$(free_port)/dlq" \
    --log stderr "$H"
  assert_failure 1
  assert_output --partial 'left unacknowledged'
  assert_equal "$(pending evq g1)" 1
}

@test "kill -9 during a retry wait, then a restart: handled, the attempt count carried on" {
  start_redis
  flaky "$H/x/10flaky" 3 "$T/attempts"
  event a/event/x | event-fire -l -u "$(stream evq)"
  local su
  su=$(stream evq g1)
  event-handle -u "$su" --retry 5 --retry-delay 1 --log stderr "$H" > "$T/w1.out" 2> "$T/w1.err" 3>&- &
  local w1=$!
  # Attempt 2 failed: it waits 1 to 2 s before attempt 3.
  wait_for_text "$T/w1.err" "(attempt 3 of 6)" 30
  kill -9 "$w1"
  wait "$w1" 2>/dev/null || true
  assert_equal "$(cat "$T/attempts" | tr '\n' ' ')" '1 2 '
  assert_equal "$(pending evq g1)" 1
  run timeout 60 event-handle -u "$su" -n 1 --retry 5 --retry-delay 0.05 --log none "$H"
  assert_success
  # The restart ran attempt 3, not 1 or 2 again.
  assert_equal "$(cat "$T/attempts" | tr '\n' ' ')" '1 2 3 '
  assert_equal "$(jget data.attempts <<< "$output")" 3
  assert_equal "$(pending evq g1)" 0
  [ ! -s "$T/w1.out" ]  # only the final result is printed
}

@test "-j 1: an event waiting for its retry holds no slot, another goes through meanwhile" {
  step "$H/flaky/10run" "echo \"flaky \$EVENT_ATTEMPT\" >> '$T/runs'; [ \"\$EVENT_ATTEMPT\" -ge 2 ] || exit 3"
  step "$H/ok/10run" "echo ok >> '$T/runs'"
  run event-handle -j 1 --retry 1 --retry-delay 0.5 --log none "$H" <<< "$(event a/event/flaky; event a/event/ok)"
  assert_success
  assert_equal "$(cat "$T/runs" | tr '\n' ' ')" 'flaky 1 ok flaky 2 '
  assert_equal "$(sed -n 1p <<< "$output" | jget data.handler)" '"ok"'
  assert_equal "$(sed -n 2p <<< "$output" | jget data.handler)" '"flaky"'
  assert_equal "$(wc -l <<< "$output")" 2
}

@test "--dead-letter -: the dead letter on stdout, after the result" {
  flaky "$H/x/20fail" 99 "$T/attempts"
  run event-handle --dead-letter - --log none "$H" <<< '{"tag":"a/event/x","data":"d","id":"id-1"}'
  assert_failure 1
  assert_equal "$(wc -l <<< "$output")" 2
  assert_equal "$(sed -n 1p <<< "$output" | jget tag)" '"a/event/x/handled"'
  assert_equal "$(sed -n 2p <<< "$output" | jget id)" '"id-1"'
  assert_equal "$(sed -n 2p <<< "$output" | jget dead_letter.attempts)" 1
}

@test "a Redis stream: an entry waiting for its retry keeps its claim, another worker does not take it" {
  start_redis
  flaky "$H/x/10flaky" 2 "$T/attempts"
  event a/event/x | event-fire -l -u "$(stream evq)"
  local su="$(stream evq g1)&claim=0.5"
  event-handle -u "$su" -n 1 --retry 1 --retry-delay 4 --retry-max-delay 4 --log stderr "$H" > "$T/a.out" 2> "$T/a.err" 3>&- &
  local a=$!
  wait_for_text "$T/a.err" "runs again" 30
  # B would claim an entry idle for 0.5 s; A keeps it fresh while it waits (2 to 4 s).
  run timeout 30 event-handle -u "$su" -w 1.5 --log stderr "$H"
  assert_success
  refute_output --partial handled
  refute_output --partial claimed
  wait_for_exit "$a" 30
  assert_equal "$(cat "$T/attempts" | tr '\n' ' ')" '1 2 '
  assert_equal "$(jget data.attempts < "$T/a.out")" 2
  assert_equal "$(pending evq g1)" 0
}

@test "stopped while an entry waits for its retry: left unacknowledged, nothing printed, the next worker goes on" {
  start_redis
  flaky "$H/x/10flaky" 2 "$T/attempts"
  event a/event/x | event-fire -l -u "$(stream evq)"
  local su
  su=$(stream evq g1)
  event-handle -u "$su" --retry 3 --retry-delay 30 --log stderr "$H" > "$T/w1.out" 2> "$T/w1.err" 3>&- &
  local w1=$!
  wait_for_text "$T/w1.err" "runs again" 30
  kill -TERM "$w1"
  wait_for_exit "$w1" 30
  assert_equal "$(pending evq g1)" 1
  [ ! -s "$T/w1.out" ]
  grep -q unacknowledged "$T/w1.err"
  run timeout 60 event-handle -u "$su" -n 1 --retry 3 --retry-delay 0.05 --log none "$H"
  assert_success
  assert_equal "$(cat "$T/attempts" | tr '\n' ' ')" '1 2 '
  assert_equal "$(pending evq g1)" 0
}

@test "a history read (--since) retries too, and ends once caught up and done" {
  start_redis
  flaky "$H/x/10flaky" 2 "$T/attempts"
  event a/event/x | event-fire -l -u "$(stream evq)"
  run timeout 60 event-handle -u "$(stream evq)" --since 1d -e --retry 2 --retry-delay 0.05 --log none "$H"
  assert_success
  assert_equal "$(cat "$T/attempts" | tr '\n' ' ')" '1 2 '
  assert_equal "$(jget data.attempts <<< "$output")" 2
}

@test "--dead-letter nats+js://: the dead letter whole in a JetStream stream" {
  load nats_helpers
  start_nats n1
  flaky "$H/x/20fail" 99 "$T/attempts"
  local dlq="nats+js://127.0.0.1:$NATS_PORT/DLQ?create=1&subjects=a.>"
  run event-handle --retry 1 --retry-delay 0.05 --dead-letter "$dlq" --log none "$H" <<< '{"tag":"a/event/x","data":5,"id":"nid-1"}'
  assert_failure 1
  run timeout 10 event-listen -u "$dlq&group=g" -n 1
  assert_success
  assert_equal "$(jget id <<< "$output")" '"nid-1"'
  assert_equal "$(jget data <<< "$output")" 5
  assert_equal "$(jget dead_letter.attempts <<< "$output")" 2
  assert_equal "$(jget dead_letter.step <<< "$output")" '"20fail"'
  stop_nats n1
}

@test "nats+js:// source: kill -9 during a retry wait, then a restart: handled, attempt 2 from the delivery count" {
  load nats_helpers
  start_nats n1
  flaky "$H/x/10flaky" 2 "$T/attempts"
  local u="nats+js://127.0.0.1:$NATS_PORT/EV?create=1&subjects=a.>&group=w&claim=1"
  event-fire -u "$u" a/event/x 1
  event-handle -u "$u" --retry 3 --retry-delay 30 --log stderr "$H" > "$T/w1.out" 2> "$T/w1.err" 3>&- &
  local w1=$!
  wait_for_text "$T/w1.err" "runs again" 30
  kill -9 "$w1"
  wait "$w1" 2>/dev/null || true
  run timeout 60 event-handle -u "$u" -n 1 --retry 3 --retry-delay 0.05 --log none "$H"
  assert_success
  assert_equal "$(cat "$T/attempts" | tr '\n' ' ')" '1 2 '
  assert_equal "$(jget data.attempts <<< "$output")" 2
  stop_nats n1
}
