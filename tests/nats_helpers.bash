# NATS servers for tests/nats.bats, started from the test on free loopback
# ports and polled for readiness (never a fixed sleep).

# start_nats NAME [ARGS...]: one nats-server with JetStream; sets NATS_PORT and NATS1.
start_nats() {
  local name=$1
  shift
  NATS_PORT=${NATS_PORT_AT:-$(free_port)}  # NATS_PORT_AT: the same port again (a restart)
  mkdir -p "$T/$name"
  nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$T/$name" --server_name "$name" "$@" > "$T/$name.log" 2>&1 3>&- &
  echo $! > "$T/$name.pid"
  NATS1="nats://127.0.0.1:$NATS_PORT"
  wait_for_text "$T/$name.log" 'Server is ready'
}

# stop_nats NAME: stops it and waits (bounded) until it is gone, so that a
# server started next on the same store directory does not meet it there.
stop_nats() {
  [ -f "$T/$1.pid" ] || return 0
  local pid i=0
  pid=$(cat "$T/$1.pid")
  kill "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
  true
}

# cluster_config N: the config file of server nN of the 3-server cluster
# (ports in CLIENT_PORTS, ROUTE_PORTS and MON_PORTS, data under $CLUSTER_DIR).
cluster_config() {
  local n=$1 i routes=""
  for i in 1 2 3; do [ "$i" != "$n" ] && routes="$routes${routes:+, }nats-route://127.0.0.1:${ROUTE_PORTS[$i]}"; done
  cat > "$CLUSTER_DIR/n$n.conf" <<CONF
server_name: n$n
listen: 127.0.0.1:${CLIENT_PORTS[$n]}
http: 127.0.0.1:${MON_PORTS[$n]}
jetstream { store_dir: "$CLUSTER_DIR/n$n" }
cluster { name: evt, listen: 127.0.0.1:${ROUTE_PORTS[$n]}, routes: [$routes] }
CONF
}

# run_cluster_server N: (re)starts server nN of the cluster in the background.
run_cluster_server() {
  local n=$1
  nats-server -c "$CLUSTER_DIR/n$n.conf" >> "$CLUSTER_DIR/n$n.log" 2>&1 3>&- &
  echo $! > "$CLUSTER_DIR/n$n.pid"
  disown $!  # its kill -9 is the test's doing, not news
}

# start_cluster: three servers with routes, JetStream on each; returns once a
# replicated stream can be made (a metadata leader is elected). Sets CLUSTER_URL.
start_cluster() {
  CLUSTER_DIR=$1
  mkdir -p "$CLUSTER_DIR"
  local n
  for n in 1 2 3; do CLIENT_PORTS[$n]=$(free_port); ROUTE_PORTS[$n]=$(free_port); MON_PORTS[$n]=$(free_port); done
  for n in 1 2 3; do cluster_config "$n"; run_cluster_server "$n"; done
  CLUSTER_URL="nats+js://127.0.0.1:${CLIENT_PORTS[1]},127.0.0.1:${CLIENT_PORTS[2]},127.0.0.1:${CLIENT_PORTS[3]}"
  local i=0
  until event-fire -u "$CLUSTER_URL/READY?create=1&replicas=3&subjects=ready.>" --timeout 2 ready/x 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -gt 60 ] && { echo "the NATS cluster did not come up" >&2; return 1; }
    sleep 0.2
  done
}

stop_cluster() {
  local n
  for n in 1 2 3; do [ -f "$CLUSTER_DIR/n$n.pid" ] && kill "$(cat "$CLUSTER_DIR/n$n.pid")" 2>/dev/null; done
  true
}

# stream_leader STREAM: the name of the server leading STREAM (from /jsz).
stream_leader() {
  $PYTHON - "$1" "${MON_PORTS[@]:1}" <<'PY'
import json, sys, urllib.request
stream = sys.argv[1]
for port in sys.argv[2:]:
    try:
        jsz = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/jsz?streams=true", timeout=1))
    except OSError:
        continue
    for acc in jsz.get("account_details", []):
        for s in acc.get("stream_detail", []):
            leader = s.get("cluster", {}).get("leader")
            if s.get("name") == stream and leader:
                print(leader); sys.exit(0)
sys.exit(1)
PY
}

# npm_nats: the official JavaScript client, installed once into tests/.npm-nats.
npm_nats() { npm_peer .npm-nats nats@2; }

js_client() { NODE_PATH=$BATS_TEST_DIRNAME/.npm-nats/node_modules node "$FIX/nats_client.js" "$@"; }

# stream_messages N STREAM: how many messages server nN's replica of STREAM holds.
stream_messages() {
  $PYTHON - "${MON_PORTS[$1]}" "$2" <<'PY'
import json, sys, urllib.request
try:
    jsz = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/jsz?streams=true", timeout=1))
except OSError:
    print(-1); sys.exit(0)
for acc in jsz.get("account_details", []):
    for s in acc.get("stream_detail", []):
        if s.get("name") == sys.argv[2]:
            print(s["state"]["messages"]); sys.exit(0)
print(-1)
PY
}
