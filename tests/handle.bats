#!/usr/bin/env bats
# event-handle: handler directories, step selection, safety, timeouts,
# concurrency, logging and results.

load helpers


setup() {
  common_setup
  H=$T/handlers
  mkdir -p "$H"
}
teardown() { common_teardown; }

@test "NethServer's example end to end: redis-cli PUBLISH -> event-listen | event-handle runs the steps in order" {
  start_redis
  step "$H/test/10handler" 'cat > "$OUT_DIR/10.in"; echo "$EVENT_SOURCE $EVENT_NAME $EVENT_STEP" > "$OUT_DIR/10.env"'
  step "$H/test/20second" 'cat > "$OUT_DIR/20.in"; ls "$OUT_DIR" > "$OUT_DIR/20.saw"'
  export OUT_DIR=$T/out
  mkdir -p "$OUT_DIR"
  event-listen -u "$REDIS_URL" -n 1 --ready-file "$T/ready" 'module/*/event/*' 3>&- |
    event-handle --log none "$H" > "$T/results" 3>&- &
  local pipeline=$!
  wait_for_file "$T/ready"
  redis-cli -p "$REDIS_PORT" PUBLISH module/traefik1/event/test '{"field": "value"}' > /dev/null
  # Only the pipeline: redis-server is a background job of this shell too.
  wait "$pipeline"
  assert_equal "$(cat "$T/out/10.in")" '{"field":"value"}'
  assert_equal "$(cat "$T/out/20.in")" '{"field":"value"}'
  assert_equal "$(cat "$T/out/10.env")" 'module/traefik1 test 10handler'
  # 20second ran after 10handler had finished.
  grep -q 10.env "$T/out/20.saw"
  run cat "$T/results"
  assert_output --regexp '"tag":"module/traefik1/event/test/handled","data":\{"event_id":"[0-9A-Z]{26}","handler":"test","status":"completed","exit_code":0,"step":"20second","duration_ms":[0-9]+\}'
  stop_redis
}

@test "the environment: the ns8 agent's AGENT_* variables, EVENT_* ones, the runner's own" {
  step "$H/envtest/10env" 'env | grep -E "^(EVENT_(TAG|NAME|SOURCE|ID|TS|NODE|STEP)=|AGENT_|KEEP_ME)" | sort > "$OUT"'
  export OUT=$T/env KEEP_ME=yes EVENT_TAG=inherited-and-replaced AGENT_COMFD=9
  printf '%s\n' '{"tag":"module/m1/event/envtest","data":1,"ts":1700000000.25,"id":"the-id","node":"n7"}' | event-handle --log none "$H" > /dev/null
  run cat "$T/env"
  assert_output "$(printf 'AGENT_COMFD=2\nAGENT_EVENT_NAME=envtest\nAGENT_EVENT_SOURCE=module/m1\nEVENT_ID=the-id\nEVENT_NAME=envtest\nEVENT_NODE=n7\nEVENT_SOURCE=module/m1\nEVENT_STEP=10env\nEVENT_TAG=module/m1/event/envtest\nEVENT_TS=1700000000.250000\nKEEP_ME=yes')"
}

@test "a failing step aborts the later ones; the result says where and how" {
  step "$H/fails/10ok" 'touch "$OUT/10"'
  step "$H/fails/20bad" 'touch "$OUT/20"; exit 7'
  step "$H/fails/30never" 'touch "$OUT/30"'
  export OUT=$T/out
  mkdir -p "$OUT"
  run --separate-stderr event-handle --log stderr "$H" <<< "$(event x/event/fails)"
  assert_failure 1
  assert_output --partial '"status":"aborted","exit_code":7,"step":"20bad"'
  [ -e "$OUT/10" ] && [ -e "$OUT/20" ] && [ ! -e "$OUT/30" ]
  # The ns8 agent's words.
  [[ "$stderr" == *'Handler of x/event/fails exited with status "aborted" (7) at step 20bad'* ]]
}

@test "steps: executable regular files with step names, byte order; dotfiles, backups, non-executables skipped" {
  for s in 10a 2b B1 a1 _x 9.z; do step "$H/order/$s" "echo $s >> \"\$OUT\""; done
  for s in .hidden 10a~ 10a.swp 10a.dpkg-old 10a.rpmnew 10a.rpmsave '-dash'; do step "$H/order/$s" "echo BAD $s >> \"\$OUT\""; done
  printf 'echo BAD >> "$OUT"\n' > "$H/order/50notexec"
  mkdir "$H/order/60dir"
  export OUT=$T/ran
  event-handle --log none "$H" <<< "$(event x/event/order)" > /dev/null
  run cat "$T/ran"
  assert_output "$(printf '10a\n2b\n9.z\nB1\n_x\na1')"
}

@test "with several DIRs, the later DIR's file wins for the same name" {
  step "$T/d1/merge/10same" 'echo d1-10 >> "$OUT"'
  step "$T/d1/merge/20only1" 'echo d1-20 >> "$OUT"'
  step "$T/d2/merge/10same" 'echo d2-10 >> "$OUT"'
  step "$T/d2/merge/30only2" 'echo d2-30 >> "$OUT"'
  export OUT=$T/ran
  event-handle --log none "$T/d1" "$T/d2" <<< "$(event x/event/merge)" > /dev/null
  assert_equal "$(cat "$T/ran" | tr '\n' ' ')" 'd2-10 d1-20 d2-30 '
}

@test "no handler directory: skipped, nothing runs, status 0" {
  run event-handle --log none "$H" <<< "$(event module/x/event/unknown)"
  assert_success
  assert_output --partial '"handler":"unknown","status":"skipped","exit_code":null,"step":null'
  assert_output --partial '"reason":"no handler directory"'
}

@test "traversal attempts run nothing and are reported as rejected" {
  # Something a traversal would reach: it must never run.
  step "$T/bin/evil" 'touch "$OUT/evil"'
  step "$H/ok/10" 'touch "$OUT/ok"'
  export OUT=$T/out
  mkdir -p "$OUT"
  {
    event 'module/x/event/../../bin/evil'
    event 'module/x/event/ok/../../bin/evil'
    event 'module/x/event/./ok'
    event 'module/x/event/a//b'
    event 'module/x/event/-rf'
    event 'module/x/event/'
    printf '%s\n' '{"tag":"module/x/event/a\u0000b","data":{}}'
  } > "$T/in"
  run --separate-stderr event-handle --log stderr "$H" < "$T/in"
  assert_failure 4
  [ ! -e "$OUT/evil" ] && [ ! -e "$OUT/ok" ]
  assert_equal "$(grep -c '"status":"rejected"' <<< "$output")" 6
  [[ "$stderr" == *"handler name '../../bin/evil' has a '..' part"* ]]
  [[ "$stderr" == *"handler name 'a//b' has an empty part"* ]]
  [[ "$stderr" == *"handler name part '-rf' is not allowed"* ]]
  [[ "$stderr" == *"line 7: tag contains a control character"* ]]
}

@test "the data never meets a shell" {
  step "$H/safe/10" 'cat > "$OUT/data"'
  export OUT=$T/out
  mkdir -p "$OUT"
  printf '%s\n' "{\"tag\":\"x/event/safe\",\"data\":\"\$(touch $T/pwned); \`touch $T/pwned2\`\"}" | event-handle --log none "$H" > /dev/null
  [ ! -e "$T/pwned" ] && [ ! -e "$T/pwned2" ]
  grep -q 'touch' "$OUT/data"
}

@test "--timeout: SIGTERM to the step's process group; its child goes too" {
  step "$H/slow/10" 'sleep 300 & echo $! > "$OUT/child"; sleep 300'
  export OUT=$T/out
  mkdir -p "$OUT"
  start=$(date +%s%N)
  run event-handle --log none --timeout 0.5 --grace 1 "$H" <<< "$(event x/event/slow)"
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  assert_failure 1
  assert_output --partial '"status":"timeout","exit_code":143,"step":"10"'
  [ "$elapsed_ms" -lt 4000 ]
  child=$(cat "$OUT/child")
  run ps -o stat= -p "$child"
  assert_output ''
}

@test "--grace: a step that ignores SIGTERM gets SIGKILL after the grace period" {
  step "$H/stubborn/10" 'trap "" TERM; sleep 300 & wait; sleep 300'
  start=$(date +%s%N)
  run event-handle --log none --timeout 0.3 --grace 0.5 "$H" <<< "$(event x/event/stubborn)"
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  assert_failure 1
  assert_output --partial '"status":"timeout","exit_code":137'
  [ "$elapsed_ms" -lt 3000 ]
}

@test "leftover background processes of a finished step do not survive it" {
  step "$H/bg/10" 'sleep 300 > /dev/null 2>&1 & echo $! > "$OUT/child"; exit 0'
  export OUT=$T/out
  mkdir -p "$OUT"
  run event-handle --log none --grace 1 "$H" <<< "$(event x/event/bg)"
  assert_success
  assert_output --partial '"status":"completed"'
  run ps -o stat= -p "$(cat "$OUT/child")"
  assert_output ''
}

@test "-j 4 runs four 1-second handlers at once; -j 1 keeps order" {
  step "$H/sleepy/10" 'sleep 1; cat'
  for i in 1 2 3 4; do event x/event/sleepy "$i"; done > "$T/in"
  start=$(date +%s%N)
  event-handle --log none -j 4 "$H" < "$T/in" > "$T/res4"
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$elapsed_ms" -lt 2500 ]
  assert_equal "$(grep -c '"status":"completed"' "$T/res4")" 4

  step "$H/fast/10" 'cat >> "$OUT"; echo >> "$OUT"'
  export OUT=$T/order
  for i in $(seq 1 20); do event x/event/fast "$i"; done | event-handle --log none -j 1 "$H" > /dev/null
  run cat "$T/order"
  assert_output "$(seq 1 20)"
}

@test "a full pool stops reading stdin: 50 events through -j 2, none dropped" {
  # One file per event: two steps appending to one file would interleave.
  step "$H/work/10" 'n=$(cat); touch "$OUT/$n"'
  export OUT=$T/done
  mkdir -p "$OUT"
  for i in $(seq 1 50); do event x/event/work "$i"; done | event-handle --log none -j 2 "$H" > "$T/res"
  assert_equal "$(grep -c completed "$T/res")" 50
  assert_equal "$(ls "$OUT" | sort -n | tr '\n' ' ')" "$(seq 1 50 | tr '\n' ' ')"
}

@test "results pipe into event-fire -l" {
  step "$H/piped/10" 'true'
  start_listener l -n 1 'x/event/piped/handled' -o '%t %d'
  event x/event/piped | event-handle --log none "$H" | event-fire -l
  finish l
  run cat "$T/l.out"
  assert_output --regexp '^x/event/piped/handled \{"event_id":"[0-9A-Z]{26}","handler":"piped","status":"completed","exit_code":0,"step":"10","duration_ms":[0-9]+\}$'
}

@test "SIGTERM while a step runs: no more events are read, the step finishes within the grace period" {
  step "$H/term/10" 'touch "$OUT/started"; sleep 1; touch "$OUT/finished"'
  export OUT=$T/out
  mkdir -p "$OUT"
  mkfifo "$T/in"
  event-handle --log stderr --grace 5 "$H" < "$T/in" > "$T/res" 2> "$T/err" 3>&- &
  pid=$!
  exec 5> "$T/in"
  event x/event/term >&5
  wait_for_file "$OUT/started"
  kill -TERM $pid
  event x/event/term >&5 || true
  rc=0; wait $pid || rc=$?
  exec 5>&-
  assert_equal "$rc" 0
  [ -e "$OUT/finished" ]
  assert_equal "$(grep -c completed "$T/res")" 1
  grep -q 'stopping: no more events are read' "$T/err"
}

@test "SIGTERM: a step still running after the grace period is killed and the event reported aborted" {
  step "$H/long/10" 'touch "$OUT/started"; sleep 300'
  export OUT=$T/out
  mkdir -p "$OUT"
  mkfifo "$T/in"
  event-handle --log none --grace 0.5 "$H" < "$T/in" > "$T/res" 3>&- &
  pid=$!
  exec 5> "$T/in"
  event x/event/long >&5
  wait_for_file "$OUT/started"
  kill -TERM $pid
  rc=0; wait $pid || rc=$?
  exec 5>&-
  assert_equal "$rc" 1
  run cat "$T/res"
  assert_output --partial '"status":"aborted","exit_code":143,"step":"10","duration_ms"'
  assert_output --partial '"reason":"event-handle was stopped"'
}

@test "step output is relayed line by line as it comes, not when the step ends" {
  step "$H/chatty/10" 'echo first line; touch "$OUT/said"; sleep 2; echo second line'
  export OUT=$T/out
  mkdir -p "$OUT"
  event x/event/chatty | event-handle --log stderr "$H" > /dev/null 2> "$T/err" &
  local job=$!
  wait_for_file "$OUT/said"
  wait_for_text "$T/err" 'chatty/10: first line' 1
  ! grep -q 'second line' "$T/err"
  wait "$job"
  grep -q 'chatty/10: second line' "$T/err"
}

@test "several MB of data reach a step; a step that never reads stdin is fine" {
  step "$H/big/10count" 'wc -c > "$OUT/count"'
  step "$H/big/20ignore" 'exit 0'
  export OUT=$T/out
  mkdir -p "$OUT"
  $PYTHON -c 'import json; print(json.dumps({"tag": "x/event/big", "data": "y" * 5000000}))' > "$T/in"
  run event-handle --log none --timeout 10 "$H" < "$T/in"
  assert_success
  assert_output --partial '"status":"completed"'
  # A string's characters, as they are: no quotes, no newline added.
  assert_equal "$(cat "$OUT/count")" 5000000
}

@test "--log syslog: lines reach the syslog socket with ident, facility and severity" {
  $PYTHON "$FIX/syslog_sink.py" "$T/log.sock" "$T/syslog" 3>&- &
  sink=$!
  wait_for_file "$T/log.sock.ready"
  step "$H/logged/10" 'echo to stdout; echo to stderr >&2; exit 2'
  run event-handle --syslog-socket "$T/log.sock" "$H" <<< "$(event module/m/event/logged)"
  assert_failure 1
  wait_for_text "$T/syslog" aborted 1 || true  # the assertions below say what is missing
  kill $sink
  run cat "$T/syslog"
  # The ns8 agent's lines, at its severities (debug, error), facility daemon.
  assert_line --regexp '^<31>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} event-handle\[[0-9]+\]: Handler of module/m/event/logged is starting step 10$'
  assert_line --regexp '^<30>.* event-handle\[[0-9]+\]: logged/10: to stdout$'
  assert_line --regexp '^<28>.* event-handle\[[0-9]+\]: logged/10: to stderr$'
  assert_line --regexp '^<27>.* event-handle\[[0-9]+\]: logged/10: exit status 2$'
  assert_line --regexp '^<27>.* event-handle\[[0-9]+\]: Handler of module/m/event/logged exited with status "aborted" \(2\) at step 10$'
}

@test "--log syslog without a syslog socket falls back to stderr and says so once" {
  step "$H/nolog/10" 'echo hi'
  run --separate-stderr event-handle --syslog-socket "$T/nothing-here" "$H" <<< "$(event x/event/nolog)"
  assert_success
  assert_equal "$(grep -c 'cannot log to' <<< "$stderr")" 1
  [[ "$stderr" == *"nolog/10: hi"* ]]
}

@test "--log none is silent; --log stderr prefixes each line" {
  step "$H/quiet/10" 'echo hi; echo there >&2'
  run --separate-stderr event-handle --log none "$H" <<< "$(event x/event/quiet)"
  assert_success
  assert_equal "$stderr" ''
  run --separate-stderr event-handle --log stderr "$H" <<< "$(event x/event/quiet)"
  [[ "$stderr" == *"event-handle: quiet/10: hi"* ]]
  [[ "$stderr" == *"event-handle: quiet/10: there"* ]]
}

@test "--dry-run prints the steps that would run and runs nothing" {
  step "$H/dry/10a" 'touch "$OUT/ran"'
  step "$H/dry/20b" 'touch "$OUT/ran"'
  export OUT=$T/out
  mkdir -p "$OUT"
  run event-handle --dry-run --log none "$H" <<< "$(event x/event/dry; event x/event/none; event 'x/event/../up')"
  assert_failure 4
  assert_line --index 0 "x/event/dry	dry	$H/dry/10a"
  assert_line --index 1 "x/event/dry	dry	$H/dry/20b"
  assert_line --index 2 "x/event/none	none	(skipped: no handler directory)"
  assert_line --index 3 --partial "x/event/../up	../up	(rejected: handler name '../up' has a '..' part)"
  [ ! -e "$OUT/ran" ]
}

@test "--name-from takes the handler name from a capture group (OpenNebula keys)" {
  step "$H/VM/ACTIVE/10" 'echo "$EVENT_NAME" >> "$OUT"'
  export OUT=$T/ran
  { event 'EVENT STATE VM/ACTIVE/RUNNING/5 '; event 'EVENT API one.vm.allocate 1'; } |
    event-handle --log none --name-from '^EVENT STATE ([A-Z]+/[A-Z]+)/' "$H" > "$T/res"
  assert_equal "$(cat "$T/ran")" 'VM/ACTIVE'
  grep -q '"reason":"--name-from does not match the tag"' "$T/res"
}

@test "invalid input lines are named with their numbers, skipped, and make exit 4" {
  step "$H/fine/10" 'true'
  run --separate-stderr event-handle --log none "$H" <<< "$(printf '%s\n' 'nope' "$(event x/event/fine)" '{"data":1}')"
  assert_failure 4
  assert_output --partial '"status":"completed"'
  [[ "$stderr" == *"line 1: invalid JSON"* ]]
  [[ "$stderr" == *'line 3: envelope has no "tag"'* ]]
}

@test "--id names the node of result events" {
  step "$H/who/10" 'true'
  run event-handle --log none --id runner-9 "$H" <<< "$(event x/event/who)"
  assert_output --partial '"node":"runner-9"'
}

@test "option errors are usage errors" {
  run event-handle
  assert_failure 2
  run event-handle --log loud "$H"
  assert_failure 2
  assert_output --partial "--log: expected syslog, journal, stderr or none"
  run event-handle --name-from '(' "$H"
  assert_failure 2
  run event-handle -j 0 "$H"
  assert_failure 2
  run event-handle "$T/missing"
  assert_failure 2
  assert_output --partial "handler directory $T/missing"
  run event-handle --timeout never "$H"
  assert_failure 2
  run event-handle --version
  assert_output --regexp '^event-handle [0-9.]+$'
}
