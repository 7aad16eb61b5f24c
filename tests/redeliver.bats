#!/usr/bin/env bats
# eventsapi redeliver (events from failed.log or events.log queued again,
# with their webhook-id, to a running serve or into the spools when none
# runs) and webhook-add/-mod --events (a webhook gets only the event types
# it asks for), against the real webhook receiver and a real serve.

load helpers

setup() {
  common_setup
  export EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
  RPORT=$(free_port)
  HOOK="http://127.0.0.1:$RPORT/hook"
}
teardown() { common_teardown; }

# The "event" of each request the receiver took.
events_of() { field "$1" 'json.loads(b)["event"] if b else "(test)"'; }

# A Gluster webhook body, as serve writes it: sorted keys, ", " and ": ".
body() { printf '{"event": "%s", "message": {"name": "%s"}, "nodeid": "n1", "ts": %s}' "$1" "$2" "$3"; }

# log_line ID EVENT NAME TS: one events.log line.
log_line() { printf '{"id":"%s","event":%s}\n' "$1" "$(body "$2" "$3" "$4")"; }

# failed_line URL ID EVENT TS: one failed.log line.
failed_line() {
  $PYTHON -c 'import json,sys; u, i, b = sys.argv[1:]; print(json.dumps({"url": u, "id": i, "body": b, "error": "status 500"}))' \
    "$1" "$2" "$(body "$3" x "$4")"
}

@test "redeliver after a webhook refused every event: failed.log's events come again with their webhook-id; status counts them" {
  start_receiver down "$RPORT" --status 500
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set retry-schedule 0.1
  start_serve s
  for e in VOLUME_CREATE VOLUME_START VOLUME_STOP; do event-fire "$e" name=gv1; done
  wait_for_lines "$T/state/failed.log" 3
  stop_receiver down
  start_receiver up "$RPORT"
  # --dry-run lists them and queues nothing.
  run eventsapi redeliver --dry-run
  assert_success
  assert_output --regexp "VOLUME_CREATE +\| [0-9T:Z-]+ +\| $HOOK"
  assert_line '3 event(s) would be redelivered (dry run)'
  run eventsapi --json redeliver --dry-run "$HOOK"
  assert_output --partial '"dry_run":true'
  [ -z "$(ls -A "$T/state/redeliver" 2>/dev/null)" ]
  # The real one: a running serve takes the request and sends them at once.
  run eventsapi redeliver --failed "$HOOK"
  assert_success
  assert_line '3 event(s) queued for redelivery'
  wait_for_lines "$T/up.log" 3 5
  assert_equal "$(events_of "$T/up.log")" "$(printf 'VOLUME_CREATE\nVOLUME_START\nVOLUME_STOP')"
  # The same webhook-id as the first attempts (failed.log's ids), the same body.
  assert_equal "$(field "$T/up.log" 'h["webhook-id"]')" "$($PYTHON -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["id"])' "$T/state/failed.log")"
  assert_equal "$(field "$T/up.log" 'b')" "$(field "$T/down.log" 'b' | awk '!seen[$0]++')"
  [ -z "$(ls -A "$T/state/redeliver")" ]
  wait_for_status '"delivered":3,'
  run eventsapi status
  assert_output --regexp 'REDELIVERED'
  assert_output --regexp "$HOOK +\| +3 \| +0 \| +0 \| +3 \| +0 \| +3 \|"
  stop_serve s
  grep -q 'redelivering 3 event(s)' "$T/s.err"
}

@test "redeliver while no serve runs: queued in the spool under serve's lock, sent once serve starts" {
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi webhook-add "$HOOK/other"
  mkdir -p -m 700 "$T/state"
  { failed_line "$HOOK" id-1 VOLUME_CREATE 100; failed_line "$HOOK" id-2 VOLUME_DELETE 200
    failed_line "$HOOK" id-1 VOLUME_CREATE 100  # refused twice: sent once
    failed_line "$HOOK/other" id-3 PEER_ATTACH 300; failed_line "http://127.0.0.1:1/gone" id-4 PEER_ATTACH 300
    echo 'not a record'; } > "$T/state/failed.log"
  run --separate-stderr eventsapi redeliver "$HOOK"
  assert_success
  assert_line '2 event(s) queued for redelivery'
  assert_equal "$stderr" 'eventsapi: 1 log line(s) that are not event records skipped'
  [ -z "$(ls -A "$T/state/redeliver")" ]
  run eventsapi --json status
  assert_output --partial '"redelivered":2,'
  assert_output --partial '"redelivered":0,'
  start_receiver r "$RPORT"
  start_serve s
  wait_for_lines "$T/r.log" 2
  sleep 0.5
  assert_equal "$(field "$T/r.log" 'h["webhook-id"] + " " + r["path"]')" "$(printf 'id-1 /hook\nid-2 /hook')"
  assert_equal "$(field "$T/r.log" 'b' | head -1)" "$(body VOLUME_CREATE x 100)"
  # With no URL: every webhook gets back what it refused; a webhook since deleted, nothing.
  run eventsapi redeliver --id id-3 --id id-4
  assert_success
  assert_output --partial 'Nothing to redeliver'
  run eventsapi redeliver --failed --id id-3,id-4
  assert_success
  assert_line '1 event(s) queued for redelivery'
  wait_for_lines "$T/r.log" 3 5
  assert_equal "$(field "$T/r.log" 'h["webhook-id"] + " " + r["path"]' | tail -1)" 'id-3 /hook/other'
  stop_serve s
}

@test "redeliver --since: windows over events.log and events.log.1 (durations, RFC 3339, epoch), --id, each event once" {
  local now
  now=$(date +%s)
  mkdir -p -m 700 "$T/state"
  { log_line old-1 VOLUME_CREATE gv0 $((now - 90000)); log_line h2 VOLUME_START gv1 $((now - 7200)); } > "$T/state/events.log.1"
  { log_line m10 VOLUME_SET gv2 $((now - 600)); log_line s30 VOLUME_STOP gv3 $((now - 30))
    log_line s30 VOLUME_STOP gv3 $((now - 30)); echo '{"id":"cut","event":{"event": "X"'; } > "$T/state/events.log"
  quiet eventsapi webhook-add "$HOOK"
  start_receiver r "$RPORT"
  start_serve s
  run --separate-stderr eventsapi --json redeliver --dry-run --since 15m
  assert_success
  assert_equal "$(echo "$output" | $PYTHON -c 'import json,sys; print(" ".join(e["id"] for e in json.load(sys.stdin)["output"]["events"]))')" 'm10 s30'
  run --separate-stderr eventsapi --json redeliver --dry-run --since 3h
  assert_output --partial '"id":"h2"'
  refute_output --partial '"id":"old-1"'
  run --separate-stderr eventsapi --json redeliver --dry-run --since 2d
  assert_output --partial '"id":"old-1"'
  run --separate-stderr eventsapi --json redeliver --dry-run --since "$(date -u -d @$((now - 700)) +%Y-%m-%dT%H:%M:%SZ)"
  assert_equal "$(echo "$output" | $PYTHON -c 'import json,sys; print(" ".join(e["id"] for e in json.load(sys.stdin)["output"]["events"]))')" 'm10 s30'
  run --separate-stderr eventsapi --json redeliver --dry-run --since $((now - 60))
  assert_equal "$(echo "$output" | $PYTHON -c 'import json,sys; print(" ".join(e["id"] for e in json.load(sys.stdin)["output"]["events"]))')" 's30'
  # Queued for real, while serve runs: each once, byte for byte, with its id.
  run eventsapi redeliver --since 15m
  assert_success
  assert_line '2 event(s) queued for redelivery'
  wait_for_lines "$T/r.log" 2 5
  assert_equal "$(field "$T/r.log" 'h["webhook-id"]')" "$(printf 'm10\ns30')"
  assert_equal "$(field "$T/r.log" 'b' | tail -1)" "$(body VOLUME_STOP gv3 $((now - 30)))"
  # --id alone searches the whole of events.log.
  run eventsapi redeliver --id old-1 "$HOOK"
  assert_success
  assert_line '1 event(s) queued for redelivery'
  wait_for_lines "$T/r.log" 3 5
  assert_equal "$(field "$T/r.log" 'h["webhook-id"]' | tail -1)" old-1
  wait_for_status '"redelivered":3'
  stop_serve s
}

@test "redeliver: a URL that is not a webhook is exit 6; WHEN that is no time is a usage error" {
  quiet eventsapi webhook-add "$HOOK"
  run --separate-stderr eventsapi redeliver "$HOOK/nonesuch"
  assert_failure 6
  assert_equal "$stderr" 'eventsapi: Webhook does not exist'
  run eventsapi --json redeliver --since 1h "$HOOK" "$HOOK/nonesuch"
  assert_failure 6
  assert_output '{"error":"Webhook does not exist","output":""}'
  run --separate-stderr eventsapi redeliver --since yesterday
  assert_failure 2
  [[ $stderr == *"'yesterday' is not a time"* ]]
  run eventsapi redeliver
  assert_success
  assert_output 'Nothing to redeliver'
}

@test "--events: a webhook gets only the types it asks for (names, globs); webhook-test is not filtered; status shows the filter" {
  local uport
  uport=$(free_port)
  start_receiver r "$RPORT"
  run eventsapi webhook-add --events 'VOLUME_*,PEER_ATTACH' "$HOOK"
  assert_success
  quiet eventsapi webhook-add "$HOOK/all"
  start_serve s --port "$uport"
  for e in VOLUME_CREATE PEER_DETACH PEER_ATTACH BRICK_CONNECTED VOLUME_STOP; do event-fire "$e" name=gv1; done
  # Gluster's own datagrams: type 2 is VOLUME_CREATE, 77 BRICK_CONNECTED.
  udp_send "$uport" "1795397751 77 peer=vm;volume=gv1" "1795397752 2 name=gv9"
  wait_for_lines "$T/r.log" 11 || { cat "$T/r.log" "$T/s.err"; false; }
  sleep 0.5
  assert_equal "$(field "$T/r.log" 'json.loads(b)["event"] if r["path"] == "/hook" else ""' | grep .)" \
    "$(printf 'VOLUME_CREATE\nPEER_ATTACH\nVOLUME_STOP\nVOLUME_CREATE')"
  assert_equal "$(field "$T/r.log" 'r["path"]' | grep -c /all)" 7
  run eventsapi webhook-test "$HOOK"
  assert_success
  assert_equal "$(field "$T/r.log" 'b' | tail -1)" ''
  run eventsapi status
  assert_line "$HOOK (events: VOLUME_*,PEER_ATTACH)"
  assert_line "$HOOK/all"
  run eventsapi --json status
  assert_output --partial '"events":["VOLUME_*","PEER_ATTACH"]'
  assert_output --partial '"events":[]'
  # webhook-mod changes the filter, and --events '' clears it.
  quiet eventsapi webhook-mod --events PEER_DETACH "$HOOK"
  event-fire VOLUME_DELETE; event-fire PEER_DETACH
  wait_for_lines "$T/r.log" 15
  sleep 0.3
  assert_equal "$(field "$T/r.log" 'json.loads(b)["event"] if b and r["path"] == "/hook" else ""' | grep . | tail -1)" PEER_DETACH
  quiet eventsapi webhook-mod --events '' "$HOOK"
  run eventsapi --json status
  refute_output --partial '"events":["PEER_DETACH"]'
  event-fire QUOTA_CROSSED_SOFT_LIMIT
  wait_for_lines "$T/r.log" 17
  run eventsapi webhook-add --events 'VOLUME_*,,X' "$HOOK/bad"
  assert_failure 2
  stop_serve s
}

@test "--events and redeliver: a redelivery goes only to webhooks that ask for the event's type" {
  local now
  now=$(date +%s)
  mkdir -p -m 700 "$T/state"
  { log_line v1 VOLUME_CREATE gv1 $((now - 10)); log_line p1 PEER_ATTACH vm $((now - 5)); } > "$T/state/events.log"
  quiet eventsapi webhook-add --events 'PEER_*' "$HOOK/peers"
  quiet eventsapi webhook-add "$HOOK/all"
  run --separate-stderr eventsapi --json redeliver --dry-run --since 1m
  assert_output --partial "{\"event\":\"VOLUME_CREATE\",\"id\":\"v1\",\"ts\":$((now - 10)),\"webhooks\":[\"$HOOK/all\"]}"
  assert_output --partial "{\"event\":\"PEER_ATTACH\",\"id\":\"p1\",\"ts\":$((now - 5)),\"webhooks\":[\"$HOOK/all\",\"$HOOK/peers\"]}"
  run eventsapi redeliver --since 1m "$HOOK/peers"
  assert_line '1 event(s) queued for redelivery'
  start_receiver r "$RPORT"
  start_serve s
  wait_for_lines "$T/r.log" 1
  sleep 0.3
  assert_equal "$(field "$T/r.log" 'r["path"] + " " + h["webhook-id"]')" '/hook/peers p1'
  stop_serve s
}

@test "--events is kept in the Redis store too" {
  start_redis
  export EVENTSAPI_STORE=$REDIS_URL
  quiet eventsapi webhook-add --events 'SNAPSHOT_*' "$HOOK"
  run eventsapi --json status
  assert_output --partial '"events":["SNAPSHOT_*"]'
  quiet eventsapi webhook-mod -t tok "$HOOK"
  run eventsapi status
  assert_line "$HOOK (events: SNAPSHOT_*)"
  stop_redis
}

@test "a request a running serve did not take stays: redeliver exits 1, and the next serve sends it" {
  quiet eventsapi webhook-add "$HOOK"
  mkdir -p -m 700 "$T/state"
  failed_line "$HOOK" kept-1 VOLUME_CREATE 100 > "$T/state/failed.log"
  # Something holds serve's lock (a serve that hangs, say) and never takes requests.
  $PYTHON -c 'import fcntl,sys,time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(30)' \
    "$T/state/serve.lock" "$T/held" 3>&- &
  local holder=$!
  wait_for_file "$T/held"
  run --separate-stderr eventsapi redeliver
  assert_failure 1
  [[ $stderr == *"serve has not taken the redelivery request"* ]]
  [ "$(ls "$T/state/redeliver" | grep -c '\.req$')" = 1 ]
  kill "$holder"
  wait "$holder" 2>/dev/null || true
  start_receiver r "$RPORT"
  start_serve s
  wait_for_lines "$T/r.log" 1
  assert_equal "$(field "$T/r.log" 'h["webhook-id"]')" kept-1
  [ -z "$(ls -A "$T/state/redeliver")" ]
  wait_for_status '"redelivered":1'
  stop_serve s
}

@test "import-gluster leaves a webhook's event filter empty: it gets every event" {
  mkdir -p "$T/gluster/events"
  echo "{\"$HOOK\": {\"token\": \"\", \"secret\": \"\"}}" > "$T/gluster/events/webhooks.json"
  echo '{"log-level": "INFO", "port": 55555, "disable-events-log": false}' > "$T/eventsconfig.json"
  quiet eventsapi import-gluster "$T/gluster/events" --eventsconfig "$T/eventsconfig.json"
  run eventsapi --json status
  assert_output --partial '"events":[]'
  run eventsapi status
  assert_line "$HOOK"
}
