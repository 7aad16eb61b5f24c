#!/usr/bin/env bash
# NATS, in one run: events/s of `event-fire -l` -> `event-listen` for N small
# events (default 100 000, EVENTS=...) over core NATS (nats://) beside a
# minimal nats.c publisher/subscriber of the same messages (nats-peer, the
# limit), over JetStream (nats+js://, a stream of 1 replica on one server and
# of 3 on a 3-server cluster: fire counts an event sent on the stream's ack,
# listen acks each; beside it a minimal nats.c JetStream publisher and
# pulling reader, what the server allows), and over redis+stream:// for scale. Listener first, the
# clock stops when it has all N.
source "$(dirname "$0")/lib.sh"
PYTHON=/usr/bin/python3
T=$SCRATCH
wait_for_text() { local i=0; until grep -qF -- "$2" "$1" 2>/dev/null; do i=$((i + 1)); [ $i -gt 2000 ] && return 1; sleep 0.01; done; }
source "$ROOT/tests/nats_helpers.bash"
N=${EVENTS:-100000}
seq 1 "$N" | sed 's/.*/{"i":&,"msg":"hello"}/' > "$SCRATCH/data"

# pair NAME RECEIVER-CMD SENDER-CMD: events/s from the sender's start until the
# receiver (which touches $SCRATCH/NAME.ready once subscribed) has N.
pair() {
  local name=$1 recv=$2 send=$3 start
  rm -f "$SCRATCH/$name.ready"
  /usr/bin/time -f %M -o "$SCRATCH/$name.recv.rss" bash -c "$recv" > "$SCRATCH/$name.got" 2> "$SCRATCH/$name.recv.err" &
  local receiver=$!
  wait_for_file "$SCRATCH/$name.ready"
  start=$(now_ns)
  /usr/bin/time -f %M -o "$SCRATCH/$name.send.rss" bash -c "$send" < "$SCRATCH/data" 2> "$SCRATCH/$name.send.err"
  wait $receiver
  rate "$(wc -l < "$SCRATCH/$name.got")" $(( $(now_ns) - start ))
}
got() { wc -l < "$SCRATCH/$1.got"; }

start_nats one
core=nats://127.0.0.1:$NATS_PORT
BENCH_PIDS+=("$(cat "$T/one.pid")")
evt=$(pair evt "event-listen -u $core -n $N --ready-file $SCRATCH/evt.ready" "event-fire -l -u $core bench/tick")
base=$(pair base "$BIN/nats-peer recv $core $N $SCRATCH/base.ready" "$BIN/nats-peer send $core $N")
js1="nats+js://127.0.0.1:$NATS_PORT/B1?create=1&subjects=bench.>"
event-fire -u "$js1" bench/made 2>/dev/null
r1=$(pair r1 "event-listen -u '$js1&group=g' -n $((N + 1)) --ready-file $SCRATCH/r1.ready | grep -v bench/made" "event-fire -l -u '$js1' bench/tick")
# The same through nats.c alone, on its own stream P1 (P1.tick): what the
# server allows one publisher and one pulling, acking reader.
p1="nats+js://127.0.0.1:$NATS_PORT/P1?create=1&subjects=P1.>"
event-fire -u "$p1" P1/made 2>/dev/null
event-listen -u "$p1&group=g" -n 1 > /dev/null  # makes the consumer, takes the first event
jp1=$(pair jp1 "$BIN/nats-peer js-recv nats://127.0.0.1:$NATS_PORT $N $SCRATCH/jp1.ready P1 g" "$BIN/nats-peer js-send nats://127.0.0.1:$NATS_PORT $N P1")

start_cluster "$SCRATCH/cluster"
for n in 1 2 3; do BENCH_PIDS+=("$(cat "$CLUSTER_DIR/n$n.pid")"); done
js3="$CLUSTER_URL/B3?create=1&replicas=3&subjects=bench.>"
event-fire -u "$js3" bench/made 2>/dev/null
r3=$(pair r3 "event-listen -u '$js3&group=g' -n $((N + 1)) --ready-file $SCRATCH/r3.ready | grep -v bench/made" "event-fire -l -u '$js3' bench/tick")

port=$(free_port)
start_redis_server "$port"
rs="redis+stream://127.0.0.1:$port/bench?group=g&maxlen=0"
redis=$(pair redis "event-listen -u '$rs' -n $N --ready-file $SCRATCH/redis.ready" "event-fire -l -u '$rs' bench/tick")

echo
echo "| $N events, fire -l -> listen | events/s | received | peak RSS KiB fire / listen | ratio |"
echo "|---|---|---|---|---|"
echo "| nats:// event-tools | $evt | $(got evt) | $(rss_of "$SCRATCH/evt.send.rss") / $(rss_of "$SCRATCH/evt.recv.rss") | $(ratio "$evt" "$base") of nats.c |"
echo "| nats:// minimal nats.c peer | $base | $(got base) | $(rss_of "$SCRATCH/base.send.rss") / $(rss_of "$SCRATCH/base.recv.rss") | 1 |"
echo "| nats+js:// R1 (1 server) | $r1 | $(got r1) | $(rss_of "$SCRATCH/r1.send.rss") / $(rss_of "$SCRATCH/r1.recv.rss") | $(ratio "$r1" "$redis") of redis+stream |"
echo "| nats+js:// R1, minimal nats.c peer | $jp1 | $(got jp1) | $(rss_of "$SCRATCH/jp1.send.rss") / $(rss_of "$SCRATCH/jp1.recv.rss") | $(ratio "$r1" "$jp1") event-tools / nats.c |"
echo "| nats+js:// R3 (3 servers) | $r3 | $(got r3) | $(rss_of "$SCRATCH/r3.send.rss") / $(rss_of "$SCRATCH/r3.recv.rss") | $(ratio "$r3" "$redis") of redis+stream |"
echo "| redis+stream:// | $redis | $(got redis) | $(rss_of "$SCRATCH/redis.send.rss") / $(rss_of "$SCRATCH/redis.recv.rss") | 1 |"
echo
echo "targets: nats:// >= 0.70 of nats.c; R1 >= 0.50 of redis+stream; no loss on nats+js"
stop_cluster
[ "$(got r1)" -eq "$N" ] && [ "$(got r3)" -eq "$N" ] || { echo "LOSS on nats+js" >&2; exit 1; }
