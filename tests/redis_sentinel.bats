#!/usr/bin/env bats
# Redis behind Sentinel (?sentinel=NAME) and on replicas, against real
# servers on free loopback ports: a master, two replicas (--replicaof) and
# three Sentinels, started once for the file. The failover tests (kill -9 of
# the master while event-fire -l and event-handle -u run, without and with
# wait=1) come last: each leaves the cluster with a new master, and the
# second first brings the server the first killed back as a replica.

load helpers
load sentinel_helpers

NAME=evtmaster

# sentinel_conf FILE PORT MASTER_PORT [NAME [QUORUM [EXTRA]]]: a Sentinel's
# configuration (writable: Sentinel rewrites it).
sentinel_conf() {
  local file=$1 port=$2 master_port=$3 name=${4:-$NAME} quorum=${5:-2} extra=${6:-}
  cat > "$file" <<CONF
port $port
bind 127.0.0.1
daemonize no
logfile "${file%.conf}.log"
dir "$(dirname "$file")"
sentinel monitor $name 127.0.0.1 $master_port $quorum
sentinel down-after-milliseconds $name 1000
sentinel failover-timeout $name 3000
$extra
CONF
}

# start_sentinel NAME PORT MASTER_PORT [CONF ARGS]: a Sentinel in the background, pid in $T/NAME.pid.
start_sentinel() {
  local name=$1 port=$2
  shift 2
  sentinel_conf "$T/$name.conf" "$port" "$@"
  redis-server "$T/$name.conf" --sentinel 3>&- &
  echo $! > "$T/$name.pid"
  wait_for_redis "$port"
}

# known PORT: how many replicas and other Sentinels Sentinel PORT knows of $NAME.
known() {
  echo "$(redis-cli -p "$1" SENTINEL replicas "$NAME" | grep -cx 'name') $(redis-cli -p "$1" SENTINEL sentinels "$NAME" | grep -cx 'name')"
}

setup_file() {
  T=$BATS_FILE_TMPDIR
  start_redis master
  MASTER_PORT=$REDIS_PORT
  start_redis replica1 --replicaof 127.0.0.1 "$MASTER_PORT"
  REPLICA1_PORT=$REDIS_PORT
  start_redis replica2 --replicaof 127.0.0.1 "$MASTER_PORT"
  REPLICA2_PORT=$REDIS_PORT
  local n hosts=""
  for n in 1 2 3; do
    SENTINEL_PORTS[$n]=$(free_port)
    start_sentinel "sentinel$n" "${SENTINEL_PORTS[$n]}" "$MASTER_PORT"
    hosts="$hosts${hosts:+,}127.0.0.1:${SENTINEL_PORTS[$n]}"
  done
  SENTINELS=$hosts
  local port i=0
  for port in "$REPLICA1_PORT" "$REPLICA2_PORT"; do
    until redis-cli -p "$port" INFO replication | grep -q 'master_link_status:up'; do
      i=$((i + 1))
      [ "$i" -gt 3000 ] && { echo "the replica on $port never synced" >&2; return 1; }
      sleep 0.01
    done
  done
  # Ready for a failover: every Sentinel knows both replicas and the two other Sentinels.
  i=0
  for n in 1 2 3; do
    until [ "$(known "${SENTINEL_PORTS[$n]}")" = "2 2" ]; do
      i=$((i + 1))
      [ "$i" -gt 3000 ] && { echo "Sentinel $n knows only $(known "${SENTINEL_PORTS[$n]}")" >&2; return 1; }
      sleep 0.01
    done
  done
  declare -p MASTER_PORT REPLICA1_PORT REPLICA2_PORT SENTINEL_PORTS SENTINELS | sed "s/^declare -/declare -g -/" > "$BATS_FILE_TMPDIR/cluster.env"
}

teardown_file() {
  local f
  for f in "$BATS_FILE_TMPDIR"/*.pid; do [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  true
}

setup() {
  common_setup
  . "$BATS_FILE_TMPDIR/cluster.env"
  H=$T/handlers
}
teardown() { common_teardown; }

# master_port: the port the Sentinels name as the master now.
master_port() { redis-cli -p "${SENTINEL_PORTS[1]}" SENTINEL get-master-addr-by-name "$NAME" | tail -1; }

@test "redis://S1,S2,S3/?sentinel=NAME: Pub/Sub both ways through the master the Sentinels name" {
  start_listener l -u "redis://$SENTINELS/?sentinel=$NAME" -n 2 -o '%t %d' 'sen/*'
  event-fire -u "redis://$SENTINELS/?sentinel=$NAME" sen/one a=1
  event-fire -u "redis://$SENTINELS/?sentinel=$NAME" sen/two b=2
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  run cat "$T/l.out"
  assert_output "$(printf 'sen/one {"a":"1"}\nsen/two {"b":"2"}')"
}

@test "redis+stream://S1,S2,S3/KEY?group=G&sentinel=NAME: entries go to the master and are read back" {
  local u="redis+stream://$SENTINELS/senstream?group=g&sentinel=$NAME"
  seq 1 20 | event-fire -l -u "$u" sen/x
  assert_equal "$(redis-cli -p "$MASTER_PORT" XLEN senstream)" 20
  # maxage=: XADD MINID ~ instead of MAXLEN: an entry made by hand long ago
  # goes (~ trims whole nodes: one entry a node here).
  redis-cli -p "$MASTER_PORT" CONFIG SET stream-node-max-entries 1 > /dev/null
  redis-cli -p "$MASTER_PORT" XADD oldstream 1000-0 tag old > /dev/null
  event-fire -u "redis+stream://$SENTINELS/oldstream?sentinel=$NAME&maxage=3600" sen/x
  redis-cli -p "$MASTER_PORT" CONFIG SET stream-node-max-entries 100 > /dev/null
  assert_equal "$(redis-cli -p "$MASTER_PORT" XLEN oldstream)" 1
  assert_equal "$(redis-cli -p "$MASTER_PORT" XRANGE oldstream - + | sed -n 3p)" sen/x
  run event-listen -u "$u" -n 20 -o '%d'
  assert_success
  assert_equal "$(echo "$output" | wc -l)" 20
  assert_equal "$(echo "$output" | tail -1)" 20
}

@test "a replica receives what is PUBLISHed on the master; event-fire to a replica warns" {
  start_listener l -u "redis://127.0.0.1:$REPLICA1_PORT" -n 1 -o '%t %d' 'rep/*'
  event-fire -u "redis://127.0.0.1:$MASTER_PORT" rep/x v=1
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  assert_equal "$(cat "$T/l.out")" 'rep/x {"v":"1"}'
  run event-fire -u "redis://127.0.0.1:$REPLICA2_PORT" rep/y
  assert_output --partial "is a replica of 127.0.0.1:$MASTER_PORT: only its own subscribers will see"
}

@test "redis+stream:// on a replica: one line naming it a replica and what to use instead, exit 3" {
  run event-fire -u "redis+stream://127.0.0.1:$REPLICA1_PORT/s?group=g" x/y
  assert_equal "$status" 3
  assert_equal "${#lines[@]}" 1
  assert_output --partial "is a replica of 127.0.0.1:$MASTER_PORT"
  assert_output --partial "?sentinel=NAME"
  run event-listen -u "redis+stream://127.0.0.1:$REPLICA1_PORT/s?group=g" -n 1
  assert_equal "$status" 3
  assert_output --partial "is a replica"
  run event-handle -u "redis+stream://127.0.0.1:$REPLICA1_PORT/s?group=g" "$T/none"
  assert_equal "$status" 3
  assert_output --partial "is a replica"
}

@test "errors: a host list without ?sentinel=, an unknown master, --sentinel-password-file without ?sentinel=" {
  run event-fire -u "redis://$SENTINELS/" x/y
  assert_equal "$status" 2
  assert_output --partial "add ?sentinel=NAME"
  run event-fire -u "redis://$SENTINELS/?sentinel=nosuch" x/y
  assert_equal "$status" 3
  assert_equal "${#lines[@]}" 1
  assert_output --partial "'nosuch'"
  echo pw > "$T/pw"
  run event-fire --sentinel-password-file "$T/pw" -u "redis://127.0.0.1:$MASTER_PORT" x/y
  assert_equal "$status" 2
  assert_output --partial "--sentinel-password-file"
  # Dead Sentinels: exit 3, one line.
  run event-fire -u "redis://127.0.0.1:$(free_port)/?sentinel=$NAME" x/y
  assert_equal "$status" 3
  assert_equal "${#lines[@]}" 1
}

@test "Sentinels with their own password: --sentinel-password-file; without it or wrong, exit 2 naming the refusal" {
  local port
  port=$(free_port)
  # Its own master name, and a failover it would never start: it only answers here.
  sentinel_conf "$T/pw.conf" "$port" "$MASTER_PORT" pwmaster 1 'requirepass s3cret'
  sed -i 's/down-after-milliseconds pwmaster 1000/down-after-milliseconds pwmaster 600000/' "$T/pw.conf"
  redis-server "$T/pw.conf" --sentinel 3>&- &
  local pid=$!
  echo "$pid" > "$T/pwsentinel.pid"
  wait_for_redis "$port"
  echo s3cret > "$T/pw"
  start_listener l -u "redis://127.0.0.1:$port/?sentinel=pwmaster" --sentinel-password-file "$T/pw" -n 1 -o '%t' 'pw/*'
  event-fire -u "redis://127.0.0.1:$port/?sentinel=pwmaster" --sentinel-password-file "$T/pw" pw/x
  finish l
  assert_equal "$(cat "$T/l.out")" pw/x
  run event-fire -u "redis://127.0.0.1:$port/?sentinel=pwmaster" pw/x
  assert_equal "$status" 2
  assert_equal "${#lines[@]}" 1
  assert_output --partial "NOAUTH"
  assert_output --partial "--sentinel-password-file"
  echo wrong > "$T/bad"
  run event-fire -u "redis://127.0.0.1:$port/?sentinel=pwmaster" --sentinel-password-file "$T/bad" pw/x
  assert_equal "$status" 2
  assert_output --partial "refused the credentials"
  assert_equal "${#lines[@]}" 1
  kill "$pid"
}

@test "a Redis Cluster's MOVED reply: one line, exit 3" {
  # A stand-in for a cluster node: it answers every command with MOVED.
  local port
  port=$(free_port)
  $PYTHON - "$port" "$T/moved.ready" <<'PY' 3>&- &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4); open(sys.argv[2], "w").close()
while True:
    c, _ = s.accept()
    while True:
        d = c.recv(65536)
        if not d: break
        c.sendall(b"-MOVED 3999 127.0.0.1:6381\r\n" * max(1, d.count(b"*")))
    c.close()
PY
  local pid=$!
  wait_for_file "$T/moved.ready"
  run event-fire -u "redis://127.0.0.1:$port" x/y
  kill "$pid"
  assert_equal "$status" 3
  assert_equal "${#lines[@]}" 1
  assert_output --partial "Redis Cluster"
}

# replicated KEY PORT N: poll until the replica on PORT holds N entries of KEY (bounded).
replicated() {
  local i=0
  until [ "$(redis-cli -p "$2" XLEN "$1")" = "$3" ]; do
    i=$((i + 1)); [ "$i" -gt 500 ] && { echo "replica $2 holds $(redis-cli -p "$2" XLEN "$1") of $3" >&2; return 1; }
    sleep 0.01
  done
}

@test "wait=N: event-fire counts an entry sent once N replicas have it (pipelined WAIT); too few replicas: exit 1 within --timeout with the count" {
  local u="redis+stream://$SENTINELS/waitstream?sentinel=$NAME"
  seq 1 500 | event-fire -l -u "$u&wait=2" w/x
  # Both replicas had every entry before event-fire exited: no wait needed here.
  assert_equal "$(redis-cli -p "$REPLICA1_PORT" XLEN waitstream)" 500
  assert_equal "$(redis-cli -p "$REPLICA2_PORT" XLEN waitstream)" 500
  event-fire -u "redis+stream://127.0.0.1:$MASTER_PORT/waitstream?wait=1&wait-ms=500" w/one
  # Three replicas asked of two: WAIT comes back short, is asked again, and
  # after --timeout the entries are reported unconfirmed (they are written).
  local start=$SECONDS
  run bash -c "seq 1 20 | event-fire -l -u '$u&wait=3&wait-ms=200' --timeout 1 w/x"
  assert_equal "$status" 1
  assert_equal "${#lines[@]}" 1
  assert_output --partial "20 of 20 events not confirmed on 3 replica(s)"
  assert_output --partial "WAIT answered 2"
  [ $((SECONDS - start)) -le 3 ]
  # A replica stopped: one event, wait=1 against one replica in all.
  kill -STOP "$(cat "$BATS_FILE_TMPDIR/replica1.pid")"
  kill -STOP "$(cat "$BATS_FILE_TMPDIR/replica2.pid")"
  run event-fire -u "redis+stream://127.0.0.1:$MASTER_PORT/waitstream?wait=1&wait-ms=100" --timeout 0.5 w/y
  kill -CONT "$(cat "$BATS_FILE_TMPDIR/replica1.pid")" "$(cat "$BATS_FILE_TMPDIR/replica2.pid")"
  assert_equal "$status" 1
  assert_output --partial "1 of 1 events not confirmed on 1 replica(s)"
  replicated waitstream "$REPLICA1_PORT" 522
}

@test "event-handle --dead-letter redis+stream://...?wait=N: a dead letter counts as sent once N replicas have it" {
  mkdir -p "$H"
  step "$H/x/20fail" 'exit 3'
  run event-handle --dead-letter "redis+stream://$SENTINELS/dlq?sentinel=$NAME&wait=2" --log none "$H" <<< "$(event a/event/x)"
  assert_equal "$status" 1
  assert_equal "$(redis-cli -p "$REPLICA1_PORT" XLEN dlq) $(redis-cli -p "$REPLICA2_PORT" XLEN dlq)" "1 1"
  run event-handle --dead-letter "redis+stream://127.0.0.1:$MASTER_PORT/dlq?wait=3&wait-ms=100" --log none "$H" <<< "$(event a/event/x)"
  assert_equal "$status" 1
  assert_output --partial "1 of 1 events not confirmed on 3 replica(s) of redis+stream://127.0.0.1:$MASTER_PORT/dlq"
}

@test "wait= and wait-ms= that are not numbers, or wait-ms= alone: one line, exit 2" {
  local bad
  for bad in 'wait=x' 'wait=-1' 'wait=1&wait-ms=-1' 'wait=1&wait-ms=0' 'wait-ms=100'; do
    run event-fire -u "redis+stream://127.0.0.1:$MASTER_PORT/s?$bad" w/x
    assert_equal "$status" 2
    assert_equal "${#lines[@]}" 1
    assert_output --partial "wait"
  done
  run event-fire -u "redis://127.0.0.1:$MASTER_PORT/?wait=1" w/x
  assert_equal "$status" 2
  assert_output --partial "unknown parameter 'wait'"
}

# until_true CMD...: polls CMD (bounded, 10 s).
until_true() {
  local i=0
  until "$@"; do
    i=$((i + 1)); [ "$i" -gt 1000 ] && { echo "never true: $*" >&2; return 1; }
    sleep 0.01
  done
}

# private_cluster [replica]: a master of its own (PM), with a replica (PR)
# if asked, and one Sentinel naming it "private" (PRIVATE, its address) that
# never fails it over: for tests that pause or demote the master, which would
# set the file's Sentinels failing over theirs.
private_cluster() {
  start_redis pmaster
  PM=$REDIS_PORT
  if [ "${1:-}" = replica ]; then
    start_redis preplica --replicaof 127.0.0.1 "$PM"
    PR=$REDIS_PORT
    until_true eval "redis-cli -p $PR INFO replication | grep -q master_link_status:up"
  fi
  local port
  port=$(free_port)
  start_sentinel psentinel "$port" "$PM" private 1
  sed -i 's/down-after-milliseconds private 1000/down-after-milliseconds private 600000/' "$T/psentinel.conf"
  PRIVATE=127.0.0.1:$port
}

@test "through Sentinels, a master that connects and answers ROLE but never a write (CLIENT PAUSE WRITE): exit 3 within --timeout, not a new wait at each reconnection" {
  private_cluster
  redis-cli -p "$PM" CLIENT PAUSE 6000 WRITE > /dev/null
  local start=$SECONDS
  run event-fire -u "redis+stream://$PRIVATE/pausestream?sentinel=private" --timeout 1 w/x
  redis-cli -p "$PM" CLIENT UNPAUSE > /dev/null
  assert_equal "$status" 3
  assert_output --partial "1 of 1 events not confirmed published"
  [ $((SECONDS - start)) -le 4 ]
}

waiting() { redis-cli -p "$PM" CLIENT LIST | grep -q 'cmd=wait'; }

@test "wait=N through Sentinels: a WAIT unblocked by the master turning replica (UNBLOCKED) is a failover to follow, not a refusal" {
  private_cluster replica
  local r err=$T/demoted.err
  r=$(cat "$T/preplica.pid")
  kill -STOP "$r"
  event-fire -u "redis+stream://$PRIVATE/demoted?sentinel=private&wait=1&wait-ms=8000" --timeout 10 w/x 2> "$err" 3>&- &
  local pid=$!
  until_true waiting || { kill -CONT "$r"; kill "$pid"; cat "$err"; false; }
  # The master turns replica (of nothing that answers) while WAIT blocks, then master again.
  redis-cli -p "$PM" REPLICAOF 127.0.0.1 "$(free_port)" > /dev/null
  until_true grep -q . "$err"
  redis-cli -p "$PM" REPLICAOF NO ONE > /dev/null
  kill -CONT "$r"
  local rc=0
  wait "$pid" || rc=$?
  run cat "$err"
  assert_output --partial "asking the Sentinels for the master"
  assert_output --partial "sending 1 unconfirmed event(s) again"
  assert_equal "$rc" 0
}

@test "--timeout past 24 days (more ms than an int holds): a master slow to answer is waited for, with and without wait=" {
  private_cluster replica
  local w
  for w in "" "?wait=1"; do
    redis-cli -p "$PM" CLIENT PAUSE 300 WRITE > /dev/null
    run event-fire -u "redis+stream://127.0.0.1:$PM/longtimeout$w" --timeout 3000000 w/x
    assert_success
  done
}

now_ms() { date +%s%3N; }

# server_at PORT: the name (master, replica1, replica2) of the server started on PORT.
server_at() {
  case $1 in
    "$MASTER_PORT") echo master ;;
    "$REPLICA1_PORT") echo replica1 ;;
    "$REPLICA2_PORT") echo replica2 ;;
  esac
}

# failover [URL PARAMS]: event-fire -l (N events, ~200/s, envelope ids of our
# own) into a stream through the Sentinels and event-handle -u reading it;
# kill -9 of the master once 200 are handled. Appends a row to
# $EVT_BUILD_DIR/sentinel-failover-table.md and sets FIRE_RC, HANDLED, DUPS,
# FIRE_ERR.
failover() {
  local params=$1 n=1000 key=fo$RANDOM
  local u="redis+stream://$SENTINELS/$key?group=g&sentinel=$NAME$params"
  step "$H/x/10record" "echo \"\$EVENT_ID\" >> '$T/handled'"
  event-handle -u "$u" --log none "$H" > /dev/null 2> "$T/handle.err" 3>&- &
  local handler=$!
  $PYTHON -c 'import json, os, sys, time
for i in range(1, int(sys.argv[1]) + 1):
    print(json.dumps({"tag": "fo/event/x", "data": {"i": i}, "id": "01SENT%020d" % i}), flush=True)
    open(sys.argv[2] + ".new", "w").write(str(i)); os.replace(sys.argv[2] + ".new", sys.argv[2])
    time.sleep(0.005)' "$n" "$T/fired" |
    event-fire -l -u "$u" 2> "$T/fire.err" 3>&- &
  local fire=$!
  wait_for_lines "$T/handled" 200 30
  local old killed_at fired_at_kill resumed_at i=0
  old=$(master_port)
  kill -9 "$(cat "$BATS_FILE_TMPDIR/$(server_at "$old").pid")"
  killed_at=$(now_ms)
  fired_at_kill=$(cat "$T/fired")
  # Flowing again: an event fired after the kill has been handled.
  until [ "$(sed 's/^01SENT0*//' "$T/handled" | sort -n | tail -1)" -gt "$fired_at_kill" ] 2> /dev/null; do
    i=$((i + 1)); [ "$i" -gt 6000 ] && fail "no event handled after the kill"; sleep 0.01
  done
  resumed_at=$(now_ms)
  FIRE_RC=0
  wait "$fire" || FIRE_RC=$?
  # Everything event-fire sent handled (or 10 s without a new one).
  local last=-1 still=0
  until [ "$(sort -u "$T/handled" | wc -l)" -ge "$n" ] || [ "$still" -gt 100 ]; do
    [ "$(wc -l < "$T/handled")" = "$last" ] && still=$((still + 1)) || still=0
    last=$(wc -l < "$T/handled"); sleep 0.1
  done
  kill "$handler"
  wait "$handler" 2>/dev/null || true
  HANDLED=$(sort -u "$T/handled" | wc -l)
  DUPS=$(($(wc -l < "$T/handled") - HANDLED))
  local new
  new=$(master_port)
  printf '| %s | %d | %s | %d | %d | %d | %d ms | %s -> %s |\n' "${params:-none}" "$n" \
    "$([ "$FIRE_RC" = 0 ] && echo "$n" || echo "exit $FIRE_RC: $(tail -1 "$T/fire.err")")" "$HANDLED" $((n - HANDLED)) "$DUPS" \
    $((resumed_at - killed_at)) "$old" "$new" | tee -a "$EVT_BUILD_DIR/sentinel-failover-table.md" >&3
  [ "$new" != "$old" ]
}

@test "kill -9 of the master mid-stream: event-fire -l and event-handle -u follow the failover by themselves" {
  failover ""
  assert_equal "$FIRE_RC" 0
  grep -q "asking the Sentinels for the master" "$T/fire.err"
  grep -q "new master" "$T/fire.err"
  # Without wait=, what the dying master acknowledged but never replicated is lost: reported, at most a few.
  [ "$HANDLED" -ge 900 ]
}


# revived PORT: true once PORT replicates and every Sentinel sees it up.
revived() {
  redis-cli -p "$1" INFO replication | grep -q 'master_link_status:up' || return 1
  local n
  for n in 1 2 3; do [ "$(replica_flags "${SENTINEL_PORTS[$n]}" "$1")" = slave ] || return 1; done
}

# revive NAME PORT: the server a failover killed, back as a replica of the
# master now, once every Sentinel sees it up.
revive() {
  local name=$1 port=$2 i=0
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$BATS_FILE_TMPDIR/$name-dir" \
    --logfile "$BATS_FILE_TMPDIR/$name.log" --replicaof 127.0.0.1 "$(master_port)" 3>&- &
  echo $! > "$BATS_FILE_TMPDIR/$name.pid"
  wait_for_redis "$port"
  until revived "$port"; do
    i=$((i + 1)); [ "$i" -gt 3000 ] && fail "$name never came back as a replica ($(replica_flags "${SENTINEL_PORTS[1]}" "$port"))"
    sleep 0.01
  done
}

@test "with wait=1 nothing is lost across a kill -9 of the master: every event event-fire sent is handled" {
  # The server the last test killed comes back as a replica: the next master needs one for wait=1.
  local dead port
  for dead in master replica1 replica2; do
    port=${dead^^}_PORT
    kill -0 "$(cat "$BATS_FILE_TMPDIR/$dead.pid")" 2> /dev/null || revive "$dead" "${!port}"
  done
  failover "&wait=1"
  assert_equal "$FIRE_RC" 0
  assert_equal "$HANDLED" 1000
}
