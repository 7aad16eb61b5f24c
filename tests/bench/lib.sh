# Helpers shared by the benchmarks: paths, a scratch directory, timing and
# peak RSS, and a markdown table. Timing lives here, never in the tests.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$ROOT/${BUILD:-build}
export PATH="$BIN:$PATH"
SCRATCH=$(mktemp -d /tmp/event-tools-bench-XXXXXX)
trap 'bench_cleanup' EXIT
BENCH_PIDS=()

bench_cleanup() {
  for pid in "${BENCH_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$SCRATCH"
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_for_file() {
  local i=0
  while [ ! -e "$1" ]; do i=$((i + 1)); [ $i -gt 2000 ] && return 1; sleep 0.01; done
}

wait_for_port() {
  local i=0
  while ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do i=$((i + 1)); [ $i -gt 2000 ] && return 1; sleep 0.01; done
}

# start_redis_server PORT: a throwaway redis-server on loopback, stopped at
# exit; returns once it answers PING.
start_redis_server() {
  redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no --dir "$SCRATCH" --logfile "$SCRATCH/redis.log" &
  BENCH_PIDS+=($!)
  until redis-cli -p "$1" PING 2>/dev/null | grep -q PONG; do sleep 0.01; done
}

now_ns() { date +%s%N; }

# publish_commands DATA OUT: each line of DATA as a RESP PUBLISH on
# bench/tick, for redis-cli --pipe.
publish_commands() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "wb") as out:
    for line in src:
        d = line.rstrip(b"\n")
        out.write(b"*3\r\n$7\r\nPUBLISH\r\n$10\r\nbench/tick\r\n$%d\r\n%s\r\n" % (len(d), d))
PY
}

# rss_of FILE: peak RSS in KiB recorded by /usr/bin/time -f %M into FILE.
rss_of() { tail -n 1 "$1"; }

# median_ms CMD...: hyperfine's median of a command, in milliseconds.
median_ms() {
  hyperfine --style none --warmup 20 --runs "${RUNS:-300}" -N --export-json "$SCRATCH/h.json" "$*" >/dev/null 2>&1 ||
    { echo NaN; return; }
  /usr/bin/python3 -c 'import json,sys; print("%.3f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$SCRATCH/h.json"
}

ratio() { /usr/bin/python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (a/b) if b else 'n/a')" "$1" "$2"; }
rate() { /usr/bin/python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) / (float(sys.argv[2]) / 1e9)))" "$1" "$2"; }
