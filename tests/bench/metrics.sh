#!/usr/bin/env bash
# --metrics on against off, in the same run: events/s of the local bus
# (`event-fire -l | event-listen -n N`) and of a Redis stream read by
# `event-listen -u redis+stream://... -n N` (each run a group of its own, so
# each reads all N), with a scraper reading /metrics every second while
# --metrics is on. Runs alternate (off, on, off, on, ...) and the best of
# ROUNDS each is kept: other engineers' builds share the machine. The
# listener's CPU time per event (user + sys, the median of the rounds) is
# steadier than a rate on a shared machine, and is shown beside it.
# Target: on within 3% of off (ratio >= 0.97).
source "$(dirname "$0")/lib.sh"
N=${EVENTS:-3000000}       # local bus: a run of a second or two
SN=${STREAM_EVENTS:-500000}  # the stream: a few seconds
ROUNDS=${ROUNDS:-5}
export EVENT_SOCK_DIR=$SCRATCH/bus
seq 1 "$N" | sed 's/.*/{"i":&,"msg":"hello"}/' > "$SCRATCH/data"
head -n "$SN" "$SCRATCH/data" > "$SCRATCH/sdata"

# scraping PORT: curl /metrics every SCRAPE seconds (default 1; 0: no
# scraper, the server only) until killed (in the background).
SCRAPE=${SCRAPE:-1}
scraping() {
  [ "$SCRAPE" = 0 ] && exec sleep infinity
  while :; do curl -sf -o /dev/null "http://127.0.0.1:$1/metrics"; sleep "$SCRAPE"; done
}

# local_round ON: one local-bus stream; sets rate.
local_round() {
  local on=$1 args=() port scraper=0 listener start
  if [ "$on" = 1 ]; then port=$(free_port); args=(--metrics "127.0.0.1:$port"); fi
  rm -f "$SCRATCH/ready"
  /usr/bin/time -f '%U %S' -o "$SCRATCH/cpu" event-listen -n "$N" --ready-file "$SCRATCH/ready" "${args[@]}" > "$SCRATCH/got" &
  listener=$!
  wait_for_file "$SCRATCH/ready"
  if [ "$on" = 1 ]; then scraping "$port" & scraper=$!; fi
  start=$(now_ns)
  event-fire -l bench/tick < "$SCRATCH/data"
  wait $listener
  rate=$(rate "$(wc -l < "$SCRATCH/got")" $(( $(now_ns) - start )))
  cpu_n=$N
  [ "$scraper" != 0 ] && { kill "$scraper"; wait "$scraper" 2>/dev/null; }
  [ "$(wc -l < "$SCRATCH/got")" -eq "$N" ] || { echo "LOSS on the local bus" >&2; exit 1; }
}

# cpu_ns: the last run's listener CPU time per event, in ns.
cpu_ns() { /usr/bin/python3 -c 'import sys; u, s = map(float, open(sys.argv[1]).readline().split()); print("%.0f" % ((u + s) * 1e9 / int(sys.argv[2])))' "$SCRATCH/cpu" "$cpu_n"; }

# stream_round ON GROUP: event-listen reading the whole stream as GROUP; sets rate.
stream_round() {
  local on=$1 group=$2 args=() port scraper=0 start
  if [ "$on" = 1 ]; then port=$(free_port); args=(--metrics "127.0.0.1:$port"); scraping "$port" & scraper=$!; fi
  start=$(now_ns)
  /usr/bin/time -f '%U %S' -o "$SCRATCH/cpu" event-listen -u "redis+stream://127.0.0.1:$rport/bench?group=$group" -n "$SN" "${args[@]}" > "$SCRATCH/sgot"
  rate=$(rate "$(wc -l < "$SCRATCH/sgot")" $(( $(now_ns) - start )))
  cpu_n=$SN
  [ "$scraper" != 0 ] && { kill "$scraper"; wait "$scraper" 2>/dev/null; }
  [ "$(wc -l < "$SCRATCH/sgot")" -eq "$SN" ] || { echo "LOSS on the stream" >&2; exit 1; }
}

best() { printf '%s\n' "$@" | sort -n | tail -1; }
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

local_off=() local_on=() lcpu_off=() lcpu_on=()
for r in $(seq 1 "$ROUNDS"); do
  local_round 0; local_off+=("$rate"); lcpu_off+=("$(cpu_ns)")
  local_round 1; local_on+=("$rate"); lcpu_on+=("$(cpu_ns)")
done

rport=$(free_port)
start_redis_server "$rport"
event-fire -u "redis+stream://127.0.0.1:$rport/bench?group=fill&maxlen=0" -l bench/tick < "$SCRATCH/sdata"
# A new group reads from the start of the stream.
stream_off=() stream_on=() scpu_off=() scpu_on=()
for r in $(seq 1 "$ROUNDS"); do
  redis-cli -p "$rport" XGROUP CREATE bench off$r 0 > /dev/null
  redis-cli -p "$rport" XGROUP CREATE bench on$r 0 > /dev/null
  stream_round 0 "off$r"; stream_off+=("$rate"); scpu_off+=("$(cpu_ns)")
  stream_round 1 "on$r"; stream_on+=("$rate"); scpu_on+=("$(cpu_ns)")
done

lo=$(best "${local_off[@]}") ln=$(best "${local_on[@]}") so=$(best "${stream_off[@]}") sn=$(best "${stream_on[@]}")
echo
echo "| $N (local) and $SN (stream) events, best of $ROUNDS alternated runs | --metrics off, events/s | --metrics on (scraped every ${SCRAPE}s; 0: never), events/s | ratio (on / off) |"
echo "|---|---|---|---|"
echo "| local bus: event-fire -l into event-listen | $lo | $ln | $(ratio "$ln" "$lo") |"
echo "| redis+stream: event-listen reading the stream | $so | $sn | $(ratio "$sn" "$so") |"
lco=$(median "${lcpu_off[@]}") lcn=$(median "${lcpu_on[@]}") sco=$(median "${scpu_off[@]}") scn=$(median "${scpu_on[@]}")
echo "| local bus: listener CPU per event (median), ns | $lco | $lcn | $(ratio "$lco" "$lcn") |"
echo "| redis+stream: listener CPU per event (median), ns | $sco | $scn | $(ratio "$sco" "$scn") |"
echo "| all runs, local off / on, events/s | ${local_off[*]} | ${local_on[*]} | |"
echo "| all runs, stream off / on, events/s | ${stream_off[*]} | ${stream_on[*]} | |"
echo
echo "target: on within 3% of off (ratio >= 0.97; the CPU rows are off / on, so the same way round)"
