#!/usr/bin/env bats
# The ZeroMQ transport with real sockets on loopback: OpenNebula's hook
# manager frames both ways, a Salt-style master and minions, CURVE, and
# malformed messages.

load helpers


setup() {
  common_setup
  PORT=$(free_port)
  ZURL="tcp://127.0.0.1:$PORT"
}
teardown() { common_teardown; }

@test "an OpenNebula publisher's frames are read with --frames one; 'EVENT STATE VM/*' matches the real keys" {
  start_listener l -u "$ZURL" --frames one -n 2 -o '%t|%d' 'EVENT STATE VM/*'
  $PYTHON "$FIX/one_publisher.py" "tcp://127.0.0.1:$PORT" 3>&- &
  local job=$!
  # (the listener connects first; the publisher binds when it starts, and ZeroMQ reconnects)
  finish l
  wait "$job"
  run cat "$T/l.out"
  assert_line --index 0 'EVENT STATE VM/ACTIVE/RUNNING/5 |"<HOOK_MESSAGE><HOOK_TYPE>STATE</HOOK_TYPE><HOOK_OBJECT>VM</HOOK_OBJECT><STATE>ACTIVE</STATE><LCM_STATE>RUNNING</LCM_STATE><RESOURCE_ID>5</RESOURCE_ID></HOOK_MESSAGE>"'
  assert_line --index 1 --partial 'EVENT STATE VM/STOPPED/LCM_INIT/51 |'
}

@test "--frames one: one_hm's exact keys: API without a trailing space, STATE and per-VM keys with one, RETRY's base64 and a space" {
  start_listener h -u "$ZURL" --frames one -n 1 -o '%t|' 'EVENT STATE HOST/*'
  start_listener a -u "$ZURL" --frames one -n 1 -o '%t' --match prefix 'EVENT API one.vm.'
  start_listener r -u "$ZURL" --frames one -n 1 -o '%d' --match exact RETRY
  start_listener v -u "$ZURL" --frames one -n 1 -o '%t|' --match exact 'EVENT VM 5/ACTIVE/RUNNING '
  $PYTHON "$FIX/one_publisher.py" "tcp://127.0.0.1:$PORT" 4
  finish h; finish a; finish r; finish v
  assert_equal "$(cat "$T/h.out")" 'EVENT STATE HOST/ERROR//0 |'
  assert_equal "$(cat "$T/a.out")" 'EVENT API one.vm.allocate 1'
  assert_equal "$(cat "$T/r.out")" '"<HOOK_MESSAGE><HOOK_TYPE>STATE</HOOK_TYPE></HOOK_MESSAGE>"'
  assert_equal "$(cat "$T/v.out")" 'EVENT VM 5/ACTIVE/RUNNING |'
}

@test "event-fire -l --bind --frames one is read by a python3-zmq SUB decoding base64" {
  $PYTHON "$FIX/zmq_sub.py" "$ZURL" 'EVENT' 3 > "$T/sub.out" 3>&- &
  sub=$!
  printf '%s\n' '<VM><ID>5</ID></VM>' '{"state": "RUNNING"}' 'text with spaces' |
    event-fire -l --bind -u "tcp://*:$PORT" --frames one 'EVENT STATE VM/ACTIVE/RUNNING/5 '
  wait $sub
  run cat "$T/sub.out"
  assert_line --index 0 'EVENT STATE VM/ACTIVE/RUNNING/5 |<VM><ID>5</ID></VM>'
  assert_line --index 1 'EVENT STATE VM/ACTIVE/RUNNING/5 |{"state":"RUNNING"}'
  assert_line --index 2 'EVENT STATE VM/ACTIVE/RUNNING/5 |text with spaces'
}

@test "--bind publisher to SUB listeners: prefix subscription, exact match, both in order, none lost" {
  start_listener a -u "$ZURL" -o '%t %d' 'count/*' probe
  start_listener b -u "$ZURL" -o '%t %d' -x 'other/*'
  mkfifo "$T/in"
  event-fire -l --bind -u "tcp://*:$PORT" < "$T/in" 3>&- &
  fire=$!
  exec 5> "$T/in"
  # The publisher waits for a first subscriber only: probe until both hear it.
  until grep -q probe "$T/a.out" && grep -q probe "$T/b.out"; do echo '{"tag":"probe","data":0}' >&5; sleep 0.01; done
  { seq 1 1000 | sed 's/.*/{"tag":"count\/x","data":&}/'; echo '{"tag":"other/y","data":0}'; } >&5
  exec 5>&-
  wait $fire
  wait_for_lines "$T/a.out" 1000
  run cmp <(seq 1 1000) <(grep '^count/x ' "$T/a.out" | cut -d' ' -f2)
  assert_success
  run cmp <(seq 1 1000) <(grep -v '^probe ' "$T/b.out" | cut -d' ' -f2)
  assert_success
}

@test "Salt-style master: event-listen --bind | event-fire -l; minions fire_master to it" {
  start_listener onmaster -u "local:$T/master-bus" -n 2 -o '%n %t %d'
  event-listen --bind -u "tcp://127.0.0.1:$PORT" --ready-file "$T/master.ready" 2> "$T/master.err" 3>&- |
    event-fire -l -u "local:$T/master-bus" 3>&- &
  wait_for_file "$T/master.ready"
  EVENT_MASTER=$ZURL event-fire --id minion7 fire_master '{"x": 1}' minion/event
  echo "master: $ZURL" > "$EVENT_CONFIG"
  event-fire --id minion8 --master salt/job/done ok:=true
  finish onmaster
  run cat "$T/onmaster.out"
  assert_line --index 0 'minion7 minion/event {"x":1}'
  assert_line --index 1 'minion8 salt/job/done {"ok":true}'
}

@test "a one-shot fire with no peer fails with exit 3 within --timeout" {
  start=$(date +%s%N)
  run event-fire -u "$ZURL" --timeout 0.5 t
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  assert_failure 3
  assert_output "event-fire: no peer took the event at $ZURL within 0.5s: 0 event(s) sent before"
  [ "$elapsed_ms" -lt 3000 ]
}

@test "malformed messages are reported and skipped, never fatal" {
  start_listener j -u "$ZURL" --bind -o '%t %d' -n 1
  $PYTHON "$FIX/zmq_push.py" "$ZURL" 'only-one-frame' 'a|b|c' 'tag|not json' 'tag|{"tag":""}' 'good|{"tag":"good","data":1}'
  finish j
  assert_equal "$(cat "$T/j.rc")" 4
  assert_equal "$(cat "$T/j.out")" 'good 1'
  run cat "$T/j.err"
  assert_line --index 0 "event-listen: skipped a malformed message from $ZURL: expected 2 frames, got 1"
  assert_line --index 1 --partial 'expected 2 frames, got 3'
  assert_line --index 2 --partial 'invalid JSON'
  assert_line --index 3 --partial 'empty tag'
}

@test "malformed OpenNebula frames: bad base64 and binary content are skipped" {
  port2=$(free_port)
  start_listener o -u "tcp://127.0.0.1:$port2" --bind --frames one -o '%t %d' -n 1
  $PYTHON "$FIX/zmq_push.py" "tcp://127.0.0.1:$port2" 'EVENT X|%%%not base64' 'EVENT Y|b64:<ok/>'
  finish o
  assert_equal "$(cat "$T/o.out")" 'EVENT Y "<ok/>"'
  run cat "$T/o.err"
  assert_output --partial 'content is not base64'
}

@test "ipc:// endpoints work too" {
  start_listener l -u "ipc://$T/events.ipc" --bind -n 1 -o '%t'
  event-fire -u "ipc://$T/events.ipc" over/ipc
  finish l
  assert_equal "$(cat "$T/l.out")" over/ipc
}

@test "CURVE: a listed client gets through; an unlisted key, a wrong server key or no CURVE get nothing" {
  $PYTHON "$FIX/curve_keys.py" "$T/server"
  $PYTHON "$FIX/curve_keys.py" "$T/client"
  $PYTHON "$FIX/curve_keys.py" "$T/stranger"
  cp "$T/client.pub" "$T/clients"
  start_listener l -u "$ZURL" --bind --curve-secret-key "$T/server.key" --curve-clients "$T/clients" -o '%t'
  run event-fire -u "$ZURL" --curve-secret-key "$T/client.key" --curve-server-key "$T/server.pub" admitted
  assert_success
  wait_for_lines "$T/l.out" 1
  run event-fire -u "$ZURL" --timeout 1 --curve-secret-key "$T/stranger.key" --curve-server-key "$T/server.pub" stranger
  assert_failure 3
  assert_output --partial "refused this side's CURVE key"
  run event-fire -u "$ZURL" --timeout 1 --curve-secret-key "$T/client.key" --curve-server-key "$T/stranger.pub" wrong/server/key
  assert_failure 3
  run event-fire -u "$ZURL" --timeout 1 plain
  assert_failure 3
  run event-fire -u "$ZURL" --curve-secret-key "$T/client.key" --curve-server-key "$T/server.pub" admitted/again
  assert_success
  wait_for_lines "$T/l.out" 2
  kill "$(cat "$T/l.pid")"
  finish l
  run cat "$T/l.out"
  assert_output "$(printf 'admitted\nadmitted/again')"
}

@test "CURVE on a --bind publisher: only listed subscribers receive" {
  $PYTHON "$FIX/curve_keys.py" "$T/server"
  $PYTHON "$FIX/curve_keys.py" "$T/client"
  $PYTHON "$FIX/curve_keys.py" "$T/stranger"
  cp "$T/client.pub" "$T/clients"
  start_listener ok -u "$ZURL" --curve-secret-key "$T/client.key" --curve-server-key "$T/server.pub" -n 3 -o '%d'
  event-listen -u "$ZURL" --curve-secret-key "$T/stranger.key" --curve-server-key "$T/server.pub" -o '%d' > "$T/bad.out" 2> "$T/bad.err" 3>&- &
  bad=$!
  mkfifo "$T/in"
  event-fire -l --bind -u "tcp://*:$PORT" --curve-secret-key "$T/server.key" --curve-clients "$T/clients" n < "$T/in" 3>&- &
  fire=$!
  exec 5> "$T/in"
  seq 1 3 >&5
  finish ok
  # The publisher stays up until the stranger has tried and been refused.
  wait_for_text "$T/bad.err" refused || true
  exec 5>&-
  wait $fire
  kill $bad; wait $bad || true
  assert_equal "$(cat "$T/ok.out" | tr '\n' ' ')" '1 2 3 '
  assert_equal "$(cat "$T/bad.out")" ''
  run cat "$T/bad.err"
  assert_output --partial "refused this side's CURVE key"
}

@test "CURVE options are checked: roles, files and transports" {
  $PYTHON "$FIX/curve_keys.py" "$T/k"
  run event-listen -u "$ZURL" --bind --curve-secret-key "$T/k.key"
  assert_failure 2
  assert_output --partial 'needs --curve-secret-key and --curve-clients'
  run event-fire -u "$ZURL" --curve-secret-key "$T/k.key" t
  assert_failure 2
  assert_output --partial 'needs --curve-secret-key and --curve-server-key'
  echo 'not a key' > "$T/bad.key"
  run event-fire -u "$ZURL" --curve-secret-key "$T/bad.key" --curve-server-key "$T/k.pub" t
  assert_failure 2
  assert_output --partial 'holds no Z85 key'
  run event-fire -u "$ZURL" --curve-secret-key "$T/missing" --curve-server-key "$T/k.pub" t
  assert_failure 2
  run event-fire --curve-secret-key "$T/k.key" t
  assert_failure 2
  assert_output --partial 'CURVE keys apply to ZeroMQ endpoints'
}

@test "a listener says when its publisher goes away and comes back; --no-reconnect exits 3" {
  start_listener l -u "$ZURL" -o '%d' -n 2
  echo first | event-fire -l --bind -u "tcp://*:$PORT" t
  wait_for_lines "$T/l.out" 1
  echo second | event-fire -l --bind -u "tcp://*:$PORT" t
  finish l
  run cat "$T/l.out"
  assert_output "$(printf '"first"\n"second"')"
  run cat "$T/l.err"
  assert_line --partial "lost $ZURL; reconnecting"
  assert_line "event-listen: reconnected to $ZURL"

  start_listener strict -u "$ZURL" --no-reconnect -o '%d'
  echo third | event-fire -l --bind -u "tcp://*:$PORT" t
  finish strict
  assert_equal "$(cat "$T/strict.rc")" 3
  assert_equal "$(cat "$T/strict.out")" '"third"'
  grep -q "lost $ZURL" "$T/strict.err"
}

@test "option errors: --bind or --frames elsewhere, a bad --frames, '*' without --bind" {
  run event-fire --bind t
  assert_failure 2
  assert_output --partial '--bind applies to ZeroMQ endpoints'
  run event-listen -u redis://127.0.0.1:1 --frames one
  assert_failure 2
  assert_output --partial '--frames applies to ZeroMQ endpoints'
  run event-fire -u "$ZURL" --frames xml t
  assert_failure 2
  assert_output --partial "--frames: expected json or one, not 'xml'"
  run event-fire -u "tcp://*:$PORT" t
  assert_failure 2
  assert_output --partial "'*' is for --bind"
  run event-listen --bind -u "tcp://256.1.1.1:$PORT"
  assert_failure
}

@test "the shipped master unit's command line runs a working master" {
  cmd=$(sed -n "s|@BINDIR@|$EVT_BUILD_DIR|g; s/^ExecStart=//p" "$BATS_TEST_DIRNAME/../systemd/event-tools-master.service")
  export MASTER_URL="tcp://127.0.0.1:$PORT" MASTER_OPTIONS="--ready-file $T/master.ready"
  start_listener onmaster -n 1 -o '%n %t'
  eval "$cmd" 3>&- &
  wait_for_file "$T/master.ready"
  EVENT_MASTER=$ZURL event-fire --id minion9 --master unit/works
  finish onmaster
  assert_equal "$(cat "$T/onmaster.out")" 'minion9 unit/works'
  pkill -f "ready-file $T/master.ready" || true
}
