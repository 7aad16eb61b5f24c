#!/usr/bin/env bash
# event-handle beside run-parts, in one run: N events (default 10 000,
# EVENTS=...) with one trivial step, vs run-parts run once per event on the
# same directory (the same work). Per-event overhead, events/s with -j 2,
# and peak RSS. Then a Redis stream of N events handled by 1, 2 and 4
# event-handle -u workers in one group, beside `event-listen | event-handle`
# on the same stream, and what acknowledging after each handler costs.
source "$(dirname "$0")/lib.sh"
N=${EVENTS:-10000}
mkdir -p "$SCRATCH/handlers/tick"
printf '#!/bin/sh\nexit 0\n' > "$SCRATCH/handlers/tick/10step"
chmod +x "$SCRATCH/handlers/tick/10step"
seq 1 "$N" | sed 's/.*/{"tag":"bench\/event\/tick","data":{"i":&}}/' > "$SCRATCH/events"

start=$(now_ns)
/usr/bin/time -f %M -o "$SCRATCH/h1.rss" event-handle --log none "$SCRATCH/handlers" < "$SCRATCH/events" > "$SCRATCH/res1"
t1=$(( $(now_ns) - start ))
start=$(now_ns)
event-handle --log none -j 2 "$SCRATCH/handlers" < "$SCRATCH/events" > "$SCRATCH/res2"
t2=$(( $(now_ns) - start ))
start=$(now_ns)
/usr/bin/time -f %M -o "$SCRATCH/hs.rss" event-handle --syslog-socket /dev/null/none "$SCRATCH/handlers" < "$SCRATCH/events" > /dev/null 2>&1
ts=$(( $(now_ns) - start ))
start=$(now_ns)
for i in $(seq 1 "$N"); do run-parts --exit-on-error "$SCRATCH/handlers/tick" < /dev/null; done
tr=$(( $(now_ns) - start ))
/usr/bin/time -f %M -o "$SCRATCH/rp.rss" run-parts "$SCRATCH/handlers/tick"

per() { /usr/bin/python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) / 1000 / float(sys.argv[2])))" "$1" "$N"; }
echo
echo "| measure | event-handle | run-parts (once per event) | ratio |"
echo "|---|---|---|---|"
echo "| $N events, one trivial step, per-event µs | $(per "$t1") (-j 1, --log none) | $(per "$tr") | $(ratio "$t1" "$tr") |"
echo "| per-event µs, logging to stderr | $(per "$ts") | | |"
echo "| events/s with -j 2 | $(rate "$N" "$t2") | $(rate "$N" "$tr") | $(ratio "$tr" "$t2")x faster |"
echo "| results written | $(grep -c completed "$SCRATCH/res1") / $(grep -c completed "$SCRATCH/res2") | | |"
echo "| peak RSS KiB | $(rss_of "$SCRATCH/h1.rss") | $(rss_of "$SCRATCH/rp.rss") | |"
echo
echo "target: per-event overhead no more than run-parts' (ratio <= 1.00)"

# --- a Redis stream: event-handle -u workers in one group vs the pipe
port=$(free_port)
start_redis_server "$port"
stream_url="redis+stream://127.0.0.1:$port/bench"
load_stream() {  # a fresh stream of N events, and a group at its start
  redis-cli -p "$port" DEL bench > /dev/null
  event-fire -l -u "$stream_url" bench/event/tick < "$SCRATCH/events"
  redis-cli -p "$port" XGROUP CREATE bench g '0' > /dev/null
}
export XDG_RUNTIME_DIR=$SCRATCH/run
mkdir -m 700 -p "$XDG_RUNTIME_DIR"
workers() {  # workers N: N event-handle -u in one group until the stream is drained
  local n=$1 pids=() i
  for i in $(seq 1 "$n"); do
    event-handle -u "$stream_url?group=g" -w 1 --log none "$SCRATCH/handlers" > "$SCRATCH/w$n-$i.out" &
    pids+=($!)
  done
  wait "${pids[@]}"
}
declare -A tw
for n in 1 2 4; do
  load_stream
  start=$(now_ns)
  workers "$n"
  tw[$n]=$(( $(now_ns) - start - 1000000000 ))  # less the idle second -w waits at the end
  handled=$(cat "$SCRATCH"/w$n-*.out | grep -c completed)
  [ "$handled" -eq "$N" ] || echo "warning: $n worker(s) handled $handled of $N" >&2
done
load_stream
start=$(now_ns)
event-listen -u "$stream_url?group=g" -w 1 2>/dev/null | event-handle --log none "$SCRATCH/handlers" > "$SCRATCH/pipe.out"
tp=$(( $(now_ns) - start - 1000000000 ))
echo
echo "| $N events from a Redis stream, one trivial step | events/s | vs the pipe | vs 1 worker |"
echo "|---|---|---|---|"
echo "| event-listen \| event-handle (at most once) | $(rate "$N" "$tp") | 1.00 | |"
for n in 1 2 4; do
  echo "| event-handle -u, $n worker(s) | $(rate "$N" "${tw[$n]}") | $(ratio "$tp" "${tw[$n]}") | $(ratio "${tw[1]}" "${tw[$n]}") |"
done
echo "| ack after each handler, µs per event | $(/usr/bin/python3 -c "import sys; print('%.0f' % ((float(sys.argv[1]) - float(sys.argv[2])) / 1000 / float(sys.argv[3])))" "${tw[1]}" "$tp" "$N") | | |"
echo
echo "targets: 1 worker within 10% of the pipe (>= 0.90); 2 workers >= 1.6x one worker"
