#!/usr/bin/env bash
# The durability scenario of event-handle -u, measured: EVENTS (default
# 1000) events in a Redis stream, handled with a 10 ms step by
# `event-listen -u URL | event-handle DIR` and by `event-handle -u URL DIR`;
# the handling process is killed with kill -9 after KILL_AFTER seconds
# (default 2), the same command started again until the stream is idle.
# A table: fired, handled (distinct ids), duplicates, lost, and XPENDING.
source "$(dirname "$0")/lib.sh"
N=${EVENTS:-1000}
KILL_AFTER=${KILL_AFTER:-2}
export XDG_RUNTIME_DIR=$SCRATCH/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
PORT=$(free_port)
start_redis_server "$PORT"
mkdir -p "$SCRATCH/handlers/x"
printf '#!/bin/sh\nsleep 0.01\necho "$EVENT_ID" >> "%s"\n' "$SCRATCH/handled" > "$SCRATCH/handlers/x/10record"
chmod +x "$SCRATCH/handlers/x/10record"

fire() {
  seq 1 "$N" | sed 's/.*/{"tag":"a\/event\/x","data":&}/' | event-fire -l -u "redis+stream://127.0.0.1:$PORT/$1"
}

# row NAME KEY: the table's line for the stream KEY (group g1).
row() {
  local handled distinct
  handled=$(wc -l < "$SCRATCH/handled")
  distinct=$(sort -u "$SCRATCH/handled" | wc -l)
  echo "| $1 | $N | $distinct | $((handled - distinct)) | $((N - distinct)) | $(redis-cli -p "$PORT" XPENDING "$2" g1 | head -1) |"
}

results=()

# The pipe: event-listen acknowledges what it writes into the pipe.
: > "$SCRATCH/handled"
fire pipe
url="redis+stream://127.0.0.1:$PORT/pipe?group=g1"
mkfifo "$SCRATCH/pipe"
event-listen -u "$url" > "$SCRATCH/pipe" 2>/dev/null &
listener=$!
event-handle --log none "$SCRATCH/handlers" < "$SCRATCH/pipe" > /dev/null &
handler=$!
sleep "$KILL_AFTER"
kill -9 "$handler"
# The listener, waiting on an idle stream, would never meet the broken pipe.
kill "$listener" 2>/dev/null
wait "$handler" "$listener" 2>/dev/null
timeout 300 event-listen -u "$url" -w 2 2>/dev/null | event-handle --log none "$SCRATCH/handlers" > /dev/null
results+=("$(row 'event-listen -u \| event-handle' pipe)")

# event-handle -u: an entry is acknowledged once its handler finished.
: > "$SCRATCH/handled"
fire direct
url="redis+stream://127.0.0.1:$PORT/direct?group=g1"
event-handle -u "$url" --log none "$SCRATCH/handlers" > /dev/null &
pid=$!
sleep "$KILL_AFTER"
kill -9 "$pid"
wait "$pid" 2>/dev/null
timeout 300 event-handle -u "$url" -w 2 --log none "$SCRATCH/handlers" > /dev/null
results+=("$(row 'event-handle -u' direct)")

echo
echo "| $N events, 10 ms step, kill -9 after ${KILL_AFTER} s, restart | fired | handled | duplicates | lost | XPENDING |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${results[@]}"
