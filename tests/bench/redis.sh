#!/usr/bin/env bash
# Redis, side by side with redis-cli against one redis-server, in one run:
#  - one call: `event-fire -u redis://... TAG DATA` vs `redis-cli PUBLISH` (median wall time);
#  - a stream of N events: `event-fire -l` vs `redis-cli --pipe` fed the same PUBLISH commands;
#  - receiving that stream: `event-listen` (no loss) vs `redis-cli SUBSCRIBE` into a file;
#  - Streams: events/s of XADD by `event-fire -l` and of reading them back with `event-listen`;
#  - peak RSS of each. N defaults to 1 000 000 (EVENTS=...).
source "$(dirname "$0")/lib.sh"
N=${EVENTS:-1000000}
port=$(free_port)
start_redis_server "$port"
url=redis://127.0.0.1:$port

seq 1 "$N" | sed 's/.*/{"i":&,"msg":"hello"}/' > "$SCRATCH/data"
publish_commands "$SCRATCH/data" "$SCRATCH/pipe"

# --- one call
evt_call=$(median_ms event-fire -u "$url" backup/done '{"status":"ok"}')
cli_call=$(median_ms redis-cli -p "$port" PUBLISH backup/done '{"status":"ok"}')

# --- stream, nobody subscribed: the publishers alone
start=$(now_ns)
/usr/bin/time -f %M -o "$SCRATCH/fire.rss" event-fire -u "$url" -l bench/tick < "$SCRATCH/data"
evt_stream=$(rate "$N" $(( $(now_ns) - start )))
start=$(now_ns)
/usr/bin/time -f %M -o "$SCRATCH/pipe.rss" redis-cli -p "$port" --pipe < "$SCRATCH/pipe" > /dev/null
cli_stream=$(rate "$N" $(( $(now_ns) - start )))

# --- receiving the stream
/usr/bin/time -f %M -o "$SCRATCH/listen.rss" event-listen -u "$url" -n "$N" --ready-file "$SCRATCH/ready" > "$SCRATCH/got" 2> "$SCRATCH/listen.err" &
listener=$!
wait_for_file "$SCRATCH/ready"
start=$(now_ns)
event-fire -u "$url" -l bench/tick < "$SCRATCH/data"
wait $listener
evt_recv=$(rate "$N" $(( $(now_ns) - start )))
evt_got=$(wc -l < "$SCRATCH/got")

/usr/bin/time -f %M -o "$SCRATCH/sub.rss" redis-cli -p "$port" SUBSCRIBE bench/tick > "$SCRATCH/sub" &
sub=$!
until [ "$(redis-cli -p "$port" PUBSUB NUMSUB bench/tick | tail -1)" = 1 ]; do sleep 0.01; done
start=$(now_ns)
redis-cli -p "$port" --pipe < "$SCRATCH/pipe" > /dev/null
# redis-cli prints 3 lines per message (plus 3 for the subscription); done when all arrived or it went quiet.
want=$(( 3 * N + 3 )); last=-1; idle=0
while :; do
  have=$(wc -l < "$SCRATCH/sub")
  [ "$have" -ge "$want" ] && break
  if [ "$have" -eq "$last" ]; then idle=$((idle + 1)); [ $idle -ge 40 ] && break; else idle=0; fi
  last=$have; sleep 0.05
done
elapsed=$(( $(now_ns) - start )); [ "$have" -lt "$want" ] && elapsed=$(( elapsed - 2000000000 ))
pkill -TERM -P "$sub"; wait "$sub" 2>/dev/null
cli_got=$(( (have - 3) / 3 ))
cli_recv=$(rate "$cli_got" "$elapsed")

# --- Streams
surl="redis+stream://127.0.0.1:$port/bench?group=g&maxlen=0"
start=$(now_ns)
/usr/bin/time -f %M -o "$SCRATCH/xadd.rss" event-fire -u "$surl" -l bench/tick < "$SCRATCH/data"
xadd_rate=$(rate "$N" $(( $(now_ns) - start )))
start=$(now_ns)
/usr/bin/time -f %M -o "$SCRATCH/xread.rss" event-listen -u "$surl" -n "$N" > "$SCRATCH/sgot"
xread_rate=$(rate "$N" $(( $(now_ns) - start )))
sgot=$(wc -l < "$SCRATCH/sgot")

echo
echo "| measure | event-tools | redis-cli | ratio (event-tools / redis-cli) |"
echo "|---|---|---|---|"
echo "| one call, median wall ms | $evt_call | $cli_call | $(ratio "$evt_call" "$cli_call") |"
echo "| stream of $N PUBLISH, events/s | $evt_stream (event-fire -l) | $cli_stream (--pipe) | $(ratio "$evt_stream" "$cli_stream") |"
echo "| receiving that stream, events/s | $evt_recv ($evt_got of $N, event-listen) | $cli_recv ($cli_got of $N, SUBSCRIBE) | $(ratio "$evt_recv" "$cli_recv") |"
echo "| Streams XADD, events/s | $xadd_rate | | |"
echo "| Streams XREADGROUP+XACK, events/s | $xread_rate ($sgot of $N) | | |"
echo "| peak RSS KiB: fire -l / --pipe | $(rss_of "$SCRATCH/fire.rss") | $(rss_of "$SCRATCH/pipe.rss") | |"
echo "| peak RSS KiB: listen / SUBSCRIBE | $(rss_of "$SCRATCH/listen.rss") | $(rss_of "$SCRATCH/sub.rss") | |"
echo "| peak RSS KiB: XADD / XREADGROUP | $(rss_of "$SCRATCH/xadd.rss") / $(rss_of "$SCRATCH/xread.rss") | | |"
echo
echo "targets: one call <= 0.70; stream >= 0.80; no loss"
[ "$evt_got" -eq "$N" ] && [ "$sgot" -eq "$N" ] || { echo "LOSS in event-tools" >&2; exit 1; }
