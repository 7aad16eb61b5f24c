#!/usr/bin/env bash
# ZeroMQ, beside a minimal libzmq sender/receiver of the same frames
# (tests/bench/zmq_peer.cpp, the limit on this machine), in one run:
# events/s of `event-fire -l --bind tcp://...` to `event-listen -u tcp://...`
# for N small events (default 1 000 000, EVENTS=...), and peak RSS.
# Also the local bus `event-fire -l | event-listen` in the same run, for scale.
source "$(dirname "$0")/lib.sh"
N=${EVENTS:-1000000}
seq 1 "$N" | sed 's/.*/{"i":&,"msg":"hello"}/' > "$SCRATCH/data"
# The baseline sends the envelopes event-fire would make.
event-fire -u - -l bench/tick < "$SCRATCH/data" > "$SCRATCH/envelopes"

run_pair() {  # NAME SENDER-CMD RECEIVER-CMD: prints events/s, leaves count and RSS files
  local name=$1 port
  port=$(free_port)
  local send=${2//PORT/$port} recv=${3//PORT/$port}
  /usr/bin/time -f %M -o "$SCRATCH/$name.recv.rss" $recv > "$SCRATCH/$name.got" &
  local receiver=$!
  local start
  start=$(now_ns)
  /usr/bin/time -f %M -o "$SCRATCH/$name.send.rss" $send
  wait $receiver
  rate "$(wc -l < "$SCRATCH/$name.got")" $(( $(now_ns) - start ))
}

evt=$(run_pair evt "event-fire -l --bind -u tcp://127.0.0.1:PORT bench/tick" "event-listen -u tcp://127.0.0.1:PORT -n $N" < "$SCRATCH/data")
base=$(run_pair base "$BIN/zmq-peer send tcp://127.0.0.1:PORT $SCRATCH/envelopes" "$BIN/zmq-peer recv tcp://127.0.0.1:PORT $N")

echo
echo "| measure | event-tools | minimal libzmq peer | ratio |"
echo "|---|---|---|---|"
echo "| $N events fire -l --bind -> listen over tcp, events/s | $evt ($(wc -l < "$SCRATCH/evt.got") received) | $base ($(wc -l < "$SCRATCH/base.got") received) | $(ratio "$evt" "$base") |"
echo "| peak RSS KiB sender | $(rss_of "$SCRATCH/evt.send.rss") | $(rss_of "$SCRATCH/base.send.rss") | |"
echo "| peak RSS KiB receiver | $(rss_of "$SCRATCH/evt.recv.rss") | $(rss_of "$SCRATCH/base.recv.rss") | |"
echo
echo "target: ratio >= 0.50, no loss"
[ "$(wc -l < "$SCRATCH/evt.got")" -eq "$N" ] || { echo "LOSS in event-tools" >&2; exit 1; }
