# Shared setup for the bats suites: the binaries under test on PATH, a
# private bus directory per test, and helpers that wait by polling (never by
# sleeping a fixed time) for servers and listeners to be ready.
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

EVT_BUILD_DIR=${EVT_BUILD_DIR:-$BATS_TEST_DIRNAME/../build}
PATH="$EVT_BUILD_DIR:$PATH"
PYTHON=/usr/bin/python3
FIX=$BATS_TEST_DIRNAME/fixtures

common_setup() {
  export EVENT_SOCK_DIR="$BATS_TEST_TMPDIR/bus"
  unset EVENT_URL EVENT_MASTER XDG_RUNTIME_DIR
  export EVENT_CONFIG="$BATS_TEST_TMPDIR/no-config"
  # No Gluster node's UUID unless a test makes one (the real glusterd's test does).
  export GLUSTERD_WORKDIR="$BATS_TEST_TMPDIR/glusterd"
  : > "$EVENT_CONFIG"
  T=$BATS_TEST_TMPDIR
}

# wait_for_file PATH [SECONDS]: poll until PATH exists.
wait_for_file() {
  local path=$1 limit=${2:-10} i=0
  while [ ! -e "$path" ]; do
    i=$((i + 1))
    [ "$i" -gt $((limit * 100)) ] && { echo "timed out waiting for $path" >&2; return 1; }
    sleep 0.01
  done
}

# wait_for_lines FILE N [SECONDS]: poll until FILE has at least N lines.
wait_for_lines() {
  local file=$1 n=$2 limit=${3:-10} i=0
  while [ "$(wc -l < "$file" 2>/dev/null || echo 0)" -lt "$n" ]; do
    i=$((i + 1))
    [ "$i" -gt $((limit * 100)) ] && { echo "timed out waiting for $n lines in $file" >&2; return 1; }
    sleep 0.01
  done
}

# wait_for_text FILE TEXT [SECONDS]: poll until FILE holds the fixed string TEXT.
wait_for_text() {
  local file=$1 text=$2 limit=${3:-10} i=0
  until grep -qF -- "$text" "$file" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -gt $((limit * 100)) ] && { echo "timed out waiting for '$text' in $file" >&2; return 1; }
    sleep 0.01
  done
}

# wait_for_exit PID [SECONDS]: poll until the process is gone.
wait_for_exit() {
  local pid=$1 limit=${2:-10} i=0
  while kill -0 "$pid" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -gt $((limit * 100)) ] && { echo "timed out waiting for pid $pid" >&2; return 1; }
    sleep 0.01
  done
}

# wait_for_status REGEX [SECONDS]: poll `eventsapi --json status` until it matches.
wait_for_status() {
  local regex=$1 limit=${2:-10} i=0
  until eventsapi --json status | grep -qE -- "$regex"; do
    i=$((i + 1))
    [ "$i" -gt $((limit * 10)) ] && { echo "eventsapi status never matched $regex" >&2; return 1; }
    sleep 0.1
  done
}

# start_listener NAME [ARGS...]: event-listen in the background, output in
# $T/NAME.out, stderr in $T/NAME.err, pid in $T/NAME.pid; returns once live.
start_listener() {
  local name=$1
  shift
  # A ready file left by an earlier listener of that name would say "live" too soon.
  rm -f "$T/$name.ready"
  # 3>&-: bats waits for fd 3 to close; background jobs must not hold it.
  event-listen --ready-file "$T/$name.ready" "$@" > "$T/$name.out" 2> "$T/$name.err" 3>&- &
  echo $! > "$T/$name.pid"
  wait_for_file "$T/$name.ready"
}

# finish NAME: waits for a background listener and leaves its status in $T/NAME.rc.
finish() {
  local name=$1 pid rc=0
  pid=$(cat "$T/$name.pid")
  wait "$pid" || rc=$?
  echo "$rc" > "$T/$name.rc"
}

# npm_peer DIR PACKAGE@VERSION...: packages of the npm registry (peers
# nobody here wrote), installed once into tests/DIR (ignored by git); false
# when npm is missing or the install fails, for the test to skip.
npm_peer() {
  local dir=$BATS_TEST_DIRNAME/$1 spec
  shift
  for spec in "$@"; do
    [ -d "$dir/node_modules/${spec%@*}" ] || {
      command -v npm > /dev/null || return 1
      mkdir -p "$dir" && (cd "$dir" && npm install --no-audit --no-fund --silent "$@" > /dev/null 2>&1)
      return
    }
  done
}

# free_port: a TCP port nobody listens on now.
free_port() {
  $PYTHON -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Stops background jobs a failed test left behind.
common_teardown() {
  local pids
  pids=$(jobs -p)
  [ -n "$pids" ] && kill $pids 2>/dev/null
  for f in "$T"/*.pid; do
    [ -e "$f" ] && kill -CONT "$(cat "$f")" 2>/dev/null && kill "$(cat "$f")" 2>/dev/null
  done
  return 0
}

# start_redis [NAME] [ARGS...]: a redis-server on a free loopback port, no
# persistence; sets REDIS_PORT and REDIS_URL. Returns once it answers PING.
start_redis() {
  local name=${1:-redis}
  shift || true
  REDIS_PORT=${REDIS_PORT_FORCE:-$(free_port)}
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  mkdir -p "$T/$name-dir"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$T/$name-dir" \
    --logfile "$T/$name.log" "$@" 3>&- &
  echo $! > "$T/$name.pid"
  wait_for_redis "$REDIS_PORT" "$@"
}

# wait_for_redis PORT [server args]: poll until the server answers.
wait_for_redis() {
  local port=$1 i=0 auth=()
  shift
  # A server started with --requirepass answers PING with NOAUTH: that counts as up.
  while ! redis-cli -p "$port" PING 2>/dev/null | grep -qE 'PONG|NOAUTH'; do
    i=$((i + 1))
    [ "$i" -gt 1000 ] && { echo "redis on $port did not start" >&2; return 1; }
    sleep 0.01
  done
}

# stop_redis [NAME]: stops the server and waits until it is gone.
stop_redis() {
  local name=${1:-redis} pid
  pid=$(cat "$T/$name.pid")
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

# wait_for_psubscribers PORT N: until the server counts N pattern subscriptions.
wait_for_numpat() {
  local port=$1 n=$2 i=0
  until [ "$(redis-cli -p "$port" PUBSUB NUMPAT 2>/dev/null)" -ge "$n" ] 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -gt 2000 ] && { echo "no $n pattern subscriptions on $port" >&2; return 1; }
    sleep 0.01
  done
}

# --- eventsapi: a webhook receiver, serve, and what reached the receiver

# start_receiver NAME PORT [ARGS...]: the webhook receiver; requests in $T/NAME.log.
start_receiver() {
  local name=$1 port=$2
  shift 2
  rm -f "$T/$name.log.ready"
  $PYTHON "$FIX/webhook_receiver.py" "$port" "$T/$name.log" "$@" 3>&- &
  echo $! > "$T/$name.pid"
  wait_for_file "$T/$name.log.ready"
}

stop_receiver() {
  local pid
  pid=$(cat "$T/$1.pid")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

# start_serve NAME [ARGS...]: eventsapi serve with no UDP port unless ARGS
# give one; stderr in $T/NAME.err.
start_serve() {
  local name=$1
  shift
  rm -f "$T/$name.ready"
  local port=(--port 0)
  [[ " $* " == *" --port "* ]] && port=()
  eventsapi serve "${port[@]}" --ready-file "$T/$name.ready" "$@" 2> "$T/$name.err" 3>&- &
  echo $! > "$T/$name.pid"
  wait_for_file "$T/$name.ready"
}

stop_serve() {
  local pid
  pid=$(cat "$T/$1.pid")
  kill "$pid"
  wait "$pid"
}

# field LOG EXPR: a Python expression over each request r, one line each.
field() {
  $PYTHON -c 'import json,sys
for line in open(sys.argv[1]):
    r = json.loads(line); b = r["body"]; h = r["headers"]
    print(eval(sys.argv[2]))' "$1" "$2"
}

# The data of each request's event, in order of arrival.
messages() { field "$1" 'json.dumps(json.loads(b)["message"])'; }

# first_seen LOG: the messages in order of first arrival (at least once: a
# request the receiver logged but whose answer was lost comes again).
first_seen() { messages "$1" | awk '!seen[$0]++'; }

# wait_for_unique LOG N [SECONDS]: until N different events arrived.
wait_for_unique() {
  local log=$1 n=$2 limit=${3:-30} i=0
  until [ -e "$log" ] && [ "$(first_seen "$log" | wc -l)" -ge "$n" ]; do
    i=$((i + 1))
    [ "$i" -gt $((limit * 10)) ] && { echo "only $(first_seen "$log" | wc -l) of $n events reached $log" >&2; return 1; }
    sleep 0.1
  done
}

# udp_send PORT DATAGRAM...: each argument as one datagram, its bytes as given.
udp_send() {
  $PYTHON -c 'import os,socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for d in sys.argv[2:]:
    s.sendto(os.fsencode(d), ("127.0.0.1", int(sys.argv[1])))' "$@"
}

quiet() { "$@" > /dev/null; }

# --- event-handle

# step DIR/NAME 'shell body': an executable step script.
step() {
  mkdir -p "$(dirname "$1")"
  printf '#!/bin/sh\n%s\n' "$2" > "$1"
  chmod +x "$1"
}

# event TAG [DATA]: one envelope line.
event() { printf '{"tag":"%s","data":%s}\n' "$1" "${2:-{\}}"; }

# start_salt_bus NAME [ARGS...]: the Salt bus peer (tests/fixtures/salt_bus.py
# publisher) on sock_dir $T/NAME, log in $T/NAME.log (a line per subscriber
# (dis)connected), pid in $T/NAME.pid; returns once its sockets are bound.
start_salt_bus() {
  local name=$1
  shift
  mkdir -p "$T/$name"
  chmod 700 "$T/$name"
  rm -f "$T/$name.ready"
  $PYTHON "$FIX/salt_bus.py" publisher "$T/$name" --ready-file "$T/$name.ready" --log "$T/$name.log" "$@" \
    2> "$T/$name.err" 3>&- &
  echo $! > "$T/$name.pid"
  wait_for_file "$T/$name.ready"
}

# wait_for_salt_subscribers NAME N: until the bus counts N subscribers.
wait_for_salt_subscribers() {
  local name=$1 n=$2 i=0
  until [ "$(tail -n 1 "$T/$name.log" 2>/dev/null)" = "subscribers $n" ]; do
    i=$((i + 1))
    [ "$i" -gt 1000 ] && { echo "the Salt bus $name never had $n subscribers" >&2; return 1; }
    sleep 0.01
  done
}
