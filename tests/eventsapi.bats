#!/usr/bin/env bats
# eventsapi: Gluster's CLI (webhooks, config, status, exit codes), and serve
# delivering events to a real HTTP receiver on loopback without losing any.

load helpers


setup() {
  common_setup
  export EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
  RPORT=$(free_port)
  HOOK="http://127.0.0.1:$RPORT/hook"
}
teardown() { common_teardown; }


@test "webhook-add, -mod, -del: Gluster's exit codes and messages; --json" {
  run eventsapi webhook-add "$HOOK"
  assert_success
  assert_output --partial 'SYNC STATUS'
  run --separate-stderr eventsapi webhook-add "$HOOK"
  assert_failure 5
  assert_equal "$stderr" 'eventsapi: Webhook already exists'
  run eventsapi --json webhook-add "$HOOK"
  assert_failure 5
  assert_output '{"error":"Webhook already exists","output":""}'
  # Gluster takes --json after the subcommand.
  run eventsapi webhook-add --json "$HOOK"
  assert_failure 5
  assert_output '{"error":"Webhook already exists","output":""}'
  run --separate-stderr eventsapi webhook-mod "$HOOK/other"
  assert_failure 6
  assert_equal "$stderr" 'eventsapi: Webhook does not exist'
  run eventsapi webhook-mod -t newtoken "$HOOK"
  assert_success
  run eventsapi webhook-del "$HOOK"
  assert_success
  run eventsapi webhook-del "$HOOK"
  assert_failure 6
  run --separate-stderr eventsapi webhook-add ftp://example.org/
  assert_failure 1
  assert_equal "$stderr" 'eventsapi: a webhook URL starts with http:// or https://'
  run eventsapi status
  assert_success
  assert_line 'Webhooks: None'
}

@test "tokens and secrets come from files and are masked in every output" {
  printf 'tok-0123456789\n' > "$T/token"
  printf 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n' > "$T/secret"
  quiet eventsapi webhook-add --bearer-token-file "$T/token" --secret-file - "$HOOK" < "$T/secret"
  run eventsapi --json status
  assert_success
  assert_output --partial '"bearer_token":"tok-…"'
  assert_output --partial '"secret":"whse…"'
  refute_output --partial 0123456789
  refute_output --partial MfKQ9r8
  run eventsapi status
  refute_output --partial 0123456789
  # ... but the store has them, for serve, readable by its owner only.
  grep -q tok-0123456789 "$T/store/webhooks.json"
  assert_equal "$(stat -c %a "$T/store/webhooks.json")" 600
  assert_equal "$(stat -c %a "$T/store/config.json")" 600
  assert_equal "$(stat -c %a "$T/store")" 700
  # A whsec_ secret must be a Standard Webhooks key; any other is Gluster's.
  run --separate-stderr eventsapi webhook-add --secret 'whsec_not base64!' "$HOOK/2"
  assert_failure 1
  assert_output ''
  [[ $stderr == *"whsec_"* ]]
}

@test "20 webhook-add calls at once leave a valid store holding all 20" {
  local pids=()
  for i in $(seq 1 20); do
    eventsapi webhook-add "$HOOK/$i" > /dev/null 2>> "$T/err" 3>&- &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  run cat "$T/err"
  assert_output ''
  run $PYTHON -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/store/webhooks.json"
  assert_output 20
  run eventsapi --json status
  for i in $(seq 1 20); do assert_output --partial "\"url\":\"$HOOK/$i\""; done
  [ -z "$(ls "$T/store" | grep -v -e '^config.json$' -e '^webhooks.json$' -e '^version$')" ]
}

@test "config-get, config-set, config-reset: validation and exit codes" {
  run eventsapi config-get
  assert_success
  assert_output --regexp 'log-level +\| INFO'
  assert_output --regexp 'port +\| 55555'
  run eventsapi --json config-get --name port
  assert_output '{"error":"","output":{"port":"55555"}}'
  run --separate-stderr eventsapi config-get --name nonesuch
  assert_failure 7
  assert_equal "$stderr" 'eventsapi: Invalid Config item'
  run eventsapi config-set nonesuch 1
  assert_failure 7
  run --separate-stderr eventsapi config-set port 70000
  assert_failure 2
  [[ $stderr == "eventsapi: Invalid value '70000': "* ]]
  run eventsapi config-set log-level LOUD
  assert_failure 2
  run eventsapi config-set retry-schedule 1,x
  assert_failure 2
  run eventsapi config-set port 24010
  assert_success
  run --separate-stderr eventsapi config-set port 24010
  assert_failure 2
  assert_equal "$stderr" 'eventsapi: Config value not changed. Same config'
  run eventsapi config-set disable-events-log yes
  assert_success
  run eventsapi --json config-get --name disable-events-log
  assert_output '{"error":"","output":{"disable-events-log":"true"}}'
  run eventsapi config-reset port
  assert_success
  run eventsapi config-reset port
  assert_failure 2
  run eventsapi config-reset all
  assert_success
  run eventsapi --json config-get --name disable-events-log
  assert_output '{"error":"","output":{"disable-events-log":"false"}}'
}

@test "webhook-test: 200 is OK, 500 and no answer are NOT OK (exit 3); the token is sent" {
  start_receiver ok "$RPORT"
  run eventsapi webhook-test -t secret-token "$HOOK"
  assert_success
  assert_output --regexp 'localhost +\| +UP \| +OK \|'
  assert_equal "$(field "$T/ok.log" 'h["authorization"]')" 'Bearer secret-token'
  assert_equal "$(field "$T/ok.log" 'h["content-length"]')" 0

  local p500 phang
  p500=$(free_port)
  start_receiver err "$p500" --status 500
  run eventsapi webhook-test "http://127.0.0.1:$p500/"
  assert_failure 3
  assert_output --partial 'NOT OK: 500'

  phang=$(free_port)
  start_receiver hang "$phang" --hang
  quiet eventsapi config-set timeout 1
  run eventsapi --json webhook-test "http://127.0.0.1:$phang/"
  assert_failure 3
  assert_output --regexp '"webhook_status":"NOT OK"'
  assert_output --regexp 'Timeout|timed out'

  # Nobody listening at all.
  run eventsapi webhook-test "http://127.0.0.1:$(free_port)/"
  assert_failure 3
}

@test "events from event-fire and Gluster datagrams reach the webhook as sorted JSON with the bearer token" {
  start_receiver r "$RPORT"
  quiet eventsapi webhook-add -t tok "$HOOK"
  local uport
  uport=$(free_port)
  start_serve s --port "$uport" --name node1
  event-fire gluster/test '{"b":2,"a":{"z":1,"y":[true,null]}}'
  udp_send "$uport" '1468303352 EVENT_VOLUME_CREATE name=gv1;replica=3' '1468303353 5 name=gv1' \
    '{"tag":"PEER_ATTACH","data":{"host":"h2"},"ts":1468303354,"id":"from-udp-json"}'
  wait_for_lines "$T/r.log" 4
  local nodeid
  nodeid=$(cat "$T/state/node-id")
  run field "$T/r.log" 'b'
  # glustereventsd's json.dumps(message, sort_keys=True), byte for byte.
  assert_line --index 0 --regexp "^\{\"event\": \"gluster/test\", \"message\": \{\"a\": \{\"y\": \[true, null\], \"z\": 1\}, \"b\": 2\}, \"nodeid\": \"$nodeid\", \"ts\": [0-9.]+\}$"
  assert_line --index 1 "{\"event\": \"VOLUME_CREATE\", \"message\": {\"name\": \"gv1\", \"replica\": \"3\"}, \"nodeid\": \"$nodeid\", \"ts\": 1468303352}"
  assert_line --index 2 "{\"event\": \"VOLUME_DELETE\", \"message\": {\"name\": \"gv1\"}, \"nodeid\": \"$nodeid\", \"ts\": 1468303353}"
  assert_line --index 3 "{\"event\": \"PEER_ATTACH\", \"message\": {\"host\": \"h2\"}, \"nodeid\": \"$nodeid\", \"ts\": 1468303354}"
  run field "$T/r.log" 'h["authorization"] + " " + h["content-type"] + " " + r["path"]'
  assert_equal "$(sort -u <<< "$output")" 'Bearer tok application/json /hook'
  # The events log has each one, with its id.
  assert_equal "$(wc -l < "$T/state/events.log")" 4
  grep -q '"id":"from-udp-json"' "$T/state/events.log"
  assert_equal "$(stat -c %a "$T/state/events.log")" 600
  # A bad datagram is reported and skipped; serve goes on.
  udp_send "$uport" 'not a gluster datagram' '1468303355 NO_SUCH_EVENT_TYPE x=1' '1468303356 EVENT_PEER_DETACH host=h2'
  wait_for_lines "$T/r.log" 5
  assert_equal "$(field "$T/r.log" 'json.loads(b)["event"]' | tail -1)" PEER_DETACH
  grep -q 'skipped a datagram' "$T/s.err"
  stop_serve s
}

@test "disable-events-log: no events.log; the node id persists across restarts" {
  start_receiver r "$RPORT"
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set disable-events-log true
  start_serve s
  local id1
  id1=$(cat "$T/state/node-id")
  event-fire one
  wait_for_lines "$T/r.log" 1
  stop_serve s
  [ ! -e "$T/state/events.log" ]
  start_serve s
  event-fire two
  wait_for_lines "$T/r.log" 2
  assert_equal "$(cat "$T/state/node-id")" "$id1"
  assert_equal "$(field "$T/r.log" 'json.loads(b)["nodeid"]' | sort -u)" "$id1"
  stop_serve s
}

@test "Standard Webhooks signature: webhook-id is the event id; the spec's verification accepts it" {
  start_receiver r "$RPORT"
  local secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  printf '%s' "$secret" | quiet eventsapi webhook-add --secret-file - "$HOOK"
  start_serve s
  printf '%s\n' '{"tag":"signed","data":{"n":1},"id":"msg_p5jXN8AQM9LWM0D4loKWxJek"}' | event-fire -l
  wait_for_lines "$T/r.log" 1
  run $PYTHON - "$T/r.log" "$secret" <<'EOF'
import base64, hashlib, hmac, json, sys
r = json.loads(open(sys.argv[1]).readline())
h = r["headers"]
key = base64.b64decode(sys.argv[2][len("whsec_"):])
signed = f'{h["webhook-id"]}.{h["webhook-timestamp"]}.{r["body"]}'.encode()
expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
print(h["webhook-id"], expected in h["webhook-signature"].split(" "))
EOF
  assert_output 'msg_p5jXN8AQM9LWM0D4loKWxJek True'
  stop_serve s
}

@test "the receiver down for 10 s during 1000 events: all 1000 delivered, in order" {
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set retry-schedule 0.2,0.5,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1
  start_receiver r "$RPORT"
  start_serve s
  seq 1 200 | event-fire -l n
  wait_for_unique "$T/r.log" 200
  stop_receiver r
  local outage_start=$SECONDS
  seq 201 800 | event-fire -l n
  wait_for_lines "$T/state/events.log" 800
  # The outage itself is the point here: ten seconds with nobody answering.
  sleep $((10 - (SECONDS - outage_start)))
  run eventsapi --json status
  assert_output --regexp '"pending":[1-9][0-9]*'
  start_receiver r "$RPORT"
  seq 801 1000 | event-fire -l n
  wait_for_unique "$T/r.log" 1000 60
  assert_equal "$(first_seen "$T/r.log")" "$(seq 1 1000)"
  stop_serve s
}

@test "serve killed with -9 while a backlog waits on disk: restarted, it delivers every event" {
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set retry-schedule 0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2
  start_serve s
  # No receiver yet: everything waits in the spool.
  seq 1 500 | event-fire -l n
  wait_for_lines "$T/state/events.log" 500
  kill -9 "$(cat "$T/s.pid")"
  wait "$(cat "$T/s.pid")" || true
  start_receiver r "$RPORT"
  start_serve s
  wait_for_unique "$T/r.log" 500
  assert_equal "$(first_seen "$T/r.log")" "$(seq 1 500)"
  stop_serve s
}

@test "serve killed with -9 mid-stream from Redis Streams: restarted, no event lost" {
  start_redis
  local stream="redis+stream://127.0.0.1:$REDIS_PORT/gluster?group=eventsapi"
  start_receiver r "$RPORT"
  quiet eventsapi webhook-add "$HOOK"
  start_serve s --from "$stream"
  seq 1 3000 | event-fire -u "$stream" -l n &
  local fire=$!
  wait_for_unique "$T/r.log" 300
  kill -9 "$(cat "$T/s.pid")"
  wait "$(cat "$T/s.pid")" || true
  start_serve s --from "$stream"
  wait "$fire"
  wait_for_unique "$T/r.log" 3000 60
  assert_equal "$(first_seen "$T/r.log")" "$(seq 1 3000)"
  # Repeats carry the webhook-id they had the first time.
  run field "$T/r.log" 'h["webhook-id"] + " " + json.dumps(json.loads(b)["message"])'
  assert_equal "$(sort -u <<< "$output" | wc -l)" 3000
  stop_serve s
  stop_redis
}

@test "410 Gone disables the webhook; webhook-mod enables it again" {
  start_receiver gone "$RPORT" --status 410
  quiet eventsapi webhook-add "$HOOK"
  start_serve s
  event-fire first
  wait_for_lines "$T/gone.log" 1
  wait_for_status '"disabled":true'
  run eventsapi status
  assert_output --partial "$HOOK (disabled: 410 Gone)"
  assert_line --regexp 'disabled \|$'
  event-fire second
  # Nothing more is sent to it.
  run eventsapi --json status
  assert_equal "$(wc -l < "$T/gone.log")" 1
  stop_receiver gone
  start_receiver r "$RPORT"
  quiet eventsapi webhook-mod "$HOOK"
  event-fire third
  wait_for_lines "$T/r.log" 1
  # The event answered 410 is in failed.log; the one fired while disabled was never queued.
  assert_equal "$(field "$T/r.log" 'json.loads(b)["event"]')" third
  grep -q first "$T/state/failed.log"
  run eventsapi --json status
  assert_output --partial '"failed":1'
  stop_serve s
}

@test "Retry-After is honoured over a shorter retry schedule" {
  start_receiver r "$RPORT" --fail-first 1 --retry-after 2
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set retry-schedule 0.1,0.1,0.1
  start_serve s
  event-fire once
  wait_for_lines "$T/r.log" 2
  run field "$T/r.log" 'r["t"]'
  local gap
  gap=$($PYTHON -c 'import sys; a, b = map(float, sys.argv[1:]); print(int((b - a) * 1000))' ${lines[0]} ${lines[1]})
  [ "$gap" -ge 1900 ]
  [ "$gap" -lt 4000 ]
  stop_serve s
}

@test "retries exhausted: the event goes to failed.log and counts as failed" {
  start_receiver r "$RPORT" --status 500
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set retry-schedule 0.1,0.1
  start_serve s
  event-fire doomed
  wait_for_lines "$T/r.log" 3
  wait_for_file "$T/state/failed.log"
  run $PYTHON -c 'import json,sys; r = json.loads(open(sys.argv[1]).readline()); print(json.loads(r["body"])["event"], r["error"], r["url"])' "$T/state/failed.log"
  assert_output "doomed status 500 $HOOK"
  wait_for_status '"failed":1'
  run eventsapi --json status
  assert_output --partial '"failed":1'
  assert_output --partial '"pending":0'
  stop_serve s
}

@test "reload: a webhook added while serve runs gets the next events; queued ones are kept" {
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set retry-schedule 0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2
  start_serve s
  seq 1 50 | event-fire -l n
  wait_for_lines "$T/state/events.log" 50
  local p2
  p2=$(free_port)
  start_receiver two "$p2"
  # webhook-add returns once serve has applied it.
  run eventsapi webhook-add "http://127.0.0.1:$p2/"
  assert_success
  assert_output --regexp 'OK \|'
  seq 51 60 | event-fire -l n
  wait_for_unique "$T/two.log" 10
  assert_equal "$(first_seen "$T/two.log")" "$(seq 51 60)"
  # The first webhook's backlog was not lost by the reload (nor by SIGHUP).
  kill -HUP "$(cat "$T/s.pid")"
  start_receiver r "$RPORT"
  wait_for_unique "$T/r.log" 60
  assert_equal "$(first_seen "$T/r.log")" "$(seq 1 60)"
  run eventsapi reload
  assert_success
  stop_serve s
}

@test "a full spool refuses new events with a logged and counted error" {
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set spool-max-mb 1
  start_serve s
  # 300 events of about 10 KB: 3 MB for a spool of 1 MB, with nobody answering.
  $PYTHON -c 'import json
for i in range(300): print(json.dumps({"i": i, "pad": "x" * 10000}))' | event-fire -l big
  wait_for_lines "$T/state/events.log" 300
  # Every event is either kept or refused once serve has read the log.
  local i=0
  until eventsapi --json status | $PYTHON -c 'import json,sys
w = json.load(sys.stdin)["output"]["webhooks"][0]
sys.exit(0 if w["pending"] + w["in_flight"] + w["refused"] == 300 else 1)'; do
    i=$((i + 1))
    [ "$i" -le 300 ] || fail "serve never accounted for all 300 events"
    sleep 0.1
  done
  run eventsapi --json status
  assert_output --regexp '"refused":(1[89][0-9]|2[0-9][0-9])'
  grep -q 'spool full' "$T/s.err"
  # What was taken is delivered once the receiver comes.
  start_receiver r "$RPORT"
  local kept
  kept=$(eventsapi --json status | $PYTHON -c 'import json,sys; print(json.load(sys.stdin)["output"]["webhooks"][0]["pending"])')
  [ "$kept" -ge 80 ]
  wait_for_unique "$T/r.log" "$kept"
  stop_serve s
}

@test "TLS is verified unless the webhook was added with --insecure" {
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" 2> /dev/null
  start_receiver tls "$RPORT" --tls "$T/cert.pem" "$T/key.pem"
  local url="https://127.0.0.1:$RPORT/hook"
  run eventsapi webhook-test "$url"
  assert_failure 3
  assert_output --regexp 'certificate|SSL'
  run eventsapi webhook-test --insecure "$url"
  assert_success
  quiet eventsapi webhook-add --insecure "$url"
  start_serve s
  event-fire over/tls
  wait_for_lines "$T/tls.log" 2
  assert_equal "$(field "$T/tls.log" 'json.loads(b)["event"] if b else "test"')" "$(printf 'test\nover/tls')"
  stop_serve s
}

@test "a cluster on Redis: two serves are two nodes; changes reach both; a dead node is DOWN" {
  start_redis
  export EVENTSAPI_STORE=$REDIS_URL
  start_receiver r "$RPORT"
  EVENT_SOCK_DIR=$T/bus1 start_serve n1 --state "$T/state1" --name node1
  EVENT_SOCK_DIR=$T/bus2 start_serve n2 --state "$T/state2" --name node2
  run eventsapi status
  assert_output --regexp 'node1 +\| +UP \| +UP \|'
  assert_output --regexp 'node2 +\| +UP \| +UP \|'
  # webhook-add returns once both nodes applied it.
  run eventsapi webhook-add -t tok "$HOOK"
  assert_success
  assert_output --regexp 'node1 +\| +UP \| +OK \|'
  assert_output --regexp 'node2 +\| +UP \| +OK \|'
  EVENT_SOCK_DIR=$T/bus1 event-fire from/one
  EVENT_SOCK_DIR=$T/bus2 event-fire from/two
  wait_for_lines "$T/r.log" 2
  run field "$T/r.log" 'json.loads(b)["event"] + " " + json.loads(b)["nodeid"]'
  assert_line "from/one $(cat "$T/state1/node-id")"
  assert_line "from/two $(cat "$T/state2/node-id")"
  run eventsapi config-set log-level DEBUG
  assert_success
  run eventsapi sync
  assert_success
  kill -9 "$(cat "$T/n2.pid")"
  wait "$(cat "$T/n2.pid")" || true
  # Its heartbeat stops; after 10 s it counts as DOWN, and sync is partial.
  local i=0
  until eventsapi status | grep -qE 'node2 +\| +DOWN'; do
    i=$((i + 1)); [ "$i" -lt 200 ] || break; sleep 0.1
  done
  run eventsapi status
  assert_output --regexp 'node2 +\| +DOWN \|'
  run eventsapi sync
  assert_failure 4
  # A node that stops cleanly leaves the list.
  stop_serve n1
  run eventsapi --json status
  refute_output --partial node1
  stop_redis
}

@test "serve: a second serve on one state directory, and bad options, are clear errors" {
  start_serve s
  run --separate-stderr eventsapi serve --port 0
  assert_failure 2
  assert_equal "$stderr" "eventsapi: another eventsapi serve uses the state directory $T/state"
  stop_serve s
  run --separate-stderr eventsapi serve --port 70000
  assert_failure 2
  run --separate-stderr eventsapi serve --port 0 --from 'nonesuch://x'
  assert_failure 2
  run --separate-stderr eventsapi nonesuch
  assert_failure 2
  run --separate-stderr eventsapi webhook-add
  assert_failure 2
}

@test "webhook-mod --secure verifies TLS again after --insecure" {
  quiet eventsapi webhook-add --insecure "https://127.0.0.1:$RPORT/"
  run eventsapi --json status
  assert_output --partial '"insecure":true'
  quiet eventsapi webhook-mod --secure "https://127.0.0.1:$RPORT/"
  run eventsapi --json status
  assert_output --partial '"insecure":false'
  refute_output --partial '"insecure":true'
}

@test "serve --password-file: events from a Redis server that wants a password" {
  start_redis
  redis-cli -p "$REDIS_PORT" CONFIG SET requirepass 's3cr3t' > /dev/null
  printf 's3cr3t\n' > "$T/pass"
  start_receiver r "$RPORT"
  quiet eventsapi webhook-add "$HOOK"
  start_serve s --from "$REDIS_URL" --password-file "$T/pass"
  REDISCLI_AUTH=s3cr3t wait_for_numpat "$REDIS_PORT" 1
  REDISCLI_AUTH=s3cr3t redis-cli -p "$REDIS_PORT" PUBLISH gluster/test '{"n":1}' > /dev/null
  wait_for_lines "$T/r.log" 1
  assert_equal "$(field "$T/r.log" 'json.loads(b)["event"] + " " + json.dumps(json.loads(b)["message"])')" 'gluster/test {"n": 1}'
  stop_serve s
  # Without it, serve says what is wrong and stops (exit 2).
  run --separate-stderr eventsapi serve --port 0 --from "$REDIS_URL"
  assert_failure 2
  [[ $stderr == *NOAUTH* ]]
  stop_redis
}
