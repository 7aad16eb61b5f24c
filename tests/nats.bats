#!/usr/bin/env bats
# NATS (nats://) and JetStream (nats+js://) against real nats-server
# processes on free loopback ports: tags as subjects both ways, a NATS client
# no one here wrote (the npm registry's `nats`) on the other side, queue
# groups, durable consumers, and a 3-server cluster losing its stream's
# leader to kill -9 while event-fire -l and event-handle -u run.

load helpers
load nats_helpers

setup_file() {
  T=$BATS_FILE_TMPDIR
  start_cluster "$BATS_FILE_TMPDIR/cluster"
  # -g: sourced in setup(), a function.
  declare -p CLIENT_PORTS ROUTE_PORTS MON_PORTS CLUSTER_DIR CLUSTER_URL | sed "s/^declare -/declare -g -/" > "$BATS_FILE_TMPDIR/cluster.env"
}
teardown_file() {
  . "$BATS_FILE_TMPDIR/cluster.env"
  stop_cluster
}

setup() {
  common_setup
  . "$BATS_FILE_TMPDIR/cluster.env"
  start_nats one
}
teardown() {
  common_teardown
  stop_nats one
}

# envelopes FILE: the lines event-fire -l is given below, with their ids, ts and nodes.
tags_file() {
  $PYTHON - > "$1" <<'PY'
import json
tags = ["module/traefik1/event/test", "EVENT STATE VM/ACTIVE/RUNNING/5 ", "EVENT STATE HOST/ERROR//0 ",
        "EVENT API one.vm.allocate 1", "salt/job/20250101/ret/web1", "100%/*/>/x", "ünï/cödé"]
for i, tag in enumerate(tags):
    print(json.dumps({"tag": tag, "data": {"i": i, "s": "a b"}, "ts": 1763789000.123456 + i,
                      "id": "01ABCDEFGHJKMNPQRSTVWXYZ%02d" % i, "node": "web1",
                      "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                     separators=(",", ":"), ensure_ascii=False))
PY
}

@test "nats://: envelopes go round trip whole, OpenNebula's keys and escaped characters included" {
  tags_file "$T/in"
  start_listener l -u "$NATS1" -n 7
  event-fire -l -u "$NATS1" < "$T/in"
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  run diff "$T/in" "$T/l.out"
  assert_success
}

@test "nats://: patterns filter on the server and exactly here; overlapping ones deliver once" {
  start_listener l -u "$NATS1" -n 3 -o '%t' 'EVENT STATE VM/*' 'module/*/event/*' 'module/a/event/b'
  for t in 'EVENT STATE HOST/X/0 ' 'EVENT STATE VM/A/1 ' module/x/y module/a/event/b 'module/c/event/d'; do
    event-fire -u "$NATS1" "$t"
  done
  finish l
  run cat "$T/l.out"
  assert_output "$(printf 'EVENT STATE VM/A/1 \nmodule/a/event/b\nmodule/c/event/d')"
}

@test "nats://: a plain NATS client reads what event-fire sends, and what it publishes arrives as a tag" {
  npm_nats || skip "the npm registry's nats client cannot be installed"
  rm -f "$T/js.ready"
  js_client sub "$NATS1" 'module.>' 1 "$T/js.ready" > "$T/js.out" 2> "$T/js.err" 3>&- &
  local sub=$!
  wait_for_file "$T/js.ready"
  event-fire -u "$NATS1" --id web1 module/mail1/event/changed domain=example.org
  wait "$sub"
  run $PYTHON -c 'import json,sys; m=json.loads(open(sys.argv[1]).read()); h=m["headers"]
print(m["subject"], m["data"], h["ce-type"], h["ce-source"], h["ce-specversion"], len(h["ce-id"]), h["ce-time"][-1])' "$T/js.out"
  assert_output 'module.mail1.event.changed {"domain":"example.org"} module/mail1/event/changed web1 1.0 26 Z'
  start_listener l -u "$NATS1" --id here -n 2 'module/*/event/*'
  js_client pub "$NATS1" module.traefik1.event.test '{"field":"value"}'
  js_client pub "$NATS1" 'EVENT%20STATE%20VM.ACTIVE.RUNNING.5%20' 'not json'
  js_client pub "$NATS1" module.traefik1.event.x 'not json'
  finish l
  run cat "$T/l.out"
  assert_line --index 0 --regexp '^\{"tag":"module/traefik1/event/test","data":\{"field":"value"\},"ts":[0-9]+\.[0-9]{6},"id":"[0-9A-Z]{26}","node":"here"\}$'
  assert_line --index 1 --partial '{"tag":"module/traefik1/event/x","data":"not json",'
}

@test "nats://?queue=NAME: listeners in a queue group share the events, each to one of them" {
  start_listener a -u "$NATS1?queue=workers" -o '%d' -w 1
  start_listener b -u "$NATS1?queue=workers" -o '%d' -w 1
  seq 1 40 | event-fire -l -u "$NATS1" q/x
  finish a
  finish b
  assert_equal "$(cat "$T/a.out" "$T/b.out" | sort -n | uniq | wc -l)" 40
  assert_equal "$(cat "$T/a.out" "$T/b.out" | wc -l)" 40
}

@test "nats://: a server not there is exit 3 and one line; credentials in the URL, NATS_URL" {
  port=$(free_port)
  run event-fire -u "nats://127.0.0.1:$port" --timeout 1 t
  assert_failure 3
  assert_equal "${#lines[@]}" 1
  stop_nats one
  start_nats one --user u --pass 's3cret'
  # A long --timeout: under load the handshake can outlast the default and
  # end in "No server available" before the server's refusal is read.
  run event-fire -u "nats://127.0.0.1:$NATS_PORT" --timeout 20 t
  assert_failure 3
  assert_output --partial 'Authorization'
  refute_output --partial 's3cret'
  run event-fire -u "nats://u:s3cret@127.0.0.1:$NATS_PORT" t
  assert_success
  echo -n s3cret > "$T/pw"
  run event-fire -u "nats://u@127.0.0.1:$NATS_PORT" --password-file "$T/pw" t
  assert_success
  NATS_URL="nats://u:s3cret@127.0.0.1:$NATS_PORT" run event-fire -u nats:// t
  assert_success
}

@test "nats://?tls=1 and tls:// in NATS_URL: the server's certificate verified against the system's CAs (SSL_CERT_FILE)" {
  stop_nats one
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 2> /dev/null
  start_nats one --tls --tlscert "$T/cert.pem" --tlskey "$T/key.pem"
  run event-fire -u "nats://127.0.0.1:$NATS_PORT?tls=1" t
  assert_failure 3
  assert_output --partial 'self-signed certificate'
  SSL_CERT_FILE=$T/cert.pem start_listener l -u "nats://127.0.0.1:$NATS_PORT?tls=1" -n 1 -o '%t'
  SSL_CERT_FILE=$T/cert.pem NATS_URL=tls://127.0.0.1:$NATS_PORT event-fire -u nats:// over/tls
  finish l
  assert_equal "$(cat "$T/l.out")" over/tls
}

@test "nats://: listeners reconnect when the server comes back; --no-reconnect exits 3 instead" {
  start_listener l -u "$NATS1" -n 1 -o '%t'
  start_listener nr -u "$NATS1" --no-reconnect
  stop_nats one
  finish nr
  assert_equal "$(cat "$T/nr.rc")" 3
  run cat "$T/nr.err"
  assert_output --partial 'lost the server'
  NATS_PORT_AT=${NATS1##*:} start_nats one
  wait_for_text "$T/l.err" 'reconnected to'
  event-fire -u "$NATS1" back/again
  finish l
  assert_equal "$(cat "$T/l.out")" back/again
}

@test "nats://: --nkey FILE signs in with a user's NKey seed; a wrong seed is refused" {
  openssl genpkey -algorithm ed25519 -out "$T/k.pem"
  local priv pub
  priv=$(openssl pkey -in "$T/k.pem" -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n')
  pub=$(openssl pkey -in "$T/k.pem" -pubout -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n')
  $PYTHON "$FIX/nkey.py" "$priv" "$pub" > "$T/keys"
  head -1 "$T/keys" > "$T/user.nk"
  printf 'authorization { users: [ { nkey: %s } ] }\n' "$(tail -1 "$T/keys")" > "$T/auth.conf"
  stop_nats one
  start_nats one -c "$T/auth.conf"
  run event-fire -u "$NATS1" t
  assert_failure 3
  run event-fire -u "$NATS1" --nkey "$T/user.nk" t
  assert_success
  echo SUAGARBAGE > "$T/bad.nk"
  run event-fire -u "$NATS1" --nkey "$T/bad.nk" t
  assert_failure 2
  assert_output --partial -- '--nkey'
  run event-fire -u local: --nkey "$T/user.nk" t
  assert_failure 2
}

@test "nats: bad URLs and options are usage errors (exit 2)" {
  for url in 'nats://h/x' 'nats://h?queue=a.b' 'nats+js://h' 'nats+js://h/S?replicas=9' 'nats+js://h/S?subjects=>' 'nats+js://h/S?create=yes'; do
    run event-fire -u "$url" t
    assert_failure 2
  done
  run event-fire -u local: --creds /nonexistent t
  assert_failure 2
  assert_output --partial '--creds and --nkey apply to NATS endpoints'
  run event-fire -u "$NATS1" --creds "$T/none" t
  assert_failure 2
  run event-listen -u "nats+js://127.0.0.1:$NATS_PORT/ABSENT?group=g" -n 1
  assert_failure 2
  assert_output --partial 'no stream ABSENT'
  run event-listen -u "nats+js://127.0.0.1:$NATS_PORT/S?create=1&subjects=s.>" -n 1
  assert_failure 2
  assert_output --partial '?group=NAME'
}

@test "nats+js://: fired with no listener, kept; a group resumes where it left off; ids and keys kept" {
  local u="nats+js://127.0.0.1:$NATS_PORT/EV?create=1&subjects=module.>,EVENT%20STATE%20VM.>"
  tags_file "$T/all"
  grep -E '"tag":"(module|EVENT STATE VM)' "$T/all" > "$T/in"
  event-fire -l -u "$u" < "$T/in"
  seq 1 100 | event-fire -l -u "$u" module/x/event/n
  run event-listen -u "$u&group=g1" -n 2
  assert_success
  run diff "$T/in" <(printf '%s\n' "${lines[@]}")
  assert_success
  run event-listen -u "$u&group=g1" -o '%d' -n 100
  assert_success
  assert_equal "$(printf '%s\n' "${lines[@]}" | sort -n | uniq | wc -l)" 100
  run event-listen -u "$u&group=g1" -w 1
  assert_failure 1
  # The same ids again (a publisher retrying) are stored once.
  event-fire -l -u "$u" < "$T/in"
  run event-listen -u "$u&group=g2" -o '%i' -w 1
  assert_equal "$(printf '%s\n' "${lines[@]}" | grep -c '^01ABC')" 2
}

@test "nats+js://: event-fire -l waits for the stream's acks; what none acknowledged is exit 3 after --timeout" {
  event-fire -u "nats+js://127.0.0.1:$NATS_PORT/EV?create=1&subjects=a.>" a/x
  run event-fire -l -u "nats+js://127.0.0.1:$NATS_PORT/EV" --timeout 1 other/x <<< '1'
  assert_failure 3
  assert_output --partial '1 events not acknowledged by stream EV within 1 s'
}

@test "nats+js:// history: --from-id (a stream sequence) and --since, with -e; no durable consumer made; a bad sequence is exit 2" {
  local u="nats+js://127.0.0.1:$NATS_PORT/HIST"
  seq 1 5 | sed 's/.*/{"i":&}/' | event-fire -l -u "$u?create=1&subjects=hist.>" hist/x
  run event-listen -u "$u" --from-id 3 -e -o '%t %d'
  assert_success
  assert_equal "$output" $'hist/x {"i":3}\nhist/x {"i":4}\nhist/x {"i":5}'
  run event-listen -u "$u" --since 1h -e -o '%d' 'other/*'
  assert_success
  assert_output ''
  run event-listen -u "$u" --since 1h -e -o '%d'
  assert_equal "${#lines[@]}" 5
  # event-handle -u: a one-off catch-up run over the same history.
  mkdir -p "$T/h/hist/x"
  printf '#!/bin/sh\ncat >> %s/handled; echo >> %s/handled\n' "$T" "$T" > "$T/h/hist/x/10run"
  chmod +x "$T/h/hist/x/10run"
  run event-handle -u "$u" --from-id 2 -e "$T/h"
  assert_success
  assert_equal "$(grep -c '"i"' "$T/handled")" 4
  # In the future, or past the end: nothing, exit 0 at once.
  run event-listen -u "$u" --since 2099-01-01T00:00:00Z -e
  assert_success
  assert_output ''
  run event-listen -u "$u" --from-id 99 -e
  assert_success
  # Without -e: the history, then what comes live.
  start_listener l -u "$u" --from-id 5 -n 2 -o '%d'
  wait_for_lines "$T/l.out" 1
  event-fire -u "$u" hist/x i:=6
  wait_for_lines "$T/l.out" 2
  assert_equal "$(cat "$T/l.out")" $'{"i":5}\n{"i":6}'
  # An ordered consumer only: no durable one was left on the stream.
  if npm_nats; then
    run env NODE_PATH="$BATS_TEST_DIRNAME/.npm-nats/node_modules" node -e "
      const { connect } = require('nats');
      (async () => { const nc = await connect({ servers: '127.0.0.1:$NATS_PORT' });
        const jsm = await nc.jetstreamManager(); let durable = 0;
        for await (const c of jsm.consumers.list('HIST')) if (c.config.durable_name) durable++;
        console.log(durable); await nc.close(); })();"
    assert_output 0
  fi
  run event-listen -u "$u" --from-id 0 -e
  assert_failure 2
  assert_output --partial "a stream sequence number"
}

@test "nats+js://: a handler killed with -9 loses nothing: its events come back after claim=" {
  local u="nats+js://127.0.0.1:$NATS_PORT/EV?create=1&subjects=h.>&group=w&claim=1"
  mkdir -p "$T/h/n"
  printf '#!/bin/sh\nprintf "%%s\\n" "$(cat)" >> %s\nsleep 0.02\n' "$T/handled" > "$T/h/n/10log"
  chmod +x "$T/h/n/10log"
  seq 1 200 | event-fire -l -u "$u" h/event/n
  event-handle -u "$u" --log none "$T/h" > /dev/null 3>&- &
  local w=$!
  wait_for_lines "$T/handled" 30 30
  kill -9 "$w"
  timeout 60 event-handle -u "$u" -w 3 --log none "$T/h" > /dev/null
  assert_equal "$(sort -u "$T/handled" | wc -l)" 200
}

@test "nats+js://: a handler running longer than claim= keeps its event in progress: no other worker of the group takes it" {
  local u="nats+js://127.0.0.1:$NATS_PORT/EV?create=1&subjects=slow.>&group=w&claim=1"
  mkdir -p "$T/h/n"
  printf '#!/bin/sh\nprintf "%%s\\n" "$(cat)" >> %s\nsleep 3\n' "$T/handled" > "$T/h/n/10slow"
  chmod +x "$T/h/n/10slow"
  event-fire -u "$u" slow/event/n 1
  event-handle -u "$u" -w 5 --log none "$T/h" > /dev/null 3>&- &
  local a=$!
  wait_for_lines "$T/handled" 1
  run timeout 20 event-handle -u "$u" -w 4 --log none "$T/h"
  wait "$a"
  assert_equal "$(cat "$T/handled")" 1
}

@test "nats+js://: eventsapi serve --from a JetStream group, killed with -9 mid-stream and restarted, loses no event" {
  export EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
  local rport stream="nats+js://127.0.0.1:$NATS_PORT/GL?create=1&subjects=n&group=eventsapi"
  rport=$(free_port)
  start_receiver r "$rport"
  quiet eventsapi webhook-add "http://127.0.0.1:$rport/hook"
  event-fire -u "$stream" n 0
  start_serve s --from "$stream"
  seq 1 1000 | event-fire -u "$stream" -l n &
  local fire=$!
  wait_for_unique "$T/r.log" 100
  kill -9 "$(cat "$T/s.pid")"
  wait "$(cat "$T/s.pid")" || true
  start_serve s --from "$stream"
  wait "$fire"
  wait_for_unique "$T/r.log" 1001 60
  assert_equal "$(first_seen "$T/r.log" | sort -n)" "$(seq 0 1000)"
  stop_serve s
  stop_receiver r
}

# now_ms: the clock, in milliseconds.
now_ms() { date +%s%3N; }

# kill_mid_stream leader|follower: event-fire -l (1500 events, ~500/s) and
# event-handle -u on a stream of 3 replicas; kill -9 of the server asked for
# once 300 are handled, restarted once event-fire is done. Appends a row of
# the kill table to $EVT_BUILD_DIR/nats-kill-table.md (and shows it).
kill_mid_stream() {
  local which=$1 stream=KILL_$1 n=1500
  local u="$CLUSTER_URL/$stream?create=1&replicas=3&subjects=$stream.>&group=workers&claim=5"
  mkdir -p "$T/h/n"  # the handler of $stream/event/n
  printf '#!/bin/sh\nprintf "%%s\\n" "$(cat)" >> %s\n' "$T/handled" > "$T/h/n/10log"
  chmod +x "$T/h/n/10log"
  event-fire -u "$u" $stream/event/n 0  # makes the stream
  event-handle -u "$u" --log none "$T/h" > /dev/null 2> "$T/handle.err" 3>&- &
  local handler=$!
  # About 500 events a second; the count fired so far in $T/fired.
  $PYTHON -c 'import os, sys, time
for i in range(1, int(sys.argv[1]) + 1):
    print(i, flush=True)
    open(sys.argv[2] + ".new", "w").write(str(i)); os.replace(sys.argv[2] + ".new", sys.argv[2])  # never read half-written
    time.sleep(0.002)' "$n" "$T/fired" |
    event-fire -l -u "$u" $stream/event/n 2> "$T/fire.err" 3>&- &
  local fire=$!
  wait_for_lines "$T/handled" 300 30 2> /dev/null
  local leader killed_at fired_at_kill resumed_at i=0
  leader=$(stream_leader "$stream")
  local victim=$leader
  [ "$which" = follower ] && victim=$(for s in n1 n2 n3; do [ "$s" != "$leader" ] && echo "$s"; done | head -1)
  kill -9 "$(cat "$CLUSTER_DIR/$victim.pid")"
  killed_at=$(now_ms)
  fired_at_kill=$(cat "$T/fired")
  # Flowing again: an event fired after the kill has been handled.
  until [ "$(sort -n "$T/handled" | tail -1)" -gt "$fired_at_kill" ] 2> /dev/null; do
    i=$((i + 1)); [ "$i" -gt 3000 ] && fail "no event handled after the kill"; sleep 0.01
  done
  resumed_at=$(now_ms)
  local fire_rc=0
  wait "$fire" || fire_rc=$?
  run_cluster_server "${victim#n}"
  i=0
  until [ "$(sort -u "$T/handled" | wc -l)" -ge $((n + 1)) ] || [ "$i" -gt 600 ]; do i=$((i + 1)); sleep 0.1; done
  kill "$handler"
  local handled dups
  handled=$(sort -u "$T/handled" | wc -l)
  dups=$(($(wc -l < "$T/handled") - handled))
  printf '| %s (%s) | %d | %s | %d | %d | %d | %d ms |\n' "$victim" "$which" $((n + 1)) \
    "$([ "$fire_rc" = 0 ] && echo $((n + 1)) || echo "exit $fire_rc")" "$handled" $((n + 1 - handled)) "$dups" \
    $((resumed_at - killed_at)) | tee -a "$EVT_BUILD_DIR/nats-kill-table.md" >&3
  assert_equal "$fire_rc" 0
  assert_equal "$handled" $((n + 1))
  [ "$which" = follower ] || [ "$(stream_leader "$stream")" != "$leader" ]
  # The restarted server catches up: its replica holds every message.
  i=0
  until [ "$(stream_messages "${victim#n}" "$stream")" = $((n + 1)) ]; do
    i=$((i + 1)); [ "$i" -gt 300 ] && fail "the restarted $victim did not catch up"; sleep 0.1
  done
}

@test "3 servers, a stream of 3 replicas: kill -9 of its leader mid-stream loses nothing, the tools go on, it catches up" {
  kill_mid_stream leader
}

@test "3 servers, a stream of 3 replicas: kill -9 of a follower mid-stream loses nothing, it catches up" {
  kill_mid_stream follower
}
