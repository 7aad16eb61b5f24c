#!/usr/bin/env bash
# `make demo`: the toolkit at work in under a minute, on this machine alone
# (loopback, a scratch directory): the local bus with Salt's forms, a
# handler directory, webhooks, Redis and a kill -9 that loses nothing, and a
# Salt bus. Each step is shown as the command a user would type, then what
# it printed. Everything it starts, it stops.
set -eu
cd "$(dirname "$0")/.."
root=$PWD
export PATH="${EVT_BUILD_DIR:-$root/${BUILD:-build}}:$PATH"
PY=/usr/bin/python3
demo=$(mktemp -d /tmp/event-tools-demo-XXXXXX)
export EVENT_SOCK_DIR=$demo/bus EVENTSAPI_STORE=$demo/store EVENTSAPI_STATE=$demo/state
export EVENT_CONFIG=$demo/config GLUSTERD_WORKDIR=$demo/glusterd
unset EVENT_URL EVENT_MASTER
: > "$EVENT_CONFIG"
pids=()
cleanup() {
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$demo"
}
trap cleanup EXIT

section() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; }
run() {  # the command as typed, then what it printed
  show "$*"
  eval "$*"
}
wait_for() {  # a file appears, or the demo stops
  local i=0
  while [ ! -e "$1" ]; do
    i=$((i + 1))
    [ $i -gt 1000 ] && { echo "demo: gave up waiting for $1" >&2; exit 1; }
    sleep 0.01
  done
}
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cd "$demo"

section "The local bus: no server. A listener, and events fired from a shell"
show "event-listen -n 3 -o salt 'backup/*' 'module/*/event/*' &"
event-listen -n 3 -o salt --ready-file l1.ready 'backup/*' 'module/*/event/*' > l1.out &
listener=$!
wait_for l1.ready
run "event-fire backup/done status=ok size:=1234"
run "event-fire weather/report sunny                  # no pattern matches: not printed"
run "event-fire fire 'message to be sent' backup/started   # Salt's form, data first"
run "event-fire module/traefik1/event/test '{\"field\": \"value\"}'"
wait "$listener"
echo "# what the listener printed, as salt-run state.event prints it:"
cat l1.out

section "A handler directory: event-handle runs its steps for each event"
mkdir -p handlers/test
cat > handlers/test/10greet <<'EOF'
#!/bin/sh
echo "step $AGENT_EVENT_NAME from $AGENT_EVENT_SOURCE got $(cat)"
EOF
chmod +x handlers/test/10greet
run "cat handlers/test/10greet"
run "event-fire -u - module/traefik1/event/test '{\"field\": \"value\"}' | event-handle --log stderr handlers"

section "Webhooks: eventsapi (Gluster's Events APIs) signs and delivers every event"
port=$(free_port)
$PY "$root/tests/fixtures/webhook_receiver.py" "$port" hook.log &
pids+=($!)
wait_for hook.log.ready
echo "# a receiver listens on 127.0.0.1:$port"
printf 'whsec_%s\n' "$($PY -c 'import base64,os; print(base64.b64encode(os.urandom(24)).decode())')" > secret
run "eventsapi webhook-add http://127.0.0.1:$port/hook --secret-file secret"
show "eventsapi serve --port 0 &     # --port 0: no UDP port for this demo"
eventsapi serve --port 0 --ready-file serve.ready 2> serve.err &
serve=$!
pids+=($serve)
wait_for serve.ready
sed 's/^/  /' serve.err
run "event-fire gluster/volume/create name=vol1 bricks:=2"
i=0
until [ -s hook.log ]; do i=$((i + 1)); [ $i -gt 1000 ] && break; sleep 0.01; done
echo "# what the receiver got:"
$PY - hook.log <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
print("  POST " + r["path"])
for h in ("content-type", "webhook-id", "webhook-timestamp", "webhook-signature"):
    print("  %s: %s" % (h, r["headers"].get(h)))
print("  " + r["body"])
EOF
# serve reports its counts every second: wait for this delivery to show.
i=0
until eventsapi --json status | grep -q '"delivered": *1'; do i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.01; done
run "eventsapi status"
kill "$serve"
wait "$serve" 2>/dev/null || true

section "Redis: NethServer's Pub/Sub, and a stream that survives kill -9"
if command -v redis-server > /dev/null && command -v redis-cli > /dev/null; then
  rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$demo" --logfile redis.log &
  pids+=($!)
  until redis-cli -p "$rport" PING 2>/dev/null | grep -q PONG; do sleep 0.01; done
  echo "# a redis-server listens on 127.0.0.1:$rport"
  show "event-listen -u redis://127.0.0.1:$rport -n 1 'module/*/event/*' &"
  event-listen -u "redis://127.0.0.1:$rport" -n 1 --ready-file r.ready 'module/*/event/*' > r.out &
  listener=$!
  wait_for r.ready
  run "redis-cli -p $rport PUBLISH module/traefik1/event/test '{\"field\": \"value\"}' >/dev/null   # as a NethServer module does"
  wait "$listener"
  cat r.out
  mkdir -p shop/placed
  printf '#!/bin/sh\nsleep 0.01\ncat >> %s/handled\necho >> %s/handled\n' "$demo" "$demo" > shop/placed/10record
  chmod +x shop/placed/10record
  stream="redis+stream://127.0.0.1:$rport/orders?group=shop"
  run "seq 1 200 | sed 's/.*/{\"order\":&}/' | event-fire -l -u '$stream' shop/event/placed"
  show "event-handle -u '$stream' --log none shop > results &"
  event-handle -u "$stream" --log none shop > results &
  handler=$!
  until [ "$( (wc -l < handled) 2>/dev/null || echo 0)" -ge 60 ]; do sleep 0.01; done
  run "kill -9 $handler        # mid-stream, with events taken and running"
  wait "$handler" 2>/dev/null || true
  echo "# handled before the kill: $(wc -l < handled)"
  run "event-handle -u '$stream' -w 1 --log none shop >> results   # again: pending entries first, then the rest; -w 1 ends it once idle"
  echo "# distinct orders handled: $(sort -u handled | wc -l) of 200; handled twice: $(( $(wc -l < handled) - $(sort -u handled | wc -l) )) (at least once: EVENT_ID tells them apart)"
  run "redis-cli -p $rport XPENDING orders shop | head -1    # entries left unacknowledged"
else
  echo "# redis-server is not installed here: apt-get install redis-server, then make demo again"
fi

section "A Salt master's event bus (a stand-in built from Salt's source: Debian has no Salt)"
if $PY -c 'import msgpack' 2>/dev/null; then
  mkdir -m 700 salt
  $PY "$root/tests/fixtures/salt_bus.py" publisher salt --ready-file salt.ready --log salt.log &
  pids+=($!)
  wait_for salt.ready
  show "event-listen -u salt://$demo/salt -n 1 -o salt 'myco/*' &"
  event-listen -u "salt://$demo/salt" -n 1 -o salt --ready-file s.ready 'myco/*' > s.out &
  listener=$!
  wait_for s.ready
  run "event-fire -u salt://$demo/salt myco/deploy/done version=1.4   # what Salt's reactor and state.event see"
  wait "$listener"
  cat s.out
else
  echo "# python3-msgpack is not installed here: apt-get install python3-msgpack, then make demo again"
fi

printf '\nMore: README.md (a recipe per system), man event-tools, and make check.\n'
