#!/usr/bin/env bats
# CloudEvents 1.0 both ways: event-listen -o cloudevents, CloudEvent lines
# taken wherever envelope lines are, eventsapi webhooks in the JSON and the
# binary mode; checked against a peer no one here wrote, the CloudEvents
# JavaScript SDK from the npm registry (`cloudevents`).

load helpers

setup() {
  common_setup
  export EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
  RPORT=$(free_port)
  HOOK="http://127.0.0.1:$RPORT"
}
teardown() { common_teardown; }

# npm_cloudevents: the SDK, installed once into tests/.npm-cloudevents.
npm_cloudevents() { npm_peer .npm-cloudevents cloudevents@10; }

sdk() { NODE_PATH=$BATS_TEST_DIRNAME/.npm-cloudevents/node_modules node "$FIX/cloudevents_sdk.js" "$@"; }

ENVELOPE='{"tag":"module/traefik1/event/test","data":{"field":"value"},"ts":1763789000.123456,"id":"01KAMS1ZJ3","node":"web 1","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","attempt":2,"ok":true,"big":12345678901,"list":[1],"Upper":1,"toolongforacloudevent":1,"time":"x"}'

@test "-o cloudevents: the mapping; members no attribute can carry are dropped, said once for each name" {
  printf '%s\n%s\n' "$ENVELOPE" "$ENVELOPE" | event-listen -u - -o cloudevents > "$T/out" 2> "$T/err"
  run cat "$T/out"
  assert_line --index 0 '{"specversion":"1.0","id":"01KAMS1ZJ3","source":"/node/web%201","type":"module/traefik1/event/test","time":"2025-11-22T05:23:20.123456Z","datacontenttype":"application/json","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","attempt":2,"ok":true,"big":"12345678901","list":"[1]","data":{"field":"value"}}'
  assert_equal "${#lines[@]}" 2
  run cat "$T/err"
  assert_equal "${#lines[@]}" 3
  assert_line 'event-listen: member "Upper" fits no CloudEvents attribute: dropped (said once for each name)'
  assert_line --partial '"toolongforacloudevent"'
  assert_line --partial '"time"'
  # A Redis listener's source member is the source; the node goes as an extension.
  run event-listen -u - -o cloudevents <<< '{"tag":"module/m1/event/x","data":null,"ts":1,"id":"i","node":"n","source":"module/m1"}'
  assert_output '{"specversion":"1.0","id":"i","source":"module/m1","type":"module/m1/event/x","time":"1970-01-01T00:00:01.000000Z","datacontenttype":"application/json","node":"n"}'
}

@test "the CloudEvents SDK takes our lines under strict validation, and event-fire -l takes them back unchanged" {
  npm_cloudevents || skip "the npm registry's cloudevents SDK cannot be installed"
  printf '%s\n' "$ENVELOPE" '{"tag":"EVENT API one.vm.allocate 1","data":"<xml/>","ts":1,"id":"a b\"c","node":"n","datacontenttype":"text/xml","subject":"vm/1"}' \
    | event-listen -u - -o cloudevents 2> /dev/null > "$T/ours"
  run sdk validate < "$T/ours"
  assert_success
  assert_line --index 0 --partial '"type":"module/traefik1/event/test"'
  assert_line --index 1 --partial '"datacontenttype":"text/xml","subject":"vm/1","data":"<xml/>"'
  # The round trip: every attribute (tag, id, ts, node, data, extensions) kept.
  run event-fire -l -u - < "$T/ours"
  assert_success
  assert_line --index 0 '{"tag":"module/traefik1/event/test","data":{"field":"value"},"ts":1763789000.123456,"id":"01KAMS1ZJ3","node":"web 1","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","attempt":2,"ok":true,"big":"12345678901","list":"[1]"}'
  assert_line --index 1 '{"tag":"EVENT API one.vm.allocate 1","data":"<xml/>","ts":1.000000,"id":"a b\"c","node":"n","datacontenttype":"text/xml","subject":"vm/1"}'
}

@test "CloudEvents the SDK makes cross the local bus through event-fire -l and come out with the same attributes" {
  npm_cloudevents || skip "the npm registry's cloudevents SDK cannot be installed"
  sdk make > "$T/made"
  event-listen -n 4 -w 10 -o cloudevents --ready-file "$T/ready" > "$T/back" 3>&- &
  local pid=$!
  wait_for_file "$T/ready"
  run event-fire -l < "$T/made"
  assert_success
  wait "$pid"
  run sdk same "$T/made" "$T/back"
  assert_success
  # Text under a non-JSON type stays text; bytes stay base64; /node/X is the node.
  run cat "$T/back"
  assert_line --index 1 --partial '"source":"/node/web%201","type":"text.note"'
  assert_line --index 1 --partial '"datacontenttype":"text/plain","data":"hello, world"}'
  assert_line --index 2 --partial '"data_base64":"AAEC/w=="}'
}

@test "a CloudEvent that is not valid is an invalid line: reported with its number, skipped, exit 4" {
  cat > "$T/in" <<'EOF'
{"specversion":"1.0","id":"1","source":"/s","type":"ok.first"}
{"specversion":"0.3","id":"2","source":"/s","type":"old"}
{"specversion":"1.0","source":"/s","type":"no.id"}
{"specversion":"1.0","id":"4","type":"no.source"}
{"specversion":"1.0","id":"5","source":"/s"}
{"specversion":"1.0","id":"","source":"/s","type":"empty.id"}
{"specversion":"1.0","id":"7","source":"/s","type":"t","time":"yesterday"}
{"specversion":"1.0","id":"8","source":"/s","type":"t","data":1,"data_base64":"AA=="}
{"specversion":"1.0","id":"9","source":"/s","type":"t","data_base64":"!!"}
{"specversion":"1.0","id":"10","source":"/s","type":"t","ts":"5"}
{"specversion":1,"id":"11","source":"/s","type":"t"}
{"specversion":"1.0","id":"12","source":"/s","type":"ok.last","time":"2026-01-02T03:04:05.5+02:00","data_base64":"eyJrIjoxfQ=="}
EOF
  run --separate-stderr event-fire -l -u - < "$T/in"
  assert_failure 4
  assert_equal "${#lines[@]}" 2
  assert_line --index 0 --partial '"tag":"ok.first","data":null'
  assert_line --index 1 '{"tag":"ok.last","data":{"k":1},"ts":1767315845.500000,"id":"12","node":"'"$(hostname)"'","source":"/s"}'
  run printf '%s\n' "$stderr"
  assert_equal "${#lines[@]}" 10
  assert_line --index 0 'event-fire: line 2: CloudEvent specversion "0.3" is not 1.0'
  assert_line --index 1 'event-fire: line 3: CloudEvent has no "id"'
  assert_line --index 2 'event-fire: line 4: CloudEvent has no "source"'
  assert_line --index 3 'event-fire: line 5: CloudEvent has no "type"'
  assert_line --index 4 'event-fire: line 6: CloudEvent "id" is not a non-empty string'
  assert_line --index 5 'event-fire: line 7: CloudEvent "time" is not an RFC 3339 time'
  assert_line --index 6 'event-fire: line 8: CloudEvent has both "data" and "data_base64"'
  assert_line --index 7 'event-fire: line 9: CloudEvent "data_base64" is not base64'
  assert_line --index 8 'event-fire: line 10: CloudEvent attribute "ts" would stand for the envelope'"'"'s own'
  assert_line --index 9 'event-fire: line 11: CloudEvent "specversion" is not a non-empty string'
}

@test "event-handle takes CloudEvents on stdin: the steps see its type, id, source node and data" {
  step "$T/h/note/10show" 'echo "$EVENT_TAG|$EVENT_NAME|$EVENT_ID|$EVENT_NODE|$(cat)" >> '"$T/seen"
  run event-handle --log none "$T/h" <<< '{"specversion":"1.0","id":"ce-1","source":"/node/web1","type":"app/event/note","data":{"k":"v"}}'
  assert_success
  assert_output --partial '"tag":"app/event/note/handled"'
  assert_equal "$(cat "$T/seen")" 'app/event/note|note|ce-1|web1|{"k":"v"}'
}

@test "webhook --format cloudevents and cloudevents-binary: the SDK's HTTP.toEvent reads what serve sends (CloudEvents in from the bus and the UDP port too); gluster stays Gluster's body" {
  start_receiver r "$RPORT"
  quiet eventsapi webhook-add --format cloudevents-binary "$HOOK/binary"
  quiet eventsapi webhook-add --format cloudevents "$HOOK/structured"
  quiet eventsapi webhook-add "$HOOK/gluster"
  mkdir -p "$GLUSTERD_WORKDIR"
  echo "UUID=11111111-2222-4333-8444-555555555555" > "$GLUSTERD_WORKDIR/glusterd.info"
  printf '%s\n' '{"tag":"VOLUME_CREATE","data":{"name":"gv0"},"ts":1796222333.25,"id":"E1","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}' \
    '{"specversion":"1.0","id":"E2","source":"/x","type":"app/event/note","time":"2026-12-06T01:00:00Z","datacontenttype":"text/plain","data":"hi there"}' \
    > "$T/in"
  local uport
  uport=$(free_port)
  start_serve s --port "$uport"
  event-fire -l < "$T/in"
  wait_for_lines "$T/r.log" 6
  # serve's UDP port takes a CloudEvent as it takes an envelope.
  udp_send "$uport" '{"specversion":"1.0","id":"E3","source":"/node/n","type":"PEER_ATTACH","data":{"host":"h"}}'
  wait_for_lines "$T/r.log" 9
  stop_serve s
  stop_receiver r
  run field "$T/r.log" 'r["path"] + " " + h["content-type"] + " " + b'
  assert_line '/gluster application/json {"event": "VOLUME_CREATE", "message": {"name": "gv0"}, "nodeid": "11111111-2222-4333-8444-555555555555", "ts": 1796222333.25}'
  assert_line '/gluster application/json {"event": "app/event/note", "message": "hi there", "nodeid": "11111111-2222-4333-8444-555555555555", "ts": 1796518800}'
  assert_line '/structured application/cloudevents+json {"specversion":"1.0","id":"E1","source":"/node/11111111-2222-4333-8444-555555555555","type":"VOLUME_CREATE","time":"2026-12-02T14:38:53.250000Z","datacontenttype":"application/json","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","data":{"name":"gv0"}}'
  assert_line '/binary application/json {"name":"gv0"}'
  assert_line '/binary application/json "hi there"'
  run field "$T/r.log" 'r["path"] + " " + h.get("ce-id", "-") + " " + h.get("ce-type", "-") + " " + h["webhook-id"]'
  assert_line '/binary E1 VOLUME_CREATE E1'
  assert_line '/gluster - - E2'
  assert_line '/binary E3 PEER_ATTACH E3'
  # The trace context: W3C's header in every format, CloudEvents' extension in theirs.
  run field "$T/r.log" 'r["path"] + " " + h.get("traceparent", "-")[:6] + " " + h.get("ce-traceparent", "-")[:6]'
  assert_line '/binary 00-0af 00-0af'
  assert_line '/gluster 00-0af -'
  assert_line '/structured 00-0af -'
  npm_cloudevents || skip "the npm registry's cloudevents SDK cannot be installed"
  grep -v '"/gluster"' "$T/r.log" > "$T/ce.log"
  run sdk receive "$T/ce.log"
  assert_success
  assert_equal "${#lines[@]}" 6
  assert_line '{"id":"E1","time":"2026-12-02T14:38:53.250Z","type":"VOLUME_CREATE","source":"/node/11111111-2222-4333-8444-555555555555","specversion":"1.0","datacontenttype":"application/json","data":{"name":"gv0"},"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}'
  assert_line '{"id":"E2","time":"2026-12-06T01:00:00.000Z","type":"app/event/note","source":"/node/11111111-2222-4333-8444-555555555555","specversion":"1.0","datacontenttype":"application/json","data":"hi there"}'
}

@test "webhook-add/-mod --format: kept in the store only when not gluster, shown by status; a store without it is gluster" {
  quiet eventsapi webhook-add "$HOOK/a"
  quiet eventsapi webhook-add --format cloudevents "$HOOK/b"
  run grep -c '"format"' "$T/store/webhooks.json"
  assert_output 1
  run eventsapi status
  assert_line "$HOOK/a"
  assert_line "$HOOK/b (format: cloudevents)"
  quiet eventsapi webhook-mod --format cloudevents-binary "$HOOK/a"
  quiet eventsapi webhook-mod --format gluster "$HOOK/b"
  run eventsapi --json status
  assert_output --partial "\"format\":\"cloudevents-binary\""
  run eventsapi status
  assert_line "$HOOK/a (format: cloudevents-binary)"
  assert_line "$HOOK/b"
  # An older store (no format) and a newer one's format unknown here: gluster.
  printf '{"%s": {"token": "", "secret": ""}, "%s": {"token": "", "secret": "", "format": "avro"}}\n' "$HOOK/old" "$HOOK/new" \
    > "$T/store/webhooks.json"
  run eventsapi --json status
  assert_output --partial "\"format\":\"gluster\""
  refute_output --partial 'avro'
  run --separate-stderr eventsapi webhook-add --format xml "$HOOK/c"
  assert_failure 2
  assert_equal "$stderr" 'eventsapi: --format: xml not in {gluster,cloudevents,cloudevents-binary} (see --help)'
}

@test "webhook-test sends a TEST CloudEvent in the webhook's format, or the one --format asks for" {
  start_receiver r "$RPORT"
  quiet eventsapi webhook-add --format cloudevents-binary "$HOOK/b"
  run eventsapi webhook-test "$HOOK/b"
  assert_success
  run eventsapi webhook-test --format cloudevents "$HOOK/other"
  assert_success
  run eventsapi webhook-test "$HOOK/other"
  assert_success
  wait_for_lines "$T/r.log" 3
  stop_receiver r
  run field "$T/r.log" 'r["path"] + " " + h["content-type"] + " " + h.get("ce-type", "-") + " " + str(len(b))'
  assert_line --index 0 '/b application/json TEST 2'
  assert_line --index 2 '/other application/json - 0'
  run field "$T/r.log" 'json.loads(b)["type"] if h["content-type"].startswith("application/cloudevents") else "-"'
  assert_line --index 1 'TEST'
}

@test "the binary mode over HTTP: a '%' in an attribute comes back as it went (each header value percent-decoded once)" {
  PORT=$(free_port)
  start_listener hl -u "http://127.0.0.1:$PORT/" -n 2
  printf '%s\n' '{"tag":"t","data":"x","id":"i1","node":"n","subject":"100%41 off, 50%25 %u0041 + é"}' \
    '{"tag":"t","data":"x","id":"i2","node":"n","note":"%2541"}' | event-fire -u "http://127.0.0.1:$PORT/" -l
  finish hl
  [ "$(cat "$T/hl.rc")" = 0 ]
  run jq -r '.subject // .note' "$T/hl.out"
  assert_line --index 0 '100%41 off, 50%25 %u0041 + é'
  assert_line --index 1 '%2541'
}
