#!/usr/bin/env bats
# The Redis readers at their edges (issue 21, rows 2 and 10): a server that
# splits its replies anywhere, a PUBLISH flood while the listener subscribes,
# garbage from the server, and messages or stream entries larger than
# --max-message, whatever size a hostile server announces. A scripted RESP
# server (fixtures/resp_server.py) plays the server where a real one cannot.

load helpers

setup() {
  common_setup
  unset REDISCLI_AUTH
}
teardown() {
  common_teardown
  [ -e "$T/redis.pid" ] && stop_redis
  return 0
}

# start_resp_server: the scripted server on a free port (RESP_PORT); its
# log in $T/resp.log; SPLIT_BYTES: the length of what split/NNN/* sends.
start_resp_server() {
  RESP_PORT=$(free_port)
  $PYTHON "$FIX/resp_server.py" "$RESP_PORT" "$T/resp.ready" "$T/resp.log" 3>&- &
  echo $! > "$T/resp.pid"
  wait_for_file "$T/resp.ready"
  SPLIT_BYTES=$(cat "$T/resp.ready")
}

# max_rss_kb FILE: the peak resident memory /usr/bin/time -f %M wrote there.
max_rss_kb() { tail -n 1 "$1"; }

@test "a server splitting the confirmation and messages at every byte offset: every event, no reconnect, no error" {
  start_resp_server
  bad=()
  for ((k = 0; k <= SPLIT_BYTES; k++)); do
    pattern=$(printf 'split/%03d/*' "$k")
    rc=0
    out=$(event-listen -u "redis://127.0.0.1:$RESP_PORT" -n 2 --timeout 5 -o '%t %d' "$pattern" 2> "$T/err") || rc=$?
    want=$(printf '%s1 {"n":1}\n%s2 {"n":2}' "${pattern%\*}" "${pattern%\*}")
    [ "$rc" = 0 ] && [ "$out" = "$want" ] && [ ! -s "$T/err" ] || bad+=("offset $k: rc $rc, out '$out', err '$(cat "$T/err")'")
  done
  printf '%s\n' "${bad[@]}"
  assert_equal "${#bad[@]}" 0
}

@test "garbage from the server is named a protocol error, never blamed on a slow reader" {
  start_resp_server
  start_listener n -u "redis://127.0.0.1:$RESP_PORT" --no-reconnect garbage
  touch "$T/resp.log.go"
  finish n
  assert_equal "$(cat "$T/n.rc")" 3
  assert_equal "$(cat "$T/n.err")" "event-listen: lost redis://127.0.0.1:$RESP_PORT: protocol error (not the Redis protocol): the server sent \"GARBAGE, NOT RESP\\r\\n\" where a reply should start"
  # Reconnecting to the same server (same run_id): the truth again, and no
  # talk of a server that dropped a slow reader.
  start_listener l -u "redis://127.0.0.1:$RESP_PORT" garbage
  touch "$T/resp.log.go"
  wait_for_text "$T/l.err" "reconnected to redis://127.0.0.1:$RESP_PORT"
  touch "$T/resp.log.go"
  until [ "$(grep -c 'protocol error' "$T/l.err")" -ge 2 ]; do sleep 0.01; done
  kill "$(cat "$T/l.pid")"
  run cat "$T/l.err"
  assert_line --index 0 "event-listen: lost redis://127.0.0.1:$RESP_PORT: protocol error (not the Redis protocol): the server sent \"GARBAGE, NOT RESP\\r\\n\" where a reply should start; reconnecting (events published while disconnected are lost; redis+stream:// keeps them)"
  refute_output --partial 'slowly'
  refute_output --partial 'on purpose'
}

@test "a \$4000000000 message announced: memory stays small, one clear line" {
  start_resp_server
  # 300 MB of the announced message are sent: none of it is kept. (Under
  # ASan, freed reads wait in its quarantine, 256 MB by default: kept small
  # so that what is measured is what the listener holds.)
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4" command time -f '%M' -o "$T/rss" event-listen -u "redis://127.0.0.1:$RESP_PORT" --ready-file "$T/l.ready" 'huge/300/*' \
    > "$T/l.out" 2> "$T/l.err" 3>&- &
  wait_for_text "$T/resp.log" 'sent 300' 60
  wait_for_text "$T/l.err" 'skipped a message'
  pid=$(cat "$T/l.ready")
  hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status")
  kill "$pid"
  echo "VmHWM ${hwm} kB"
  [ "$hwm" -lt 102400 ]
  run cat "$T/l.err"
  assert_output "event-listen: redis://127.0.0.1:$RESP_PORT: skipped a message: 4000000000 bytes, more than --max-message (1114112)"
  assert_equal "$(cat "$T/l.out")" ''
}

@test "a Pub/Sub message larger than --max-message is skipped with one line; the next arrives, no reconnect" {
  start_redis
  start_listener l -u "$REDIS_URL" --max-message 4096 -n 1 -o '%t %d' 'big/*'
  head -c 100000 /dev/zero | tr '\0' 'x' | redis-cli -p "$REDIS_PORT" -x PUBLISH big/one > /dev/null
  redis-cli -p "$REDIS_PORT" PUBLISH big/two '"small"' > /dev/null
  finish l
  assert_equal "$(cat "$T/l.rc")" 4  # some input was invalid
  assert_equal "$(cat "$T/l.out")" 'big/two "small"'
  run cat "$T/l.err"
  assert_output "event-listen: $REDIS_URL: skipped a message: 100000 bytes, more than --max-message (4096)"
}

@test "a PUBLISH flood while the listener subscribes: nothing published after the subscription is lost" {
  start_redis
  seq 1 300000 | event-fire -u "$REDIS_URL" -l flood/n > /dev/null 3>&- &
  fire=$!
  until [ "$(redis-cli -p "$REDIS_PORT" INFO stats | sed -n 's/^total_commands_processed:\([0-9]*\).*/\1/p')" -ge 20000 ]; do sleep 0.01; done
  start_listener l -u "$REDIS_URL" -o '%d' 'flood/*'
  wait $fire
  redis-cli -p "$REDIS_PORT" PUBLISH flood/end '"end"' > /dev/null
  wait_for_text "$T/l.out" '"end"' 60
  kill "$(cat "$T/l.pid")"
  sed -i '$d' "$T/l.out"  # "end"
  first=$(head -n 1 "$T/l.out")
  echo "from $first"
  # Redis delivers in order: from the first event received, every later one.
  run cmp <(seq "$first" 300000) "$T/l.out"
  assert_success
  assert_equal "$(cat "$T/l.err")" ''
}

@test "a stream entry larger than --max-message: said with its id, acknowledged, memory stays small; the next entries arrive" {
  start_redis
  url="redis+stream://127.0.0.1:$REDIS_PORT/events?group=g"
  event-fire -u "$url" before/big
  head -c 100000000 /dev/zero | tr '\0' 'x' > "$T/big"
  id=$(redis-cli -p "$REDIS_PORT" -x XADD events '*' tag too/big envelope < "$T/big")
  rm "$T/big"
  event-fire -u "$url" after/big
  run --separate-stderr command time -f '%M' -o "$T/rss" event-listen -u "$url" -n 2 -o '%t'
  assert_failure 4  # some input was invalid
  assert_output "$(printf 'before/big\nafter/big')"
  assert_equal "$stderr" "event-listen: redis+stream://127.0.0.1:$REDIS_PORT/events?group=g: skipped stream entry $id, a field of 100000000 bytes, more than --max-message (1114112); acknowledged in group g; it stays in the stream until trimmed (redis-cli XRANGE events $id $id)"
  echo "peak RSS $(max_rss_kb "$T/rss") kB"
  [ "$(max_rss_kb "$T/rss")" -lt 102400 ]
  assert_equal "$(redis-cli -p "$REDIS_PORT" XPENDING events g | head -1)" 0
}
