#!/usr/bin/env bash
# event-handle beside run-parts, in one run: N events (default 10 000,
# EVENTS=...) with one trivial step, vs run-parts run once per event on the
# same directory (the same work). Per-event overhead, events/s with -j 2,
# and peak RSS.
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
