#!/usr/bin/env bats
# HTTP out (event-fire -u http://URL: a CloudEvent a POST) into receivers
# no one here wrote: the npm registry's `cloudevents` SDK parses what we
# send (HTTP.toEvent) and `standardwebhooks` checks our signature. HTTP in
# (event-listen -u http://ADDR:PORT/PREFIX, event-handle -u) from curl, the
# SDK's HTTP.binary/structured messages and standardwebhooks' signing, with
# GitHub's signature made by GitHub's `@octokit/webhooks-methods` (and by
# openssl), and hostile requests; https with a
# certificate openssl makes here.

load helpers

SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw

setup() {
  common_setup
  printf '%s\n' "$SECRET" > "$T/secret"
}
teardown() { common_teardown; }

# npm_http: the SDKs, installed once into tests/.npm-http.
npm_http() { npm_peer .npm-http cloudevents@8 standardwebhooks@1 @octokit/webhooks-methods@6; }
peer() { NODE_PATH=$BATS_TEST_DIRNAME/.npm-http/node_modules node "$FIX/ce_peer.js" "$@"; }
# octokit sign|verify ...: tests/fixtures/gh_peer.mjs (an ES module: NODE_PATH
# does not reach its import, the working directory does).
octokit() { (cd "$BATS_TEST_DIRNAME/.npm-http" && node --input-type=module -e "$(cat "$FIX/gh_peer.mjs")" -- "$@"); }

# start_peer STATUS [SECRET]: the SDK's receiver on $PEER_PORT, its lines in $T/peer.out.
start_peer() {
  npm_http || skip "the npm registry's cloudevents and standardwebhooks cannot be installed"
  PEER_PORT=$(free_port)
  # exec: the pid is node's own, so that teardown stops it.
  (NODE_PATH=$BATS_TEST_DIRNAME/.npm-http/node_modules exec node "$FIX/ce_peer.js" receive "$PEER_PORT" "$T/peer.ready" "$@") \
    > "$T/peer.out" 2>&1 3>&- &
  echo $! > "$T/peer.pid"
  wait_for_file "$T/peer.ready"
}

# field N EXPR: EXPR (Python, over the JSON line as j) of line N of $T/peer.out.
line_field() {
  $PYTHON -c 'import json,sys; j=json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[2])-1]); print(eval(sys.argv[3]))' \
    "$T/peer.out" "$1" "$2"
}

# post NAME PATH [curl args...]: curl POSTs to the listener NAME started on $PORT; prints the status.
post() {
  local path=$1
  shift
  curl -s -o "$T/curl.body" -w '%{http_code}' "$@" "http://127.0.0.1:$PORT$path"
}

listen_http() {
  PORT=$(free_port)
  start_listener hl -u "http://127.0.0.1:$PORT$1" "${@:2}"
}

@test "event-fire -u http://: the CloudEvents SDK parses the binary mode; standardwebhooks verifies our signature; the query goes untouched" {
  start_peer 202 "$SECRET"
  printf 'tok3n\n' > "$T/token"
  run event-fire -u "http://127.0.0.1:$PEER_PORT/in/box?a=1&b=%2F" --secret-file "$T/secret" --bearer-token-file "$T/token" \
    --id web1 module/traefik1/event/test size:=3 name=x
  assert_success
  wait_for_lines "$T/peer.out" 1
  run cat "$T/peer.out"
  refute_output --partial error
  [ "$(line_field 1 'j["path"]')" = '/in/box?a=1&b=%2F' ]
  [ "$(line_field 1 'j["verified"]')" = True ]
  [ "$(line_field 1 'j["type"]')" = module/traefik1/event/test ]
  [ "$(line_field 1 'j["source"]')" = /node/web1 ]
  [ "$(line_field 1 'json.dumps(j["data"])')" = '{"size": 3, "name": "x"}' ]
  [ "$(line_field 1 'j["auth"]')" = 'Bearer tok3n' ]
  [ "$(line_field 1 'len(j["id"])')" = 26 ]
}

@test "event-fire --ce-mode structured: the SDK parses it; text data stays text; extensions pass, other members are said to be dropped" {
  start_peer 202
  run event-fire -u "http://127.0.0.1:$PEER_PORT/" --ce-mode structured 'EVENT API one.vm.allocate 1' '"hello"'
  assert_success
  printf '{"tag":"a/b","data":[1],"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","Bad_Key":1}\n' |
    event-fire -l -u "http://127.0.0.1:$PEER_PORT/" --ce-mode structured 2> "$T/err"
  wait_for_lines "$T/peer.out" 2
  [ "$(line_field 1 'j["type"]')" = 'EVENT API one.vm.allocate 1' ]
  [ "$(line_field 1 'j["data"]')" = hello ]
  [ "$(line_field 2 'j["ext"]["traceparent"]')" = 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ]
  grep -q 'member "Bad_Key" fits no CloudEvents attribute: dropped' "$T/err"
  run event-fire -u "http://127.0.0.1:$PEER_PORT/" --ce-mode json t
  assert_failure 2
}

@test "event-fire -l -u http://: one kept-alive connection for all lines" {
  start_peer 202
  for i in 1 2 3; do echo "{\"n\":$i}"; done | event-fire -l -u "http://127.0.0.1:$PEER_PORT/" batch/item
  wait_for_lines "$T/peer.out" 3
  [ "$(cut -d, -f2 "$T/peer.out" | sort -u | wc -l)" = 1 ]  # one client port: one connection
  [ "$(line_field 3 'j["data"]["n"]')" = 3 ]
}

@test "event-fire -u http://: a non-2xx answer is exit 1 with the status; no server, or no answer, is exit 3" {
  start_peer 500
  run event-fire -u "http://127.0.0.1:$PEER_PORT/x" t
  assert_failure 1
  assert_output --partial "answered 500: refused by the test"
  port=$(free_port)
  run event-fire -u "http://127.0.0.1:$port/" --timeout 1 t
  assert_failure 3
  assert_output --partial 'cannot connect'
  # A server that takes the connection and never answers: exit 3 after --timeout.
  $PYTHON -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); open(sys.argv[2],"w"); time.sleep(30)' \
    "$port" "$T/mute.ready" 3>&- &
  echo $! > "$T/mute.pid"
  wait_for_file "$T/mute.ready"
  run event-fire -u "http://127.0.0.1:$port/" --timeout 1 t
  assert_failure 3
  assert_output --partial 'no answer'
  run event-fire -u "redis://127.0.0.1:$port" --secret-file "$T/secret" t
  assert_failure 2
}

@test "event-listen -u http://ADDR:PORT/PREFIX: the tag from the path, the body as data, the id the sender gave" {
  listen_http /hooks -n 4
  [ "$(post /hooks/deploy/app -d '{"ref":"main"}' -H 'X-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958')" = 202 ]
  [ "$(post /hooks/ping -d 'not json' -X PUT -H 'webhook-id: msg_1')" = 202 ]
  [ "$(post /hooks/a%20b -d '')" = 202 ]
  [ "$(post /other/x -d '{}')" = 404 ]
  [ "$(post /hooks/x/../y -d '{}' --path-as-is)" = 400 ]
  [ "$(post /hooks -d '{}')" = 400 ]
  [ "$(post /hooks/last -d '[1,2]')" = 202 ]
  finish hl
  [ "$(cat "$T/hl.rc")" = 0 ]
  run jq -c '[.tag, .data, .id]' "$T/hl.out"
  assert_line --index 0 '["deploy/app",{"ref":"main"},"72d3162e-cc78-11e3-81ab-4c9367dc0958"]'
  assert_line --index 1 '["ping","not json","msg_1"]'
  assert_line --index 2 --partial '["a b",""'
  assert_line --index 3 --partial '["last",[1,2]'
  grep -q '404 POST /other/x from 127.0.0.1: not below /hooks' "$T/hl.err"
}

@test "event-listen -u http://...?form=salt-api: salt-api's /hook event, so that reactor SLS keep matching" {
  listen_http / -n 2
  [ "$(post '/mycompany/build/42?form=salt-api' -d '{"revision":"aa22a3c4b2e7","result":true}' -H 'Content-Type: application/json' -H 'X-My-Secret-Key: F0fAgoQjIT@W')" = 202 ]
  [ "$(post '/form?form=salt-api' -d 'tgt=*&service=httpd')" = 202 ]
  finish hl
  run jq -c '[.tag, .data.post, .data.headers["X-My-Secret-Key"], .data.headers["Content-Type"], .data.headers["Remote-Addr"]]' "$T/hl.out"
  assert_line --index 0 '["salt/netapi/hook/mycompany/build/42",{"revision":"aa22a3c4b2e7","result":true},"F0fAgoQjIT@W","application/json","127.0.0.1"]'
  assert_line --index 1 --partial '["salt/netapi/hook/form",{"tgt":"*","service":"httpd"}'
  run jq -r '.data.body' "$T/hl.out"
  assert_line --index 1 'tgt=*&service=httpd'
}

@test "event-listen -u http://: CloudEvents from the SDK (binary and structured) and from curl become events as they say" {
  npm_http || skip "the npm registry's cloudevents cannot be installed"
  listen_http / -n 3
  run peer send "http://127.0.0.1:$PORT/" binary com.example.built '{"ok":true}' ce-1
  assert_output 202
  run peer send "http://127.0.0.1:$PORT/" structured com.example.text '"plain"' ce-2
  assert_output 202
  [ "$(post / -H 'ce-specversion: 1.0' -H 'ce-type: EVENT%20API%20x' -H 'ce-id: c3' -H 'ce-source: /node/n9' \
        -H 'ce-time: 2026-01-02T03:04:05.5Z' -H 'ce-traceparent: 00-ab' -H 'Content-Type: text/plain' -d 'hi')" = 202 ]
  finish hl
  run jq -c '[.tag, .data, .id, .source]' "$T/hl.out"
  assert_line --index 0 '["com.example.built",{"ok":true},"ce-1","/npm/cloudevents"]'
  assert_line --index 1 '["com.example.text","plain","ce-2","/npm/cloudevents"]'
  run jq -c '[.tag, .data, .id, .node, .ts, .traceparent]' "$T/hl.out"
  assert_line --index 2 '["EVENT API x","hi","c3","n9",1767323045.5,"00-ab"]'
}

@test "event-listen --secret-file: GitHub's X-Hub-Signature-256 (@octokit/webhooks-methods, openssl dgst) and Standard Webhooks' (standardwebhooks) pass; others get 401" {
  npm_http || skip "the npm registry's @octokit/webhooks-methods and standardwebhooks cannot be installed"
  gh="It's a Secret to Everybody"
  printf '%s\n' "$gh" > "$T/gh"
  body='{"action":"push"}'
  sig=$(octokit sign "$gh" "$body")
  [[ $sig == sha256=* ]]
  # openssl makes the same; octokit's verify() holds it, and not for a changed body.
  [ "sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$gh" | sed 's/.*= //')" = "$sig" ]
  [ "$(octokit verify "$gh" "$body" "$sig")" = true ]
  [ "$(octokit verify "$gh" "$body " "$sig")" = false ]
  listen_http /gh -n 1 --secret-file "$T/gh"
  [ "$(post /gh/push -d "$body" -H "X-Hub-Signature-256: $sig")" = 202 ]
  finish hl
  jq -e '.tag == "push"' "$T/hl.out"

  listen_http /gh --secret-file "$T/gh"
  [ "$(post /gh/push -d "$body " -H "X-Hub-Signature-256: $sig")" = 401 ]  # the body changed after signing
  [ "$(post /gh/push -d "$body")" = 401 ]
  grep -q '401 POST /gh/push from 127.0.0.1: X-Hub-Signature-256 does not match' "$T/hl.err"
  grep -q 'no signature' "$T/hl.err"
  kill "$(cat "$T/hl.pid")"

  listen_http / -n 1 --secret-file "$T/secret"
  mapfile -t good < <(peer sign "$SECRET" msg_good '{"a":1}')
  mapfile -t old < <(peer sign "$SECRET" msg_old '{"a":1}' "$(( $(date +%s) - 600 ))")
  [ "$(post /sw -d '{"a":2}' -H "${good[0]}" -H "${good[1]}" -H "${good[2]}")" = 401 ]  # the body changed
  [ "$(post /sw -d '{"a":1}' -H "${old[0]}" -H "${old[1]}" -H "${old[2]}")" = 401 ]     # replayed: 10 minutes old
  [ "$(post /sw -d '{"a":1}' -H "${good[0]}" -H "${good[1]}" -H "${good[2]}")" = 202 ]
  finish hl
  jq -e '.tag == "sw" and .id == "msg_good"' "$T/hl.out"
  grep -q 'webhook-signature does not match' "$T/hl.err"
  grep -q 'too far from now' "$T/hl.err"
}

@test "event-fire --secret-file into event-listen --secret-file: our signature checks out on both sides" {
  listen_http / -n 1 --secret-file "$T/secret"
  run event-fire -u "http://127.0.0.1:$PORT/" --secret-file "$T/secret" signed/one
  assert_success
  finish hl
  jq -e '.tag == "signed/one"' "$T/hl.out"
}

@test "event-listen -u http://: bearer token, 413 over --max-body, 405 for GET, slow and empty requests" {
  printf 's3cr3t\n' > "$T/token"
  listen_http / --bearer-token-file "$T/token" --max-body 100 -n 1
  [ "$(post /t -d '{}')" = 401 ]
  [ "$(post /t -d '{}' -H 'Authorization: Bearer wrong')" = 401 ]
  [ "$(post /t -d "$(head -c 200 /dev/zero | tr '\0' a)" -H 'Authorization: Bearer s3cr3t')" = 413 ]
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/t")" = 405 ]
  [ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://127.0.0.1:$PORT/t")" = 405 ]
  # 200 clients whose headers never end: one thread serves every connection, the others are still served.
  $PYTHON -c '
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(200)]
for s in socks: s.sendall(b"POST /t HTTP/1.1\r\nHost: x\r\n")
open(sys.argv[2], "w"); time.sleep(5)' "$PORT" "$T/slow.ready" 3>&- &
  echo $! > "$T/slow.pid"
  wait_for_file "$T/slow.ready"
  [ "$(post /t -d '' -H 'Authorization: Bearer s3cr3t' --max-time 3)" = 202 ]    # an empty body
  finish hl
  [ "$(cat "$T/hl.rc")" = 0 ]
  jq -e '.tag == "t" and .data == ""' "$T/hl.out"
  grep -q '413 POST /t' "$T/hl.err"
  grep -q '405 GET /t' "$T/hl.err"
  grep -q 'bearer token missing or wrong' "$T/hl.err"
}

@test "event-listen -n 1: the last request is answered before the listener exits; a second listener on its port is exit 3" {
  listen_http / -n 1
  run event-listen -u "http://127.0.0.1:$PORT/" -n 1
  assert_failure 3
  assert_output --partial 'Address already in use'
  run curl -s -w '%{http_code}' -d '{}' "http://127.0.0.1:$PORT/only/one"
  assert_output 202
  finish hl
  [ "$(cat "$T/hl.rc")" = 0 ]
  # -n 50, 300 senders, 30 at a time: 50 answered 202, and those 50 events (no other, none twice) written.
  listen_http / -n 50
  seq 300 | xargs -P 30 -I{} curl -s -o /dev/null -w '{} %{http_code}\n' --max-time 5 -d '{"n":{}}' \
    "http://127.0.0.1:$PORT/t" > "$T/codes" || true  # those after the exit are refused: curl fails
  finish hl
  [ "$(cat "$T/hl.rc")" = 0 ]
  [ "$(awk '$2 == 202' "$T/codes" | wc -l)" = 50 ]
  [ "$(awk '$2 == 202 {print $1}' "$T/codes" | sort -n)" = "$(jq -r .data.n "$T/hl.out" | sort -n)" ]
}

@test "event-listen -u http://: stdout's reader gone ends it quietly (exit 0); a full disk ends it with write's reason (exit 1)" {
  PORT=$(free_port)
  # A reader that is gone at once: the first write (or the second, if it
  # landed before) fails with EPIPE; the events written in the server's thread end the listener as the main loop's do.
  event-listen --ready-file "$T/hl.ready" -u "http://127.0.0.1:$PORT/" > >(exec true) 2> "$T/hl.err" 3>&- &
  echo $! > "$T/hl.pid"
  wait_for_file "$T/hl.ready"
  for i in $(seq 20); do [ "$(post /t -d '{}' --max-time 3)" = 202 ] || break; done
  [ "$i" -lt 20 ]
  wait_for_exit "$(cat "$T/hl.pid")" 5
  finish hl
  [ "$(cat "$T/hl.rc")" = 0 ]
  # ENOSPC, said as a local: listener says it, exit 1; the sender is not told 202.
  PORT=$(free_port)
  event-listen --ready-file "$T/full.ready" -u "http://127.0.0.1:$PORT/" > /dev/full 2> "$T/full.err" 3>&- &
  echo $! > "$T/full.pid"
  wait_for_file "$T/full.ready"
  [ "$(post /t -d '{}' --max-time 3)" != 202 ]
  wait_for_exit "$(cat "$T/full.pid")" 5
  finish full
  [ "$(cat "$T/full.rc")" = 1 ]
  [ "$(tail -n 1 "$T/full.err")" = 'event-listen: write: No space left on device' ]
}

@test "event-listen -u http://: request bodies held at once stay within 64 MiB: past that, 503 at once; served again once they end" {
  listen_http /
  # 80 senders of 1 MiB bodies that are slow to send them: 64 are held (a
  # Content-Length counts whole), the 16 others are answered 503 at once
  # (before, every one was kept: 80 MiB, and 1 GiB with a thousand). Headers
  # only: a body left unread would make the close of a refused one a reset.
  $PYTHON -c '
import select, socket, sys, time
port = int(sys.argv[1])
socks = []
for _ in range(80):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (1 << 20))
    socks.append(s)
answers, end = {}, time.time() + 3
while time.time() < end and len(answers) < len(socks):
    ready, _, _ = select.select([s for s in socks if s not in answers], [], [], 0.2)
    for s in ready:
        answers[s] = s.recv(100).split(b"\r\n")[0]
print(sorted(answers.values()))' "$PORT" > "$T/answers"
  [ "$(cat "$T/answers")" = "$($PYTHON -c 'print([b"HTTP/1.1 503 Service Unavailable"] * 16)')" ]
  [ "$(post /t -d '{}' --max-time 3)" = 202 ]
  grep -q '503 POST /t from 127.0.0.1: busy' "$T/hl.err"
  kill "$(cat "$T/hl.pid")"
  finish hl
}

@test "https: event-listen --cert/--key with a self-signed certificate; curl and event-fire --cacert reach it" {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2> /dev/null
  PORT=$(free_port)
  run event-listen -u "https://127.0.0.1:$PORT/" -n 1
  assert_failure 2
  assert_output --partial 'needs --cert and --key'
  # A key that is not the certificate's, a file that is no key, one that is not there: exit 2, GnuTLS's reason.
  openssl genrsa -out "$T/other.pem" 2048 2> /dev/null
  run event-listen -u "https://127.0.0.1:$PORT/" --cert "$T/cert.pem" --key "$T/other.pem" -n 1
  assert_failure 2
  assert_output --partial 'the certificate and key do not serve'
  assert_output --partial 'do not match'
  [ "${#lines[@]}" = 1 ]
  run event-listen -u "https://127.0.0.1:$PORT/" --cert "$T/cert.pem" --key /etc/hostname -n 1
  assert_failure 2
  run event-listen -u "https://127.0.0.1:$PORT/" --cert "$T/cert.pem" --key "$T/missing.pem" -n 1
  assert_failure 2
  assert_output "event-listen: --key $T/missing.pem: No such file or directory"
  start_listener hl -u "https://127.0.0.1:$PORT/" --cert "$T/cert.pem" --key "$T/key.pem" -n 2
  [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/cert.pem" -d '{"x":1}' "https://127.0.0.1:$PORT/by/curl")" = 202 ]
  run event-fire -u "https://127.0.0.1:$PORT/" t
  assert_failure 3
  assert_output --partial 'not trusted'
  run event-fire -u "https://localhost:$PORT/" --cacert "$T/cert.pem" by/fire
  assert_success
  finish hl
  run jq -r .tag "$T/hl.out"
  assert_output "$(printf 'by/curl\nby/fire')"
}

@test "event-handle -u http://: a step runs for each POST, answered 202 once queued" {
  mkdir -p "$T/h/deploy"
  # Written aside, then renamed: the file is whole once it is there.
  printf '#!/bin/sh\ncat > "%s/tmp.$EVENT_ID" && mv "%s/tmp.$EVENT_ID" "%s/ran.$EVENT_ID"\n' "$T" "$T" "$T" > "$T/h/deploy/10run"
  chmod +x "$T/h/deploy/10run"
  PORT=$(free_port)
  event-handle -u "http://127.0.0.1:$PORT/" --log stderr --ready-file "$T/eh.ready" "$T/h" > "$T/eh.out" 2> "$T/eh.err" 3>&- &
  echo $! > "$T/eh.pid"
  wait_for_file "$T/eh.ready"
  [ "$(post /deploy -d '{"v":1}' -H 'webhook-id: one')" = 202 ]
  [ "$(post /deploy -d '{"v":2}' -H 'webhook-id: two')" = 202 ]
  wait_for_file "$T/ran.two"
  wait_for_file "$T/ran.one"
  [ "$(cat "$T/ran.two")" = '{"v":2}' ]
  # 40 senders at once, each request waiting (its connection suspended) until queued: all 202, every step runs.
  seq 40 | xargs -P 20 -I{} curl -s -o /dev/null -w '%{http_code}\n' -d '{"n":{}}' -H 'webhook-id: p{}' \
    "http://127.0.0.1:$PORT/deploy" > "$T/codes"
  [ "$(sort "$T/codes" | uniq -c | awk '{print $1, $2}')" = "40 202" ]
  for i in $(seq 40); do wait_for_file "$T/ran.p$i"; done
  kill "$(cat "$T/eh.pid")"
  wait_for_exit "$(cat "$T/eh.pid")"
}

@test "event-fire and event-listen link no HTTP library: libmicrohttpd, cpp-httplib, OpenSSL and libcurl stay in the plugin (and eventsapi)" {
  for tool in event-fire event-listen; do
    run nm -C --defined-only "$EVT_BUILD_DIR/$tool"
    refute_output --partial httplib
    refute_output --partial curl_
    refute_output --partial eventsapi
    run ldd "$EVT_BUILD_DIR/$tool"
    refute_output --partial libssl
    refute_output --partial libmicrohttpd
    refute_output --partial gnutls
    refute_output --partial libcurl
    refute_output --partial httplib
  done
}

@test "HTTP in: a listener stopped as it starts (before the server listens) still exits" {
  port=$(free_port)
  # Under ASan, a SIGTERM that lands while LeakSanitizer stops the world
  # at exit (the usage error's exit races timeout's signal) leaves it
  # spinning for ever: the sanitizer's, not ours. This test is about our stop.
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
  for i in $(seq 1 15); do
    run timeout -k 3 0.05 event-listen -u "http://127.0.0.1:$port/"
    [ "$status" -ne 137 ] || fail "run $i did not stop on SIGTERM"
  done
}
