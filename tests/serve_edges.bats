#!/usr/bin/env bats
# eventsapi serve where "nothing lost" meets its edges: a full spool, a full
# disk, hostile ids, threads that fail, and what a receiver sends back.
# Each test is a row of issue 21's table, reproduced as it was found.

load helpers

setup() {
  common_setup
  NS=()  # a command that enters serve's mount namespace, where its state is on a tmpfs
  export EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
  RPORT=$(free_port)
  HOOK="http://127.0.0.1:$RPORT/hook"
}
teardown() {
  common_teardown
  [ -e "$T/ns.mnt" ] && umount "$T/ns.mnt" 2>/dev/null
  return 0
}

# fire_padded N TAG URL [FIRST]: N events of about 1 KB each, numbered from
# FIRST (0), through event-fire -l.
fire_padded() {
  $PYTHON -c 'import json,sys
for i in range(int(sys.argv[2]), int(sys.argv[2]) + int(sys.argv[1])): print(json.dumps({"i": i, "pad": "x" * 1000}))' \
    "$1" "${4:-0}" | event-fire -l -u "$3" "$2"
}

# json_status EXPR: a Python expression over the first webhook w of `eventsapi --json status`.
json_status() {
  "${NS[@]}" eventsapi --json status | $PYTHON -c 'import json,sys
w = json.load(sys.stdin)["output"]["webhooks"][0]
print(eval(sys.argv[1]))' "$1"
}

@test "row 1: a full spool pauses reading a Redis stream; no entry is acknowledged that no spool took" {
  start_redis
  local stream="redis+stream://127.0.0.1:$REDIS_PORT/ev?group=serve"
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set spool-max-mb 1
  quiet eventsapi config-set retry-schedule 0.2,0.5,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1
  start_serve s --from "$stream"
  fire_padded 3000 big "$stream"
  wait_for_text "$T/s.err" "reading from"
  wait_for_status '"paused":true'
  [ "$(json_status 'w["refused"]')" -eq 0 ]
  # The group has not been given every entry: the rest waits in the stream.
  local lag
  lag=$(redis-cli -p "$REDIS_PORT" XINFO GROUPS ev | awk 'prev=="lag" {print; exit} {prev=$0}')
  [ "$lag" -gt 0 ]
  start_receiver r "$RPORT"
  wait_for_unique "$T/r.log" 3000 60
  [ "$(first_seen "$T/r.log" | wc -l)" -eq 3000 ]
  wait_for_text "$T/s.err" "goes on"
  [ "$(json_status 'w["refused"]')" -eq 0 ]
  [ "$(redis-cli -p "$REDIS_PORT" XPENDING ev serve | head -1)" -eq 0 ]
  stop_serve s
}

@test "row 1: what sources that cannot wait lose to a full spool is counted by cause and kept across a restart" {
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set spool-max-mb 1
  start_serve s
  fire_padded 2000 big local:
  wait_for_status '"refused":[1-9]'
  stop_serve s
  local before
  before=$(json_status 'w["refused_by"]["spool full"]')
  [ "$before" -gt 0 ]
  start_serve s
  [ "$(json_status 'w["refused_by"]["spool full"]')" -eq "$before" ]
  [ "$(json_status 'w["refused"]')" -eq "$before" ]
  stop_serve s
}

# A mount namespace (kept in $T/ns.mnt) where the state directory is a
# tmpfs of 2 MB: a full disk that only this test sees, across restarts.
make_small_disk() {
  mkdir -p "$T/state"
  touch "$T/ns.mnt"
  unshare --mount="$T/ns.mnt" --propagation private mount -t tmpfs -o size=2m,mode=0700 tmpfs "$T/state"
  NS=(nsenter --mount="$T/ns.mnt")
}

# serve in that namespace.
start_serve_on_small_disk() {
  local name=$1
  shift
  rm -f "$T/$name.ready"
  "${NS[@]}" eventsapi serve --port 0 --ready-file "$T/$name.ready" "$@" 2> "$T/$name.err" 3>&- &
  echo $! > "$T/$name.pid"
  wait_for_file "$T/$name.ready"
}

# until_status EXPR [SECONDS]: poll json_status until EXPR is true.
until_status() {
  local i=0
  until [ "$(json_status "$1")" = True ]; do
    i=$((i + 1))
    [ "$i" -gt $((${2:-10} * 10)) ] && { echo "status never had $1" >&2; return 1; }
    sleep 0.1
  done
}

@test "row 3: a full disk: each failure is said, progress is kept, nothing delivered is sent again after kill -9" {
  [ "$(id -u)" -eq 0 ] || skip "needs root for a tmpfs in a mount namespace"
  make_small_disk
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set retry-schedule 0.2,0.5,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1
  start_serve_on_small_disk s
  # About 3 MB of events for a disk of 2 MB, nobody answering.
  fire_padded 3000 big local:
  wait_for_text "$T/s.err" "cannot append: No space left on device"
  wait_for_text "$T/s.err" "cannot report to the store"
  wait_for_text "$T/s.err" "cannot write events.log"
  local kept
  kept=$("${NS[@]}" sh -c 'cat "$1"/spool/*.spool' _ "$T/state" | wc -l)
  [ "$kept" -gt 400 ]
  # The receiver answers slowly; serve is killed halfway through the backlog.
  start_receiver r "$RPORT" --delay 0.002
  wait_for_unique "$T/r.log" $((kept / 2)) 60
  kill -9 "$(cat "$T/s.pid")"
  wait "$(cat "$T/s.pid")" 2>/dev/null || true
  start_serve_on_small_disk s
  wait_for_unique "$T/r.log" "$kept" 60
  # What was delivered before the kill did not come again, bar the request
  # in flight at that moment.
  local total
  total=$(wc -l < "$T/r.log")
  [ $((total - kept)) -le 2 ]
  # The queue drained, the space came back: status is written again.
  until_status 'w["pending"] == 0 and w["delivered"] > 0'
  "${NS[@]}" grep -q '"id"' "$T/state/events.log"
  "${NS[@]}" $PYTHON -c 'import json,sys
[json.loads(line) for line in open(sys.argv[1])]' "$T/state/events.log"
  stop_serve s
}

@test "row 4: an id with a space, a quote or a forged member reaches the webhook and events.log whole" {
  start_receiver r "$RPORT"
  quiet eventsapi webhook-add --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw "$HOOK"
  local udp
  udp=$(free_port)
  start_serve s --port "$udp"
  udp_send "$udp" '{"tag":"VOLUME_CREATE","data":{"name":"gv0"},"id":"a b"}'
  printf '%s\n' '{"tag":"VOLUME_START","data":{},"id":"x\",\"forged\":\"yes"}' | event-fire -l
  wait_for_lines "$T/r.log" 2
  run field "$T/r.log" 'h["webhook-id"] + "|" + json.loads(b)["event"]'
  assert_output "$(printf 'a b|VOLUME_CREATE\nx","forged":"yes|VOLUME_START')"
  # Signed over the whole id, as Standard Webhooks' verifier checks it.
  run field "$T/r.log" '__import__("hmac").compare_digest(h["webhook-signature"][3:], __import__("base64").b64encode(__import__("hmac").new(__import__("base64").b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), (h["webhook-id"] + "." + h["webhook-timestamp"] + "." + b).encode(), "sha256").digest()).decode())'
  assert_output "$(printf 'True\nTrue')"
  wait_for_lines "$T/state/events.log" 2
  run $PYTHON -c 'import json,sys
for line in open(sys.argv[1]):
    j = json.loads(line); print(sorted(j), j["id"])' "$T/state/events.log"
  assert_output "$(printf "['event', 'id'] a b\n['event', 'id'] x\",\"forged\":\"yes")"
  stop_serve s
}

@test "row 5: --ready-file where it cannot be written: exit 2 and one line, never std::terminate" {
  quiet eventsapi webhook-add "$HOOK"
  for path in "$T/missing/dir/ready" /proc/ready "$T"; do
    run --separate-stderr eventsapi serve --port 0 --ready-file "$path"
    assert_failure 2
    assert_equal "$(printf '%s\n' "$stderr" | grep -c .)" 1
    refute [ -z "$stderr" ]
    [[ "$stderr" != *terminate* ]]
  done
}

@test "row 5: a webhook whose spool cannot be opened fails alone; webhook-add says NOT OK; it is taken once it can be" {
  start_receiver r "$RPORT"
  local other="http://127.0.0.1:$RPORT/other"
  quiet eventsapi webhook-add "$other"
  start_serve s
  # A directory where the new webhook's spool file goes: the open fails.
  local name
  name=$(printf %s "$HOOK" | sha256sum | cut -c1-16)
  mkdir -p "$T/state/spool/$name.spool"
  run eventsapi webhook-add "$HOOK"
  assert_failure 3
  assert_output --partial 'webhook not taken'
  kill -0 "$(cat "$T/s.pid")"
  event-fire during/outage
  wait_for_lines "$T/r.log" 1
  run field "$T/r.log" 'r["path"]'
  assert_output /other
  run eventsapi status
  assert_output --partial 'no spool'
  rmdir "$T/state/spool/$name.spool"
  wait_for_text "$T/s.err" "its spool is open"
  event-fire after/repair
  wait_for_lines "$T/r.log" 3
  run field "$T/r.log" 'r["path"] + " " + json.loads(b)["event"]'
  assert_output --partial '/hook after/repair'
  stop_serve s
}

@test "row 6: the spool file on disk stays within about twice what is pending while its queue never empties" {
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set spool-max-mb 4
  start_receiver r "$RPORT" --delay 0.01
  start_serve s
  # 250 events of about 10 KB (2.5 MB) for a receiver slower than them.
  $PYTHON -c 'import json
for i in range(250): print(json.dumps({"i": i, "pad": "x" * 10000}))' | event-fire -l big
  wait_for_lines "$T/r.log" 200 60
  local delivered size
  delivered=$(wc -l < "$T/r.log")
  size=$(stat -c %s "$T"/state/spool/*.spool)
  # At most 251 - delivered entries were pending when the file was measured:
  # it holds them, and less than 1 MiB and as much again of what was done.
  [ "$delivered" -lt 240 ]
  [ "$size" -lt $(( (251 - delivered) * 10200 * 2 + 1048576 )) ]
  wait_for_unique "$T/r.log" 250 60
  stop_serve s
}

@test "row 11: a ts of 1e300 or -1e300 gives a JWT whose iat is a safe integer" {
  start_receiver r "$RPORT"
  quiet eventsapi webhook-add --secret gluster-secret "$HOOK"
  start_serve s
  printf '%s\n' '{"tag":"VOLUME_CREATE","data":{},"ts":1e300}' '{"tag":"VOLUME_STOP","data":{},"ts":-1e300}' \
    '{"tag":"VOLUME_START","data":{},"ts":1e19}' | event-fire -l
  wait_for_lines "$T/r.log" 3
  run field "$T/r.log" '__import__("jwt").decode(h["authorization"][7:], "gluster-secret", algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False})["iat"]'
  assert_output "$(printf '9007199254740991\n-9007199254740991\n9007199254740991')"
  stop_serve s
}

@test "row 12: a receiver's 300 KB response header is named as such, not as curl's 'Out of memory'" {
  start_receiver r "$RPORT" --big-header 300000
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi config-set retry-schedule 0.2
  start_serve s
  event-fire big/header
  wait_for_text "$T/s.err" "failed ("
  run cat "$T/s.err"
  refute_output --partial 'Out of memory'
  assert_output --regexp 'header'
  stop_serve s
}

@test "row 13: getrandom failing with anything but EINTR is an error, not an endless loop" {
  command -v cc > /dev/null || skip "no C compiler"
  printf '%s\n' '#include <errno.h>' '#include <stddef.h>' \
    'long getrandom(void *b, size_t n, unsigned f) { (void)b; (void)n; (void)f; errno = ENOSYS; return -1; }' > "$T/nornd.c"
  cc -shared -fPIC -o "$T/nornd.so" "$T/nornd.c"
  # serve makes the node's UUID from random bytes when it first starts.
  # (Under ASan its runtime must come first: told not to mind the preload.)
  run --separate-stderr timeout 10 env LD_PRELOAD="$T/nornd.so" \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" eventsapi serve --port 0
  [ "$status" -ne 124 ]
  assert_failure 1
  [[ "$stderr" == *"cannot read random bytes: "* ]]
}
