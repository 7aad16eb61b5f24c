#!/usr/bin/env bats
# event-fire on the local bus: every way of giving a tag and data.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

# fire_one ARGS...: fires with ARGS while a listener waits for one event; the
# event it printed is in $output.
fire_one() {
  start_listener l -n 1
  event-fire "$@"
  finish l
  output=$(cat "$T/l.out")
}

@test "TAG and JSON DATA arrive as the event's data" {
  fire_one module/traefik1/event/test '{"field": "value"}'
  assert_output --partial '{"tag":"module/traefik1/event/test","data":{"field":"value"},'
}

@test "the envelope has tag, data, ts, id and node, in that order" {
  fire_one --id web1 backup/done ok
  assert_output --regexp '^\{"tag":"backup/done","data":"ok","ts":[0-9]+\.[0-9]{6},"id":"[0-9A-Z]{26}","node":"web1"\}$'
}

@test "DATA that is not JSON becomes a string" {
  fire_one t 'hello world'
  assert_output --partial '"data":"hello world"'
}

@test "no DATA gives an empty object" {
  fire_one t
  assert_output --partial '"data":{}'
}

@test "KEY=VALUE and KEY:=JSON build an object in order" {
  fire_one backup/done status=ok size:=1234 'tags:=["a","b"]' note='x=y'
  assert_output --partial '"data":{"status":"ok","size":1234,"tags":["a","b"],"note":"x=y"}'
}

@test "-s sends all of stdin as DATA" {
  start_listener l -n 2
  printf '{"multi":\n  "line"}\n' | event-fire -s t/json
  printf 'two\nlines\n' | event-fire --stdin t/text
  finish l
  run cat "$T/l.out"
  assert_line --index 0 --partial '"data":{"multi":"line"}'
  assert_line --index 1 --partial '"data":"two\nlines"'
}

@test "- as DATA reads stdin" {
  start_listener l -n 1
  echo '[1,2,3]' | event-fire t -
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  run cat "$T/l.out"
  assert_output --partial '"data":[1,2,3]'
}

@test "-l with TAG: each line is DATA, blank lines skipped" {
  start_listener l -n 3
  printf '{"i":1}\n\nplain\n  \n42' | event-fire -l t/lines
  finish l
  run cat "$T/l.out"
  assert_line --index 0 --partial '"data":{"i":1}'
  assert_line --index 1 --partial '"data":"plain"'
  assert_line --index 2 --partial '"data":42'
}

@test "-l without TAG: envelopes keep their id, ts, node and unknown keys" {
  start_listener l -n 2
  printf '%s\n' '{"tag":"a","data":1,"ts":1700000000.5,"id":"keep-me","node":"minion1","extra":{"x":true}}' \
                '{"tag":"b"}' | event-fire --lines --id here
  finish l
  run cat "$T/l.out"
  assert_line --index 0 '{"tag":"a","data":1,"ts":1700000000.500000,"id":"keep-me","node":"minion1","extra":{"x":true}}'
  assert_line --index 1 --regexp '^\{"tag":"b","data":\{\},"ts":[0-9.]+,"id":"[0-9A-Z]{26}","node":"here"\}$'
}

@test "Salt form: fire DATA TAG (data first)" {
  fire_one fire '{"sample-msg": "this is a test"}' myco/tag
  assert_output --partial '"tag":"myco/tag","data":{"sample-msg":"this is a test"}'
}

@test "Salt form: fire_master DATA TAG reaches the master endpoint" {
  export EVENT_MASTER="local:$T/master-bus"
  start_listener m -u "local:$T/master-bus" -n 1
  event-fire --id minion1 fire_master 'message for the master' tag
  finish m
  run cat "$T/m.out"
  assert_output --partial '"tag":"tag","data":"message for the master"'
  assert_output --partial '"node":"minion1"'
}

@test "Salt form: send TAG [DATA...] (tag first, salt-call event.send) reaches the master endpoint as an object" {
  export EVENT_MASTER="local:$T/master-bus"
  start_listener m -u "local:$T/master-bus" -n 2
  event-fire send myco/mytag foo=Foo bar:=2
  event-fire send myco/other '{"k":[1]}'
  finish m
  run cat "$T/m.out"
  assert_line --index 0 --partial '"tag":"myco/mytag","data":{"foo":"Foo","bar":2}'
  assert_line --index 1 --partial '"tag":"myco/other","data":{"k":[1]}'
  run event-fire send myco/mytag 'not an object'
  assert_failure 2
  assert_output --partial 'send takes an object'
  unset EVENT_MASTER
  run event-fire send myco/mytag
  assert_failure 2
  assert_output --partial 'no master endpoint'
}

@test "--master uses EVENT_MASTER, else the config file's master" {
  start_listener m -u "local:$T/m1" -n 1
  EVENT_MASTER="local:$T/m1" event-fire --master a/b x=1
  finish m
  run cat "$T/m.out"
  assert_output --partial '"tag":"a/b","data":{"x":"1"}'

  printf 'master: local:%s\n' "$T/m2" > "$EVENT_CONFIG"
  start_listener m2 -u "local:$T/m2" -n 1
  event-fire --master c/d
  finish m2
  run cat "$T/m2.out"
  assert_output --partial '"tag":"c/d"'
}

@test "--master without a master configured is a usage error" {
  run event-fire --master a/b
  assert_failure 2
  assert_output --partial 'no master endpoint'
  run event-fire --master -u local: a/b
  assert_failure 2
}

@test "--id sets node; the config file's id is the default" {
  fire_one --id node-7 t
  assert_output --partial '"node":"node-7"'
  echo 'id: from-config' > "$EVENT_CONFIG"
  fire_one t
  assert_output --partial '"node":"from-config"'
}

@test "without --id or config the node is the host name" {
  fire_one t
  assert_output --partial "\"node\":\"$(hostname)\""
}

@test "EVENT_URL chooses the endpoint; -u overrides it" {
  start_listener a -u "local:$T/a" -n 1
  EVENT_URL="local:$T/a" event-fire via/env
  finish a
  run cat "$T/a.out"
  assert_output --partial '"tag":"via/env"'
  start_listener b -u "local:$T/b" -n 1
  EVENT_URL="local:$T/nowhere" event-fire -u "local:$T/b" via/option
  finish b
  run cat "$T/b.out"
  assert_output --partial '"tag":"via/option"'
}

@test "firing with no listener succeeds quietly" {
  run event-fire nobody/listens x=1
  assert_success
  assert_output ''
}

@test "--require-listener: exit 3 and one line when the event reached no listener on the local bus" {
  run --separate-stderr event-fire --require-listener nobody/listens x=1
  assert_failure 3
  assert_equal "$stderr" "event-fire: the event reached no listener at local:$EVENT_SOCK_DIR (--require-listener)"
  start_listener l -n 1
  run event-fire --require-listener somebody/listens
  assert_success
  assert_output ''
  finish l
  assert_equal "$(wc -l < "$T/l.out")" 1
  # A stream: how many of them reached nobody.
  run --separate-stderr event-fire -l --require-listener t < <(seq 1 5)
  assert_failure 3
  assert_equal "$stderr" "event-fire: 5 of 5 events reached no listener at local:$EVENT_SOCK_DIR (--require-listener)"
}

@test "--require-listener on Redis: Pub/Sub counts PUBLISH's receivers; a stream keeps the event, which satisfies it" {
  start_redis
  run --separate-stderr event-fire -u "$REDIS_URL" --require-listener nobody/listens
  assert_failure 3
  assert_equal "$stderr" "event-fire: the event reached no listener at $REDIS_URL (--require-listener)"
  run event-fire -u "$REDIS_URL" nobody/listens  # without it: Pub/Sub's manners, exit 0
  assert_success
  start_listener l -u "$REDIS_URL" -n 1
  wait_for_numpat "$REDIS_PORT" 1
  run event-fire -u "$REDIS_URL" --require-listener somebody/listens
  assert_success
  finish l
  assert_equal "$(wc -l < "$T/l.out")" 1
  run event-fire -u "redis+stream://127.0.0.1:$REDIS_PORT/evq" --require-listener kept/for/later
  assert_success
}

@test "--require-listener where the transport cannot tell is a usage error; a ZeroMQ PUSH requires a peer anyway" {
  run --separate-stderr event-fire -u "tcp://127.0.0.1:$(free_port)" --bind --require-listener t
  assert_failure 2
  [[ "$stderr" == "event-fire: --require-listener: tcp://127.0.0.1:"*" cannot tell whether a listener took an event" ]]
  run --separate-stderr event-fire -u "salt:$T/salt" --require-listener t
  assert_failure 2
  [[ "$stderr" == *"cannot tell whether a listener took an event" ]]
  run event-fire -u "tcp://127.0.0.1:$(free_port)" --timeout 0.2 --require-listener t
  assert_failure 3
  assert_output --partial 'no peer took the event'
}

@test "bad tags and arguments are usage errors with one line" {
  run event-fire ''
  assert_failure 2
  assert_output 'event-fire: TAG: empty tag'
  run event-fire "$(printf 'a\tb')"
  assert_failure 2
  run event-fire "$(head -c 1025 /dev/zero | tr '\0' a)"
  assert_failure 2
  assert_output --partial 'longer than 1024 bytes'
  run event-fire t 'n:=not json'
  assert_failure 2
  assert_output --partial 'n:=not json: invalid JSON'
  run event-fire t one two
  assert_failure 2
  run event-fire -s -l t
  assert_failure 2
  run event-fire --timeout soon t
  assert_failure 2
  # Seconds past 1e9 would overflow the milliseconds they become (ZeroMQ's, NATS's, Salt's waits).
  run event-fire --timeout 1e300 -u tcp://127.0.0.1:1 t
  assert_failure 2
  assert_output "event-fire: --timeout: '1e300' seconds is more than 1000000000 (31 years)"
  run event-listen -w 1e10 -n 1
  assert_failure 2
  assert_output --partial "seconds is more than 1000000000"
  run event-fire --no-such-option t
  assert_failure 2
  assert_equal "${#lines[@]}" 1
  run event-fire
  assert_failure 2
  assert_output 'event-fire: no TAG given'
}

@test "bad endpoint URLs are usage errors" {
  run event-fire -u 'nowhere' t
  assert_failure 2
  assert_output --partial "bad endpoint URL 'nowhere'"
  run event-fire -u 'redis://h:99999' t
  assert_failure 2
}

@test "100 invalid lines among 10000: every valid one delivered, each bad one named, exit 4" {
  $PYTHON - "$T/in" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(10100):
        if i % 101 == 100:
            f.write('{"tag": broken %d\n' % i)
        else:
            f.write(json.dumps({"tag": "bulk/%d" % i, "data": {"i": i}}) + "\n")
PY
  start_listener l -n 10000 -o '%d'
  run --separate-stderr event-fire -l < "$T/in"
  assert_failure 4
  assert_equal "$(echo "$stderr" | wc -l)" 100
  [[ "$stderr" == *"event-fire: line 101: invalid JSON"* ]]
  [[ "$stderr" == *"event-fire: line 10100: invalid JSON"* ]]
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  run $PYTHON -c '
import json, sys
got = [json.loads(l)["i"] for l in open(sys.argv[1])]
want = [i for i in range(10100) if i % 101 != 100]
print("ok" if got == want else "mismatch %d %d" % (len(got), len(want)))' "$T/l.out"
  assert_output ok
}

@test "an event too large for the local bus is refused, never truncated" {
  start_listener l -n 1
  $PYTHON -c 'print("x" * 3000000)' > "$T/big"
  run event-fire -s big/one < "$T/big"
  assert_failure 4
  assert_output --regexp 'event of [0-9]+ bytes is larger than the local bus carries \([0-9]+ bytes\)'
  { $PYTHON -c 'print("x" * 3000000)'; echo small; } | event-fire -l big/stream 2> "$T/err" || echo "rc=$?" > "$T/rc"
  assert_equal "$(cat "$T/rc")" "rc=4"
  grep -q 'line 1: event of' "$T/err"
  finish l
  run cat "$T/l.out"
  assert_output --partial '"data":"small"'
}

@test "-h and --version" {
  run event-fire -h
  assert_success
  assert_output --partial 'fire|fire_master DATA TAG'
  run event-fire --version
  assert_success
  assert_output --regexp '^event-fire [0-9]+\.[0-9]+\.[0-9]+$'
}
