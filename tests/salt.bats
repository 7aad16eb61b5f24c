#!/usr/bin/env bats
# A real Salt event bus (salt:DIR). No Salt is installable here, so the peer
# is tests/fixtures/salt_bus.py: Salt's framing, socket names and state.event
# rebuilt byte for byte from Salt's source with Debian's python3-msgpack, and
# the frames of real events (tests/fixtures/salt/*.frame) it wrote; and
# tests/fixtures/salt_minion.py, what a running salt-minion does with the
# fire_master events on its bus (salt/minion.py), rebuilt the same way.

load helpers

setup() {
  common_setup
  SALT="$PYTHON $FIX/salt_bus.py"
}
teardown() { common_teardown; }

# state_event NAME BUS COUNT: salt-run state.event on BUS in the background,
# output in $T/NAME.out; returns once it is connected.
state_event() {
  $SALT event "$T/$2" --count "$3" --ready-file "$T/$1.ready" > "$T/$1.out" 2> "$T/$1.err" 3>&- &
  echo $! > "$T/$1.pid"
  wait_for_file "$T/$1.ready"
}

# run_minion NAME BUS ID COUNT [ARGS...]: the running salt-minion ID's
# fire_master side on bus BUS (salt_minion.py) in the background, a JSON
# line per event in $T/NAME.out; returns once it is connected.
run_minion() {
  local name=$1 bus=$2 id=$3 count=$4
  shift 4
  $PYTHON "$FIX/salt_minion.py" "$T/$bus" --id "$id" --count "$count" --ready-file "$T/$name.ready" "$@" \
    > "$T/$name.out" 2> "$T/$name.err" 3>&- &
  echo $! > "$T/$name.pid"
  wait_for_file "$T/$name.ready"
}

@test "real events from a master's bus: envelopes, and -o salt as salt-run state.event prints them" {
  start_salt_bus m
  state_event se m 3
  start_listener j -u "salt:$T/m" -n 3
  start_listener s -u "salt://$T/m" -n 3 -o salt
  start_listener d -u "salt:$T/m" -n 3 -o '%n %T %t'
  wait_for_salt_subscribers m 4
  $SALT send "$T/m" "$FIX"/salt/salt-auth.frame "$FIX"/salt/salt-job-ret.frame "$FIX"/salt/salt-minion-start.frame
  finish j
  finish s
  finish d
  wait "$(cat "$T/se.pid")"
  assert_equal "$(cat "$T/j.rc") $(cat "$T/s.rc") $(cat "$T/d.rc")" "0 0 0"
  # Byte for byte what state.event printed: key order, ensure_ascii=False, the datetime as str() gives it.
  run diff "$T/se.out" "$T/s.out"
  assert_success
  assert_equal "$(wc -l < "$T/s.out")" 3
  run cat "$T/s.out"
  assert_line --index 1 --partial '"comment": "Paquet déjà installé"'
  assert_line --index 1 --partial '"when": "2025-11-22 05:23:20.123456"'
  # ts from _stamp, node from the data's id, the data as Salt sent it.
  run cat "$T/d.out"
  assert_line --index 0 'web1 2025-11-22T05:23:19.000412Z salt/auth'
  assert_line --index 2 'web1 2025-11-22T05:23:18.000000Z salt/minion/web1/start'
  run cat "$T/j.out"
  assert_line --index 2 --regexp '^\{"tag":"salt/minion/web1/start","data":\{"id":"web1","cmd":"_minion_event","pretag":null,"data":"Minion web1 started at Sat Nov 22 05:23:18 2025","tag":"salt/minion/web1/start","_stamp":"2025-11-22T05:23:18"\},"ts":1763788998\.000000,"id":"[0-9A-Z]{26}","node":"web1"\}$'
}

@test "event-fire writes the bytes Salt's fire_event writes, and state.event shows them" {
  start_salt_bus m --record "$T/pulled"
  state_event se m 4
  wait_for_salt_subscribers m 1
  # Envelopes with a fixed ts: _stamp is the event's time, so the bytes are fixed too.
  printf '%s\n' \
    '{"tag":"myco/backup/done","data":{"size":1234,"ok":true,"where":"/srv/é","ratio":0.25,"big":18446744073709551616},"ts":1763789000.123456,"id":"X","node":"n"}' \
    '{"tag":"myco/text","data":"not a map","ts":1763789000,"id":"Y","node":"n"}' \
    '{"tag":"myco/stamped","data":{"_stamp":"old","a":[1,null]},"ts":1763789001.5,"id":"Z","node":"n"}' \
    '{"tag":"myco/inf","data":{"x":1e999},"ts":1763789002,"id":"W","node":"n"}' |
    event-fire -u "salt:$T/m" -l
  wait "$(cat "$T/se.pid")"
  {
    $SALT frame myco/backup/done '{"size":1234,"ok":true,"where":"/srv/é","ratio":0.25,"big":18446744073709551616}' 2025-11-22T05:23:20.123456
    $SALT frame myco/text '{"data":"not a map"}' 2025-11-22T05:23:20
    $SALT frame myco/stamped '{"_stamp":"old","a":[1,null]}' 2025-11-22T05:23:21.500000
    $SALT frame myco/inf '{"x":1e999}' 2025-11-22T05:23:22
  } > "$T/expected"
  run cmp "$T/expected" "$T/pulled"
  assert_success
  run cat "$T/se.out"
  assert_line --index 0 $'myco/backup/done\t{"size": 1234, "ok": true, "where": "/srv/é", "ratio": 0.25, "big": "18446744073709551616", "_stamp": "2025-11-22T05:23:20.123456"}'
  assert_line --index 1 $'myco/text\t{"data": "not a map", "_stamp": "2025-11-22T05:23:20"}'
  assert_line --index 2 $'myco/stamped\t{"_stamp": "2025-11-22T05:23:21.500000", "a": [1, null]}'
  assert_line --index 3 $'myco/inf\t{"x": Infinity, "_stamp": "2025-11-22T05:23:22"}'
}

@test "what event-fire fires comes back the same through event-listen; 1e999 stays a token" {
  start_salt_bus m
  start_listener l -u "salt:$T/m" -n 2 -o data
  wait_for_salt_subscribers m 1
  event-fire -u "salt:$T/m" a/b '{"k":[1,2.5,"x",{"n":null}],"big":1e999}'
  event-fire -u "salt:$T/m" fire '{"from":"salt form"}' a/c
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  run cat "$T/l.out"
  assert_line --index 0 --regexp '^\{"k":\[1,2\.5,"x",\{"n":null\}\],"big":1e999,"_stamp":"[0-9-]{10}T[0-9:.]+"\}$'
  assert_line --index 1 --regexp '^\{"from":"salt form","_stamp":'
}

@test "3006/3007 framings: body as str with the keys the other way, length-prefixed, frames cut in two" {
  for framing in str-body length; do
    start_salt_bus "$framing" --framing "$framing"
  done
  start_salt_bus split --split
  for bus in str-body length split; do
    start_listener "$bus" -u "salt:$T/$bus" -n 2 -o '%t %d'
    wait_for_salt_subscribers "$bus" 1
    $SALT fire "$T/$bus" "via/$bus" '{"n":1}' --count 2
  done
  for bus in str-body length split; do
    finish "$bus"
    assert_equal "$(cat "$T/$bus.rc")" 0
    run cat "$T/$bus.out"
    assert_line --index 1 --regexp "^via/$bus \{\"n\":1,\"_stamp\":\"[^\"]+\"\}$"
  done
}

@test "a master restart mid-stream: event-listen says so, reconnects and reads on" {
  start_salt_bus m
  start_listener l -u "salt:$T/m" -n 2 -o '%t'
  wait_for_salt_subscribers m 1
  $SALT fire "$T/m" before/restart '{}'
  wait_for_lines "$T/l.out" 1
  kill -9 "$(cat "$T/m.pid")"
  wait "$(cat "$T/m.pid")" 2>/dev/null || true
  : > "$T/m.log"
  start_salt_bus m
  wait_for_salt_subscribers m 1
  $SALT fire "$T/m" after/restart '{}'
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  run cat "$T/l.out"
  assert_output $'before/restart\nafter/restart'
  run cat "$T/l.err"
  assert_line --partial "lost the master's bus at salt:$T/m: the publisher closed the connection; reconnecting"
  assert_line --partial "reconnected to the master's bus"
}

@test "--no-reconnect: a lost Salt bus ends event-listen with exit 3" {
  start_salt_bus m
  start_listener l -u "salt:$T/m" --no-reconnect
  wait_for_salt_subscribers m 1
  kill "$(cat "$T/m.pid")"
  finish l
  assert_equal "$(cat "$T/l.rc")" 3
  run cat "$T/l.err"
  assert_output --partial "lost the master's bus at salt:$T/m: the publisher closed the connection"
}

@test "non-map bodies are events; frames that are not Salt's are reported, skipped, and the stream goes on" {
  start_salt_bus m --framing raw
  start_listener l -u "salt:$T/m" -n 2 -o '%t %d'
  wait_for_salt_subscribers m 1
  $PYTHON - "$T/m/master_event_pull.ipc" <<'EOF'
import socket, sys, msgpack
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
def frame(body): return msgpack.packb({"head": {}, "body": body}, use_bin_type=True)
s.sendall(frame(b"odd/list\n\n" + msgpack.packb([1, "two"], use_bin_type=True))  # not a map: still an event
          + frame(b"no separator at all")                                        # no tag end
          + frame(b"bad\x01tag\n\n\x80")                                          # a control character
          + frame(b"bad/data\n\n\xc1")                                            # not msgpack
          + msgpack.packb({"head": {}}, use_bin_type=True)                        # no body
          + frame(b"good/one\n\n" + msgpack.packb({"bin": b"\xff\x00", "text": b"caf\xc3\xa9"}, use_bin_type=True)))
EOF
  finish l
  assert_equal "$(cat "$T/l.rc")" 4
  run cat "$T/l.out"
  assert_output $'odd/list [1,"two"]\ngood/one {"bin":"b\'\\\\xff\\\\x00\'","text":"café"}'
  run cat "$T/l.err"
  assert_line --partial 'skipped an event: no "\n\n" after the tag'
  assert_line --partial 'skipped an event: tag contains a control character'
  assert_line --partial 'skipped an event: not msgpack data'
  assert_line --partial 'skipped an event: a frame with no "body" of bytes'
}

@test "1 MB events both ways (Salt's max_event_size); larger than --max-message is refused" {
  start_salt_bus m
  start_listener l -u "salt:$T/m" -n 1 -o data
  state_event se m 1
  wait_for_salt_subscribers m 2
  $PYTHON -c 'import json; print(json.dumps({"blob": "x" * 1048000}))' > "$T/big.json"
  event-fire -u "salt:$T/m" -s big/one < "$T/big.json"
  finish l
  wait "$(cat "$T/se.pid")"
  assert_equal "$(cat "$T/l.rc")" 0
  run $PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["blob"]), sorted(d))' "$T/l.out"
  assert_output "1048000 ['_stamp', 'blob']"
  run $PYTHON -c 'import json,sys; t,d=open(sys.argv[1]).read().split("\t"); print(t, len(json.loads(d)["blob"]))' "$T/se.out"
  assert_output "big/one 1048000"
  # From Salt's side: a 1 MiB event read by event-listen.
  start_listener r -u "salt:$T/m" -n 1 -o '%t'
  wait_for_salt_subscribers m 1
  $SALT fire "$T/m" big/two "@$T/big.json"
  finish r
  assert_equal "$(cat "$T/r.out")" big/two
  run event-fire -u "salt:$T/m" --max-message 1000 -s big/three < "$T/big.json"
  assert_failure 4
  assert_output --partial "bytes on the wire is larger than --max-message (1000)"
}

@test "?id=MINION picks a minion's sockets; one minion's bus is found alone; several need ?id=" {
  mkdir -m 755 "$T/sock"
  $PYTHON "$FIX/salt_bus.py" publisher "$T/sock" --minion web1 --ready-file "$T/w1.ready" --log "$T/w1.log" 3>&- &
  echo $! > "$T/w1.pid"
  wait_for_file "$T/w1.ready"
  [ -S "$T/sock/minion_event_659a7fb2af_pub.ipc" ]
  start_listener a -u "salt:$T/sock" -n 1 -o '%t'
  start_listener b -u "salt:$T/sock?id=web1" -n 1 -o '%t'
  until [ "$(tail -n 1 "$T/w1.log")" = "subscribers 2" ]; do sleep 0.01; done
  event-fire -u "salt:$T/sock?id=web1" minion/event
  finish a
  finish b
  assert_equal "$(cat "$T/a.out") $(cat "$T/b.out")" "minion/event minion/event"
  $PYTHON "$FIX/salt_bus.py" publisher "$T/sock" --minion db1 --ready-file "$T/d1.ready" 3>&- &
  echo $! > "$T/d1.pid"
  wait_for_file "$T/d1.ready"
  run event-listen -u "salt:$T/sock" -n 1
  assert_failure 2
  assert_output --partial "holds the buses of 2 minions: choose one with ?id=MINION"
  run event-fire -u "salt:$T/sock?id=nosuch" t
  assert_failure 3
  assert_output --partial "no Salt bus at $T/sock/minion_event_"
  run event-listen -u "salt:$T/empty" -n 1
  assert_failure 3
  assert_output --partial "no Salt sock_dir at $T/empty"
}

@test "a bus this user may not open is refused with the reason and the fix, exit 3" {
  [ "$(id -u)" -eq 0 ] || skip "needs root to act as a second user"
  command -v setpriv >/dev/null || skip "setpriv missing"
  shared=$(mktemp -d /tmp/evt-salt-XXXXXX)
  chmod 755 "$shared"
  mkdir -m 755 "$shared/master"
  $PYTHON "$FIX/salt_bus.py" publisher "$shared/master" --ready-file "$T/m.ready" 3>&- &
  echo $! > "$T/m.pid"
  wait_for_file "$T/m.ready"
  as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env -u EVENT_CONFIG "$@"; }
  run as_nobody "$EVT_BUILD_DIR/event-listen" -u "salt:$shared/master" -n 1
  assert_failure 3
  assert_output --partial "permission denied on $shared/master/master_event_pub.ipc (owner root, mode 0600): run as the user Salt runs as (sudo -u salt ...) or root, or set publisher_acl"
  run as_nobody "$EVT_BUILD_DIR/event-fire" -u "salt:$shared/master" t
  assert_failure 3
  assert_output --partial "permission denied on $shared/master/master_event_pull.ipc (owner root, mode 0600)"
  kill "$(cat "$T/m.pid")"
  rm -rf "$shared"
}

@test "--allow-reserved: salt/ tags only with it, and only on salt: endpoints" {
  start_salt_bus m
  start_listener l -u "salt:$T/m" -n 1 -o '%t'
  wait_for_salt_subscribers m 1
  run event-fire -u "salt:$T/m" salt/job/1/ret/x
  assert_failure 4
  assert_output --partial "tag 'salt/job/1/ret/x' is in Salt's own namespace (salt/), which its reactor and runners act on; --allow-reserved fires it anyway"
  event-fire -u "salt:$T/m" --allow-reserved salt/custom/thing
  finish l
  assert_equal "$(cat "$T/l.out")" salt/custom/thing
  run event-fire --allow-reserved t
  assert_failure 2
  assert_output --partial "--allow-reserved applies to salt: endpoints only"
}

@test "a reactor in shell: event-handle -u salt: runs a handler for each job return" {
  start_salt_bus m
  H="$T/handlers"
  mkdir -p "$H/ret"
  cat > "$H/ret/10record" <<EOF
#!/bin/sh
printf '%s %s\n' "\$EVENT_TAG" "\$(cat)" >> "$T/handled"
EOF
  chmod +x "$H/ret/10record"
  event-handle -u "salt:$T/m" -p 'salt/job/*/ret/*' --name-from '^salt/job/[^/]+/(ret)/' -n 1 \
    --ready-file "$T/h.ready" "$H" > "$T/h.out" 2> "$T/h.err" 3>&- &
  echo $! > "$T/h.pid"
  wait_for_file "$T/h.ready"
  wait_for_salt_subscribers m 1
  $SALT send "$T/m" "$FIX"/salt/salt-auth.frame "$FIX"/salt/salt-job-ret.frame
  wait "$(cat "$T/h.pid")"
  run cat "$T/handled"
  assert_output --regexp '^salt/job/20251122052320123456/ret/web1 \{"cmd":"_return","id":"web1",.*"_stamp":"2025-11-22T05:23:20.523001"\}$'
}

@test "fire_master on a minion's bus: Salt's forwarding event, read as the minion reads it, shown on the master" {
  start_salt_bus mb --minion web1
  start_salt_bus m
  state_event se m 3
  run_minion mi mb web1 3 --master-dir "$T/m"
  wait_for_salt_subscribers mb 1
  wait_for_salt_subscribers m 1
  event-fire -u "salt:$T/mb?id=web1" fire_master 'backup done' myco/backup/done
  EVENT_MASTER="salt:$T/mb?id=web1" event-fire --master myco/obj '{"size":1234,"ok":true}'
  event-fire -u "salt:$T/mb" send myco/kv status=ok size:=1234    # the one minion's bus, found
  wait "$(cat "$T/mi.pid")"
  wait "$(cat "$T/se.pid")"
  # As the minion unpacks them (stamps checked, then set aside): tag fire_master, the four keys in
  # fire_master's order, then _stamp; and the load its _fire_master sends on.
  run grep -cE '"_stamp": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+"' "$T/mi.out" "$T/se.out"
  assert_output "$T/mi.out:3"$'\n'"$T/se.out:3"
  run sed -E 's/"_stamp": "[^"]+"/"_stamp": S/' "$T/mi.out"
  load='"load": {"id": "web1", "cmd": "_minion_event", "pretag": null, "tok": "<minion token>"'
  assert_line --index 0 '{"tag": "fire_master", "data": {"data": "backup done", "tag": "myco/backup/done", "events": null, "pretag": null, "_stamp": S}, '"$load"', "data": "backup done", "tag": "myco/backup/done"}}'
  assert_line --index 1 '{"tag": "fire_master", "data": {"data": {"size": 1234, "ok": true}, "tag": "myco/obj", "events": null, "pretag": null, "_stamp": S}, '"$load"', "data": {"size": 1234, "ok": true}, "tag": "myco/obj"}}'
  assert_line --index 2 '{"tag": "fire_master", "data": {"data": {"status": "ok", "size": 1234}, "tag": "myco/kv", "events": null, "pretag": null, "_stamp": S}, '"$load"', "data": {"status": "ok", "size": 1234}, "tag": "myco/kv"}}'
  # On the master's bus: what salt-run state.event shows for a minion's event.fire_master.
  run sed -E 's/"_stamp": "[^"]+"/"_stamp": S/' "$T/se.out"
  assert_line --index 0 $'myco/backup/done\t{"id": "web1", "cmd": "_minion_event", "pretag": null, "data": "backup done", "tag": "myco/backup/done", "_stamp": S}'
  assert_line --index 2 $'myco/kv\t{"id": "web1", "cmd": "_minion_event", "pretag": null, "data": {"status": "ok", "size": 1234}, "tag": "myco/kv", "_stamp": S}'
}

@test "fire_master -l: byte for byte the frames Salt's fire_master writes on a minion's bus" {
  start_salt_bus mb --minion web1 --record "$T/pulled"
  printf '%s\n' \
    '{"tag":"myco/backup/done","data":"backup done","ts":1763789000.123456,"id":"X","node":"n"}' \
    '{"tag":"myco/obj","data":{"size":1234,"where":"/srv/é","_stamp":"kept"},"ts":1763789000,"id":"Y","node":"n"}' \
    '{"tag":"myco/list","data":[1,null],"ts":1763789001.5,"id":"Z","node":"n"}' |
    EVENT_MASTER="salt:$T/mb" event-fire --master -l
  {
    $SALT frame fire_master '{"data": "backup done", "tag": "myco/backup/done", "events": null, "pretag": null}' 2025-11-22T05:23:20.123456
    $SALT frame fire_master '{"data": {"size": 1234, "where": "/srv/é", "_stamp": "kept"}, "tag": "myco/obj", "events": null, "pretag": null}' 2025-11-22T05:23:20
    $SALT frame fire_master '{"data": [1, null], "tag": "myco/list", "events": null, "pretag": null}' 2025-11-22T05:23:21.500000
  } > "$T/expected"
  until [ "$(wc -c < "$T/pulled")" -ge "$(wc -c < "$T/expected")" ]; do sleep 0.01; done
  run cmp "$T/expected" "$T/pulled"
  assert_success
}

@test "fire_master on a master's bus is a plain fire; fire DATA TAG on a minion's bus stays there" {
  start_salt_bus m
  state_event se m 1
  wait_for_salt_subscribers m 1
  event-fire -u "salt:$T/m" fire_master 'for the master' myco/plain
  wait "$(cat "$T/se.pid")"
  run cat "$T/se.out"
  assert_output --regexp $'^myco/plain\t\\{"data": "for the master", "_stamp": "[^"]+"\\}$'
  start_salt_bus mb --minion web1
  run_minion mi mb web1 1
  wait_for_salt_subscribers mb 1
  event-fire -u "salt:$T/mb" fire '{"a":1}' myco/local
  wait "$(cat "$T/mi.pid")"
  run cat "$T/mi.out"
  assert_output --regexp '^\{"tag": "myco/local", "data": \{"a": 1, "_stamp": "[^"]+"\}, "load": null\}$'
}

@test "fire_master with no running minion: one line naming the sockets looked for, exit 3" {
  mkdir -m 755 "$T/sock"
  run event-fire -u "salt:$T/sock?id=web1" fire_master 'backup done' myco/backup/done
  assert_failure 3
  assert_output "event-fire: no Salt bus at $T/sock/minion_event_659a7fb2af_pull.ipc (is salt-minion running?); fire_master goes to the master through the running salt-minion"
  run event-fire -u "salt:$T/sock" send myco/kv a=1
  assert_failure 3
  assert_equal "${#lines[@]}" 1
  assert_output --partial "no Salt bus in $T/sock: no master_event_pub.ipc or minion_event_*_pub.ipc"
}

@test "-u salt: with --master, fire_master or send: allowed where it agrees with the master endpoint" {
  start_salt_bus mb --minion web1
  run_minion mi mb web1 2
  wait_for_salt_subscribers mb 1
  EVENT_MASTER="salt:$T/mb/?id=web1" event-fire -u "salt://$T/mb?id=web1" --master myco/a
  printf 'master: salt:%s\n' "$T/mb" > "$EVENT_CONFIG"
  event-fire -u "salt:$T/mb" fire_master x myco/b
  wait "$(cat "$T/mi.pid")"
  run cat "$T/mi.out"
  assert_line --index 0 --partial '"tag": "myco/a", "events": null'
  assert_line --index 1 --partial '"tag": "myco/b", "events": null'
  run env EVENT_MASTER="salt:$T/other" event-fire -u "salt:$T/mb" fire_master x myco/c
  assert_failure 2
  assert_output "event-fire: -u salt:$T/mb and the master endpoint salt:$T/other (\$EVENT_MASTER or the config's master) disagree: give one of them"
  run event-fire -u local: send myco/c
  assert_failure 2
  assert_output --partial "--master and -u exclude each other: -u local: is no Salt bus"
}

@test "send: an object, as Salt's event.send; salt-call's own options, reserved tags and a bare fire_master tag are refused" {
  start_salt_bus mb --minion web1
  run event-fire -u "salt:$T/mb" send myco/t 'just text'
  assert_failure 2
  assert_output --partial "send takes an object (KEY=VALUE pairs or a JSON object): Salt's event.send drops other data"
  run event-fire -u "salt:$T/mb" send myco/t with_env=True
  assert_failure 2
  assert_output --partial "with_env= is salt-call's own option"
  run event-fire -u "salt:$T/mb" fire_master '{}' salt/job/1/ret/x
  assert_failure 4
  assert_output --partial "tag 'salt/job/1/ret/x' is in Salt's own namespace"
  # fire_master with its TAG forgotten: a plain event tagged fire_master, which the minion would choke on.
  run event-fire -u "salt:$T/mb" fire_master 'backup done'
  assert_failure 4
  assert_output --partial "tag 'fire_master' on a minion's bus orders its salt-minion to forward data to the master"
}
