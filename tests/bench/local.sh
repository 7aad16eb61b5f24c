#!/usr/bin/env bash
# The local bus beside mosquitto (a local broker), in the same run:
#  - stream: events/s of `event-fire -l | event-listen` for N small events,
#    vs `mosquitto_pub -l` to `mosquitto_sub -C N` through the broker; and
#    event-listen with one --where against without;
#  - one call: median wall time of `event-fire TAG DATA` vs `mosquitto_pub`;
#  - peak RSS of each.
# N defaults to 1 000 000 (EVENTS=... to change it).
source "$(dirname "$0")/lib.sh"
N=${EVENTS:-1000000}
export EVENT_SOCK_DIR=$SCRATCH/bus

seq 1 "$N" | sed 's/.*/{"i":&,"msg":"hello"}/' > "$SCRATCH/data"

# --- event-tools stream, and the same with one --where (it holds for every
# event, so both runs print all N: the difference is the filter's cost)
# evt_stream NAME [LISTEN ARGS...]: sets got and evt_rate; RSS in NAME.rss.
evt_stream() {
  local name=$1 listener start elapsed
  shift
  rm -f "$SCRATCH/ready"
  /usr/bin/time -f '%U %S\n%M' -o "$SCRATCH/$name.rss" event-listen -n "$N" --ready-file "$SCRATCH/ready" "$@" > "$SCRATCH/got" &
  listener=$!
  wait_for_file "$SCRATCH/ready"
  start=$(now_ns)
  /usr/bin/time -f %M -o "$SCRATCH/fire.rss" event-fire -l bench/tick < "$SCRATCH/data"
  wait $listener
  elapsed=$(( $(now_ns) - start ))
  got=$(wc -l < "$SCRATCH/got")
  evt_rate=$(rate "$got" "$elapsed")
}
evt_stream where --where '.i >= 1'
where_got=$got where_rate=$evt_rate
evt_stream listen
# The listener's CPU time per event (user + sys): steadier than a rate on a
# machine that others share.
cpu_ns() { /usr/bin/python3 -c 'import sys; u, s = map(float, open(sys.argv[1]).readline().split()); print("%.0f" % ((u + s) * 1e9 / int(sys.argv[2])))' "$1" "$N"; }
where_cpu=$(cpu_ns "$SCRATCH/where.rss") listen_cpu=$(cpu_ns "$SCRATCH/listen.rss")

# --- mosquitto stream, through a broker on a free loopback port
port=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n' "$port" > "$SCRATCH/mosquitto.conf"
mosquitto -c "$SCRATCH/mosquitto.conf" > "$SCRATCH/mosquitto.log" 2>&1 &
BENCH_PIDS+=($!)
wait_for_port "$port"
# mosquitto_sub has no ready signal: it also subscribes to bench/ready, and we
# publish there until it shows, then wait until all N events are in its output.
/usr/bin/time -f %M -o "$SCRATCH/msub.rss" mosquitto_sub -p "$port" -t bench/tick -t bench/ready -F '%t' > "$SCRATCH/mgot" &
msub=$!
until grep -q bench/ready "$SCRATCH/mgot" 2>/dev/null; do mosquitto_pub -p "$port" -t bench/ready -m x; sleep 0.01; done
start=$(now_ns)
/usr/bin/time -f %M -o "$SCRATCH/mpub.rss" mosquitto_pub -p "$port" -t bench/tick -l < "$SCRATCH/data"
# Done when N ticks arrived, or when nothing more arrived for a second (QoS 0 may drop).
last=-1
while :; do
  mgot=$(grep -c bench/tick "$SCRATCH/mgot")
  [ "$mgot" -ge "$N" ] && break
  if [ "$mgot" -eq "$last" ]; then idle=$((idle + 1)); [ $idle -ge 20 ] && break; else idle=0; fi
  last=$mgot
  sleep 0.05
done
elapsed=$(( $(now_ns) - start ))
[ "$mgot" -lt "$N" ] && elapsed=$(( elapsed - 1000000000 ))
pkill -TERM -P "$msub"; wait "$msub" 2>/dev/null
mos_rate=$(rate "$mgot" "$elapsed")

# --- one call
start_listener_for_calls() {
  event-listen --ready-file "$SCRATCH/ready2" > /dev/null &
  BENCH_PIDS+=($!)
  wait_for_file "$SCRATCH/ready2"
}
start_listener_for_calls
evt_call=$(median_ms event-fire backup/done '{"status":"ok"}')
mos_call=$(median_ms mosquitto_pub -p "$port" -t backup/done -m '{"status":"ok"}')

echo
echo "| measure | event-tools (local bus) | mosquitto (local broker) | ratio |"
echo "|---|---|---|---|"
echo "| stream of $N events, events/s | $evt_rate ($got received) | $mos_rate ($mgot received, QoS 0) | $(ratio "$evt_rate" "$mos_rate")x |"
echo "| stream with one --where '.i >= 1', events/s | $where_rate ($where_got received) | | $(ratio "$where_rate" "$evt_rate")x of without |"
echo "| listen CPU per event without / with --where, ns | $listen_cpu / $where_cpu | | $(ratio "$where_cpu" "$listen_cpu")x |"
echo "| one call, median wall ms | $evt_call | $mos_call | $(ratio "$evt_call" "$mos_call")x |"
echo "| peak RSS fire / pub, KiB | $(rss_of "$SCRATCH/fire.rss") | $(rss_of "$SCRATCH/mpub.rss") | |"
echo "| peak RSS listen / sub, KiB | $(rss_of "$SCRATCH/listen.rss") | $(rss_of "$SCRATCH/msub.rss") | |"
echo
echo "targets: >= 300000 events/s; one --where within 10% (ratio >= 0.90); one call no slower than mosquitto_pub (ratio <= 1.00)"
[ "$got" -eq "$N" ] || { echo "LOSS: $got of $N events arrived" >&2; exit 1; }
[ "$where_got" -eq "$N" ] || { echo "LOSS with --where: $where_got of $N events arrived" >&2; exit 1; }
