#!/usr/bin/env bats
# Untrusted input: what an attacker can send (a datagram, a published
# message, a frame, a line, a file in a directory) can neither crash nor
# fool any tool. One test or more per finding of the untrusted-input issue.

load helpers

setup() {
  common_setup
  export EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
  RPORT=$(free_port)
  HOOK="http://127.0.0.1:$RPORT/hook"
}
teardown() { common_teardown; }

BIG='{"x":1e999,"y":[-1e400,1.5],"z":"s"}'

# --- 1. numbers that overflow a double: valid JSON, delivered as their token

@test "1e999: -o json, -o pretty and -o salt write the number as it came" {
  start_listener l -n 3 -o json
  start_listener p -n 1 -o pretty
  start_listener s -n 1 -o salt
  event-fire big/one "$BIG"
  event-fire big/two 1e999
  event-fire big/three x:=1e999 y=2
  finish l
  finish p
  finish s
  assert_equal "$(cat "$T/l.rc") $(cat "$T/p.rc") $(cat "$T/s.rc")" "0 0 0"
  run cat "$T/l.out"
  assert_line --index 0 --partial '"data":{"x":1e999,"y":[-1e400,1.5],"z":"s"}'
  assert_line --index 1 --partial '"data":1e999,'
  assert_line --index 2 --partial '"data":{"x":1e999,"y":"2"}'
  run cat "$T/p.out"
  assert_line '        "x": 1e999,'
  assert_line '            -1e400,'
  run cat "$T/s.out"
  assert_output $'big/one\t{"x": 1e999, "y": [-1e400, 1.5], "z": "s"}'
}

@test "1e999: -o data, %d and event-handle's stdin pass the text through as before" {
  start_listener d -n 1 -o data
  start_listener t -n 1 -o '%t %d'
  event-fire big/one "$BIG"
  finish d
  finish t
  assert_equal "$(cat "$T/d.out")" '{"x":1e999,"y":[-1e400,1.5],"z":"s"}'
  assert_equal "$(cat "$T/t.out")" 'big/one {"x":1e999,"y":[-1e400,1.5],"z":"s"}'
  step "$T/h/one/10in" "cat > '$T/step.in'"
  event big/event/one "$BIG" | event-handle --log none "$T/h" > "$T/results"
  grep -q '"status":"completed"' "$T/results"
  assert_equal "$(head -1 "$T/step.in")" '{"x":1e999,"y":[-1e400,1.5],"z":"s"}'
}

@test "1e999 in a UDP datagram: serve delivers it as its token and keeps serving" {
  start_receiver r "$RPORT"
  quiet eventsapi webhook-add "$HOOK"
  local uport
  uport=$(free_port)
  start_serve s --port "$uport"
  udp_send "$uport" '{"tag":"x","data":1e999}' '{"tag":"y","data":{"v":-1e400}}' '1468303352 EVENT_VOLUME_CREATE name=after'
  wait_for_lines "$T/r.log" 3
  run field "$T/r.log" 'b'
  assert_line --index 0 --partial '"message": 1e999,'
  assert_line --index 1 --partial '"message": {"v": -1e400},'
  assert_line --index 2 --partial '"message": {"name": "after"}'
  kill -0 "$(cat "$T/s.pid")"
  grep -q '"message": 1e999' "$T/state/events.log"
  stop_serve s
}

@test "1e999 in a Redis stream entry: serve delivers it and every entry behind it, once" {
  start_redis
  start_receiver r "$RPORT"
  quiet eventsapi webhook-add "$HOOK"
  local su="redis+stream://127.0.0.1:$REDIS_PORT/evq?group=serve"
  # The group exists before the entries, as a serve that ran before made it.
  redis-cli -p "$REDIS_PORT" XGROUP CREATE evq serve '$' MKSTREAM > /dev/null
  redis-cli -p "$REDIS_PORT" XADD evq '*' tag x envelope '{"tag":"x","data":1e999}' > /dev/null
  for i in 1 2 3; do event-fire -u "redis+stream://127.0.0.1:$REDIS_PORT/evq" "behind/$i" "$i"; done
  start_serve s --from "$su"
  wait_for_lines "$T/r.log" 4
  stop_serve s
  # Started again, it has nothing left to deliver: the entries were acknowledged.
  start_serve s2 --from "$su"
  event-fire -u "redis+stream://127.0.0.1:$REDIS_PORT/evq" last
  wait_for_lines "$T/r.log" 5
  stop_serve s2
  run field "$T/r.log" 'json.loads(b)["event"]'
  assert_output $'x\nbehind/1\nbehind/2\nbehind/3\nlast'
}

@test "1e999 published on Redis and sent as ZeroMQ frames reaches the listener as its token" {
  start_redis
  start_listener r -n 1 -u "$REDIS_URL" -o salt
  wait_for_numpat "$REDIS_PORT" 1
  redis-cli -p "$REDIS_PORT" PUBLISH big/r '{"n":1e999}' > /dev/null
  finish r
  assert_equal "$(cat "$T/r.out")" $'big/r\t{"n": 1e999}'
  local port
  port=$(free_port)
  start_listener z -n 2 -u "tcp://127.0.0.1:$port" --bind -o data
  $PYTHON "$FIX/zmq_push.py" "tcp://127.0.0.1:$port" 'big/z|{"tag":"big/z","data":[1e999]}'
  event-fire -u "tcp://127.0.0.1:$port" big/z2 '-1e400'
  finish z
  assert_equal "$(cat "$T/z.out")" $'[1e999]\n-1e400'
}

# --- 3. the local bus as root

@test "root: a bus directory not owned by root is refused" {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  mkdir -m 700 "$T/theirs"
  chown nobody "$T/theirs"
  run event-fire -u "local:$T/theirs" t
  assert_failure 2
  assert_output --partial "bus directory $T/theirs belongs to uid 65534, not to this user (uid 0)"
  run event-listen -u "local:$T/theirs" -w 1
  assert_failure 2
  export XDG_RUNTIME_DIR=$T/theirs
  unset EVENT_SOCK_DIR
  mkdir -m 700 "$T/theirs/event-tools"
  chown nobody "$T/theirs/event-tools"
  run event-fire t
  assert_failure 2
  assert_output --partial 'belongs to uid 65534'
}

@test "root: event-fire delivers to no symlink and no socket of another user in the bus" {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  command -v setpriv >/dev/null || skip "setpriv missing"
  start_listener mine -n 1
  # Another user's listener, on its own bus, and a way into it from root's bus.
  other=$(mktemp -d /tmp/evt-other-XXXXXX)
  chmod 711 "$other"
  mkdir -m 700 "$other/bus"
  chown nobody "$other/bus"
  setpriv --reuid=nobody --regid=nogroup --clear-groups env -u EVENT_CONFIG EVENT_SOCK_DIR="$other/bus" \
    "$EVT_BUILD_DIR/event-listen" -n 1 -w 5 --ready-file "$other/bus/ready" > "$T/theirs.out" 2>&1 3>&- &
  local theirs=$!
  wait_for_file "$other/bus/ready"
  ln -s "$(ls "$other/bus"/*.sock | head -1)" "$EVENT_SOCK_DIR/planted.sock"
  # A socket owned by another user, made in root's bus.
  $PYTHON -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])' "$EVENT_SOCK_DIR/foreign.sock"
  chown nobody "$EVENT_SOCK_DIR/foreign.sock"
  run event-fire secret/data password=hunter2
  assert_success
  assert_output --partial "ignoring $EVENT_SOCK_DIR/planted.sock: not a socket of uid 0"
  assert_output --partial "ignoring $EVENT_SOCK_DIR/foreign.sock: not a socket of uid 0"
  finish mine
  grep -q hunter2 "$T/mine.out"
  wait "$theirs" || true
  run cat "$T/theirs.out"
  refute_output --partial hunter2
  rm -rf "$other"
}

# --- 4. ZeroMQ: a frame larger than --max-message disconnects its sender

@test "ZeroMQ: a 2 MiB frame is refused (the sender is cut off), a small one after it arrives; --max-message raises the limit" {
  local port
  port=$(free_port)
  start_listener z -n 1 -u "tcp://127.0.0.1:$port" --bind -o '%t'
  # The big frame may wait long to go out on a loaded machine (a listener
  # that takes it reads it then); the small one goes to a listener that may
  # be gone (-n 1 took the big one), so it is given up on sooner.
  big_then_small() {
    $PYTHON -c 'import sys, zmq
ctx = zmq.Context()
big = ctx.socket(zmq.PUSH); big.setsockopt(zmq.LINGER, 30000); big.connect(sys.argv[1])
big.send_multipart([b"big", b"{\"tag\":\"big\",\"data\":\"" + b"x" * (2 << 20) + b"\"}"])
big.close()
small = ctx.socket(zmq.PUSH); small.setsockopt(zmq.LINGER, 2000); small.connect(sys.argv[1])
small.send_multipart([b"small", b"{\"tag\":\"small\",\"data\":1}"])
small.close(); ctx.term()' "$1"
  }
  big_then_small "tcp://127.0.0.1:$port"
  finish z
  assert_equal "$(cat "$T/z.out")" small
  port=$(free_port)
  start_listener z2 -n 1 -u "tcp://127.0.0.1:$port" --bind -o '%t' --max-message 4194304
  big_then_small "tcp://127.0.0.1:$port"
  finish z2
  assert_equal "$(cat "$T/z2.out")" big
  run event-listen -u "tcp://127.0.0.1:$port" --max-message 12
  assert_failure 2
}

# --- 5. a step that leaves a detached child holding its output

@test "a step's detached child holding stdout: the event ends after the grace, the child is ended, the next event runs" {
  step "$T/h/done/10detach" "echo started; setsid sh -c 'echo \$\$ > $T/child.pid; exec sleep 300' & sleep 0.1; echo left"
  { event x/event/done 1; event x/event/done 2; } > "$T/in"
  local start=$SECONDS
  run --separate-stderr timeout 60 event-handle --log stderr --grace 1 "$T/h" < "$T/in"
  assert_success
  [ $((SECONDS - start)) -lt 30 ]
  [ "$(grep -c '"status":"completed"' <<< "$output")" -eq 2 ]
  [ "$(grep -c '"left_running":1' <<< "$output")" -eq 2 ]
  [[ $stderr == *"process(es) it left still hold its output; sending them SIGTERM"* ]]
  ! kill -0 "$(cat "$T/child.pid")" 2>/dev/null
}

# --- 6. input in log and error lines cannot forge a line or drive a terminal

@test "a datagram with a newline and escape sequences is logged as one escaped line" {
  local uport
  uport=$(free_port)
  start_serve s --port "$uport"
  udp_send "$uport" $'1468303352 NO_SUCH\neventsapi:forged_line\x1b[2J a=1'
  wait_for_text "$T/s.err" 'skipped a datagram'
  stop_serve s
  run grep -c 'forged_line' "$T/s.err"
  assert_output 1
  ! grep -q $'\x1b' "$T/s.err"
  ! grep -q '^eventsapi:forged' "$T/s.err"
  grep -qF "unknown event type 'NO_SUCH\neventsapi:forged_line\x1b[2J'" "$T/s.err"
}

@test "control characters in a step's output are escaped in the log, in syslog and on stderr" {
  step "$T/h/x/10out" $'printf "one\\033[2Jtwo\\rthree\\302\\233four\\n"'
  event x/event/x > "$T/in"
  run --separate-stderr event-handle --log stderr "$T/h" < "$T/in"
  ! grep -q $'\x1b' <<< "$stderr"
  ! grep -q $'\r' <<< "$stderr"
  ! grep -q $'\xc2\x9b' <<< "$stderr"
  [[ $stderr == *'x/10out: one\x1b[2Jtwo\rthree\u009bfour'* ]]
  $PYTHON "$FIX/syslog_sink.py" "$T/log.sock" "$T/syslog" 3>&- &
  echo $! > "$T/sink.pid"
  wait_for_file "$T/log.sock.ready"
  event-handle --syslog-socket "$T/log.sock" "$T/h" < "$T/in" > /dev/null
  wait_for_text "$T/syslog" 'four'
  ! grep -q $'\x1b' "$T/syslog"
  grep -qF 'one\x1b[2Jtwo\rthree\u009bfour' "$T/syslog"
}

# --- 7. events.log is bounded by serve

@test "events.log is rotated to events.log.1 at events-log-max-mb" {
  quiet eventsapi config-set events-log-max-mb 1
  start_serve s
  $PYTHON -c 'for i in range(1, 51): print("fill/%d" % i, "x" * 30000)' | while read -r tag pad; do echo "$pad" | event-fire -s "$tag"; done
  wait_for_text "$T/state/events.log" "fill/50"
  stop_serve s
  [ -e "$T/state/events.log.1" ]
  [ "$(stat -c %s "$T/state/events.log")" -le 1048576 ]
  [ "$(stat -c %s "$T/state/events.log.1")" -le 1048576 ]
  # One JSON line per event, none lost across the two files (one rotation: 1.5 MB).
  [ "$(cat "$T/state/events.log.1" "$T/state/events.log" | $PYTHON -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)))')" -eq 50 ]
  run eventsapi config-set events-log-max-mb 0
  assert_failure 2
}

# --- 8. missing standard descriptors

@test "started with stdout closed, event-listen writes nowhere it should not; event-handle still runs every handler" {
  start_redis
  event-listen -u "$REDIS_URL" -n 2 --ready-file "$T/l.ready" >&- 2> "$T/l.err" 3>&- &
  local pid=$!
  wait_for_file "$T/l.ready"
  event-fire -u "$REDIS_URL" one 1
  event-fire -u "$REDIS_URL" two 2
  wait "$pid"
  # The connection stayed a Redis connection: no event was written into it.
  ! grep -q 'protocol error' "$T/l.err"
  assert_equal "$(redis-cli -p "$REDIS_PORT" PING)" PONG
  step "$T/h/a/10mark" "echo ran >> '$T/marks'"
  { event x/event/a; event x/event/a; event x/event/a; } > "$T/in"
  event-handle --log none "$T/h" < "$T/in" >&-
  assert_equal "$(wc -l < "$T/marks")" 3
  start_listener n -n 1
  event-fire t 1 <&- 2>&-
  finish n
  assert_equal "$(cat "$T/n.rc")" 0
}

# --- 9. files we create where others can write

@test "--ready-file replaces what is at PATH, a symlink included, and never writes through it" {
  echo precious > "$T/victim"
  ln -s "$T/victim" "$T/ready"
  event-listen --ready-file "$T/ready" -n 1 > "$T/l.out" 3>&- &
  local pid=$!
  until [ -f "$T/ready" ] && [ ! -L "$T/ready" ]; do sleep 0.01; done
  event-fire t
  wait "$pid"
  assert_equal "$(cat "$T/victim")" precious
  assert_equal "$(cat "$T/ready")" "$pid"
  ! ls "$T"/ready.* 2>/dev/null
}

# --- 10. eventsapi's store and state directories

@test "eventsapi refuses a store or state directory open to others, and a home it does not have" {
  mkdir -m 755 "$T/open-store"
  run eventsapi --store "$T/open-store" status
  assert_failure
  assert_output --partial "store directory $T/open-store is open to other users (mode 0755); chmod 700 it"
  mkdir -m 755 "$T/open-state"
  run eventsapi --state "$T/open-state" serve --port 0
  assert_failure 2
  assert_output --partial "state directory $T/open-state is open to other users"
  [ "$(id -u)" -eq 0 ] || skip "the rest needs root to act as a second user"
  run setpriv --reuid=nobody --regid=nogroup --clear-groups env -i PATH=/usr/bin:/bin "$EVT_BUILD_DIR/eventsapi" status
  assert_failure 2
  assert_output --partial 'no home directory for the store: set HOME or XDG_CONFIG_HOME, or give --store'
}

# --- 11. one bad node record in a Redis store

@test "status with a Redis store skips a malformed node record with a warning" {
  start_redis
  local store="redis://127.0.0.1:$REDIS_PORT"
  quiet eventsapi --store "$store" webhook-add "$HOOK"
  redis-cli -p "$REDIS_PORT" HSET eventsapi:nodes good '{"name":"n1","heartbeat":1,"stats":{}}' bad1 'not json' \
    bad2 '{"stats":{"x":{"delivered":"many"}}}' bad3 '[1,2]' bad4 '{"heartbeat":1e999}' > /dev/null
  run --separate-stderr eventsapi --store "$store" status
  assert_success
  assert_line --regexp '^\| n1 +\| +DOWN \| +DOWN \|$'
  [ "$(grep -c 'skipped node record' <<< "$stderr")" -eq 4 ]
  run eventsapi --store "$store" --json status
  assert_success
}

# --- 12. secrets never echoed

@test "a bad URL's error and a webhook URL's password are shown masked" {
  run event-listen -u 'redis://admin:s3cret@127.0.0.1:99999'
  assert_failure 2
  assert_output --partial 'redis://admin:***@127.0.0.1:99999'
  refute_output --partial s3cret
  run event-fire -u 'redis+stream://s3cret@host/k?nope=1' t
  assert_failure 2
  refute_output --partial s3cret
  start_receiver r "$RPORT" --status 500
  quiet eventsapi webhook-add "http://hookuser:hunter2@127.0.0.1:$RPORT/hook"
  run eventsapi status
  assert_output --partial "http://hookuser:***@127.0.0.1:$RPORT/hook"
  refute_output --partial hunter2
  run eventsapi --json status
  refute_output --partial hunter2
  start_serve s
  event-fire t 1
  wait_for_text "$T/s.err" 'failed (status 500)'
  stop_serve s
  refute grep -q hunter2 "$T/s.err"
  # The receiver did get the credentials: they are for it.
  field "$T/r.log" 'h["authorization"]' | grep -q '^Basic '
}

# --- 13. a damaged spool tail

@test "8 MiB of garbage after a spool's last line costs serve well under a second at start" {
  start_receiver r "$RPORT" --status 500
  quiet eventsapi config-set retry-schedule 3600
  quiet eventsapi webhook-add "$HOOK"
  start_serve s
  event-fire kept 1
  wait_for_lines "$T/r.log" 1
  stop_serve s
  local spool
  spool=$(ls "$T/state/spool"/*.spool)
  head -c 8388608 /dev/urandom | tr -d '\n' >> "$spool"
  stop_receiver r
  start_receiver r2 "$RPORT"
  local start_ns=$(date +%s%N)
  start_serve s2
  local ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
  # A hang or a tenfold slowdown (the byte-at-a-time scan took 4 s) fails this.
  [ "$ms" -lt 3000 ]
  wait_for_lines "$T/r2.log" 1
  stop_serve s2
  run field "$T/r2.log" 'json.loads(b)["event"]'
  assert_output kept
}

# --- 14. node and id are names, as tags are

@test "an envelope whose id or node holds a control character is refused; a step's environment never gets one" {
  step "$T/h/x/10env" "env > '$T/env'"
  {
    printf '{"tag":"x/event/x","data":1,"id":"a\\nEVIL=1"}\n'
    printf '{"tag":"x/event/x","data":1,"node":"n\\u0000x"}\n'
    printf '{"tag":"x/event/x","data":1,"node":"n\\u009bx"}\n'
    printf '{"tag":"x/event/x","data":1,"id":"ok-id","node":"ok-node"}\n'
  } > "$T/in"
  run --separate-stderr event-handle --log none "$T/h" < "$T/in"
  assert_failure 4
  [[ $stderr == *'line 1: id contains a control character'* ]]
  [[ $stderr == *'line 2: node contains a control character'* ]]
  [[ $stderr == *'line 3: node contains a control character'* ]]
  ! grep -q '^EVIL=' "$T/env"
  grep -qx 'EVENT_ID=ok-id' "$T/env"
  grep -qx 'EVENT_NODE=ok-node' "$T/env"
  run event-listen -u - < "$T/in"
  assert_failure 4
  [ "${#lines[@]}" -eq 4 ]
  run event-fire --id $'bad\nid' t
  assert_failure 2
}

# --- 15. user regexes run in linear time (RE2)

@test "--match regex and --name-from run in linear time on hostile tags; RE2 syntax errors are named" {
  local tag="$(printf 'a%.0s' $(seq 1 40))!"
  echo "{\"tag\":\"$tag\",\"data\":1}" > "$T/in"
  echo '{"tag":"aaa","data":2}' >> "$T/in"
  run timeout 10 event-listen -u - --match regex '^(a+)+$' -o '%t' < "$T/in"
  assert_success
  assert_output aaa
  step "$T/h/aaa/10ok" 'true'
  run timeout 10 event-handle --log none --name-from '^((a+)+)$' "$T/h" < "$T/in"
  [[ $output == *'"status":"skipped"'* ]]
  [[ $output == *'"status":"completed"'* ]]
  run event-listen --match regex '(a)\1'
  assert_failure 2
  assert_output --partial 'invalid regex'
  assert_output --partial 'RE2 syntax'
  run event-handle --name-from '(?=x)' "$T/h"
  assert_failure 2
  assert_output --partial '--name-from: invalid regex'
}

# --- what held up, now with tests of its own

@test "step isolation: no shell reads the event, steps get no descriptor beyond 0-2, and run in their own process group" {
  step "$T/h/x/10look" "ls /proc/self/fd > '$T/fds'; ps -o pgid= -p \$\$ | tr -d ' ' > '$T/pgid'; echo \$\$ > '$T/pid'"
  printf '{"tag":"x/event/x","data":"$(touch %s/pwned)`touch %s/pwned2`"}\n' "$T" "$T" > "$T/in"
  exec 7> "$T/leak"
  event-handle --log none "$T/h" < "$T/in" > /dev/null
  exec 7>&-
  [ ! -e "$T/pwned" ] && [ ! -e "$T/pwned2" ]
  # 0, 1, 2 and the one ls opens to list them.
  [ "$(wc -l < "$T/fds")" -le 4 ]
  ! grep -qx 7 "$T/fds"
  assert_equal "$(cat "$T/pgid")" "$(cat "$T/pid")"
}

@test "store locking: 20 concurrent webhook-adds all land, and the store stays valid JSON" {
  for i in $(seq 1 20); do
    eventsapi webhook-add "http://127.0.0.1:1/hook$i" > /dev/null 2>&1 &
  done
  wait
  $PYTHON -c 'import json,sys; d = json.load(open(sys.argv[1])); assert len(d) == 20, len(d)' "$T/store/webhooks.json"
  [ "$(stat -c %a "$T/store/webhooks.json")" = 600 ]
}

@test "outbound URLs: only http and https, and a redirect is a failure, not followed" {
  for url in file:///etc/passwd gopher://127.0.0.1/ 'http://' 'dict://127.0.0.1:11211/'; do
    run eventsapi webhook-add "$url"
    assert_failure 1
  done
  run eventsapi webhook-test file:///etc/passwd
  assert_failure 1
  start_receiver r "$RPORT" --status 302
  quiet eventsapi config-set retry-schedule 3600
  quiet eventsapi webhook-add "$HOOK"
  start_serve s
  event-fire t 1
  wait_for_text "$T/s.err" 'failed (status 302)'
  stop_serve s
  assert_equal "$(wc -l < "$T/r.log")" 1
}
