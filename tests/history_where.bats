#!/usr/bin/env bats
# Seeing what was missed, and only what matters: history on a Redis stream
# (--since, --from-id, -e) without a consumer group, and --where filters on
# the data, in event-listen and event-handle.

load helpers

setup() {
  common_setup
  H=$T/handlers
  mkdir -p "$H"
  export XDG_RUNTIME_DIR=$T/run
  mkdir -m 700 "$XDG_RUNTIME_DIR"
}
teardown() { common_teardown; }

now_ms() { date +%s%3N; }

# add_at KEY MS TAG DATA: a stream entry with id MS-0, as a hand-made XADD.
add_at() { redis-cli -p "$REDIS_PORT" XADD "$1" "$2-0" tag "$3" data "$4" > /dev/null; }

# stream_with_past KEY: two entries two hours old, two ten minutes old.
stream_with_past() {
  local now
  now=$(now_ms)
  add_at "$1" $((now - 7200000)) old/event/one '{"n":1}'
  add_at "$1" $((now - 7199000)) old/event/two '{"n":2}'
  add_at "$1" $((now - 600000)) new/event/three '{"n":3}'
  add_at "$1" $((now - 599000)) new/event/four '{"n":4}'
}

tags_of() { $PYTHON -c 'import json,sys; [print(json.loads(l)["tag"]) for l in sys.stdin]'; }

groups_of() { redis-cli -p "$REDIS_PORT" XINFO GROUPS "$1"; }

# --- history

@test "--since 1h prints only the entries newer than WHEN, in order; -e exits 0 once caught up; no group made" {
  start_redis
  stream_with_past ev
  su="redis+stream://127.0.0.1:$REDIS_PORT/ev"
  run --separate-stderr timeout 20 event-listen -u "$su" --since 1h -e
  assert_success
  assert_equal "$(tags_of <<< "$output")" "$(printf 'new/event/three\nnew/event/four')"
  # RFC 3339 and epoch seconds name the same point; a group in the URL is neither created nor moved.
  at=$(( $(now_ms) / 1000 - 3600 ))
  run --separate-stderr timeout 20 event-listen -u "$su?group=g1" --since "$(date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ)" -e -o '%t'
  assert_success
  assert_equal "$output" "$(printf 'new/event/three\nnew/event/four')"
  run --separate-stderr timeout 20 event-listen -u "$su" --since "$at" -e -o '%t'
  assert_equal "$output" "$(printf 'new/event/three\nnew/event/four')"
  run --separate-stderr timeout 20 event-listen -u "$su" --since 3h -e -o '%d'
  assert_equal "$output" "$(printf '{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}')"
  run groups_of ev
  assert_output ''
}

@test "--since: the history, then live events as they come" {
  start_redis
  stream_with_past ev
  su="redis+stream://127.0.0.1:$REDIS_PORT/ev"
  start_listener l -u "$su" --since 30m -n 3 -o '%t'
  wait_for_lines "$T/l.out" 2
  event-fire -u "$su" live/event/five
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  assert_equal "$(cat "$T/l.out")" "$(printf 'new/event/three\nnew/event/four\nlive/event/five')"
}

@test "--from-id ID reads from that entry on, inclusively; -e stops at what was there at the start" {
  start_redis
  for ms in 1000 2000 3000; do add_at ev "$ms" "t/$ms" '{}'; done
  su="redis+stream://127.0.0.1:$REDIS_PORT/ev"
  run --separate-stderr timeout 20 event-listen -u "$su" --from-id 2000-0 -e -o '%t'
  assert_success
  assert_equal "$output" "$(printf 't/2000\nt/3000')"
  run --separate-stderr timeout 20 event-listen -u "$su" --from-id 2000 -e -o '%t'
  assert_equal "$output" "$(printf 't/2000\nt/3000')"
  run --separate-stderr timeout 20 event-listen -u "$su" --from-id 0 -e -n 1 -o '%t'
  assert_equal "$output" 't/1000'
  run --separate-stderr event-listen -u "$su" --from-id yesterday -e
  assert_failure 2
  [[ "$stderr" == *"--from-id: 'yesterday' is not a stream entry id"* ]]
}

@test "-e with nothing to read exits 0 at once: an empty stream, a missing key, a point after the last entry" {
  start_redis
  su="redis+stream://127.0.0.1:$REDIS_PORT"
  run timeout 10 event-listen -u "$su/none" --since 1d -e
  assert_success
  assert_output ''
  add_at ev 1000 t/old '{}'
  run timeout 10 event-listen -u "$su/ev" --since 1h -e
  assert_success
  assert_output ''
  run timeout 10 event-handle -u "$su/ev" --since 1h -e --log none "$H"
  assert_success
  assert_output ''
}

@test "a transport that keeps no history: exit 2 with one line; -e alone and a bad WHEN are usage errors" {
  start_redis
  for url in "$REDIS_URL" local: -; do
    run --separate-stderr event-listen -u "$url" --since 1h -e < /dev/null
    assert_failure 2
    [[ "$stderr" == *"keeps no history"* ]]
    assert_equal "$(wc -l <<< "$stderr")" 1
  done
  run --separate-stderr event-handle -u "$REDIS_URL" --from-id 0 --log none "$H"
  assert_failure 2
  [[ "$stderr" == *"keeps no history"* ]]
  run --separate-stderr event-listen -u "redis+stream://127.0.0.1:$REDIS_PORT/ev" -e
  assert_failure 2
  [[ "$stderr" == *"-e/--exit-at-end needs --since or --from-id"* ]]
  run --separate-stderr event-listen -u "redis+stream://127.0.0.1:$REDIS_PORT/ev" --since soon -e
  assert_failure 2
  [[ "$stderr" == *"--since: 'soon' is not a time"* ]]
  run --separate-stderr event-listen -u "redis+stream://127.0.0.1:$REDIS_PORT/ev" --since 1h --from-id 0 -e
  assert_failure 2
}

@test "event-handle -u --since -e: a one-off catch-up run that acknowledges nothing and leaves the group alone" {
  start_redis
  stream_with_past ev
  su="redis+stream://127.0.0.1:$REDIS_PORT/ev?group=g1"
  redis-cli -p "$REDIS_PORT" XGROUP CREATE ev g1 0 > /dev/null
  before=$(groups_of ev)
  step "$H/three/10record" "echo \"\$EVENT_TAG \$(cat)\" >> '$T/handled'"
  step "$H/four/10record" "echo \"\$EVENT_TAG \$(cat)\" >> '$T/handled'"
  run --separate-stderr timeout 30 event-handle -u "$su" --since 1h -e --log none "$H"
  assert_success
  assert_equal "$(cat "$T/handled")" "$(printf 'new/event/three {"n":3}\nnew/event/four {"n":4}')"
  assert_equal "$(grep -c '"status":"completed"' <<< "$output")" 2
  # The group is as it was: no consumer, nothing pending, nothing delivered.
  assert_equal "$(groups_of ev)" "$before"
}

# --- --where

# events_file: four events with nested, quoted, missing and odd data.
events_file() {
  cat > "$T/events" <<'JSON'
{"tag":"a","data":{"node_id":"1","volume":{"name":"gv0"},"items":[1,{"x":2}],"key with space":"yes","size":150}}
{"tag":"b","data":{"node_id":"2","volume":{"name":"other"},"items":[],"size":50}}
{"tag":"c","data":{"node_id":1,"size":123456789012345678901234567891}}
{"tag":"d","data":"text"}
JSON
}

# where ARGS...: the tags event-listen prints from $T/events with ARGS, on one line.
where() { event-listen -u - -o '%t' "$@" < "$T/events" | paste -sd' '; }

@test "--where on nested, missing and quoted paths, with every operator" {
  events_file
  assert_equal "$(where --where '.node_id == "1"')" a
  assert_equal "$(where --where '.node_id == 1')" c
  assert_equal "$(where --where '.node_id != "1"')" 'b c'
  assert_equal "$(where --where ".volume.name ~ 'gv*'")" a
  assert_equal "$(where --where '.items[1].x == 2')" a
  assert_equal "$(where --where '.items[0]')" a
  assert_equal "$(where --where '."key with space" == "yes"')" a
  assert_equal "$(where --where '.size > 100')" 'a c'
  assert_equal "$(where --where '.size >= 150')" 'a c'
  assert_equal "$(where --where '.size < 123456789012345678901234567890')" 'a b'
  assert_equal "$(where --where '.size <= 50')" b
  assert_equal "$(where --where '.missing')" ''
  assert_equal "$(where --where '.missing != 1')" ''
  assert_equal "$(where --where '. == "text"')" d
  assert_equal "$(where --where '.size > 10' --where '.node_id == "2"')" b
}

@test "--where on the local bus: envelopes filtered as they arrive" {
  start_listener l -n 2 -o '%t' --where '.node_id == "1"' --where '.size > 100'
  event-fire t/skip node_id=2 size:=500
  event-fire t/one node_id=1 size:=101
  event-fire t/small node_id=1 size:=100
  event-fire t/two node_id=1 size:=1e3
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  assert_equal "$(cat "$T/l.out")" "$(printf 't/one\nt/two')"
}

@test "--where on hostile data: deep nesting, huge numbers, invalid UTF-8; the stream goes on, in both tools" {
  deep=$($PYTHON -c 'print("[" * 500 + "7" + "]" * 500)')
  {
    printf '{"tag":"deep","data":{"a":%s}}\n' "$deep"
    printf '{"tag":"huge","data":{"a":1e999}}\n'
    printf '{"tag":"bad","data":{"a":"\xff\xfe"}}\n'
    printf '{"tag":"ok","data":{"a":"x"}}\n'
  } > "$T/events"
  run --separate-stderr where --where '.a'
  assert_output 'deep huge ok'
  run --separate-stderr where --where ".a$(printf '[0]%.0s' $(seq 500)) == 7"
  assert_output deep
  run --separate-stderr where --where '.a == 1e999'
  assert_output huge
  run --separate-stderr where --where '.a > 1e308'
  assert_output huge
  # ~ on a number matches its token; the line with invalid UTF-8 is reported and skipped.
  run --separate-stderr event-listen -u - --where ".a ~ '1e9*'" -o '%t' < "$T/events"
  assert_failure 4
  assert_output huge
  # event-handle the same: the steps of the one event it holds for run, the bad line is counted.
  for name in deep huge bad ok; do step "$H/$name/10record" "echo $name >> '$T/handled'"; done
  run --separate-stderr event-handle --where '.a > 1e308' --log none "$H" < "$T/events"
  assert_failure 4
  assert_equal "$(cat "$T/handled")" huge
  rm "$T/handled"
  run --separate-stderr event-handle --where ".a$(printf '[0]%.0s' $(seq 500)) == 7" --log none "$H" < "$T/events"
  assert_failure 4
  assert_equal "$(cat "$T/handled")" deep
  [[ "$stderr" == *'line 3'* ]]
}

@test "--where that does not parse: exit 2 naming the column, in both tools" {
  run --separate-stderr event-listen -u - --where '.a = 1' < /dev/null
  assert_failure 2
  [[ "$stderr" == *"column 4: '=' is written '=='"* ]]
  run --separate-stderr event-listen -u - --where '.a == ok' < /dev/null
  assert_failure 2
  [[ "$stderr" == *'column 7: expected a JSON value'* ]]
  run --separate-stderr event-handle --where 'node_id' --log none "$H" < /dev/null
  assert_failure 2
  [[ "$stderr" == *'column 1: expected a path'* ]]
}

@test "event-handle --where, on stdin and with -u: steps run only for the events it holds for" {
  step "$H/x/10record" "echo \"\$EVENT_TAG \$(cat)\" >> '$T/handled'"
  {
    event a/event/x '{"node_id":"1","v":{"n":"gv0"}}'
    event b/event/x '{"node_id":"2","v":{"n":"gv0"}}'
    printf '{"tag":"bad/event/x","data":"\xff"}\n'
    event c/event/x '{"node_id":"1","v":{"n":"other"}}'
  } > "$T/in"
  run --separate-stderr event-handle --where '.node_id == "1"' --where ".v.n ~ 'gv*'" --log none "$H" < "$T/in"
  assert_failure 4
  assert_equal "$(cat "$T/handled")" 'a/event/x {"node_id":"1","v":{"n":"gv0"}}'
  start_redis
  rm -f "$T/handled"
  su="redis+stream://127.0.0.1:$REDIS_PORT/ev?group=g1"
  grep -v bad "$T/in" | event-fire -l -u "$su"
  run --separate-stderr timeout 30 event-handle -u "$su" --where '.node_id != "1"' -w 1 --log none "$H"
  assert_success
  assert_equal "$(cat "$T/handled")" 'b/event/x {"node_id":"2","v":{"n":"gv0"}}'
  # What it passed over is acknowledged too: nothing is left pending.
  assert_equal "$(redis-cli -p "$REDIS_PORT" XPENDING ev g1 | head -1)" 0
}
