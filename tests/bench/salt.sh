#!/usr/bin/env bash
# A Salt event bus (the peer of tests/fixtures/salt_bus.py, Salt's framing),
# read by `event-listen -u salt:DIR -o salt` and by what `salt-run
# state.event` does in Python with the same msgpack library (the fixture's
# `event`: Unpacker, payload loads, decode, json.dumps, print), in one run:
# - events/s reading N job returns (default 200 000, EVENTS=...) that the
#   publisher writes as fast as the socket takes them;
# - start to first event: `event-listen -n 1` against Python importing
#   msgpack alone (hyperfine, median; RUNS=...);
# - one fire_master through a running minion (a cron job's call, issue 22):
#   `event-fire fire_master` on a minion's bus against Python importing
#   msgpack alone, and against Python writing the same frame to the same
#   socket (the fixture's fire: Salt's fire_master without the rest of
#   salt-call, which loads Salt's modules and config on top).
source "$(dirname "$0")/lib.sh"
N=${EVENTS:-200000}
PY=/usr/bin/python3
SALT="$PY $ROOT/tests/fixtures/salt_bus.py"
BUS=$SCRATCH/bus
mkdir -m 700 "$BUS"
export SALT_BUS=$ROOT/tests/fixtures/salt_bus.py

# N job returns as a master publishes them.
$PY - "$N" "$SCRATCH/frames" <<'EOF'
import sys
import importlib.util, os
spec = importlib.util.spec_from_file_location("salt_bus", os.environ["SALT_BUS"])
salt_bus = importlib.util.module_from_spec(spec)
spec.loader.exec_module(salt_bus)
n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "wb") as f:
    for i in range(n):
        jid = "202511220523%08d" % i
        data = {"cmd": "_return", "id": "web%d" % (i % 50), "success": True,
                "return": {"pkg_|-nginx_|-nginx_|-installed": {"result": True, "comment": "All specified packages are already installed",
                                                              "duration": 12.5, "__run_num__": 0}},
                "retcode": 0, "jid": jid, "fun": "state.apply", "fun_args": ["nginx"]}
        f.write(salt_bus.fire_frame("salt/job/%s/ret/web%d" % (jid, i % 50), data, "2025-11-22T05:23:20.123456"))
EOF

read_rate() {  # NAME READER-CMD: events/s from the first subscriber's connection to the reader's end
  local name=$1
  shift
  rm -f "$SCRATCH/start" "$BUS/master_event_pub.ipc"
  $SALT blast "$BUS" "$SCRATCH/frames" --start-file "$SCRATCH/start" &
  local blaster=$!
  until [ -S "$BUS/master_event_pub.ipc" ]; do sleep 0.01; done
  /usr/bin/time -f %M -o "$SCRATCH/$name.rss" "$@" > "$SCRATCH/$name.out"
  local end
  end=$(now_ns)
  wait $blaster
  rate "$(wc -l < "$SCRATCH/$name.out")" $((end - $(cat "$SCRATCH/start")))
}
evt=$(read_rate evt event-listen -u "salt:$BUS" -n "$N" -o salt)
py=$(read_rate py $SALT event "$BUS" --count "$N")
same=no
cmp -s "$SCRATCH/evt.out" "$SCRATCH/py.out" && same=yes

# Start to first event: a publisher that gives every subscriber one event.
head -c "$(($(wc -c < "$SCRATCH/frames") / N))" "$SCRATCH/frames" > "$SCRATCH/one"
rm -f "$BUS/master_event_pub.ipc"
$SALT blast "$BUS" "$SCRATCH/one" --forever &
BENCH_PIDS+=($!)
until [ -S "$BUS/master_event_pub.ipc" ]; do sleep 0.01; done
first=$(median_ms event-listen -u "salt:$BUS" -n 1 -o salt)
import=$(median_ms "$PY -c 'import msgpack'")
py_first=$(median_ms $SALT event "$BUS" --count 1)

# One fire_master on a minion's bus, its publisher taking every frame.
MBUS=$SCRATCH/minion
mkdir -m 700 "$MBUS"
$SALT publisher "$MBUS" --minion web1 --ready-file "$SCRATCH/minion.ready" &
BENCH_PIDS+=($!)
wait_for_file "$SCRATCH/minion.ready"
fm=$(median_ms "event-fire -u salt:$MBUS?id=web1 fire_master 'backup done' myco/backup/done")
py_fm=$(median_ms "$SALT fire $MBUS fire_master '{\"data\": \"backup done\", \"tag\": \"myco/backup/done\", \"events\": null, \"pretag\": null}' --minion web1")

echo
echo "| measure | event-listen | Python (msgpack, as state.event) | ratio |"
echo "|---|---|---|---|"
echo "| $N job returns read, -o salt, events/s | $evt ($(wc -l < "$SCRATCH/evt.out") read) | $py ($(wc -l < "$SCRATCH/py.out") read) | $(ratio "$evt" "$py") |"
echo "| output identical line for line | $same | | |"
echo "| peak RSS KiB | $(rss_of "$SCRATCH/evt.rss") | $(rss_of "$SCRATCH/py.rss") | |"
echo "| start to first event, ms (median) | $first | $py_first (import msgpack alone: $import) | $(ratio "$import" "$first") x faster than the import |"
echo "| one fire_master through a minion's bus, ms (median) | $fm | $py_fm (import msgpack alone: $import) | $(ratio "$import" "$fm") x faster than the import, $(ratio "$py_fm" "$fm") x than the frame in Python |"
echo
echo "target: faster than Python on both, identical output"
[ "$same" = yes ] || { echo "OUTPUT DIFFERS" >&2; exit 1; }
