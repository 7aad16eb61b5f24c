#!/usr/bin/env bash
# eventsapi serve beside Debian's own glustereventsd (and a glustereventsd-
# like baseline, glustereventsd_like.py), fed the same Gluster datagrams in
# one run, each to its own keep-alive receiver (http-sink, built beside the
# tools, so that the receiver is not what is measured):
#   - a fast receiver: deliveries/s for N events at once (default 10 000,
#     EVENTS=...), fire-to-POST latency p50/p99;
#   - a receiver that takes 20 ms per request and serves requests at once (a
#     receiver across a WAN, or doing real work): the same for SLOW events
#     (default 500), serve with 1 and with 16 requests in flight;
#   - events delivered across a 10 s outage of the receiver;
#   - peak RSS, and serve's with 10 webhooks x 16 in flight and a BACKLOG
#     (default 100 000) of events waiting on disk.
source "$(dirname "$0")/lib.sh"
N=${EVENTS:-10000}
SLOW=${SLOW:-500}
BACKLOG=${BACKLOG:-100000}
PY=/usr/bin/python3
HERE=$ROOT/tests/bench
/usr/bin/python3 -c 'import requests' 2>/dev/null || { echo "webhooks.sh: needs python3-requests (make bench-deps)" >&2; exit 1; }

receiver() {  # receiver NAME PORT [DELAY_MS]: (re)starts it; pid in $SCRATCH/NAME.pid
  rm -f "$SCRATCH/$1.log.ready"
  http-sink "$2" "$SCRATCH/$1.log" ${3:-} &
  echo $! > "$SCRATCH/$1.pid"
  BENCH_PIDS+=($!)
  wait_for_file "$SCRATCH/$1.log.ready"
}
# stop NAME: a daemon under /usr/bin/time gets the signal itself, so that
# time lives to write its peak RSS.
stop() {
  local pid
  pid=$(cat "$SCRATCH/$1.pid")
  pkill -TERM -P "$pid" 2>/dev/null || kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

# serve_ours NAME UDP_PORT HOOK_PORT [IN_FLIGHT]: eventsapi serve with its own store.
serve_ours() {
  export EVENTSAPI_STORE=$SCRATCH/$1-store EVENTSAPI_STATE=$SCRATCH/$1-state
  eventsapi webhook-add --max-in-flight "${4:-1}" "http://127.0.0.1:$3/hook" > /dev/null
  eventsapi config-set disable-events-log true > /dev/null
  eventsapi config-set retry-schedule 0.5,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1 > /dev/null
  /usr/bin/time -f %M -o "$SCRATCH/$1.rss" eventsapi serve --from "local:$SCRATCH/$1-bus" --port "$2" \
    --ready-file "$SCRATCH/$1.ready" 2> "$SCRATCH/$1.err" &
  echo $! > "$SCRATCH/$1.pid"
  BENCH_PIDS+=($!)
  wait_for_file "$SCRATCH/$1.ready"
}
serve_baseline() {
  /usr/bin/time -f %M -o "$SCRATCH/$1.rss" $PY "$HERE/glustereventsd_like.py" "$2" "$SCRATCH/$1.ready" \
    "http://127.0.0.1:$3/hook" 2> "$SCRATCH/$1.err" &
  echo $! > "$SCRATCH/$1.pid"
  BENCH_PIDS+=($!)
  wait_for_file "$SCRATCH/$1.ready"
}
# serve_gluster NAME UDP_PORT HOOK_PORT: Debian's glustereventsd, as installed.
# It finds its working directory with `gluster system:: getwd`: a stand-in
# for glusterd prints a scratch one, where its config.json (the port) and
# webhooks.json are written; nothing of the system's is touched.
serve_gluster() {
  local wd=$SCRATCH/$1-glusterd
  mkdir -p "$wd/events" "$SCRATCH/$1-bin"
  printf '#!/bin/sh\n[ "$1 $2" = "system:: getwd" ] && exec echo %s\nexit 1\n' "$wd" > "$SCRATCH/$1-bin/gluster"
  chmod +x "$SCRATCH/$1-bin/gluster"
  echo "UUID=00000000-0000-4000-8000-000000000001" > "$wd/glusterd.info"
  echo "{\"port\": $2, \"disable-events-log\": true}" > "$wd/events/config.json"
  echo "{\"http://127.0.0.1:$3/hook\": {\"token\": \"\", \"secret\": \"\"}}" > "$wd/events/webhooks.json"
  PATH="$SCRATCH/$1-bin:$PATH" setsid /usr/bin/time -f %M -o "$SCRATCH/$1.rss" /usr/sbin/glustereventsd \
    -p "$SCRATCH/$1.glusterpid" 2> "$SCRATCH/$1.err" &
  echo $! > "$SCRATCH/$1.pid"
  BENCH_PIDS+=($!)
  local i=0
  until ss -Hun state all "sport = :$2" | grep -q .; do i=$((i + 1)); [ $i -gt 2000 ] && return 1; sleep 0.01; done
}
stop_gluster() {  # its webhook process too: the whole session
  local pid
  pid=$(cat "$SCRATCH/$1.pid")
  pkill -TERM -P "$pid" 2>/dev/null
  sleep 0.5
  kill -9 -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

# wait_delivered LOG N SECS: until N distinct events reached LOG, or SECS of no progress.
wait_delivered() {
  $PY - "$@" <<'PY'
import json, sys, time
log, n, idle = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
seen, pos, last = set(), 0, time.monotonic()
while len(seen) < n and time.monotonic() - last < idle:
    try:
        with open(log) as f:
            f.seek(pos)
            for line in f:
                if not line.endswith("\n"):
                    break
                pos += len(line.encode())
                seen.add(json.loads(json.loads(line)["body"])["message"]["seq"])
                last = time.monotonic()
    except FileNotFoundError:
        pass
    time.sleep(0.05)
PY
}

# stats LOG: "delivered per_second p50_ms p99_ms in_order" over the log.
stats() {
  $PY - "$1" <<'PY'
import json, sys
rows = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    m = json.loads(r["body"])["message"]
    rows.append((int(m["seq"]), int(m["t0"]) / 1e9, r["t"]))
first = {}
for seq, t0, t in rows:
    first.setdefault(seq, (t0, t))
if not first:
    print(0, 0, "n/a", "n/a", "n/a")
    sys.exit()
lat = sorted(t - t0 for t0, t in first.values())
span = max(t for _, t in first.values()) - min(t0 for t0, _ in first.values())
seqs = list(dict.fromkeys(seq for seq, _, _ in rows))
in_order = "yes" if seqs == sorted(seqs) else "no"
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
print(len(first), "%.0f" % (len(first) / span if span > 0 else 0), "%.1f" % pct(0.5), "%.1f" % pct(0.99), in_order)
PY
}

# burst KIND NAME COUNT DELAY_MS [IN_FLIGHT]: COUNT datagrams at once to a
# fresh serve of KIND and receiver; "delivered rate p50 p99 in_order rss".
burst() {
  local kind=$1 name=$2 count=$3 delay=$4 udp hook
  udp=$(free_port); hook=$(free_port)
  receiver "$name-r" "$hook" "$delay"
  "serve_$kind" "$name" "$udp" "$hook" "${5:-}" || { stop "$name-r"; echo "0 0 n/a n/a n/a n/a"; return; }
  $PY "$HERE/send_datagrams.py" 1 "$count" 0 "$udp"
  wait_delivered "$SCRATCH/$name-r.log" "$count" 5
  local result
  result=$(stats "$SCRATCH/$name-r.log")
  if [ "$kind" = gluster ]; then stop_gluster "$name"; else stop "$name"; fi
  stop "$name-r"
  echo "$result $(rss_of "$SCRATCH/$name.rss")"
}

# outage KIND: 500 events while nobody answers for 10 s, then 500 more;
# "delivered in_order".
outage() {
  local kind=$1 udp hook
  udp=$(free_port); hook=$(free_port)
  receiver "$kind-o0" "$hook"
  "serve_$kind" "$kind-o" "$udp" "$hook"
  stop "$kind-o0"
  local outage_start=$SECONDS
  $PY "$HERE/send_datagrams.py" 200001 500 100 "$udp"
  sleep $((10 - (SECONDS - outage_start)))
  receiver "$kind-o1" "$hook"
  $PY "$HERE/send_datagrams.py" 200501 500 100 "$udp"
  wait_delivered "$SCRATCH/$kind-o1.log" 1000 8
  read -r n _ _ _ order < <(stats "$SCRATCH/$kind-o1.log")
  stop "$kind-o"
  stop "$kind-o1"
  echo "$n $order"
}

have_gluster=yes
[ -x /usr/sbin/glustereventsd ] || have_gluster=no

declare -A R
row() {  # row LABEL RESULT
  R[$1]=$2
}
run_kind() {  # run_kind LABEL KIND COUNT DELAY [IN_FLIGHT]
  row "$1" "$(burst "$2" "$1" "$3" "$4" "${5:-}")"
}
run_kind fast-ours ours "$N" 0 1
run_kind fast-ours16 ours "$N" 0 16
run_kind fast-baseline baseline "$N" 0
[ $have_gluster = yes ] && run_kind fast-gluster gluster "$N" 0
run_kind slow-ours ours "$SLOW" 20 1
run_kind slow-ours16 ours "$SLOW" 20 16
run_kind slow-baseline baseline "$SLOW" 20
[ $have_gluster = yes ] && run_kind slow-gluster gluster "$SLOW" 20
read -r o_out o_out_order < <(outage ours)
read -r b_out _ < <(outage baseline)

# Memory: 10 webhooks, 16 in flight each, a backlog of BACKLOG events on disk.
mem_store=$SCRATCH/mem-store
export EVENTSAPI_STORE=$mem_store EVENTSAPI_STATE=$SCRATCH/mem-state
ports=()
for i in $(seq 1 10); do
  p=$(free_port); ports+=("$p")
  receiver "mem-r$i" "$p" 20
  eventsapi webhook-add --max-in-flight 16 "http://127.0.0.1:$p/hook" > /dev/null
done
eventsapi config-set disable-events-log true > /dev/null
/usr/bin/time -f %M -o "$SCRATCH/mem.rss" eventsapi serve --from "local:$SCRATCH/mem-bus" --port 0 \
  --ready-file "$SCRATCH/mem.ready" 2> "$SCRATCH/mem.err" &
echo $! > "$SCRATCH/mem.pid"
BENCH_PIDS+=($!)
wait_for_file "$SCRATCH/mem.ready"
seq 1 "$BACKLOG" | sed 's/.*/{"tag":"VOLUME_DELETE","data":{"seq":&,"t0":0}}/' | EVENT_SOCK_DIR=$SCRATCH/mem-bus event-fire -l
sleep 10  # draining: 10 x 16 x 50/s
mem_pending=$(eventsapi --json status | $PY -c 'import json,sys; print(sum(w["pending"] for w in json.load(sys.stdin)["output"]["webhooks"]))')
stop mem
for i in $(seq 1 10); do stop "mem-r$i"; done
mem_spool=$(du -sm "$SCRATCH/mem-state/spool" | cut -f1)

value() { local v=(${R[$1]}); echo "${v[$(($2 - 1))]}"; }  # value LABEL INDEX(1-6)
g=$( [ $have_gluster = yes ] && echo gluster || echo baseline )
echo
echo "| receiver | sender | in flight | delivered | deliveries/s | vs glustereventsd | p50 ms | p99 ms | in order | peak RSS KiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for speed in fast slow; do
  ref=$(value "$speed-$g" 2)
  count=$N; [ $speed = slow ] && count=$SLOW
  rx="fast"; [ $speed = slow ] && rx="20 ms/request"
  for who in ours ours16 baseline gluster; do
    [ -z "${R[$speed-$who]:-}" ] && continue
    case $who in
      ours) label="eventsapi serve"; n=1 ;;
      ours16) label="eventsapi serve"; n=16 ;;
      baseline) label="glustereventsd-like"; n=1 ;;
      gluster) label="glustereventsd (Debian 10.3)"; n=1 ;;
    esac
    echo "| $rx | $label | $n | $(value "$speed-$who" 1) of $count | $(value "$speed-$who" 2) | $(ratio "$(value "$speed-$who" 2)" "$ref")x | $(value "$speed-$who" 3) | $(value "$speed-$who" 4) | $(value "$speed-$who" 5) | $(value "$speed-$who" 6) |"
  done
done
echo
echo "| 10 s receiver outage | eventsapi serve: $o_out of 1000 delivered (in order: $o_out_order) | glustereventsd-like: $b_out of 1000 |"
echo "| 10 webhooks x 16 in flight, $BACKLOG-event backlog | peak RSS $(rss_of "$SCRATCH/mem.rss") KiB | $mem_pending pending after 10 s, $mem_spool MB of spool on disk |"
echo
echo "one request per round trip at 20 ms is at most $(( 1000 / 21 ))/s: 1 in flight should be within 10% of it"
echo "targets: 16 in flight >= 12x glustereventsd against the 20 ms receiver; no slower than before against the fast one"
