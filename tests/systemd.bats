#!/usr/bin/env bats
# The daemons under systemd. This machine has no systemd as PID 1, so the
# units are checked with systemd-analyze's offline forms, and the notify
# protocol with a socket the test binds as NOTIFY_SOCKET (tests/fixtures/
# notify_socket.py logs each datagram with the time it came).

load helpers

setup() {
  common_setup
  export EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
  NOTIFY="$T/notify.sock"
}
teardown() { common_teardown; }

# units DIR: the shipped units with BINDIR the build directory, in DIR.
units() {
  mkdir -p "$1"
  for unit in "$BATS_TEST_DIRNAME"/../systemd/*.service; do
    sed "s#@BINDIR@#$EVT_BUILD_DIR#g" "$unit" > "$1/$(basename "$unit")"
  done
  cp "$1/event-handle@.service" "$1/event-handle@orders.service"
}

# start_notify: the service manager's socket; its log is $T/notify.log.
start_notify() {
  $PYTHON "$FIX/notify_socket.py" "$NOTIFY" "$T/notify.log" 3>&- &
  echo $! > "$T/notify.pid"
  wait_for_file "$T/notify.log"
  export NOTIFY_SOCKET=$NOTIFY
}

# watchdog_times: the times (ms) of the WATCHDOG=1 pings so far, one a line.
watchdog_times() { awk '$2 == "WATCHDOG=1" { print $1 }' "$T/notify.log"; }

@test "the units pass systemd-analyze verify" {
  command -v systemd-analyze >/dev/null || skip "systemd-analyze missing"
  units "$T/units"
  cd "$T/units"
  run systemd-analyze verify --man=no eventsapi.service event-tools-master.service event-handle@orders.service
  assert_success
  assert_output ''
}

@test "exposure: serve and the master pipeline below 4 under systemd-analyze security" {
  command -v systemd-analyze >/dev/null || skip "systemd-analyze missing"
  units "$T/units"
  cd "$T/units"
  for unit in eventsapi.service event-tools-master.service; do
    run systemd-analyze security --offline=true "$unit"
    score=$(printf '%s\n' "$output" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    [ -n "$score" ] || fail "no score for $unit: $output"
    $PYTHON -c "import sys; sys.exit(0 if float(sys.argv[1]) < 4 else 1)" "$score" || fail "$unit: exposure $score"
  done
  # The handler unit keeps what its steps need (root, the whole system), and says so.
  grep -q 'Little sandboxing, on purpose' "$T/units/event-handle@.service"
}

@test "serve: READY once serving, STATUS with the counters, WATCHDOG every half interval, RELOADING on SIGHUP, STOPPING" {
  start_notify
  eventsapi webhook-add "http://127.0.0.1:$(free_port)/hook" > /dev/null
  WATCHDOG_USEC=4000000 eventsapi serve --port 0 > "$T/serve.out" 2> "$T/serve.err" 3>&- &
  echo $! > "$T/serve.pid"
  wait_for_text "$T/notify.log" 'READY=1'
  run grep 'READY=1' "$T/notify.log"
  assert_output --regexp '^[0-9]+ READY=1\|STATUS=1 webhook\(s\); delivered 0, pending 0, failed 0$'
  until [ "$(watchdog_times | wc -l)" -ge 3 ]; do sleep 0.1; done
  # Every 2 s (half of WATCHDOG_USEC), never sooner; later only by the loop's turn (bounded generously).
  run $PYTHON -c 'import sys; t=[int(x) for x in sys.argv[1:]]; gaps=[b-a for a,b in zip(t,t[1:])]; print(gaps); sys.exit(0 if all(1900 <= g <= 3500 for g in gaps) else 1)' $(watchdog_times)
  assert_success
  eventsapi webhook-add "http://127.0.0.1:$(free_port)/two" > /dev/null
  kill -HUP "$(cat "$T/serve.pid")"
  wait_for_text "$T/notify.log" 'RELOADING=1|MONOTONIC_USEC='
  wait_for_text "$T/notify.log" 'READY=1|STATUS=2 webhook(s)'
  kill "$(cat "$T/serve.pid")"
  wait "$(cat "$T/serve.pid")"
  wait_for_text "$T/notify.log" 'STOPPING=1'
}

@test "a stalled loop stops the watchdog pings, and they start again once it turns" {
  start_redis
  start_notify
  # serve's ingest loop reads a Redis stream; a stopped Redis stalls it in a read (5 s).
  WATCHDOG_USEC=4000000 eventsapi serve --port 0 --from "redis+stream://127.0.0.1:$REDIS_PORT/ev?group=serve" \
    > "$T/serve.out" 2> "$T/serve.err" 3>&- &
  echo $! > "$T/serve.pid"
  wait_for_text "$T/notify.log" 'READY=1'
  until [ "$(watchdog_times | wc -l)" -ge 2 ]; do sleep 0.1; done
  kill -STOP "$(cat "$T/redis.pid")"
  wait_for_text "$T/serve.err" "the ingest loop has not turned for" 15
  pings=$(watchdog_times | wc -l)
  # 3 s more with Redis stopped: not one ping (the silence is what is tested, not a wait for readiness).
  sleep 3
  assert_equal "$(watchdog_times | wc -l)" "$pings"
  kill -CONT "$(cat "$T/redis.pid")"
  wait_for_text "$T/serve.err" "the ingest loop turns again" 15
  until [ "$(watchdog_times | wc -l)" -gt "$pings" ]; do sleep 0.1; done
  kill "$(cat "$T/serve.pid")"
  wait "$(cat "$T/serve.pid")" || true
}

@test "event-handle -u: READY once its source is live, STATUS as events are handled, WATCHDOG; steps do not inherit NOTIFY_SOCKET" {
  start_notify
  H="$T/handlers"
  mkdir -p "$H/done"
  printf '#!/bin/sh\nenv > "%s/step.env"\n' "$T" > "$H/done/10env"
  chmod +x "$H/done/10env"
  WATCHDOG_USEC=2000000 event-handle -u local: -n 1 --log none "$H" > "$T/h.out" 2> "$T/h.err" 3>&- &
  echo $! > "$T/h.pid"
  wait_for_text "$T/notify.log" 'READY=1|STATUS=handled 0 event(s), 0 failed; 0 running'
  until [ "$(watchdog_times | wc -l)" -ge 2 ]; do sleep 0.1; done
  event-fire backup/event/done
  wait "$(cat "$T/h.pid")"
  wait_for_file "$T/step.env"
  run grep -E '^(NOTIFY_SOCKET|WATCHDOG_USEC|WATCHDOG_PID)=' "$T/step.env"
  assert_failure
  assert_equal "$(grep -c 'STOPPING=1' "$T/notify.log")" 0  # -n ended it: no stop was asked
}

@test "event-listen (the master's listener): READY once live, STATUS with the count, STOPPING on SIGTERM" {
  start_notify
  WATCHDOG_USEC=2000000 event-listen > "$T/l.out" 2> "$T/l.err" 3>&- &
  echo $! > "$T/l.pid"
  wait_for_text "$T/notify.log" 'READY=1|STATUS=listening on local:'
  event-fire a/b
  wait_for_lines "$T/l.out" 1
  wait_for_text "$T/notify.log" 'STATUS=listening on local:; 1 event(s)'
  until [ "$(watchdog_times | wc -l)" -ge 1 ]; do sleep 0.1; done
  kill "$(cat "$T/l.pid")"
  wait "$(cat "$T/l.pid")"
  wait_for_text "$T/notify.log" 'STOPPING=1'
}

@test "--log journal: step output and results reach the journal's socket with the handler, step, id and tag as fields" {
  $PYTHON "$FIX/journal_socket.py" "$T/journal.sock" "$T/journal.log" 3>&- &
  echo $! > "$T/journal.pid"
  wait_for_file "$T/journal.log"
  H="$T/handlers"
  mkdir -p "$H/deployed"
  printf '#!/bin/sh\necho "deploying $(cat)"\n' > "$H/deployed/10say"
  chmod +x "$H/deployed/10say"
  echo '{"tag":"app/event/deployed","data":"v2","id":"ID-1"}' |
    event-handle --log journal --journal-socket "$T/journal.sock" "$H"
  wait_for_text "$T/journal.log" 'exited with status'
  run $PYTHON -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e: print(e.get("PRIORITY"), e.get("SYSLOG_IDENTIFIER"), e.get("EVENT_HANDLER"), e.get("EVENT_STEP"), e.get("EVENT_ID"), e.get("EVENT_TAG"), "|", e["MESSAGE"])
' "$T/journal.log"
  assert_line '6 event-handle deployed 10say ID-1 app/event/deployed | deployed/10say: deploying v2'
  assert_line '6 event-handle deployed 10say ID-1 app/event/deployed | Handler of app/event/deployed exited with status "completed" (0) at step 10say'
  # No journal socket: said once, then stderr.
  run bash -c "echo '{\"tag\":\"app/event/deployed\"}' | event-handle --log journal --journal-socket '$T/none.sock' '$H'"
  assert_output --partial "cannot log to $T/none.sock"
}
