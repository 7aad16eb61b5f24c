#!/usr/bin/env bats
# Drop-in for the NethServer 8 agent: handler steps written as ns8 module
# authors write them (bash, set -e, commands to >&${AGENT_COMFD}, the
# source in AGENT_EVENT_SOURCE, an update step that removes a later one),
# fired as ns8 fires events (redis-cli PUBLISH source/event/NAME PAYLOAD),
# handled through a pipe and through event-handle -u; the log lines are
# the ones ns8's own tests grep for.

load helpers

setup() {
  common_setup
  H=$T/events
  mkdir -p "$H"
  export XDG_RUNTIME_DIR=$T/run
  mkdir -m 700 "$XDG_RUNTIME_DIR"
  # Steps as the agent's test suite has them, in bash.
  ns8_step echo-received/10handler '
echo "Event Payload"
cat -
echo ""
echo "Environment variables:"
env | sort
echo "Message sent to stderr" >&2
echo "set-progress IGNORED DURING_EVENTS" >&${AGENT_COMFD}'
  ns8_step handler-errored/10failing '
echo "[ERROR] event handler error in $AGENT_EVENT_NAME/$(basename $0)" 1>&2
exit 2'
  ns8_step handler-errored/20never_run 'echo "NEVER REACH THIS POINT"'
  # An update: it removes one later step and makes another non-executable.
  ns8_step update-received/10controller "
set -e
rm -f $H/update-received/20skipped_step
chmod -x $H/update-received/30skipped_step"
  ns8_step update-received/20skipped_step 'echo "NEVER REACH THIS POINT1"'
  ns8_step update-received/30skipped_step 'echo "NEVER REACH THIS POINT2"'
  # A module's handler that acts only on events from the cluster.
  ns8_step backup-schedule-changed/10restart_backuptimers '
set -e
if [[ "${AGENT_EVENT_SOURCE}" != "cluster" ]]; then
    exit 0
fi
echo "restarting timers for $(cat -)" >> '"$T"'/timers'
}
teardown() { common_teardown; }

# ns8_step NAME/STEP 'bash body'
ns8_step() {
  mkdir -p "$H/$(dirname "$1")"
  printf '#!/bin/bash\n%s\n' "$2" > "$H/$1"
  chmod +x "$H/$1"
}

publish() { redis-cli -p "$REDIS_PORT" PUBLISH "source/event/$1" "$2" > /dev/null; }

# handler_log NAME: the log of a handler run through `event-listen | event-handle`
# for one event published as the agent's tests publish it.
through_pipe() {
  local name=$1 payload=$2
  start_listener l -u "$REDIS_URL" -n 1 '*/event/*'
  publish "$name" "$payload"
  finish l
  event-handle --log stderr --env-file "$T/environment" "$H" < "$T/l.out" > "$T/results" 2> "$T/log" || true
}

@test "ns8's echo-received through event-listen | event-handle: payload as published, stderr and AGENT_COMFD in the log, the environment" {
  start_redis
  printf 'MYVARIABLE=MYVAL\nnot a variable\n' > "$T/environment"
  through_pipe echo-received payload0000
  run cat "$T/log"
  assert_output --partial 'echo-received/10handler: payload0000'   # no quotes, no newline added
  assert_output --partial 'Message sent to stderr'
  assert_output --partial 'set-progress IGNORED DURING_EVENTS'
  assert_output --partial 'echo-received/10handler: AGENT_COMFD=2'
  assert_output --partial 'echo-received/10handler: AGENT_EVENT_NAME=echo-received'
  assert_output --partial 'echo-received/10handler: AGENT_EVENT_SOURCE=source'
  assert_output --partial 'echo-received/10handler: MYVARIABLE=MYVAL'
  refute_output --partial 'not a variable'
  assert_output --partial 'Handler of source/event/echo-received exited with status "completed" (0) at step 10handler'
  grep -q '"status":"completed"' "$T/results"
}

@test "ns8's handler-errored: abort stops execution, exit code 2 in the agent's words" {
  start_redis
  through_pipe handler-errored payload0006
  run cat "$T/log"
  assert_output --partial 'Handler of source/event/handler-errored exited with status "aborted" (2) at step 10failing'
  assert_output --partial '[ERROR] event handler error in handler-errored/10failing'
  refute_output --partial 'NEVER REACH THIS POINT'
  grep -q '"status":"aborted","exit_code":2,"step":"10failing"' "$T/results"
}

@test "ns8's update-received: steps an update removed or made non-executable are skipped with a warning, the event completes" {
  start_redis
  through_pipe update-received somepayload
  run cat "$T/log"
  assert_output --partial 'Handler of source/event/update-received skipped step 20skipped_step'
  assert_output --partial 'Handler of source/event/update-received skipped step 30skipped_step'
  assert_output --partial 'Handler of source/event/update-received exited with status "completed" (0) at step 30skipped_step'
  refute_output --partial 'NEVER REACH THIS POINT1'
  refute_output --partial 'NEVER REACH THIS POINT2'
}

@test "a module handler reads AGENT_EVENT_SOURCE and its payload, through event-handle -u" {
  start_redis
  event-handle -u "$REDIS_URL" -p '*/event/*' -n 2 --ready-file "$T/h.ready" --log stderr "$H" > "$T/results" 2> "$T/log" 3>&- &
  local pid=$!
  wait_for_file "$T/h.ready"  # once its PSUBSCRIBE is confirmed
  publish backup-schedule-changed '{"id": 3}'
  redis-cli -p "$REDIS_PORT" PUBLISH cluster/event/backup-schedule-changed '{"id": 4}' > /dev/null
  wait "$pid"
  assert_equal "$(cat "$T/timers")" 'restarting timers for {"id":4}'
  [ "$(grep -c '"status":"completed"' "$T/results")" -eq 2 ]
}

@test "through event-handle -u on a Redis stream, ns8's handlers keep their contract" {
  start_redis
  printf 'MYVARIABLE=MYVAL\n' > "$T/environment"
  local su="redis+stream://127.0.0.1:$REDIS_PORT/events?group=agent"
  event-fire -u "redis+stream://127.0.0.1:$REDIS_PORT/events" source/event/echo-received payload0001
  event-fire -u "redis+stream://127.0.0.1:$REDIS_PORT/events" source/event/handler-errored payload0002
  run --separate-stderr timeout 60 event-handle -u "$su" -w 1 --log stderr --env-file "$T/environment" "$H"
  assert_failure 1
  [[ $stderr == *'echo-received/10handler: payload0001'* ]]
  [[ $stderr == *'echo-received/10handler: MYVARIABLE=MYVAL'* ]]
  [[ $stderr == *'Handler of source/event/handler-errored exited with status "aborted" (2) at step 10failing'* ]]
  assert_equal "$(redis-cli -p "$REDIS_PORT" XPENDING events agent | head -1)" 0
}

@test "--env-file is read for each event; a missing one is said, and the steps run without it" {
  step "$H/envy/10show" 'echo "MODE=$MODE"'
  echo 'MODE=one' > "$T/environment"
  mkfifo "$T/in"
  event-handle --log stderr --env-file "$T/environment" "$H" < "$T/in" > /dev/null 2> "$T/log" 3>&- &
  local pid=$!
  exec 4> "$T/in"
  event x/event/envy >&4
  wait_for_text "$T/log" 'MODE=one'
  echo 'MODE=two' > "$T/environment"
  event x/event/envy >&4
  wait_for_text "$T/log" 'MODE=two'
  rm "$T/environment"
  event x/event/envy >&4
  exec 4>&-
  wait "$pid"
  grep -q "cannot read $T/environment" "$T/log"
  grep -q 'envy/10show: MODE=$' "$T/log"
}
