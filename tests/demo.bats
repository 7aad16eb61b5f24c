#!/usr/bin/env bats
# make demo's script: it shows each part of the toolkit working, and leaves
# nothing behind.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "the demo shows the local bus, a handler, webhooks, Redis through kill -9 and a Salt bus, then cleans up" {
  run timeout 120 "$BATS_TEST_DIRNAME/demo.sh" 3>&-
  assert_success
  assert_line $'backup/done\t{"status": "ok", "size": 1234}'
  assert_line --partial 'event-handle: test/10greet: step test from module/traefik1 got {"field":"value"}'
  assert_line --regexp '^  webhook-signature: v1,[A-Za-z0-9+/=]+$'
  if command -v redis-server >/dev/null; then
    assert_line --regexp '^# distinct orders handled: 200 of 200; handled twice: [0-9]+'
  fi
  assert_line --regexp $'^myco/deploy/done\t\\{"version": "1.4", "_stamp": '
  run pgrep -f event-tools-demo-
  assert_failure
  run bash -c 'ls -d /tmp/event-tools-demo-* 2>/dev/null'
  assert_output ''
}
