#!/usr/bin/env bash
# A Redis failover under load, without and with wait=1: a master, two
# replicas and three Sentinels on loopback; `event-fire -l` of EVENTS (1000)
# events at about 200/s into a stream through the Sentinels (?sentinel=),
# `event-listen` reading it in a consumer group through them too, and kill -9
# of the master once 200 are fired. For each run: what event-fire reported,
# the events the listener got (lost, duplicated, counted by id), the ids
# missing from the stream on the new master (what a consumer not reading
# at the time would miss: the listener may have read an entry from the
# dying master that the stream then lost), and the
# failover time: kill -9 -> the Sentinels' promotion (+promoted-slave, then
# +switch-master) -> the first entry written to the new master (its stream
# id is the new master's clock). The promoted replica takes writes, and the
# Sentinels name it, before +switch-master, which waits for the other
# replica to be reconfigured: the time from it may be negative.
# The killed server then comes back as a replica, ready for the next run.
# Last, one run each with the replicas cut off (SIGSTOP, CLIENT KILL TYPE
# replica) 0.3 s before the kill: entries the master confirmed and never
# passed on.
# Runs alternate between the modes (ROUNDS each, default 2).
# Then the cost of wait=1 in the same run: event-fire -l of 20000 events
# and one event-fire call, without and with it (best of 3, alternating).
# Target: the first entry on the new master < 2 s after +switch-master.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/sentinel_helpers.bash"
N=${EVENTS:-1000}
ROUNDS=${ROUNDS:-2}
NAME=benchmaster

# start_server NAME PORT [ARGS]: a redis-server, pid in $SCRATCH/NAME.pid.
start_server() {
  local name=$1 port=$2
  shift 2
  mkdir -p "$SCRATCH/$name"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$SCRATCH/$name" \
    --logfile "$SCRATCH/$name.log" "$@" &
  echo $! > "$SCRATCH/$name.pid"
  BENCH_PIDS+=($!)
  until redis-cli -p "$port" PING 2> /dev/null | grep -q PONG; do sleep 0.01; done
}

for n in 1 2 3; do PORT[$n]=$(free_port); done
start_server s1 "${PORT[1]}"
start_server s2 "${PORT[2]}" --replicaof 127.0.0.1 "${PORT[1]}"
start_server s3 "${PORT[3]}" --replicaof 127.0.0.1 "${PORT[1]}"
SENTINELS=
for n in 1 2 3; do
  SPORT[$n]=$(free_port)
  cat > "$SCRATCH/sentinel$n.conf" << CONF
port ${SPORT[$n]}
bind 127.0.0.1
dir "$SCRATCH"
logfile "$SCRATCH/sentinel$n.log"
sentinel monitor $NAME 127.0.0.1 ${PORT[1]} 2
sentinel down-after-milliseconds $NAME 1000
sentinel failover-timeout $NAME 3000
CONF
  redis-server "$SCRATCH/sentinel$n.conf" --sentinel &
  BENCH_PIDS+=($!)
  SENTINELS="$SENTINELS${SENTINELS:+,}127.0.0.1:${SPORT[$n]}"
done

master_port() { redis-cli -p "${SPORT[1]}" SENTINEL get-master-addr-by-name "$NAME" 2> /dev/null | tail -1; }
name_at() { for n in 1 2 3; do [ "${PORT[$n]}" = "$1" ] && echo "s$n"; done; }
# ready: true once both replicas of the master replicate and every Sentinel
# knows them (up) and the two other Sentinels.
ready() {
  local m p n
  m=$(master_port)
  [ -n "$m" ] || return 1
  for p in "${PORT[@]}"; do
    [ "$p" = "$m" ] && continue
    redis-cli -p "$p" INFO replication | grep -q master_link_status:up || return 1
    for n in 1 2 3; do [ "$(replica_flags "${SPORT[$n]}" "$p")" = slave ] || return 1; done
  done
  for n in 1 2 3; do
    [ "$(redis-cli -p "${SPORT[$n]}" SENTINEL sentinels "$NAME" | grep -cx name)" = 2 ] || return 1
  done
}
wait_ready() {
  local i=0
  until ready; do i=$((i + 1)); [ $i -gt 6000 ] && { echo "the cluster never got ready" >&2; exit 1; }; sleep 0.01; done
}
now_ms() { date +%s%3N; }

# The Sentinels' announcements (all three: only the leader says
# +promoted-slave), each line with the time it arrived (ms).
/usr/bin/python3 - "$SCRATCH/sentinel.events" "${SPORT[@]}" << 'PY' &
import select, socket, sys, time
out = open(sys.argv[1], "w", buffering=1)
socks = {}
for port in sys.argv[2:]:
    s = socket.create_connection(("127.0.0.1", int(port)))
    s.sendall(b"SUBSCRIBE +switch-master +promoted-slave\r\n")
    socks[s] = b""
while socks:
    for s in select.select(list(socks), [], [])[0]:
        d = s.recv(65536)
        if not d:
            del socks[s]
            continue
        *lines, socks[s] = (socks[s] + d).split(b"\r\n")
        for l in lines:
            if l and l[:1] not in b"*$:":
                out.write("%d %s\n" % (time.time() * 1000, l.decode()))
PY
BENCH_PIDS+=($!)
wait_ready

# run PARAMS [LAG]: one failover under load; prints a table row. With LAG,
# both replicas are stopped (SIGSTOP) and their links closed by the master
# 0.3 s before the kill, and go on after it: the master dies with entries
# it confirmed and never passed on.
run() {
  local params=$1 lag=${2:-} key=fo$RANDOM$RANDOM
  local u="redis+stream://$SENTINELS/$key?group=g&sentinel=$NAME$params"
  rm -f "$SCRATCH/fired" "$SCRATCH/got"
  event-listen -u "$u" -o '%i' > "$SCRATCH/got" 2> "$SCRATCH/listen.err" &
  local listener=$!
  /usr/bin/python3 -c 'import json, os, sys, time
for i in range(1, int(sys.argv[1]) + 1):
    print(json.dumps({"tag": "fo/event/x", "data": {"i": i}, "id": "01FAIL%020d" % i}), flush=True)
    open(sys.argv[2] + ".new", "w").write(str(i)); os.replace(sys.argv[2] + ".new", sys.argv[2])
    time.sleep(0.005)' "$N" "$SCRATCH/fired" |
    event-fire -l -u "$u" 2> "$SCRATCH/fire.err" &
  local fire=$! i=0
  until [ "$(cat "$SCRATCH/fired" 2> /dev/null || echo 0)" -ge 200 ]; do sleep 0.01; done
  local old killed_at
  old=$(master_port)
  local pid p replicas=()
  pid=$(cat "$SCRATCH/$(name_at "$old").pid")
  for p in "${PORT[@]}"; do [ "$p" != "$old" ] && replicas+=("$(cat "$SCRATCH/$(name_at "$p").pid")"); done
  if [ -n "$lag" ]; then
    kill -STOP "${replicas[@]}"
    redis-cli -p "$old" CLIENT KILL TYPE replica > /dev/null
    sleep 0.3
  fi
  kill -9 "$pid"
  killed_at=$(now_ms)
  [ -n "$lag" ] && kill -CONT "${replicas[@]}"
  wait "$pid" 2> /dev/null
  local rc=0
  wait "$fire" || rc=$?
  # Everything handled, or 10 s without a new one.
  local last=-1 still=0
  until [ "$(sort -u "$SCRATCH/got" | wc -l)" -ge "$N" ] || [ "$still" -gt 100 ]; do
    [ "$(wc -l < "$SCRATCH/got")" = "$last" ] && still=$((still + 1)) || still=0
    last=$(wc -l < "$SCRATCH/got")
    sleep 0.1
  done
  kill "$listener"
  wait "$listener" 2> /dev/null
  local handled dups new switched promoted first
  handled=$(sort -u "$SCRATCH/got" | wc -l)
  dups=$(($(wc -l < "$SCRATCH/got") - handled))
  new=$(master_port)
  switched=$(awk -v k="$killed_at" '$1 > k && /switch-master/ { print $1; exit }' "$SCRATCH/sentinel.events")
  promoted=$(awk -v k="$killed_at" '$1 > k && /promoted-slave/ { print $1; exit }' "$SCRATCH/sentinel.events")
  first=$(redis-cli -p "$new" XRANGE "$key" "$((killed_at + 1))" + COUNT 1 | head -1 | cut -d- -f1)
  # What the stream itself kept: what a consumer that was not reading at the
  # time (or another group) gets.
  local kept
  kept=$(redis-cli -p "$new" XRANGE "$key" - + | grep -o '"id":"01FAIL[0-9]*"' | sort -u | wc -l)
  local sent
  if [ "$rc" = 0 ]; then sent=$N; else sent="exit $rc: $(tail -1 "$SCRATCH/fire.err")"; fi
  printf '| %s%s | %d | %s | %d | %d | %d | %d | %d ms | %d ms | %d ms | %d ms |\n' "${params#&}" "${lag:+, replicas behind}" \
    "$N" "$sent" "$handled" $((N - handled)) "$dups" $((N - kept)) $((promoted - killed_at)) $((first - promoted)) $((first - switched)) $((first - killed_at))
  # The killed server back, as a replica of the new master.
  local dead
  dead=$(name_at "$old")
  start_server "$dead" "$old" --replicaof 127.0.0.1 "$new"
  wait_ready
}

echo "| wait | fired | event-fire reported sent | handled (unique ids) | lost | duplicates | lost from the stream | kill -> +promoted-slave | +promoted-slave -> first entry on the new master | +switch-master -> first entry | kill -> first entry |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  run "&wait=0"
  run "&wait=1"
done
# The replicas behind when the master dies: what wait= is for.
run "&wait=0" lag
run "&wait=1" lag

# The cost of wait=1, in the same run (best of 3, alternating).
seq 1 20000 | sed 's/.*/{"i":&}/' > "$SCRATCH/data"
best() { /usr/bin/python3 -c 'import sys; print(max(int(x) for x in sys.argv[1:] if x))' "$@"; }
m=$(master_port)
plain= waited=
for round in 1 2 3; do
  for params in "" "?wait=1"; do
    start=$(now_ns)
    event-fire -l -u "redis+stream://127.0.0.1:$m/cost$params" bench/tick < "$SCRATCH/data"
    r=$(rate 20000 $(($(now_ns) - start)))
    if [ -z "$params" ]; then plain=$(best "$r" $plain); else waited=$(best "$r" $waited); fi
  done
done
call_plain=$(median_ms event-fire -u "redis+stream://127.0.0.1:$m/cost" bench/one)
call_wait=$(median_ms event-fire -u "redis+stream://127.0.0.1:$m/cost?wait=1" bench/one)
echo
echo "| cost of wait=1 (master + 2 replicas, loopback) | without | wait=1 | ratio (wait=1 / without) |"
echo "|---|---|---|---|"
echo "| event-fire -l of 20000, events/s | $plain | $waited | $(ratio "$waited" "$plain") |"
echo "| one event-fire call, median wall ms | $call_plain | $call_wait | $(ratio "$call_wait" "$call_plain") |"
echo
echo "target: first entry on the new master < 2000 ms after the promotion"
