#!/usr/bin/env bash
# eventsapi serve beside a glustereventsd-like baseline (one requests.post
# per event, in order, per webhook, no retry: glustereventsd_like.py), fed
# the same Gluster datagrams in one run, each to its own keep-alive receiver
# (http-sink, built beside the tools, so that the receiver is not what is
# measured):
#   - deliveries/s for N events (default 10 000, EVENTS=...) sent at once;
#   - fire-to-POST latency p50/p99 at a steady RATE (default 200/s);
#   - events delivered across a 10 s outage of the receiver;
#   - peak RSS.
source "$(dirname "$0")/lib.sh"
N=${EVENTS:-10000}
RATE=${RATE:-200}
PY=/usr/bin/python3
HERE=$ROOT/tests/bench
/usr/bin/python3 -c 'import requests' 2>/dev/null || { echo "webhooks.sh: needs python3-requests (make bench-deps)" >&2; exit 1; }

receiver() {  # receiver NAME PORT: (re)starts it; pid in $SCRATCH/NAME.pid
  rm -f "$SCRATCH/$1.log.ready"
  http-sink "$2" "$SCRATCH/$1.log" &
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

# serve_ours NAME UDP_PORT HOOK_PORT: eventsapi serve with its own store.
serve_ours() {
  export EVENTSAPI_STORE=$SCRATCH/$1-store EVENTSAPI_STATE=$SCRATCH/$1-state
  eventsapi webhook-add "http://127.0.0.1:$3/hook" > /dev/null
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
lat = sorted(t - t0 for t0, t in first.values())
span = max(t for _, t in first.values()) - min(t0 for t0, _ in first.values())
order = [seq for seq, _, _ in rows if first[seq][1] is not None]
seqs = list(dict.fromkeys(seq for seq, _, _ in rows))
in_order = "yes" if seqs == sorted(seqs) else "no"
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
print(len(first), "%.0f" % (len(first) / span if span > 0 else 0), "%.1f" % pct(0.5), "%.1f" % pct(0.99), in_order)
PY
}

# run KIND: the three measurements for eventsapi (ours) or the baseline.
run() {
  local kind=$1 udp hook
  udp=$(free_port); hook=$(free_port)
  receiver "$kind-burst" "$hook"
  "serve_$kind" "$kind" "$udp" "$hook"
  $PY "$HERE/send_datagrams.py" 1 "$N" 0 "$udp"
  wait_delivered "$SCRATCH/$kind-burst.log" "$N" 5
  read -r burst_n burst_rate _ _ burst_order < <(stats "$SCRATCH/$kind-burst.log")
  stop "$kind-burst"

  receiver "$kind-paced" "$hook"
  $PY "$HERE/send_datagrams.py" 100001 $((RATE * 10)) "$RATE" "$udp"
  wait_delivered "$SCRATCH/$kind-paced.log" $((RATE * 10)) 5
  read -r _ _ p50 p99 _ < <(stats "$SCRATCH/$kind-paced.log")
  stop "$kind-paced"

  # The outage: 500 events while nobody answers for 10 s, then 500 more.
  local outage_start=$SECONDS
  $PY "$HERE/send_datagrams.py" 200001 500 100 "$udp"
  sleep $((10 - (SECONDS - outage_start)))
  receiver "$kind-outage" "$hook"
  $PY "$HERE/send_datagrams.py" 200501 500 100 "$udp"
  wait_delivered "$SCRATCH/$kind-outage.log" 1000 8
  read -r outage_n _ _ _ outage_order < <(stats "$SCRATCH/$kind-outage.log")
  stop "$kind-outage"
  stop "$kind"
  echo "$burst_n $burst_rate $burst_order $p50 $p99 $outage_n $outage_order $(rss_of "$SCRATCH/$kind.rss")"
}

read -r o_n o_rate o_order o_p50 o_p99 o_out o_out_order o_rss < <(run ours)
read -r b_n b_rate b_order b_p50 b_p99 b_out b_out_order b_rss < <(run baseline)

echo
echo "| measure | eventsapi serve | glustereventsd-like | ratio |"
echo "|---|---|---|---|"
echo "| $N datagrams at once: delivered (the rest lost) | $o_n (in order: $o_order) | $b_n (in order: $b_order) | |"
echo "| deliveries/s | $o_rate | $b_rate | $(ratio "$o_rate" "$b_rate")x |"
echo "| latency p50 ms at $RATE/s | $o_p50 | $b_p50 | $(ratio "$o_p50" "$b_p50") |"
echo "| latency p99 ms at $RATE/s | $o_p99 | $b_p99 | $(ratio "$o_p99" "$b_p99") |"
echo "| 10 s receiver outage: delivered of 1000 | $o_out (in order: $o_out_order) | $b_out | |"
echo "| peak RSS KiB | $o_rss | $b_rss | |"
echo
echo "target: at least 10x the baseline's deliveries/s; no event lost across the outage"
