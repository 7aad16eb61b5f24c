#!/usr/bin/env bats
# W3C trace context end to end: TRACEPARENT/TRACESTATE in event-fire's
# environment, followed through a real redis-server stream into an
# event-handle step's environment, through eventsapi serve to a webhook's
# headers (the Gluster body unchanged, the headers kept in its spool), through
# a real nats-server, and through ZeroMQ and a relaying event-fire -l.

load helpers
load nats_helpers

TP=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01
OWN=00-11111111111111111111111111111111-2222222222222222-00

setup() {
  common_setup
  unset TRACEPARENT TRACESTATE
  H=$T/handlers
  export XDG_RUNTIME_DIR=$T/run EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
  mkdir -m 700 "$XDG_RUNTIME_DIR"
  step "$H/x/10env" "echo \"\$EVENT_ID \${TRACEPARENT:-none} \${TRACESTATE:-none}\" >> '$T/env'"
}
teardown() {
  common_teardown
  stop_nats nats
}

@test "event-fire: TRACEPARENT and TRACESTATE become envelope members, for -l lines too; a line's own is kept" {
  TRACEPARENT=$TP TRACESTATE='congo=t61rcWkgMzE' run --separate-stderr event-fire -u - a/event/x n=1
  assert_success
  assert_equal "$stderr" ''
  assert_output --regexp "\"traceparent\":\"$TP\",\"tracestate\":\"congo=t61rcWkgMzE\"}$"
  printf '%s\n' '{"tag":"a","traceparent":"'$OWN'"}' '{"tag":"b"}' > "$T/lines"
  TRACEPARENT=$TP run event-fire -l -u - < "$T/lines"
  assert_success
  assert_line --index 0 --regexp "\"traceparent\":\"$OWN\"}$"
  assert_line --index 1 --regexp "\"traceparent\":\"$TP\"}$"
  printf '1\n2\n' > "$T/data"
  TRACEPARENT=$TP run event-fire -l -u - a/event/x < "$T/data"
  assert_equal "$(grep -c "\"traceparent\":\"$TP\"" <<< "$output")" 2
  # Not of W3C syntax: one warning, ignored, the event sent all the same.
  TRACEPARENT=00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01 TRACESTATE=x=1 run --separate-stderr event-fire -u - a/event/x
  assert_success
  assert_equal "$stderr" 'event-fire: warning: TRACEPARENT is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>): ignored'
  refute_output --partial trace
  TRACEPARENT=$TP TRACESTATE='Bad Key=1' run --separate-stderr event-fire -u - a/event/x
  assert_success
  assert_equal "$stderr" 'event-fire: warning: TRACESTATE is not a W3C tracestate (key=value,...): ignored'
  assert_output --regexp "\"traceparent\":\"$TP\"}$"
}

@test "through a Redis stream into a step's environment: TRACEPARENT/TRACESTATE of the event, never event-handle's own" {
  start_redis
  local u="redis+stream://127.0.0.1:$REDIS_PORT/evq"
  TRACEPARENT=$TP TRACESTATE='rojo=00f067aa0ba902b7' event-fire -u "$u" a/event/x
  event-fire -u "$u" a/event/x  # none
  # The entry carries it as fields of its own too, for readers that do not parse the envelope.
  run redis-cli -p "$REDIS_PORT" XRANGE evq - + COUNT 1
  assert_line 'traceparent'
  assert_line "$TP"
  assert_line 'tracestate'
  # An entry written by hand with a traceparent field.
  redis-cli -p "$REDIS_PORT" XADD evq '*' tag a/event/x traceparent "$OWN" > /dev/null
  TRACEPARENT=00-99999999999999999999999999999999-9999999999999999-01 \
    run event-handle -u "$u?group=g" -w 1 --log none "$H"
  assert_success  # -w: no more events
  # The result envelopes carry the context on, for event-fire -l.
  assert_line --index 0 --regexp "\"traceparent\":\"$TP\",\"tracestate\":\"rojo=00f067aa0ba902b7\"}$"
  refute_line --index 1 --partial traceparent
  run cut -d' ' -f2- "$T/env"
  assert_equal "$output" "$TP rojo=00f067aa0ba902b7
none none
$OWN none"
  # And event-listen shows the members, as event-fire -l takes them back.
  run event-listen -u "$u" --from-id 0 -e -o '%j'
  assert_line --index 0 --regexp "\"traceparent\":\"$TP\",\"tracestate\":\"rojo=00f067aa0ba902b7\"}$"
  assert_line --index 2 --regexp "\"traceparent\":\"$OWN\"}$"
}

@test "event-listen | event-handle over the local bus and Redis Pub/Sub: the bus keeps it, Pub/Sub carries the data alone" {
  start_redis
  start_listener l -n 1
  TRACEPARENT=$TP event-fire a/event/x
  finish l
  event-handle --log none "$H" < "$T/l.out" > /dev/null
  start_listener p -u "$REDIS_URL" -n 1
  TRACEPARENT=$TP event-fire -u "$REDIS_URL" a/event/x
  finish p
  event-handle --log none "$H" < "$T/p.out" > /dev/null
  run cut -d' ' -f2 "$T/env"
  assert_equal "$output" "$TP
none"
}

@test "eventsapi serve: a webhook gets traceparent/tracestate headers, the Gluster body byte for byte as without" {
  start_redis
  local rport
  rport=$(free_port)
  start_receiver r "$rport"
  quiet eventsapi webhook-add "http://127.0.0.1:$rport/hook"
  start_serve s --from "redis+stream://127.0.0.1:$REDIS_PORT/evq?group=serve"
  printf '%s\n' '{"tag":"V","data":{"a":1},"ts":1468303352,"id":"one"}' |
    TRACEPARENT=$TP TRACESTATE='congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' event-fire -l -u "redis+stream://127.0.0.1:$REDIS_PORT/evq"
  printf '%s\n' '{"tag":"V","data":{"a":1},"ts":1468303352,"id":"two"}' | event-fire -l -u "redis+stream://127.0.0.1:$REDIS_PORT/evq"
  wait_for_lines "$T/r.log" 2
  run field "$T/r.log" 'h.get("traceparent", "-") + " " + h.get("tracestate", "-")'
  assert_equal "$output" "$TP congo=t61rcWkgMzE,rojo=00f067aa0ba902b7
- -"
  run field "$T/r.log" 'b'
  assert_equal "${lines[0]}" "${lines[1]}"
  assert_output --partial '{"event": "V", "message": {"a": 1}, "nodeid": "'
  refute_output --partial trace
  stop_serve s
}

@test "through NATS: traceparent/tracestate headers, read back into the envelope and a step's environment" {
  start_nats nats
  local u="nats+js://127.0.0.1:$NATS_PORT/TR?create=1&subjects=a.>"
  TRACEPARENT=$TP TRACESTATE='congo=t61rcWkgMzE' event-fire -u "$u" a/event/x
  run event-handle -u "$u&group=g" -w 1 --log none "$H"
  run cut -d' ' -f2- "$T/env"
  assert_equal "$output" "$TP congo=t61rcWkgMzE"
}

@test "through ZeroMQ and a relaying event-fire -l: the event's own context wins over the relay's environment" {
  local port
  port=$(free_port)
  start_listener onmaster -u "local:$T/master-bus" -n 1 -o '%j'
  event-listen --bind -u "tcp://127.0.0.1:$port" --ready-file "$T/master.ready" 2> "$T/master.err" 3>&- |
    TRACEPARENT=$OWN event-fire -l -u "local:$T/master-bus" 3>&- &
  wait_for_file "$T/master.ready"
  TRACEPARENT=$TP TRACESTATE=congo=1 event-fire -u "tcp://127.0.0.1:$port" minion/event
  finish onmaster
  run cat "$T/onmaster.out"
  assert_output --regexp "\"traceparent\":\"$TP\",\"tracestate\":\"congo=1\"}$"
}

@test "eventsapi serve: the headers are kept in the spool, so a webhook that was down gets them after serve's kill -9" {
  local rport
  rport=$(free_port)
  quiet eventsapi webhook-add "http://127.0.0.1:$rport/hook"
  quiet eventsapi config-set retry-schedule 0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2
  start_serve s
  # No receiver yet: the events wait in the spool.
  printf '1\n2\n' | TRACEPARENT=$TP TRACESTATE='congo=t61rcWkgMzE' event-fire -l gluster/x
  wait_for_lines "$T/state/events.log" 2
  kill -9 "$(cat "$T/s.pid")"
  wait "$(cat "$T/s.pid")" || true
  start_receiver r "$rport"
  start_serve s
  wait_for_unique "$T/r.log" 2
  run field "$T/r.log" 'h["traceparent"] + " " + h["tracestate"]'
  assert_equal "$(sort -u <<< "$output")" "$TP congo=t61rcWkgMzE"
  stop_serve s
}

@test "eventsapi redeliver: events from failed.log and from events.log come again with their traceparent/tracestate" {
  local rport
  rport=$(free_port)
  start_receiver down "$rport" --status 500
  quiet eventsapi webhook-add "http://127.0.0.1:$rport/hook"
  quiet eventsapi config-set retry-schedule 0.1
  start_serve s
  TRACEPARENT=$TP TRACESTATE='congo=t61rcWkgMzE' event-fire gluster/given-up
  event-fire gluster/untraced
  wait_for_lines "$T/state/failed.log" 2
  # Both logs keep the context beside the Gluster body (failed.log as members, events.log too).
  [ "$(grep -c "\"traceparent\":\"$TP\"" "$T/state/failed.log")" = 1 ]
  [ "$(grep -c "\"traceparent\":\"$TP\",\"tracestate\":\"congo=t61rcWkgMzE\"}" "$T/state/events.log")" = 1 ]
  stop_receiver down
  start_receiver up "$rport"
  run eventsapi redeliver --failed
  assert_line '2 event(s) queued for redelivery'
  wait_for_lines "$T/up.log" 2
  run field "$T/up.log" 'json.loads(b)["event"] + " " + h.get("traceparent", "-") + " " + h.get("tracestate", "-")'
  assert_equal "$(sort <<< "$output")" "$(printf '%s\n' "gluster/given-up $TP congo=t61rcWkgMzE" "gluster/untraced - -")"
  # From events.log (a time window): the same.
  run eventsapi redeliver --since 1h
  assert_line '2 event(s) queued for redelivery'
  wait_for_lines "$T/up.log" 4
  run field "$T/up.log" 'json.loads(b)["event"] + " " + h.get("traceparent", "-")'
  assert_equal "$(tail -2 <<< "$output" | sort)" "$(printf '%s\n' "gluster/given-up $TP" "gluster/untraced -")"
  stop_serve s
}

@test "a traceparent of a later version with a line break in its tail reaches no header and no step" {
  local rport evil='cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x\r\nEvil: 1'
  rport=$(free_port)
  start_receiver r "$rport"
  quiet eventsapi webhook-add "http://127.0.0.1:$rport/hook"
  start_serve s
  printf '%s\n' '{"tag":"gluster/x","traceparent":"'"$evil"'"}' '{"tag":"gluster/y","traceparent":"'"$TP"'"}' | event-fire -l
  wait_for_lines "$T/r.log" 2
  run field "$T/r.log" 'sorted(k.lower() for k in h if k.lower() in ("evil", "traceparent"))'
  assert_equal "$output" "[]
['traceparent']"
  stop_serve s
  printf '%s\n' '{"tag":"a/event/x","id":"e1","traceparent":"'"$evil"'"}' | event-handle --log none "$H" > /dev/null
  run cat "$T/env"
  assert_output 'e1 none none'
}

@test "a tracestate too long for a step's environment is left out, and the step runs" {
  local long
  long=$(printf 'a=b%*s' 200000 '')
  printf '%s\n' '{"tag":"a/event/x","id":"e1","traceparent":"'"$TP"'","tracestate":"'"$long"'"}' |
    run event-handle --log none "$H"
  run cat "$T/env"
  assert_output "e1 $TP none"
}
