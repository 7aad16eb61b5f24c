#!/usr/bin/env bats
# The README's recipes, run from the README's own text (the block after each
# "<!-- recipe: NAME -->"), so that they cannot drift from what works. Each
# gets this test's servers through the variables the recipe reads, and HOME
# in the test's directory.

load helpers
load nats_helpers

README=$BATS_TEST_DIRNAME/../README.md

setup() {
  common_setup
  export HOME=$T
}
teardown() { common_teardown; }

# recipe NAME: the shell block after <!-- recipe: NAME --> in the README.
recipe() {
  awk -v name="$1" '
    $0 == "<!-- recipe: " name " -->" { found = 1; next }
    found && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }' "$README"
}

# run_recipe NAME: runs it with bash, bounded, output in $output.
run_recipe() {
  local text
  text=$(recipe "$1")
  [ -n "$text" ] || fail "no recipe '$1' in README.md"
  run timeout 60 bash -c "$text" 3>&-
}

@test "README recipe: NethServer handler directories over Redis" {
  start_redis
  export REDIS_URL
  run_recipe nethserver
  assert_success
  assert_line 'module/traefik1 sent {"field":"value"}'
}

@test "README recipe: a Salt reactor in shell on the master's bus" {
  start_salt_bus m
  export SALT_SOCK_DIR=$T/m
  run_recipe salt
  assert_success
  assert_line --regexp '^myco/deploy/done: \{"version":"1\.4","_stamp":"[0-9T:.-]+"\}$'
}

@test "README recipe: from a Salt minion to its master, through the running minion" {
  start_salt_bus minion --minion web1
  start_salt_bus master
  $PYTHON "$FIX/salt_bus.py" event "$T/master" --count 3 --ready-file "$T/se.ready" > "$T/se.out" 3>&- &
  echo $! > "$T/se.pid"
  $PYTHON "$FIX/salt_minion.py" "$T/minion" --id web1 --count 3 --master-dir "$T/master" \
    --ready-file "$T/mi.ready" > "$T/mi.out" 3>&- &
  echo $! > "$T/mi.pid"
  wait_for_salt_subscribers minion 1
  wait_for_salt_subscribers master 1
  export MINION_SOCK_DIR=$T/minion
  run_recipe salt-minion
  assert_success
  wait "$(cat "$T/se.pid")"
  run sed -E 's/"_stamp": "[^"]+"/"_stamp": S/' "$T/se.out"
  assert_line --index 0 $'myco/backup/done\t{"id": "web1", "cmd": "_minion_event", "pretag": null, "data": "backup done", "tag": "myco/backup/done", "_stamp": S}'
  assert_line --index 1 $'myco/backup/checked\t{"id": "web1", "cmd": "_minion_event", "pretag": null, "data": {"status": "ok", "size": 1234}, "tag": "myco/backup/checked", "_stamp": S}'
  assert_line --index 2 $'myco/backup/pruned\t{"id": "web1", "cmd": "_minion_event", "pretag": null, "data": {"kept": 7}, "tag": "myco/backup/pruned", "_stamp": S}'
}

@test "README recipe: Gluster webhooks with eventsapi" {
  port=$(free_port)
  $PYTHON "$FIX/webhook_receiver.py" "$port" "$T/hook.log" 3>&- &
  echo $! > "$T/receiver.pid"
  wait_for_file "$T/hook.log.ready"
  export WEBHOOK="http://127.0.0.1:$port/hook" EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
  eventsapi config-set port 0 > /dev/null  # no UDP port in a test: 55555 may be someone's
  run_recipe gluster
  assert_success
  assert_output --regexp "\| $WEBHOOK +\| +1 \|"
  wait_for_lines "$T/hook.log" 2
  # webhook-test's request (no body, as Gluster's), then the event through serve.
  run $PYTHON -c 'import json,sys; [print(json.loads(json.loads(l)["body"] or "{\"event\": \"(empty)\"}")["event"]) for l in open(sys.argv[1])]' "$T/hook.log"
  assert_output $'(empty)\ngluster/test'
}

@test "README recipe: OpenNebula hook directories over ZeroMQ" {
  port=$(free_port)
  $PYTHON "$FIX/one_publisher.py" "tcp://127.0.0.1:$port" 3>&- &
  echo $! > "$T/one.pid"
  export ONE_HM="tcp://127.0.0.1:$port"
  run_recipe opennebula
  assert_success
  assert_line 'EVENT STATE VM/ACTIVE/RUNNING/5 '
}

@test "README recipe: a JetStream stream and a handler group over NATS" {
  start_nats nats
  export NATS_SERVERS=127.0.0.1:$NATS_PORT REPLICAS=1
  run_recipe nats
  stop_nats nats
  assert_success
  assert_output --regexp '^[^:]+: backup of \{"size":1234\}$'
}

@test "README recipe: a GitHub push runs a handler (event-handle -u http://, GitHub's signature)" {
  export PORT
  PORT=$(free_port)
  run_recipe github
  assert_success
  assert_line 'deploy d-1: {"ref":"refs/heads/main"}'
}

@test "README recipe: events to Knative (event-fire -u \$K_SINK, a CloudEvent)" {
  export K_SINK
  K_SINK=http://127.0.0.1:$(free_port)/
  run_recipe knative
  assert_success
  assert_line 'build/finished {"status":"ok"}'
}

@test "README recipe: watching it run (--metrics, /healthz, TRACEPARENT to a step)" {
  export PORT
  PORT=$(free_port)
  run_recipe watching
  assert_success
  assert_line 'event_handle_runs_total{handler="backup-done",status="completed"} 1'
  assert_line '200'
  assert_line '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
}
