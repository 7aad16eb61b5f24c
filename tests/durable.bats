#!/usr/bin/env bats
# event-handle -u: handling straight from an endpoint. On a Redis stream it
# acknowledges an entry only once its handler has finished, so a kill -9 of
# event-handle loses nothing, and workers in one group share the work. On
# the other transports it is at-most-once, as they are.

load helpers

setup() {
  common_setup
  H=$T/handlers
  mkdir -p "$H"
  # The worker slots live in the runtime directory: the test's own.
  export XDG_RUNTIME_DIR=$T/run
  mkdir -m 700 "$XDG_RUNTIME_DIR"
}
teardown() { common_teardown; }

# fire_stream KEY N [PREFIX]: N events a/event/x with data PREFIX-i into the stream.
fire_stream() {
  local key=$1 n=$2 prefix=${3:-e}
  seq 1 "$n" | sed "s/.*/{\"tag\":\"a\/event\/x\",\"data\":\"$prefix-&\"}/" |
    event-fire -l -u "redis+stream://127.0.0.1:$REDIS_PORT/$key"
}

# handled FILE: how many ids, and how many different ones, FILE holds.
unique_ids() { sort -u "$1" | wc -l; }

pending() { redis-cli -p "$REDIS_PORT" XPENDING "$1" "$2" | head -1; }

# start_worker NAME URL [ARGS...]: event-handle -u in the background,
# results in $T/NAME.out, log in $T/NAME.err; returns once it reads.
start_worker() {
  local name=$1 url=$2
  shift 2
  rm -f "$T/$name.ready"
  event-handle -u "$url" --ready-file "$T/$name.ready" --log stderr "$@" "$H" > "$T/$name.out" 2> "$T/$name.err" 3>&- &
  echo $! > "$T/$name.pid"
  wait_for_file "$T/$name.ready"
}

@test "kill -9 of event-handle -u mid-backlog, then a restart: every one of 1000 events handled, none left pending" {
  start_redis
  step "$H/x/10record" "sleep 0.01; echo \"\$EVENT_ID\" >> '$T/handled'"
  fire_stream evq 1000
  local su="redis+stream://127.0.0.1:$REDIS_PORT/evq?group=g1"
  start_worker w1 "$su"
  wait_for_lines "$T/handled" 150 30
  kill -9 "$(cat "$T/w1.pid")"
  wait "$(cat "$T/w1.pid")" 2>/dev/null || true
  local before
  before=$(unique_ids "$T/handled")
  [ "$before" -lt 1000 ]
  # The same worker again (it gets its slot, NODE/1, back): its own pending entries first.
  run timeout 120 event-handle -u "$su" -w 2 --log none "$H"
  assert_success
  assert_equal "$(unique_ids "$T/handled")" 1000
  # At least once: a repeat is possible only for what was running at the kill.
  [ "$(wc -l < "$T/handled")" -le 1002 ]
  assert_equal "$(pending evq g1)" 0
}

@test "a pipe is at-most-once: event-listen | event-handle killed with -9 loses what sat in the pipe" {
  # What the man page says, shown: the durable path is event-handle -u.
  start_redis
  step "$H/x/10record" "sleep 0.01; echo \"\$EVENT_ID\" >> '$T/handled'"
  fire_stream evq 300
  local su="redis+stream://127.0.0.1:$REDIS_PORT/evq?group=g1"
  mkfifo "$T/pipe"
  event-listen -u "$su" > "$T/pipe" 2>/dev/null 3>&- &
  local listener=$!
  event-handle --log none "$H" < "$T/pipe" > /dev/null 3>&- &
  local handler=$!
  wait_for_lines "$T/handled" 20 30
  kill -9 "$handler"
  kill "$listener" 2>/dev/null || true  # if still running: it wrote what it read into the pipe
  wait "$handler" "$listener" 2>/dev/null || true
  run timeout 60 event-handle -u "$su" -w 1 --log none "$H"
  # The listener acknowledged what it wrote into the pipe; the pipe died.
  [ "$(unique_ids "$T/handled")" -lt 300 ]
  assert_equal "$(pending evq g1)" 0
}

@test "two workers in one group share 1000 events: none handled twice, both worked" {
  start_redis
  step "$H/x/10record" "echo \"\$EVENT_ID\" >> '$T/handled'"
  local su="redis+stream://127.0.0.1:$REDIS_PORT/evq?group=g1"
  start_worker w1 "$su" -w 3
  start_worker w2 "$su" -w 3
  fire_stream evq 1000
  wait "$(cat "$T/w1.pid")"
  wait "$(cat "$T/w2.pid")"
  assert_equal "$(wc -l < "$T/handled")" 1000
  assert_equal "$(unique_ids "$T/handled")" 1000
  [ "$(wc -l < "$T/w1.out")" -gt 0 ] && [ "$(wc -l < "$T/w2.out")" -gt 0 ]
  # Two live workers, two consumer names: the node's slots 1 and 2.
  redis-cli -p "$REDIS_PORT" XINFO CONSUMERS evq g1 > "$T/consumers"
  grep -qx "$(hostname)/1" "$T/consumers"
  grep -qx "$(hostname)/2" "$T/consumers"
}

@test "a worker killed with -9 while others run: its pending entries are claimed and handled (claim=SECS)" {
  start_redis
  step "$H/x/10record" "echo \"\$EVENT_ID\" >> '$T/started'; sleep 1; echo \"\$EVENT_ID\" >> '$T/handled'"
  local su="redis+stream://127.0.0.1:$REDIS_PORT/evq?group=g1&claim=1"
  start_worker dead "$su&consumer=doomed" -j 4
  fire_stream evq 8
  wait_for_lines "$T/started" 4
  kill -9 "$(cat "$T/dead.pid")"
  wait "$(cat "$T/dead.pid")" 2>/dev/null || true
  # The doomed consumer holds what it took; a live worker claims it after a second.
  [ "$(redis-cli -p "$REDIS_PORT" XPENDING evq g1 - + 10 doomed | grep -c '^[0-9]*-[0-9]*$')" -ge 4 ]
  run --separate-stderr timeout 60 event-handle -u "$su" -j 4 -w 3 --log stderr "$H"
  assert_success
  [[ $stderr == *"entries other consumers of group g1 left unacknowledged"* ]]
  assert_equal "$(unique_ids "$T/handled")" 8
  assert_equal "$(pending evq g1)" 0
}

@test "a step running longer than claim=SECS is not taken over by another worker" {
  start_redis
  step "$H/x/10slow" "echo \"\$EVENT_ID\" >> '$T/started'; sleep 3"
  local su="redis+stream://127.0.0.1:$REDIS_PORT/evq?group=g1&claim=1"
  start_worker w1 "$su" -w 5
  start_worker w2 "$su" -w 5
  fire_stream evq 1
  wait "$(cat "$T/w1.pid")"
  wait "$(cat "$T/w2.pid")"
  assert_equal "$(wc -l < "$T/started")" 1
  ! grep -q claimed "$T/w1.err" "$T/w2.err"
  assert_equal "$(pending evq g1)" 0
}

@test "backpressure: a worker takes no more entries than it has slots" {
  start_redis
  step "$H/x/10slow" "echo \"\$EVENT_ID\" >> '$T/started'; sleep 1"
  local su="redis+stream://127.0.0.1:$REDIS_PORT/evq?group=g1"
  start_worker w "$su" -j 2
  fire_stream evq 20
  wait_for_lines "$T/started" 2
  # The rest waits in the stream, not in the worker: two entries are out.
  [ "$(redis-cli -p "$REDIS_PORT" XINFO GROUPS evq | sed -n '/^pending$/{n;p}')" -le 2 ]
  [ "$(redis-cli -p "$REDIS_PORT" XINFO GROUPS evq | sed -n '/^lag$/{n;p}')" -ge 16 ]
  kill "$(cat "$T/w.pid")"
  wait "$(cat "$T/w.pid")" || true
}

@test "redis-server (appendonly) restarted under event-handle -u: it reconnects and every event is handled" {
  start_redis redis --appendonly yes --appendfsync always
  local port=$REDIS_PORT
  step "$H/x/10record" "echo \"\$EVENT_ID\" >> '$T/handled'"
  local su="redis+stream://127.0.0.1:$port/evq?group=g1"
  start_worker w "$su"
  fire_stream evq 200 before
  wait_for_lines "$T/handled" 200
  stop_redis redis
  REDIS_PORT_FORCE=$port start_redis redis --appendonly yes --appendfsync always
  fire_stream evq 200 after
  wait_for_lines "$T/handled" 400 30
  wait_for_text "$T/w.err" "reconnected to"
  kill "$(cat "$T/w.pid")"
  wait "$(cat "$T/w.pid")" || true
  assert_equal "$(unique_ids "$T/handled")" 400
  assert_equal "$(pending evq g1)" 0
}

@test "-p, -x and --match choose the events; the others are passed over and acknowledged" {
  start_redis
  step "$H/x/10record" "echo \"\$EVENT_TAG\" >> '$T/handled'"
  local su="redis+stream://127.0.0.1:$REDIS_PORT/evq?group=g1"
  for t in a/event/x b/event/x a/event/x/noise c/event/x; do
    event-fire -u "redis+stream://127.0.0.1:$REDIS_PORT/evq" "$t"
  done
  run timeout 30 event-handle -u "$su" -p 'a/*' -p 'c/*' -x '*/noise' -w 1 --log none "$H"
  assert_success
  assert_equal "$(sort "$T/handled" | tr '\n' ' ')" "a/event/x c/event/x "
  assert_equal "$(pending evq g1)" 0
  run event-handle -u "$su" --match nonesuch "$H"
  assert_failure 2
}

@test "-n N exits after N events; consumer= names the consumer" {
  start_redis
  step "$H/x/10record" "echo \"\$EVENT_ID\" >> '$T/handled'"
  fire_stream evq 10
  run timeout 30 event-handle -u "redis+stream://127.0.0.1:$REDIS_PORT/evq?group=g1&consumer=mine" -n 3 --log none "$H"
  assert_success
  assert_equal "$(wc -l < "$T/handled")" 3
  [ "${#lines[@]}" -eq 3 ]
  redis-cli -p "$REDIS_PORT" XINFO CONSUMERS evq g1 | grep -qx mine
  # The other seven wait for the next worker.
  assert_equal "$(redis-cli -p "$REDIS_PORT" XINFO GROUPS evq | sed -n '/^lag$/{n;p}')" 7
}

@test "event-handle -u on Pub/Sub, the local bus and ZeroMQ: at most once, as those transports are" {
  start_redis
  step "$H/x/10record" "echo \"\$EVENT_TAG \$(cat)\" >> '$T/handled'"
  start_worker ps "$REDIS_URL" -n 1
  wait_for_numpat "$REDIS_PORT" 1
  redis-cli -p "$REDIS_PORT" PUBLISH m/event/x '{"k":1}' > /dev/null
  wait "$(cat "$T/ps.pid")"
  start_worker lb local: -n 1
  event-fire l/event/x 2
  wait "$(cat "$T/lb.pid")"
  local port
  port=$(free_port)
  start_worker zq "tcp://127.0.0.1:$port" --bind -n 1
  event-fire -u "tcp://127.0.0.1:$port" z/event/x 3
  wait "$(cat "$T/zq.pid")"
  run cat "$T/handled"
  assert_line 'm/event/x {"k":1}'
  assert_line 'l/event/x 2'
  assert_line 'z/event/x 3'
}

@test "event-handle -w exits 0 once idle; on stdin too" {
  step "$H/x/10ok" "true"
  local start=$SECONDS
  run timeout 30 event-handle -u local: -w 1 --log none "$H"
  assert_success
  [ $((SECONDS - start)) -lt 10 ]
  mkfifo "$T/fifo"
  sleep 30 > "$T/fifo" 3>&- &
  local holder=$!
  run timeout 30 event-handle -w 1 --log none "$H" < "$T/fifo"
  assert_success
  kill "$holder"
}

# alive PID: the process exists and is not a zombie waiting for its reaper.
alive() { [ -e "/proc/$1/stat" ] && ! grep -qE '^[0-9]+ \(.*\) [ZX] ' "/proc/$1/stat"; }

# A step of 4 s that marks its start and end with its pid.
slow_step() {
  step "$H/x/10slow" "$1
echo \"start \$\$\" >> '$T/marks'; sleep 4; echo \"end \$\$\" >> '$T/marks'"
}

# kill9_mid_step: one event, a worker killed with -9 while its step runs;
# the step's pid in ORPHAN, still running.
kill9_mid_step() {
  start_redis
  fire_stream evq 1
  SU="redis+stream://127.0.0.1:$REDIS_PORT/evq?group=g1"
  start_worker w1 "$SU"
  wait_for_lines "$T/marks" 1 10
  ORPHAN=$(awk '/^start/ {print $2; exit}' "$T/marks")
  kill -9 "$(cat "$T/w1.pid")"
  wait "$(cat "$T/w1.pid")" 2>/dev/null || true
  alive "$ORPHAN"  # the step outlived its event-handle, in its own process group
}

@test "kill -9 during a step: the worker that takes the slot ends the orphaned step group before handling the event again" {
  # Issue 21 row 9: the orphan ran on beside the restarted worker's run of the same event.
  slow_step ""
  kill9_mid_step
  run --separate-stderr timeout 30 event-handle -u "$SU" -w 1 --grace 1 --log stderr "$H"
  assert_success
  local results=$output log=$stderr
  ! alive "$ORPHAN"
  # The orphan never reached its end; the new run started after it was gone and finished.
  run awk '{print $1}' "$T/marks"
  assert_output "$(printf 'start\nstart\nend')"
  [[ "$log" == *"ended process group $ORPHAN (SIGTERM): a step the previous worker in slot 1 left running"* ]]
  local again
  again=$(awk 'NR == 2 {print $2}' "$T/marks")
  [ "$again" != "$ORPHAN" ]
  assert_equal "$(awk 'NR == 3 {print $2}' "$T/marks")" "$again"
  assert_equal "$(grep -c '"status":"completed"' <<< "$results")" 1
  assert_equal "$(pending evq g1)" 0
}

@test "an orphaned step group that ignores SIGTERM gets SIGKILL after --grace; a recorded group whose id was reused is left alone" {
  slow_step "trap '' TERM"
  kill9_mid_step
  # A process whose group id the record names but which started at another
  # time than the recorded one (as after the id was handed out again): never signalled.
  setsid sleep 30 3>&- &
  local stranger=$!
  local lock
  lock=$(ls "$EVENT_SOCK_DIR"/workers/*.1.lock)
  grep -q "^group $ORPHAN " "$lock"
  echo "group $stranger 1 $stranger" >> "$lock"
  run --separate-stderr timeout 30 event-handle -u "$SU" -w 1 --grace 1 --log stderr "$H"
  assert_success
  [[ "$stderr" == *"ended process group $ORPHAN (SIGKILL)"* ]]
  [[ "$stderr" != *"process group $stranger "* ]]
  ! alive "$ORPHAN"
  alive "$stranger"
  kill "$stranger"
  run awk '{print $1}' "$T/marks"
  assert_output "$(printf 'start\nstart\nend')"
  # What the worker records is emptied once its steps are done.
  assert_equal "$(wc -c < "$lock")" 0
}
