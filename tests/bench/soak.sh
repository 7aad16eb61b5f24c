#!/usr/bin/env bash
# Soak: fire -> listen -> handle, and fire -> eventsapi serve -> a webhook
# receiver, at a steady RATE (default 200/s) for DURATION seconds (default
# 600), sampling each long-running process's RSS every second. Memory must be
# flat and nothing lost. VALGRIND=1 then runs each tool under valgrind on
# 100 000 events (EVENTS=...) and reports leaks and errors.
source "$(dirname "$0")/lib.sh"
RATE=${RATE:-200}
DURATION=${DURATION:-600}
PY=/usr/bin/python3
HERE=$ROOT/tests/bench
export EVENT_SOCK_DIR=$SCRATCH/bus EVENT_CONFIG=/dev/null
export EVENTSAPI_STORE=$SCRATCH/store EVENTSAPI_STATE=$SCRATCH/state

# Handlers of soak/tick (the whole tag) and of vg/event/tick.
for dir in soak/tick tick; do
  mkdir -p "$SCRATCH/handlers/$dir"
  printf '#!/bin/sh\nexit 0\n' > "$SCRATCH/handlers/$dir/10step"
  chmod +x "$SCRATCH/handlers/$dir/10step"
done

# The webhook side.
hook_port=$(free_port)
$PY "$ROOT/tests/fixtures/webhook_receiver.py" "$hook_port" "$SCRATCH/hook.log" &
BENCH_PIDS+=($!)
wait_for_file "$SCRATCH/hook.log.ready"
eventsapi webhook-add "http://127.0.0.1:$hook_port/hook" > /dev/null
eventsapi config-set disable-events-log true > /dev/null
eventsapi serve --port 0 --from "local:$SCRATCH/api-bus" --ready-file "$SCRATCH/serve.ready" 2> "$SCRATCH/serve.err" &
serve=$!
BENCH_PIDS+=($serve)
wait_for_file "$SCRATCH/serve.ready"

# The handler side.
event-listen --ready-file "$SCRATCH/listen.ready" 'soak/*' 2> "$SCRATCH/listen.err" |
  event-handle --log none "$SCRATCH/handlers" > "$SCRATCH/results" 2> "$SCRATCH/handle.err" &
BENCH_PIDS+=($!)
wait_for_file "$SCRATCH/listen.ready"
listen=$(pgrep -n -x event-listen)
handle=$(pgrep -n -x event-handle)
# The pipeline's $! is event-handle alone: event-listen must be stopped too.
BENCH_PIDS+=($listen)

$PY "$HERE/pace.py" "$RATE" "$DURATION" | event-fire -l soak/tick &
BENCH_PIDS+=($!)
$PY "$HERE/pace.py" "$RATE" "$DURATION" | event-fire -u "local:$SCRATCH/api-bus" -l soak/hook &
BENCH_PIDS+=($!)
sleep 0.5
fires=$(pgrep -x event-fire | tr '\n' ' ')

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
names=(event-listen event-handle "eventsapi serve" $(for f in $fires; do echo "event-fire"; done))
pids=($listen $handle $serve $fires)
: > "$SCRATCH/rss"
for ((t = 0; t < DURATION; t++)); do
  line=""
  for p in "${pids[@]}"; do line+="$(rss "$p") "; done
  echo "$line" >> "$SCRATCH/rss"
  sleep 1
done
expected=$($PY -c "print(int($RATE * $DURATION))")
# Let the tail arrive, then stop.
for i in $(seq 1 100); do
  [ "$(grep -c '"status":"completed"' "$SCRATCH/results")" -ge "$expected" ] &&
    [ "$(wc -l < "$SCRATCH/hook.log")" -ge "$expected" ] && break
  sleep 0.1
done
handled=$(grep -c '"status":"completed"' "$SCRATCH/results")
posted=$($PY -c 'import json,sys; print(len({json.loads(json.loads(l)["body"])["message"]["seq"] for l in open(sys.argv[1])}))' "$SCRATCH/hook.log")

echo
echo "| process | RSS KiB at 10 s | max | at end | growth after 10 s |"
echo "|---|---|---|---|---|"
for i in "${!pids[@]}"; do
  col=$((i + 1))
  read -r first max last < <(awk -v c="$col" 'NR >= 10 && $c > 0 { if (!f) f = $c; if ($c > m) m = $c; l = $c } END { print f, m, l }' "$SCRATCH/rss")
  echo "| ${names[$i]} | $first | $max | $last | $((last - first)) |"
done
echo
echo "| path | sent | arrived | lost |"
echo "|---|---|---|---|"
echo "| fire -> listen -> handle | $expected | $handled | $((expected - handled)) |"
echo "| fire -> eventsapi serve -> webhook | $expected | $posted | $((expected - posted)) |"
echo
echo "$DURATION s at $RATE events/s on each path"

[ "${VALGRIND:-0}" = 1 ] || exit 0
# Valgrind: each tool on EVENTS events; definite leaks and errors counted.
N=${EVENTS:-100000}
vg() { valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --log-file="$SCRATCH/vg-$1.log" "${@:2}"; }
summary() {
  local log=$SCRATCH/vg-$1.log
  local lost
  lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
  grep -q 'no leaks are possible' "$log" && lost=0
  echo "| $1 | ${lost:-?} | $(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1) |"
}
$PY -c "
for i in range($N): print('{\"tag\":\"vg/event/%s\",\"data\":{\"seq\":%d}}' % ('none' if i % 100 else 'tick', i))" > "$SCRATCH/vg-events"
vg event-fire event-fire -l < "$SCRATCH/vg-events"
vg event-listen event-listen -u - < "$SCRATCH/vg-events" > /dev/null
vg event-handle event-handle --log none "$SCRATCH/handlers" < "$SCRATCH/vg-events" > /dev/null
: > "$SCRATCH/hook.log"
# (valgrind itself in the background, not a subshell, so that kill reaches serve)
valgrind --leak-check=full --errors-for-leak-kinds=definite --log-file="$SCRATCH/vg-eventsapi.log" eventsapi serve --port 0 --from "local:$SCRATCH/vg-bus2" --ready-file "$SCRATCH/vgs.ready" 2>/dev/null &
vgs=$!
kill "$serve" 2>/dev/null
wait_for_file "$SCRATCH/vgs.ready"
$PY "$HERE/pace.py" 2000 "$(awk -v n="$N" 'BEGIN { print n / 2000 }')" | event-fire -u "local:$SCRATCH/vg-bus2" -l vg/hook
for i in $(seq 1 600); do [ "$(wc -l < "$SCRATCH/hook.log")" -ge "$N" ] && break; sleep 0.5; done
kill "$vgs"; wait "$vgs"

# The same events over Redis Pub/Sub and ZeroMQ, sender and receiver both under
# valgrind, so that hiredis' and libzmq's paths are covered too.
vg_pair() {  # NAME LISTEN-URL FIRE-URL [FIRE-OPTION]
  rm -f "$SCRATCH/vgl.ready"
  vg "event-listen-$1" event-listen -u "$2" -n "$N" -w 60 -o '%i' --ready-file "$SCRATCH/vgl.ready" > "$SCRATCH/vg-$1.got" 2>/dev/null &
  local listener=$!
  wait_for_file "$SCRATCH/vgl.ready"
  vg "event-fire-$1" event-fire -u "$3" ${4:-} -l < "$SCRATCH/vg-events" 2>/dev/null
  wait "$listener"
}
redis_port=$(free_port)
start_redis_server "$redis_port"
vg_pair redis "redis://127.0.0.1:$redis_port" "redis://127.0.0.1:$redis_port"
zmq_port=$(free_port)
vg_pair zmq "tcp://127.0.0.1:$zmq_port" "tcp://127.0.0.1:$zmq_port" --bind

echo
echo "| valgrind, $N events | definitely lost bytes | errors |"
echo "|---|---|---|"
for t in event-fire event-listen event-handle eventsapi event-fire-redis event-listen-redis event-fire-zmq event-listen-zmq; do summary "$t"; done
echo "(under valgrind: eventsapi serve delivered $(wc -l < "$SCRATCH/hook.log") of $N;" \
  "Redis $(wc -l < "$SCRATCH/vg-redis.got") and ZeroMQ $(wc -l < "$SCRATCH/vg-zmq.got") of $N received)"
