#!/usr/bin/env bats
# The Redis transports against a real redis-server on a free loopback port:
# NethServer's events over Pub/Sub, redis-cli interoperation both ways,
# credentials, restarts, and durable Streams.

load helpers

setup() {
  common_setup
  unset REDISCLI_AUTH
  start_redis
}
teardown() {
  common_teardown
  stop_redis
}

@test "redis-cli PUBLISH reaches event-listen 'module/*/event/*' as a NethServer envelope" {
  start_listener l -u "$REDIS_URL" --id n1 -n 1 'module/*/event/*'
  redis-cli -p "$REDIS_PORT" PUBLISH module/traefik1/event/test '{"field": "value"}' > /dev/null
  finish l
  run cat "$T/l.out"
  assert_output --regexp '^\{"tag":"module/traefik1/event/test","data":\{"field":"value"\},"ts":[0-9]+\.[0-9]{6},"id":"[0-9A-Z]{26}","node":"n1","source":"module/traefik1"\}$'
}

@test "event-fire reaches redis-cli SUBSCRIBE with the data alone, as compact JSON" {
  redis-cli -p "$REDIS_PORT" SUBSCRIBE module/mail1/event/account-provider-changed > "$T/sub.out" 3>&- &
  sub=$!
  until [ "$(redis-cli -p "$REDIS_PORT" PUBSUB NUMSUB module/mail1/event/account-provider-changed | tail -1)" = 1 ]; do sleep 0.01; done
  event-fire -u "$REDIS_URL" module/mail1/event/account-provider-changed '{ "domain" : "example.org", "n": [1, 2] }'
  event-fire -u "$REDIS_URL" module/mail1/event/account-provider-changed 'plain text'
  wait_for_lines "$T/sub.out" 9
  kill $sub
  run sed -n '6p;9p' "$T/sub.out"
  assert_line --index 0 '{"domain":"example.org","n":[1,2]}'
  assert_line --index 1 '"plain text"'
}

@test "a message that is not JSON becomes a string; Redis glob patterns" {
  start_listener l -u "$REDIS_URL" -n 2 -o '%t %d' 'a?c' 'x[0-9]'
  for ch in abc ac x5 xa; do redis-cli -p "$REDIS_PORT" PUBLISH "$ch" 'not json' > /dev/null; done
  finish l
  run cat "$T/l.out"
  assert_output "$(printf 'abc "not json"\nx5 "not json"')"
}

@test "overlapping patterns deliver each event once" {
  start_listener l -u "$REDIS_URL" -n 2 -o '%t' 'a*' '*' 'ab'
  event-fire -u "$REDIS_URL" ab
  event-fire -u "$REDIS_URL" zz
  finish l
  run cat "$T/l.out"
  assert_output "$(printf 'ab\nzz')"
}

@test "--match prefix and exact escape Redis glob characters; regex filters here" {
  start_listener p -u "$REDIS_URL" --match prefix -n 1 -o '%t' 'weird[1]'
  start_listener r -u "$REDIS_URL" --match regex -n 1 -o '%t' '^vm\.[0-9]+$'
  wait_for_numpat "$REDIS_PORT" 2
  for t in weird1/x 'weird[1]/x' vm.x vm.12; do event-fire -u "$REDIS_URL" "$t"; done
  finish p; finish r
  assert_equal "$(cat "$T/p.out")" 'weird[1]/x'
  assert_equal "$(cat "$T/r.out")" 'vm.12'
}

@test "-x excludes on Redis too" {
  start_listener l -u "$REDIS_URL" -n 1 -o '%t' -x '*/heartbeat'
  event-fire -u "$REDIS_URL" module/a/heartbeat
  event-fire -u "$REDIS_URL" module/a/event/x
  finish l
  assert_equal "$(cat "$T/l.out")" module/a/event/x
}

@test "an unreachable server is exit 3 with one line naming the endpoint" {
  port=$(free_port)
  run event-fire -u "redis://127.0.0.1:$port" t
  assert_failure 3
  assert_output "event-fire: cannot connect to redis://127.0.0.1:$port: Connection refused"
  run event-listen -u "redis://127.0.0.1:$port"
  assert_failure 3
  assert_output --partial "cannot connect to redis://127.0.0.1:$port"
}

@test "password: in the URL, from --password-file, from REDISCLI_AUTH; missing or wrong is exit 2" {
  redis-cli -p "$REDIS_PORT" CONFIG SET requirepass 's3cr3t' > /dev/null
  run event-fire -u "$REDIS_URL" t
  assert_failure 2
  assert_output --partial 'NOAUTH'
  assert_output --partial '--password-file or REDISCLI_AUTH'
  run event-fire -u "redis://:wrong@127.0.0.1:$REDIS_PORT" t
  assert_failure 2
  assert_output --partial 'refused the credentials'
  refute_output --partial wrong

  start_listener l -u "redis://:s3cr3t@127.0.0.1:$REDIS_PORT" -n 3 -o '%t'
  echo 's3cr3t' > "$T/pw"
  event-fire -u "redis://:s3cr3t@127.0.0.1:$REDIS_PORT" via/url
  event-fire -u "$REDIS_URL" --password-file "$T/pw" via/file
  REDISCLI_AUTH=s3cr3t event-fire -u "$REDIS_URL" via/env
  finish l
  run cat "$T/l.out"
  assert_output "$(printf 'via/url\nvia/file\nvia/env')"
  # The listener takes --password-file as well (here from stdin).
  event-listen -u "$REDIS_URL" --password-file - -n 1 --ready-file "$T/m.ready" < "$T/pw" > "$T/m.out" 3>&- &
  m=$!
  wait_for_file "$T/m.ready"
  REDISCLI_AUTH=s3cr3t event-fire -u "$REDIS_URL" x
  wait $m
}

@test "an ACL user and password in the URL; the password never appears in messages" {
  redis-cli -p "$REDIS_PORT" ACL SETUSER alice on '>pa55' '~*' '&*' '+@all' > /dev/null
  run event-fire -u "redis://alice:pa55@127.0.0.1:$REDIS_PORT" t
  assert_success
  run event-fire -u "redis://alice:nope@127.0.0.1:$REDIS_PORT" t
  assert_failure 2
  assert_output --partial 'redis://alice:***@127.0.0.1'
  refute_output --partial nope
}

@test "db: SELECT from the URL path; a bad db is exit 2" {
  event-fire -u "redis+stream://127.0.0.1:$REDIS_PORT/events?db=3" t/db
  assert_equal "$(redis-cli -p "$REDIS_PORT" -n 3 XLEN events)" 1
  assert_equal "$(redis-cli -p "$REDIS_PORT" -n 0 XLEN events)" 0
  run event-fire -u "$REDIS_URL/999" t
  assert_failure 2
  assert_output --partial 'SELECT 999'
  start_listener l -u "$REDIS_URL/2" -n 1 -o '%t'
  event-fire -u "$REDIS_URL/2" t/two
  finish l
  assert_equal "$(cat "$T/l.out")" t/two
}

@test "redis+unix:// speaks over a Unix socket" {
  stop_redis
  start_redis unix --unixsocket "$T/redis.sock" --unixsocketperm 700
  start_listener l -u "redis+unix://$T/redis.sock" -n 1 -o '%t %d'
  event-fire -u "redis+unix://$T/redis.sock" over/unix x:=1
  finish l
  assert_equal "$(cat "$T/l.out")" 'over/unix {"x":1}'
  stop_redis unix
  start_redis  # teardown stops this one
}

@test "redis-server restarted while a listener runs: events fired after the restart arrive" {
  start_listener l -u "$REDIS_URL" -n 2 -o '%d'
  event-fire -u "$REDIS_URL" t before
  wait_for_lines "$T/l.out" 1
  stop_redis
  REDIS_PORT_FORCE=$REDIS_PORT start_redis
  wait_for_numpat "$REDIS_PORT" 1
  event-fire -u "$REDIS_URL" t after
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  run cat "$T/l.out"
  assert_output "$(printf '"before"\n"after"')"
  run cat "$T/l.err"
  assert_line --partial "lost redis://127.0.0.1:$REDIS_PORT"
  assert_line "event-listen: reconnected to redis://127.0.0.1:$REDIS_PORT"
}

@test "--no-reconnect: a lost server is exit 3" {
  start_listener l -u "$REDIS_URL" --no-reconnect
  stop_redis
  finish l
  assert_equal "$(cat "$T/l.rc")" 3
  run cat "$T/l.err"
  assert_output --partial "lost redis://127.0.0.1:$REDIS_PORT"
  start_redis
}

@test "a listener Redis disconnects for not reading says so" {
  redis-cli -p "$REDIS_PORT" CONFIG SET client-output-buffer-limit 'pubsub 64kb 32kb 1' > /dev/null
  start_listener l -u "$REDIS_URL" -o '%t'
  # A stopped listener reads nothing: Redis buffers for it, then drops it.
  kill -STOP "$(cat "$T/l.pid")"
  $PYTHON -c 'import sys; [print("x" * 2000) for _ in range(20000)]' | event-fire -u "$REDIS_URL" -l slow/event
  wait_for_text "$T/redis.log" 'closed ASAP for overcoming of output buffer limits' || true
  kill -CONT "$(cat "$T/l.pid")"
  wait_for_text "$T/l.err" 'reading too slowly' || true  # the assertions below say what is missing
  run cat "$T/l.err"
  assert_output --partial 'it closed this listener'"'"'s connection on purpose, most likely for reading too slowly (client-output-buffer-limit pubsub); events published meanwhile were lost'
  assert_output --partial "event-listen: reconnected to $REDIS_URL"
}

@test "100 000 events streamed with -l arrive complete and in order" {
  start_listener l -u "$REDIS_URL" -n 100000 -o '%d'
  seq 1 100000 | event-fire -u "$REDIS_URL" -l count
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  run cmp <(seq 1 100000) "$T/l.out"
  assert_success
}

@test "fire -l says how many events were not published when the server goes away" {
  mkfifo "$T/in"
  event-fire -u "$REDIS_URL" -l t < "$T/in" > "$T/fire.out" 2> "$T/fire.err" 3>&- &
  fire=$!
  exec 5> "$T/in"
  seq 1 1000 >&5
  until [ "$(redis-cli -p "$REDIS_PORT" INFO stats | sed -n 's/^total_commands_processed:\([0-9]*\).*/\1/p')" -ge 1000 ]; do sleep 0.01; done
  stop_redis
  seq 1 1000 >&5 || true
  exec 5>&-
  rc=0; wait $fire || rc=$?
  assert_equal "$rc" 3
  run cat "$T/fire.err"
  assert_output --regexp "lost redis://127.0.0.1:$REDIS_PORT: .*: [0-9]+ of [0-9]+ events not confirmed published"
  start_redis
}

@test "the server refusing commands is reported and counted (exit 1)" {
  redis-cli -p "$REDIS_PORT" ACL SETUSER limited on '>pw' '~*' '&allowed/*' '+@all' > /dev/null
  run event-fire -u "redis://limited:pw@127.0.0.1:$REDIS_PORT" denied/channel
  assert_failure 1
  assert_output --partial '1 of 1 events refused by'
  assert_output --partial 'NOPERM'
}

# --- Streams

@test "streams: 1000 events fired with no listener running all arrive once a listener starts" {
  url="redis+stream://127.0.0.1:$REDIS_PORT/events?group=g1"
  seq 1 1000 | event-fire -u "$url" -l s/count
  start_listener l -u "$url" -n 1000 -o '%d'
  finish l
  run cmp <(seq 1 1000) "$T/l.out"
  assert_success
  # All acknowledged: nothing pending for the group.
  assert_equal "$(redis-cli -p "$REDIS_PORT" XPENDING events g1 | head -1)" 0
}

@test "streams: a listener resumes where its group left off" {
  url="redis+stream://127.0.0.1:$REDIS_PORT/events?group=g2"
  start_listener a -u "$url" -n 3 -o '%d'
  seq 1 5 | event-fire -u "$url" -l s
  finish a
  start_listener b -u "$url" -n 2 -o '%d'
  finish b
  assert_equal "$(cat "$T/a.out" "$T/b.out" | tr '\n' ' ')" '1 2 3 4 5 '
}

@test "streams: a listener killed with -9 mid-stream loses nothing when it restarts" {
  url="redis+stream://127.0.0.1:$REDIS_PORT/events?group=g3&consumer=c1"
  start_listener a -u "$url" -o '%d'
  seq 1 20000 | event-fire -u "$url" -l s > /dev/null 2>&1 3>&- &
  fire=$!
  wait_for_lines "$T/a.out" 500
  kill -9 "$(cat "$T/a.pid")"
  wait $fire
  start_listener b -u "$url" -o '%d' -w 1
  finish b
  # At least once: every event arrived, some perhaps twice around the kill.
  run cmp <(seq 1 20000) <(cat "$T/a.out" "$T/b.out" | sort -n -u)
  assert_success
  assert_equal "$(redis-cli -p "$REDIS_PORT" XPENDING events g3 | head -1)" 0
}

@test "streams: entries a crashed consumer left pending are claimed by another (claim=SECS)" {
  base="redis+stream://127.0.0.1:$REDIS_PORT/events?group=g4"
  seq 1 50 | event-fire -u "$base" -l s
  # A consumer that takes entries and never acknowledges them.
  redis-cli -p "$REDIS_PORT" XGROUP CREATE events g4 0 > /dev/null 2>&1 || true
  redis-cli -p "$REDIS_PORT" XREADGROUP GROUP g4 crashed COUNT 10 STREAMS events '>' > /dev/null
  start_listener l -u "$base&consumer=other&claim=0" -n 50 -o '%d'
  finish l
  run cmp <(seq 1 50) <(sort -n "$T/l.out")
  assert_success
  run cat "$T/l.err"
  assert_output --partial 'claimed 10 entries other consumers of group g4 left unacknowledged'
}

@test "streams: MAXLEN ~ trims the stream (maxlen=N); entries added by hand are read" {
  seq 1 5000 | event-fire -u "redis+stream://127.0.0.1:$REDIS_PORT/trimmed?maxlen=100" -l s
  len=$(redis-cli -p "$REDIS_PORT" XLEN trimmed)
  [ "$len" -ge 100 ] && [ "$len" -lt 1000 ]
  redis-cli -p "$REDIS_PORT" XADD byhand '*' tag made/by/hand data '{"a": 1}' > /dev/null
  redis-cli -p "$REDIS_PORT" XADD byhand '*' nothing useful > /dev/null
  run --separate-stderr event-listen -u "redis+stream://127.0.0.1:$REDIS_PORT/byhand?group=h" -o '%t %d' -w 1
  assert_failure 1
  assert_output 'made/by/hand {"a":1}'
  [[ "$stderr" == *'no "envelope" or "tag" field'* ]]
}

@test "streams: a listener needs ?group=; bad parameters are usage errors" {
  run event-listen -u "redis+stream://127.0.0.1:$REDIS_PORT/events"
  assert_failure 2
  assert_output --partial 'needs ?group=NAME'
  run event-fire -u "redis+stream://127.0.0.1:$REDIS_PORT/events?maxlen=lots" t
  assert_failure 2
  run event-fire -u "redis+stream://127.0.0.1:$REDIS_PORT/events?colour=red" t
  assert_failure 2
}

@test "streams: envelopes keep their id and unknown keys end to end" {
  url="redis+stream://127.0.0.1:$REDIS_PORT/events?group=g5"
  echo '{"tag":"a","data":[1],"ts":5.5,"id":"same-id","node":"n","x":{"y":2}}' | event-fire -u "$url" -l
  start_listener l -u "$url" -n 1
  finish l
  assert_equal "$(cat "$T/l.out")" '{"tag":"a","data":[1],"ts":5.500000,"id":"same-id","node":"n","x":{"y":2}}'
}

@test "a master turned replica (ns8's switch-leader: REPLICAOF): a stream reader says so, reconnects, and goes on once it is a master again" {
  local a=$REDIS_PORT
  start_redis other
  local b=$REDIS_PORT
  local u="redis+stream://127.0.0.1:$a/ev?group=g"
  start_listener l -u "$u" -n 1 -o '%t %d'
  # Its blocked read is cut with UNBLOCKED, its next with READONLY: a loss, not an error.
  redis-cli -p "$a" REPLICAOF 127.0.0.1 "$b" > /dev/null
  wait_for_text "$T/l.err" 'reconnecting'
  # A writer is refused at once, naming the replica.
  run event-fire -u "redis+stream://127.0.0.1:$a/ev" t/replica
  assert_failure 3
  assert_output --partial "is a replica of 127.0.0.1:$b"
  redis-cli -p "$a" REPLICAOF NO ONE > /dev/null
  wait_for_text "$T/l.err" 'reconnected'
  event-fire -u "redis+stream://127.0.0.1:$a/ev" t/leader k=v
  wait_for_lines "$T/l.out" 1
  assert_equal "$(cat "$T/l.out")" 't/leader {"k":"v"}'
  wait "$(cat "$T/l.pid")"
  stop_redis other
}
