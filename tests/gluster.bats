#!/usr/bin/env bats
# Drop-in for Gluster 10's events: eventsapi serve beside Debian's own
# glustereventsd fed the same datagrams (the same webhook bodies, byte for
# byte), fed by a real glusterd creating, setting and deleting a volume, and
# taking over a Gluster node's webhooks with import-gluster.

load helpers

setup() {
  common_setup
  export EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
  RPORT=$(free_port)
  HOOK="http://127.0.0.1:$RPORT/hook"
}

teardown() {
  if [ -n "${GLUSTEREVENTSD_PID:-}" ]; then
    kill -9 -- "-$GLUSTEREVENTSD_PID" 2>/dev/null
    wait "$GLUSTEREVENTSD_PID" 2>/dev/null || true
  fi
  if [ -n "${GLUSTERD_PID:-}" ]; then
    # Leave no volume and no glusterd behind, whatever happened.
    gluster --mode=script volume stop evt-gv1 force > /dev/null 2>&1 || true
    gluster --mode=script volume delete evt-gv1 > /dev/null 2>&1 || true
    kill "$GLUSTERD_PID" 2>/dev/null
    wait "$GLUSTERD_PID" 2>/dev/null || true
    pkill -f 'glusterfsd.*evt-gv1' 2>/dev/null || true
  fi
  common_teardown
}

# Datagrams as Gluster's senders write them, and the corners glustereventsd
# reads in its own way.
DATAGRAMS=(
  '1796222327 2 name=gv2;bricks= vm:/bricks/b1 '
  '1796222328 77 peer=vm;volume=gv2;brick=/bricks/b1'
  '1796222328 3 name=gv2;force=0'
  '1796222328 6 name=gv2;options=,performance.cache-size,4MB'
  '1796222329 6 name=gv2;options=,a,1,b,'
  '1796222329 6 name=gv2'
  '1796222330 4 name=gv2;force=ON'
  '1796222330 32 master=gv2;slave=h::gv3;push-pem=yes;ssh-port= 2_2;no-verify=0'
  '1796222331 -1 volume=gv2;percentage=91'
  '1796222331 5 name=dup;name=gv2;=empty key'
  '1796222332 2 name=gv2;bricks=vm:/b1 vm:/b2;note=Ünïcödé ✓'
)
# What glustereventsd drops, and serve delivers (its man page says how).
DROPPED=(
  '1796222333 5'
  '1796222333 5 name=gv2;'
  '1796222334 5 name=a;b'
  '1796222334 VOLUME_DELETE name=by-name'
)

# send_all PORT: every datagram above to 127.0.0.1:PORT.
send_all() { udp_send "$1" "${DATAGRAMS[@]}" "${DROPPED[@]}"; }

# bodies LOG: the bodies a receiver got, sorted (glustereventsd posts from a
# thread per datagram, so in no set order).
bodies() { field "$1" 'b' | sort; }

@test "the same webhook bodies as Debian's glustereventsd, byte for byte, for the same datagrams" {
  [ -x /usr/sbin/glustereventsd ] || skip "Debian's glusterfs-server is not installed"
  /usr/bin/python3 -c 'import requests' 2>/dev/null || skip "glustereventsd needs python3-requests"
  [ -w /var/log/glusterfs ] || skip "glustereventsd writes /var/log/glusterfs/events.log: run as root"
  # glustereventsd finds its workdir with `gluster system:: getwd`: a stand-in for glusterd.
  mkdir -p "$T/bin" "$T/glusterd/events"
  printf '#!/bin/sh\n[ "$1 $2" = "system:: getwd" ] && exec echo %s\nexit 1\n' "$T/glusterd" > "$T/bin/gluster"
  chmod +x "$T/bin/gluster"
  echo "UUID=11111111-2222-4333-8444-555555555555" > "$T/glusterd/glusterd.info"
  local gport ours gluster_rport=$(free_port)
  gport=$(free_port)
  ours=$(free_port)
  echo "{\"port\": $gport}" > "$T/glusterd/events/config.json"
  echo "{\"http://127.0.0.1:$gluster_rport/hook\": {\"token\": \"tok\", \"secret\": \"\"}}" > "$T/glusterd/events/webhooks.json"
  start_receiver theirs "$gluster_rport"
  start_receiver mine "$RPORT"
  # A session of its own: it and the process it forks for webhooks end together.
  PATH="$T/bin:$PATH" setsid /usr/sbin/glustereventsd -p "$T/glustereventsd.pid" > "$T/glustereventsd.log" 2>&1 3>&- &
  GLUSTEREVENTSD_PID=$!
  local i=0
  until ss -Hun state all "sport = :$gport" | grep -q .; do
    i=$((i + 1)); [ "$i" -lt 1000 ] || { cat "$T/glustereventsd.log"; false; }; sleep 0.01
  done
  export GLUSTERD_WORKDIR=$T/glusterd
  quiet eventsapi webhook-add -t tok "$HOOK"
  start_serve s --port "$ours"
  send_all "$gport"
  send_all "$ours"
  wait_for_lines "$T/theirs.log" "${#DATAGRAMS[@]}"
  wait_for_lines "$T/mine.log" $(( ${#DATAGRAMS[@]} + ${#DROPPED[@]} ))
  stop_serve s
  bodies "$T/theirs.log" > "$T/theirs"
  # Every body glustereventsd posted, serve posted the same bytes.
  bodies "$T/mine.log" | grep -Fxf "$T/theirs" > "$T/same"
  run diff "$T/theirs" "$T/same"
  assert_success
  assert_equal "$(wc -l < "$T/theirs")" "${#DATAGRAMS[@]}"
  # And what glustereventsd dropped, serve delivered as documented.
  bodies "$T/mine.log" | grep -Fvxf "$T/theirs" > "$T/extra" || true
  run cat "$T/extra"
  assert_equal "${#lines[@]}" "${#DROPPED[@]}"
  assert_line '{"event": "VOLUME_DELETE", "message": {}, "nodeid": "11111111-2222-4333-8444-555555555555", "ts": 1796222333}'
  assert_line '{"event": "VOLUME_DELETE", "message": {"name": "gv2;"}, "nodeid": "11111111-2222-4333-8444-555555555555", "ts": 1796222333}'
  assert_line '{"event": "VOLUME_DELETE", "message": {"name": "a;b"}, "nodeid": "11111111-2222-4333-8444-555555555555", "ts": 1796222334}'
  assert_line '{"event": "VOLUME_DELETE", "message": {"name": "by-name"}, "nodeid": "11111111-2222-4333-8444-555555555555", "ts": 1796222334}'
  assert_equal "$(field "$T/theirs.log" 'h["authorization"]' | sort -u)" "Bearer tok"
  assert_equal "$(field "$T/mine.log" 'h["authorization"]' | sort -u)" "Bearer tok"
}

@test "serve's defaults: UDP 55555 on 0.0.0.0 and [::1], two sockets, and not every IPv6 address" {
  ss -Hun state all "sport = :55555" | grep -q . && skip "something else listens on UDP 55555 (a glustereventsd?)"
  start_serve s --port 55555
  run ss -Hun state all "sport = :55555"
  assert_output --partial '0.0.0.0:55555'
  assert_output --partial '[::1]:55555'
  refute_output --partial '[::]:55555'
  refute_output --partial '*:55555'
  stop_serve s
  run eventsapi config-get --name port
  assert_output --regexp 'port +\| 55555'
}

@test "a glusterd.info written after serve started (a first boot) gives the node Gluster's UUID from then on" {
  export GLUSTERD_WORKDIR=$T/glusterd
  mkdir -p "$GLUSTERD_WORKDIR"
  start_receiver r "$RPORT"
  quiet eventsapi webhook-add "$HOOK"
  local port
  port=$(free_port)
  start_serve s --port "$port"
  udp_send "$port" '1796222327 2 name=before;bricks=b'
  wait_for_lines "$T/r.log" 1
  echo "UUID=11111111-2222-4333-8444-555555555555" > "$GLUSTERD_WORKDIR/glusterd.info"
  udp_send "$port" '1796222328 2 name=after;bricks=b'
  wait_for_lines "$T/r.log" 2
  stop_serve s
  run field "$T/r.log" 'b'
  assert_line "{\"event\": \"VOLUME_CREATE\", \"message\": {\"bricks\": \"b\", \"name\": \"before\"}, \"nodeid\": \"$(cat "$T/state/node-id")\", \"ts\": 1796222327}"
  assert_line '{"event": "VOLUME_CREATE", "message": {"bricks": "b", "name": "after"}, "nodeid": "11111111-2222-4333-8444-555555555555", "ts": 1796222328}'
}

@test "a real glusterd: volume create, start, set, stop and delete reach the webhook with the node's UUID" {
  [ "$(id -u)" -eq 0 ] || skip "glusterd runs as root"
  command -v glusterd > /dev/null || skip "Debian's glusterfs-server is not installed"
  pgrep -x glusterd > /dev/null && skip "a glusterd is running already"
  ss -Hun state all "sport = :55555" | grep -q . && skip "something else listens on UDP 55555"
  # Gluster's C senders hard-code [::1]:55555: serve as it starts with no options.
  export GLUSTERD_WORKDIR=/var/lib/glusterd
  start_receiver r "$RPORT"
  quiet eventsapi webhook-add "$HOOK"
  rm -f "$T/s.ready"
  eventsapi serve --ready-file "$T/s.ready" 2> "$T/s.err" 3>&- &
  echo $! > "$T/s.pid"
  wait_for_file "$T/s.ready"
  glusterd -N > "$T/glusterd.log" 2>&1 3>&- &
  GLUSTERD_PID=$!
  local i=0
  until gluster --mode=script volume list > /dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -lt 3000 ] || { cat "$T/glusterd.log"; false; }; sleep 0.01
  done
  mkdir -p "$T/bricks/b1"
  gluster --mode=script volume create evt-gv1 "$(hostname):$T/bricks/b1" force
  gluster --mode=script volume start evt-gv1
  gluster --mode=script volume set evt-gv1 performance.cache-size 4MB
  gluster --mode=script volume stop evt-gv1
  gluster --mode=script volume delete evt-gv1
  wait_for_text "$T/r.log" VOLUME_DELETE 30
  local uuid
  uuid=$(sed -n 's/^UUID=//p' /var/lib/glusterd/glusterd.info)
  run field "$T/r.log" 'b'
  assert_line --regexp "^\{\"event\": \"VOLUME_CREATE\", \"message\": \{\"bricks\": \" ?$(hostname):$T/bricks/b1\", \"name\": \"evt-gv1\"\}, \"nodeid\": \"$uuid\", \"ts\": [0-9]+\}$"
  assert_line --regexp "^\{\"event\": \"BRICK_CONNECTED\", \"message\": \{\"brick\": \"$T/bricks/b1\", \"peer\": \"$(hostname)\", \"volume\": \"evt-gv1\"\}, \"nodeid\": \"$uuid\", \"ts\": [0-9]+\}$"
  assert_line --regexp "^\{\"event\": \"VOLUME_START\", \"message\": \{\"force\": false, \"name\": \"evt-gv1\"\}, \"nodeid\": \"$uuid\", \"ts\": [0-9]+\}$"
  assert_line --regexp "^\{\"event\": \"VOLUME_SET\", \"message\": \{\"name\": \"evt-gv1\", \"options\": \[\[\"performance.cache-size\", \"4MB\"\]\]\}, \"nodeid\": \"$uuid\", \"ts\": [0-9]+\}$"
  assert_line --regexp "^\{\"event\": \"VOLUME_STOP\", \"message\": \{\"force\": false, \"name\": \"evt-gv1\"\}, \"nodeid\": \"$uuid\", \"ts\": [0-9]+\}$"
  assert_line --regexp "^\{\"event\": \"VOLUME_DELETE\", \"message\": \{\"name\": \"evt-gv1\"\}, \"nodeid\": \"$uuid\", \"ts\": [0-9]+\}$"
  kill "$(cat "$T/s.pid")"
  wait "$(cat "$T/s.pid")"
}

@test "import-gluster takes a Gluster node's webhooks (token, secret, the old form) and config; serve delivers to them" {
  local dport
  dport=$(free_port)
  mkdir -p "$T/gluster/events"
  local r2=$(free_port) r3=$(free_port)
  cat > "$T/gluster/events/webhooks.json" <<EOF
{"http://127.0.0.1:$RPORT/token": {"token": "t0k3n", "secret": ""},
 "http://127.0.0.1:$r2/jwt": {"token": "", "secret": "gluster-secret"},
 "http://127.0.0.1:$r3/old": "old-style-token"}
EOF
  echo "{\"port\": $dport, \"log-level\": \"DEBUG\"}" > "$T/gluster/events/config.json"
  echo '{"log-level": "INFO", "port": 55555, "disable-events-log": true}' > "$T/eventsconfig.json"
  run eventsapi import-gluster "$T/gluster/events" --eventsconfig "$T/eventsconfig.json"
  assert_success
  assert_line --index 0 "imported 3 webhook(s) and 3 setting(s) from $T/gluster/events"
  run eventsapi --json config-get
  assert_output --partial "\"port\":\"$dport\""
  assert_output --partial '"log-level":"DEBUG"'
  assert_output --partial '"disable-events-log":"true"'
  start_receiver a "$RPORT"
  start_receiver b "$r2"
  start_receiver c "$r3"
  start_serve s --port "$dport"
  udp_send "$dport" '1468303352 2 name=gv1'
  wait_for_lines "$T/a.log" 1
  wait_for_lines "$T/b.log" 1
  wait_for_lines "$T/c.log" 1
  stop_serve s
  assert_equal "$(field "$T/a.log" 'h["authorization"]')" 'Bearer t0k3n'
  assert_equal "$(field "$T/c.log" 'h["authorization"]')" 'Bearer old-style-token'
  # Gluster's secret: a JWT as glustereventsd makes it, checked with PyJWT.
  run $PYTHON - "$T/b.log" <<'EOF'
import json, sys, time, jwt
r = json.loads(open(sys.argv[1]).readline())
token = r["headers"]["authorization"].split(" ", 1)[1]
claims = jwt.decode(token, "gluster-secret", algorithms=["HS256"], issuer="gluster")
assert claims["sub"] == "VOLUME_CREATE", claims
assert claims["iat"] == 1468303352, claims
assert 0 < claims["exp"] - time.time() <= 61, claims
print("ok")
EOF
  assert_output ok
  # Importing again changes nothing more; a missing directory is an error.
  run eventsapi import-gluster "$T/gluster/events" --eventsconfig "$T/eventsconfig.json"
  assert_success
  run eventsapi import-gluster "$T/nowhere" --eventsconfig "$T/nowhere.json"
  assert_failure 1
  assert_output --partial 'nothing to import'
}

@test "webhook-test and webhook-add with a Gluster secret send its JWT; a whsec_ secret signs Standard Webhooks headers instead" {
  start_receiver r "$RPORT"
  run eventsapi webhook-test -s gluster-secret "$HOOK"
  assert_success
  run $PYTHON - "$T/r.log" <<'EOF'
import json, sys, jwt
r = json.loads(open(sys.argv[1]).readline())
claims = jwt.decode(r["headers"]["authorization"].split(" ", 1)[1], "gluster-secret", algorithms=["HS256"], issuer="gluster")
assert claims["sub"] == "TEST", claims
assert "webhook-signature" not in r["headers"]
print("ok")
EOF
  assert_output ok
  run eventsapi webhook-test -t tok -s whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw "$HOOK"
  assert_success
  run field "$T/r.log" 'h.get("authorization", "") + " " + str("webhook-signature" in h)'
  assert_line --index 1 'Bearer tok True'
}
