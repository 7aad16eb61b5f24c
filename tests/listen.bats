#!/usr/bin/env bats
# event-listen on the local bus: patterns, counts, timeouts, output formats.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

tags_of() { $PYTHON -c 'import json,sys; [print(json.loads(l)["tag"]) for l in open(sys.argv[1])]' "$1"; }

fire_tags() { for t in "$@"; do event-fire "$t" x=1; done; }

@test "no pattern: every event" {
  start_listener l -n 3
  fire_tags a b/c 'EVENT API one.vm.allocate 1'
  finish l
  run tags_of "$T/l.out"
  assert_output "$(printf 'a\nb/c\nEVENT API one.vm.allocate 1')"
}

@test "glob patterns: * crosses /, several patterns, whole tag" {
  start_listener l -n 3 'module/*/event/*' 'salt/auth'
  fire_tags module/traefik1/event/test salt/auth/extra module/x/other/y salt/auth module/a/b/event/c
  finish l
  run tags_of "$T/l.out"
  assert_output "$(printf 'module/traefik1/event/test\nsalt/auth\nmodule/a/b/event/c')"
}

@test "--match prefix, exact and regex" {
  start_listener p --match prefix -n 2 salt/
  start_listener e --match exact -n 1 'a*'
  start_listener r --match regex -n 2 '^vm\.[0-9]+$'
  fire_tags salt/auth salty 'a*' ab vm.1 vm.x vm.22 salt/job
  finish p; finish e; finish r
  run tags_of "$T/p.out"
  assert_output "$(printf 'salt/auth\nsalt/job')"
  run tags_of "$T/e.out"
  assert_output 'a*'
  run tags_of "$T/r.out"
  assert_output "$(printf 'vm.1\nvm.22')"
}

@test "--match with a bad kind or regex is a usage error" {
  run event-listen --match fuzzy x
  assert_failure 2
  assert_output --partial "--match: expected glob, prefix, regex or exact"
  run event-listen --match regex '('
  assert_failure 2
  assert_output --partial "invalid regex '('"
}

@test "-x excludes tags, with or without patterns" {
  start_listener a -n 2 -x '*/heartbeat' 'module/*'
  start_listener b -n 2 --exclude 'noise/*'
  fire_tags module/a/heartbeat noise/1 module/a/event/x signal module/b/heartbeat module/c/event/y
  finish a; finish b
  run tags_of "$T/a.out"
  assert_output "$(printf 'module/a/event/x\nmodule/c/event/y')"
  run tags_of "$T/b.out"
  assert_output "$(printf 'module/a/heartbeat\nmodule/a/event/x')"
}

@test "-n N exits 0 after N events; -n 0 is refused" {
  start_listener l -n 2
  fire_tags one two
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  assert_equal "$(wc -l < "$T/l.out")" 2
  run event-listen -n 0
  assert_failure 2
  run event-listen --count -3
  assert_failure 2
}

@test "-w: exit 1 when no event arrives for SECS; each event restarts the wait" {
  run --separate-stderr event-listen -w 0.3
  assert_failure 1
  assert_equal "$stderr" 'event-listen: no event for 0.3s (-w)'
  start_listener l -w 1.5
  event-fire first
  wait_for_lines "$T/l.out" 1
  event-fire second
  finish l
  assert_equal "$(cat "$T/l.rc")" 1
  assert_equal "$(wc -l < "$T/l.out")" 2
}

@test "-w counts only time waiting for input: a backlog drained through a slow reader all arrives, then exit 1" {
  # Issue 21 row 7: time blocked writing stdout counted as idle, so
  # `event-listen -w 2 -u redis+stream://… | slow reader` left entries waiting.
  start_redis
  local pad
  pad=$(head -c 150 /dev/zero | tr '\0' x)
  seq 1 1100 | sed "s/.*/{\"tag\":\"slow\/x\",\"data\":\"&-$pad\"}/" |
    event-fire -l -u "redis+stream://127.0.0.1:$REDIS_PORT/evq"
  # The listener reads up to 1000 entries at once; a pipe holds ~200 of
  # these lines and the reader takes 4 ms a line, so writing the first batch
  # blocks for seconds, longer than -w 1.
  event-listen -w 1 -u "redis+stream://127.0.0.1:$REDIS_PORT/evq?group=g1" 2> "$T/l.err" 3>&- |
    $PYTHON -c '
import json, sys, time
for line in sys.stdin:
    time.sleep(0.004)
    print(json.loads(line)["data"].split("-")[0], flush=True)' > "$T/l.out"
  local rc=${PIPESTATUS[0]}
  assert_equal "$rc" 1
  run cat "$T/l.err"
  assert_output 'event-listen: no event for 1s (-w)'
  run diff <(seq 1 1100) "$T/l.out"
  assert_success
  assert_equal "$(redis-cli -p "$REDIS_PORT" XPENDING evq g1 | head -1)" 0
}

@test "--timeout: exit 1 after SECS in all, even while events flow" {
  start_listener l --timeout 1
  pid=$(cat "$T/l.pid")
  n=0
  while kill -0 "$pid" 2>/dev/null && [ $n -lt 2000 ]; do event-fire tick; n=$((n + 1)); done
  finish l
  assert_equal "$(cat "$T/l.rc")" 1
  [ "$n" -lt 2000 ]
  run cat "$T/l.err"
  assert_output 'event-listen: timed out after 1s (--timeout)'
}

@test "bad -w and --timeout values are usage errors" {
  run event-listen -w soon
  assert_failure 2
  run event-listen --timeout -1
  assert_failure 2
}

@test "-o json is one envelope per line" {
  start_listener l -n 1 -o json
  event-fire --id n1 t/json a=1
  finish l
  run cat "$T/l.out"
  assert_output --regexp '^\{"tag":"t/json","data":\{"a":"1"\},"ts":[0-9.]+,"id":"[0-9A-Z]{26}","node":"n1"\}$'
}

@test "-o pretty is indented JSON" {
  start_listener l -n 1 -o pretty
  event-fire t/pretty a=1
  finish l
  run cat "$T/l.out"
  assert_line --index 0 '{'
  assert_line --index 1 '    "tag": "t/pretty",'
  assert_line --index 2 '    "data": {'
  assert_line --index 3 '        "a": "1"'
}

@test "-o salt prints tag TAB data as salt-run state.event does" {
  start_listener l -n 1 -o salt
  event-fire salt/job/1/ret '{"fun":"test.ping","return":true,"list":[1,2],"name":"é"}'
  finish l
  run cat "$T/l.out"
  # salt.utils.json.dumps: ensure_ascii=False, so é is written as it is.
  assert_output "$(printf 'salt/job/1/ret\t{"fun": "test.ping", "return": true, "list": [1, 2], "name": "é"}')"
}

@test "-o data prints the data alone" {
  start_listener l -n 2 -o data
  event-fire t '{"a":[1,2]}'
  event-fire t text
  finish l
  run cat "$T/l.out"
  assert_output "$(printf '{"a":[1,2]}\n"text"')"
}

@test "-o TEMPLATE: %t %d %j %i %n %s %T and escapes" {
  start_listener l -n 1 -o '%t|%d|%n|%s|%%|\t|%T'
  event-fire --id n9 module/m1/event/x '{"k":1}'
  finish l
  run cat "$T/l.out"
  assert_output --regexp "^module/m1/event/x\\|\\{\"k\":1\\}\\|n9\\|module/m1\\|%\\|"$'\t'"\\|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}Z$"
  start_listener j -n 1 -o 'id=%i\nenvelope=%j'
  event-fire t2
  finish j
  run cat "$T/j.out"
  assert_line --index 0 --regexp '^id=[0-9A-Z]{26}$'
  assert_line --index 1 --regexp '^envelope=\{"tag":"t2",'
}

@test "-o with an unknown format or field is a usage error" {
  run event-listen -o yaml
  assert_failure 2
  assert_output --partial "unknown format 'yaml'"
  run event-listen -o '%q'
  assert_failure 2
  assert_output --partial "unknown field '%q'"
}

@test "--ready-file is created once live, replacing a stale one" {
  echo stale > "$T/ready"
  event-listen --ready-file "$T/ready" -n 1 > "$T/out" 3>&- &
  pid=$!
  # The stale file goes first; the new one holds the listener's pid.
  for i in $(seq 1 1000); do [ "$(cat "$T/ready" 2>/dev/null)" = "$pid" ] && break; sleep 0.01; done
  assert_equal "$(cat "$T/ready")" "$pid"
  event-fire t
  wait "$pid"
  assert_equal "$(wc -l < "$T/out")" 1
}

@test "output is flushed per event, not when the listener ends" {
  mkfifo "$T/fifo"
  start_listener l -n 2
  event-fire first
  # The listener is still running; its first line must already be in the file.
  wait_for_lines "$T/l.out" 1
  kill -0 "$(cat "$T/l.pid")"
  event-fire second
  finish l
  assert_equal "$(wc -l < "$T/l.out")" 2
}

@test "a closed stdout ends the listener quietly with status 0" {
  event-listen --ready-file "$T/ready" 2> "$T/err" 3>&- | head -n 1 > "$T/first" &
  local job=$!
  wait_for_file "$T/ready"
  event-fire one
  wait_for_lines "$T/first" 1
  # head has exited; the next event meets a closed pipe.
  event-fire two
  wait "$job"
  run cat "$T/err"
  assert_output ''
  assert_equal "$(tags_of "$T/first")" one
}

@test "SIGTERM and SIGINT end the listener with status 0 and remove its socket" {
  start_listener l
  assert_equal "$(ls "$EVENT_SOCK_DIR" | wc -l)" 1
  kill -TERM "$(cat "$T/l.pid")"
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  assert_equal "$(ls "$EVENT_SOCK_DIR" | wc -l)" 0
  start_listener i
  kill -INT "$(cat "$T/i.pid")"
  finish i
  assert_equal "$(cat "$T/i.rc")" 0
}

@test "-u - reads envelopes from stdin; bad lines are named and make exit 4" {
  run --separate-stderr event-listen -u - --id n0 -o '%t %n %d' <<'IN'
{"tag":"a","data":1,"node":"x"}
not json
{"tag":"b"}

{"data":"no tag"}
IN
  assert_failure 4
  assert_output "$(printf 'a x 1\nb n0 {}')"
  assert_line --index 0 'a x 1'
  [[ "$stderr" == *"event-listen: line 2: invalid JSON"* ]]
  [[ "$stderr" == *'event-listen: line 5: envelope has no "tag"'* ]]
}

@test "-h and --version" {
  run event-listen --help
  assert_success
  assert_output --partial '--ready-file'
  run event-listen --version
  assert_output --regexp '^event-listen [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "--color: -o pretty paints the tag, the time and the data on a terminal, never into a pipe or with NO_COLOR" {
  start_listener a -n 1 -o pretty --color always
  start_listener n -n 1 -o pretty --color never
  start_listener p -n 1 -o pretty  # auto, into a file
  event-fire paint/me '{"s":"x","z":null}'
  finish a
  finish n
  finish p
  run cat "$T/a.out"
  assert_line --index 1 $'    \e[34;1m"tag"\e[0m: \e[1;33m"paint/me"\e[0m,'
  assert_line --index 3 $'        \e[34;1m"s"\e[0m: \e[32m"x"\e[0m,'
  assert_line --index 4 $'        \e[34;1m"z"\e[0m: \e[1;30mnull\e[0m'
  assert_line --regexp $'^    \e\\[34;1m"ts"\e\\[0m: \e\\[36m[0-9.]+\e\\[0m,$'
  run grep -c $'\e' "$T/n.out" "$T/p.out"
  assert_output "$T/n.out:0"$'\n'"$T/p.out:0"
  # auto on a terminal (script(1) gives it one): colours, unless NO_COLOR says no.
  command -v script >/dev/null || skip "script missing"
  printf '{"tag":"on/tty"}\n' > "$T/in"
  run script -qec "event-listen -u - -n 1 -o pretty < '$T/in'" /dev/null
  assert_output --partial $'\e[1;33m"on/tty"'
  run env NO_COLOR=1 script -qec "event-listen -u - -n 1 -o pretty < '$T/in'" /dev/null
  refute_output --partial $'\e['
  run event-listen --color sometimes
  assert_failure 2
  assert_output --partial "--color: expected always, never or auto, not 'sometimes'"
}

@test "--stats SECS: under load, a JSON line per interval on stderr, the busiest patterns first; stdout unchanged" {
  local n=20000
  start_listener l --stats 0.2 -n "$n"
  # Three patterns, 2:1:1, each tag unique beyond its second level; fired
  # in four bursts, each once the interval before it was reported, so that
  # four intervals see events.
  for burst in 1 2 3 4; do
    seq 1 $((n / 4)) | awk -v b="$burst" '{ p = ($1 % 4 < 2) ? "module/busy" : ($1 % 4 == 2 ? "module/calm" : "other/x"); printf "{\"tag\":\"%s/event/%d-%d\",\"data\":%d}\n", p, b, $1, $1 }' |
      event-fire -l
    [ "$burst" = 4 ] || wait_for_lines "$T/l.err" "$burst"
  done
  finish l
  assert_equal "$(cat "$T/l.rc")" 0
  # stdout: exactly the n events, as without --stats.
  assert_equal "$(wc -l < "$T/l.out")" "$n"
  assert_equal "$(grep -c '^{"tag":"module/busy/event/' "$T/l.out")" $((n / 2))
  run $PYTHON -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines, "no --stats line"
assert sum(l["events"] for l in lines) == int(sys.argv[2]) == lines[-1]["total"], lines
busy = [l for l in lines if l["events"] > 0]
assert len(busy) >= 4, lines
for l in busy:
    assert l["top"][0]["pattern"] == "module/busy/*", l
    assert {t["pattern"] for t in l["top"]} <= {"module/busy/*", "module/calm/*", "other/x/*"}, l
    assert abs(l["rate"] - l["events"] / l["seconds"]) <= 0.01 * l["rate"] + 0.01, l
    assert l["seconds"] <= 5, l
print(sum(t["events"] for l in lines for t in l["top"] if t["pattern"] == "module/busy/*"))
' "$T/l.err" "$n"
  assert_success
  assert_output $((n / 2))
}

@test "--stats: a table on a terminal, redrawn in place; SECS must be a number of seconds above 0" {
  run --separate-stderr event-listen --stats 0
  assert_failure 2
  assert_equal "$stderr" "event-listen: --stats: '0' is not a number of seconds above 0 (at most 86400)"
  run --separate-stderr event-listen --stats 1x
  assert_failure 2
  run --separate-stderr event-listen --stats -1
  assert_failure 2
  # stderr a terminal (a pty), stdout not: the table is redrawn with ESC[nA ESC[J.
  run $PYTHON - "$EVT_BUILD_DIR" "$T" <<'PY'
import os, pty, select, subprocess, sys
build, t = sys.argv[1], sys.argv[2]
m, s = pty.openpty()
ready = t + "/tty.ready"
p = subprocess.Popen([build + "/event-listen", "--stats", "0.1", "--ready-file", ready, "-n", "30"],
                     stdout=subprocess.DEVNULL, stderr=s)
os.close(s)
while not os.path.exists(ready) and p.poll() is None:
    select.select([], [], [], 0.01)
for burst in range(3):
    subprocess.run([build + "/event-fire", "-l"], check=True,
                   input="".join('{"tag":"a/b/c/%d"}\n' % i for i in range(10)).encode())
    select.select([], [], [], 0.25)
p.wait(timeout=20)
out = b""
while select.select([m], [], [], 0.2)[0]:
    try:
        out += os.read(m, 65536)
    except OSError:
        break
text = out.decode()
print(text.count("\x1b[J"), "a/b/*" in text, "RATE/S" in text)
PY
  assert_success
  # At least one redraw (three bursts, ten events each, a report every 0.1 s).
  [[ "$output" =~ ^[1-9][0-9]*\ True\ True$ ]] || fail "$output"
}

@test "--stats: a stderr that fails (a full disk) or that nobody reads neither ends nor stalls the events" {
  # /dev/full: every write fails with ENOSPC.
  rm -f "$T/full.ready"
  event-listen --stats 0.01 -n 3 --ready-file "$T/full.ready" > "$T/full.out" 2> /dev/full 3>&- &
  local pid=$!
  wait_for_file "$T/full.ready"
  event-fire a/b/c
  wait_for_lines "$T/full.out" 1 5
  event-fire a/b/c
  event-fire a/b/c
  local rc=0
  wait "$pid" || rc=$?
  assert_equal "$rc" 0
  assert_equal "$(wc -l < "$T/full.out")" 3
  # A pipe full and never read (a stalled log reader): the events go on.
  mkfifo "$T/err"
  exec 7<> "$T/err"
  $PYTHON -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NONBLOCK)
try:
    while True:
        os.write(fd, b"x" * 4096)
except BlockingIOError:
    pass' "$T/err"
  # Write-only: should it ever block, it gets EPIPE once the test's fd 7 closes.
  event-listen --ready-file "$T/p.ready" --stats 0.01 -n 20 > "$T/p.out" 2> "$T/err" 3>&- &
  echo $! > "$T/p.pid"
  wait_for_file "$T/p.ready"
  for i in $(seq 1 20); do
    event-fire a/b/"$i"
    wait_for_lines "$T/p.out" "$i" 5
  done
  wait "$(cat "$T/p.pid")"
  exec 7>&-
}
