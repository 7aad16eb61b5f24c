#!/usr/bin/env bats
# The local bus as a whole: fan-out, round trips, stale and stuck listeners,
# and who may use it.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "the bus directory is created 0700 and sockets 0600" {
  start_listener l
  assert_equal "$(stat -c %a "$EVENT_SOCK_DIR")" 700
  assert_equal "$(stat -c %a "$EVENT_SOCK_DIR"/*.sock)" 600
}

@test "event-listen | event-fire -l keeps envelopes intact (round trip)" {
  start_listener second -u "local:$T/bus2" -n 3
  event-listen --ready-file "$T/first.ready" -n 3 3>&- | tee "$T/first.out" | event-fire -l -u "local:$T/bus2" &
  local job=$!
  wait_for_file "$T/first.ready"
  event-fire --id origin a/b '{"x":[1,{"y":null}],"z":"ü"}'
  event-fire c/d text
  printf '%s\n' '{"tag":"e","data":{},"ts":1.5,"id":"fixed","node":"n","unknown":{"kept":true}}' | event-fire -l
  finish second
  wait "$job"
  run diff "$T/first.out" "$T/second.out"
  assert_success
  assert_equal "$(wc -l < "$T/second.out")" 3
  run grep -c '"unknown":{"kept":true}' "$T/second.out"
  assert_output 1
}

@test "1000 events fired while two listeners run reach both, in order, none lost" {
  start_listener a -n 1000 -o '%d'
  start_listener b -n 1000 -o '%d'
  seq 1 1000 | event-fire -l count
  finish a; finish b
  seq 1 1000 > "$T/want"
  run diff "$T/want" "$T/a.out"
  assert_success
  run diff "$T/want" "$T/b.out"
  assert_success
}

@test "1000 one-shot fires reach a listener in order" {
  start_listener l -n 1000 -o '%d'
  for i in $(seq 1 1000); do event-fire n "$i"; done
  finish l
  run diff <(seq 1 1000) "$T/l.out"
  assert_success
}

@test "a listener killed with -9 leaves a stale socket that the next fire removes" {
  start_listener dead
  kill -9 "$(cat "$T/dead.pid")"
  wait_for_exit "$(cat "$T/dead.pid")"
  assert_equal "$(ls "$EVENT_SOCK_DIR" | wc -l)" 1
  start_listener alive -n 1
  run event-fire t
  assert_success
  assert_output ''
  finish alive
  assert_equal "$(ls "$EVENT_SOCK_DIR" | wc -l)" 0
  assert_equal "$(wc -l < "$T/alive.out")" 1
}

@test "a listener that goes away mid-stream is told of once, with the events it missed; exit 0 (3 with --require-listener)" {
  # Issue 21 row 8: fire -l went on with exit 0 and said nothing.
  start_listener stays -n 300 -o '%d'
  start_listener leaves -n 100 -o '%d'
  # One line at a time, so that fire sends each as it comes.
  run --separate-stderr event-fire -l n < <(for i in $(seq 1 300); do echo "$i"; sleep 0.005; done)
  assert_success
  assert_equal "$(grep -c . <<< "$stderr")" 1
  [[ "$stderr" =~ ^event-fire:\ a\ listener\ went\ away\ \($EVENT_SOCK_DIR/l[0-9]+-[0-9a-f]+\.sock\):\ ([0-9]+)\ event\(s\)\ did\ not\ reach\ it$ ]]
  local missed=${BASH_REMATCH[1]}
  # It took 100 and a few more may have sat in its queue when it closed.
  [ "$missed" -le 200 ] && [ "$missed" -ge 150 ]
  finish stays
  finish leaves
  run diff <(seq 1 300) "$T/stays.out"
  assert_success
  # The only listener goes: with --require-listener what nobody took makes exit 3.
  start_listener only -n 50 -o '%d'
  run --separate-stderr event-fire -l --require-listener n < <(for i in $(seq 1 200); do echo "$i"; sleep 0.005; done)
  assert_failure 3
  assert_equal "$(grep -c . <<< "$stderr")" 2
  [[ "$stderr" == *"event(s) did not reach it"* ]]
  [[ "$stderr" =~ event-fire:\ ([0-9]+)\ of\ 200\ events\ reached\ no\ listener\ at\ local:$EVENT_SOCK_DIR\ \(--require-listener\) ]]
  [ "${BASH_REMATCH[1]}" -le 150 ] && [ "${BASH_REMATCH[1]}" -ge 100 ]
  finish only
}

@test "a stopped listener does not hang fire: it gives up within --timeout and reports the drop" {
  start_listener stuck
  start_listener ok -n 20000 -o '%d'
  kill -STOP "$(cat "$T/stuck.pid")"
  start=$(date +%s%N)
  run --separate-stderr event-fire -l --timeout 1 t < <(seq 1 20000)
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  assert_failure 1
  [[ "$stderr" == *"is not reading: dropping its events"* ]]
  [[ "$stderr" == *"event deliveries dropped: 1 listener(s)"* ]]
  [ "$elapsed_ms" -lt 5000 ]
  # The listener that reads got everything.
  finish ok
  run diff <(seq 1 20000) "$T/ok.out"
  assert_success
  kill -CONT "$(cat "$T/stuck.pid")"
}

@test "a one-shot fire to a stopped listener with a full queue returns within --timeout" {
  start_listener stuck
  kill -STOP "$(cat "$T/stuck.pid")"
  # Fill its queue: the kernel holds a few datagrams per socket.
  for i in $(seq 1 30); do event-fire --timeout 0.05 fill 2>/dev/null || break; done
  start=$(date +%s%N)
  run event-fire --timeout 0.5 one/more
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  assert_failure 1
  assert_output --partial 'event deliveries dropped'
  [ "$elapsed_ms" -lt 3000 ]
  kill -CONT "$(cat "$T/stuck.pid")"
}

@test "a bus directory open to others or owned by another user is refused" {
  mkdir -m 755 "$T/open"
  run event-listen -u "local:$T/open"
  assert_failure 2
  assert_output --partial 'is open to other users (mode 0755); chmod 700 it'
  run event-fire -u "local:$T/open" t
  assert_failure 2
}

@test "a second user cannot read the bus directory or listen on it" {
  [ "$(id -u)" -eq 0 ] || skip "needs root to act as a second user"
  command -v setpriv >/dev/null || skip "setpriv missing"
  # A parent everyone may traverse, so only the bus directory's own mode and owner decide.
  shared=$(mktemp -d /tmp/evt-shared-XXXXXX)
  chmod 755 "$shared"
  export EVENT_SOCK_DIR="$shared/bus"
  start_listener l
  as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env -u EVENT_CONFIG "$@"; }
  run as_nobody ls "$EVENT_SOCK_DIR"
  assert_failure
  assert_output --partial 'Permission denied'
  run as_nobody "$EVT_BUILD_DIR/event-listen" -w 1
  assert_failure 2
  assert_output --partial "bus directory $EVENT_SOCK_DIR belongs to uid 0, not to this user"
  run as_nobody "$EVT_BUILD_DIR/event-fire" t
  assert_failure 2
  assert_output --partial 'not to this user'
  kill "$(cat "$T/l.pid")"
  finish l
  rm -rf "$shared"
}

@test "the default bus directory follows EVENT_SOCK_DIR, then XDG_RUNTIME_DIR" {
  unset EVENT_SOCK_DIR
  export XDG_RUNTIME_DIR="$T/xdg"
  mkdir -m 700 "$XDG_RUNTIME_DIR"
  start_listener l -n 1
  [ -d "$XDG_RUNTIME_DIR/event-tools" ]
  event-fire t
  finish l
  assert_equal "$(wc -l < "$T/l.out")" 1
}
