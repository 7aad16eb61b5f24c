#!/usr/bin/env bats
# --metrics ADDR:PORT: Prometheus metrics on /metrics (text 0.0.4, or
# OpenMetrics when asked) and /healthz, on event-listen, event-handle and
# eventsapi serve; a real Prometheus (Debian's) scrapes serve and
# event-handle and its API answers with the counts of the events sent.

load helpers

setup() {
  common_setup
  export EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
}
teardown() {
  for fd in 5 6 7 8 9; do eval "exec $fd<&-" 2>/dev/null; done
  common_teardown
}

# scrape PORT [ACCEPT]: the /metrics text.
scrape() { curl -sf ${2:+-H "Accept: $2"} "http://127.0.0.1:$1/metrics"; }

# health PORT: the status code of /healthz.
health() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz"; }

# wait_for_metric PORT TEXT [SECONDS]: poll /metrics until a line starts with TEXT.
wait_for_metric() {
  local port=$1 text=$2 limit=${3:-10} i=0
  until scrape "$port" | grep -qF -- "$text"; do
    i=$((i + 1))
    [ "$i" -gt $((limit * 20)) ] && { echo "no '$text' in /metrics of $port" >&2; scrape "$port" >&2; return 1; }
    sleep 0.05
  done
}

# wait_for_health PORT CODE [SECONDS]: poll /healthz until it answers CODE.
wait_for_health() {
  local port=$1 code=$2 limit=${3:-10} i=0
  until [ "$(health "$port")" = "$code" ]; do
    i=$((i + 1))
    [ "$i" -gt $((limit * 20)) ] && { echo "/healthz of $port never answered $code" >&2; return 1; }
    sleep 0.05
  done
}

# start_prometheus TARGET...: Prometheus on a free loopback port scraping
# each TARGET (host:port) every 200 ms, its data in $T/prom; sets PROM.
start_prometheus() {
  local port targets
  port=$(free_port)
  PROM="http://127.0.0.1:$port"
  targets=$(printf "'%s'," "$@")
  cat > "$T/prometheus.yml" << EOF
global:
  scrape_interval: 200ms
  scrape_timeout: 150ms
scrape_configs:
  - job_name: event-tools
    static_configs:
      - targets: [${targets%,}]
EOF
  prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prom" \
    --web.listen-address="127.0.0.1:$port" > "$T/prometheus.log" 2>&1 3>&- &
  echo $! > "$T/prometheus.pid"
  local i=0
  until curl -sf "$PROM/-/ready" > /dev/null; do
    i=$((i + 1))
    [ "$i" -gt 600 ] && { echo "prometheus did not start" >&2; cat "$T/prometheus.log" >&2; return 1; }
    sleep 0.05
  done
}

# query EXPR: the value Prometheus's API gives for an instant query (the first series's).
query() {
  curl -sf --get --data-urlencode "query=$1" "$PROM/api/v1/query" |
    $PYTHON -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'
}

# wait_for_query EXPR VALUE [SECONDS]: poll Prometheus until EXPR is VALUE.
wait_for_query() {
  local expr=$1 want=$2 limit=${3:-20} i=0 got
  until got=$(query "$expr") && [ "$got" = "$want" ]; do
    i=$((i + 1))
    [ "$i" -gt $((limit * 10)) ] && { echo "$expr: $got, not $want" >&2; return 1; }
    sleep 0.1
  done
}

@test "event-listen --metrics: counts by transport, process metrics, promtool clean, OpenMetrics when asked" {
  port=$(free_port)
  start_listener l --metrics "127.0.0.1:$port"
  for i in 1 2 3; do event-fire "a/$i" n=$i; done
  wait_for_lines "$T/l.out" 3
  wait_for_metric "$port" 'event_tools_events_received_total{transport="local"} 3'
  run scrape "$port"
  assert_line 'event_tools_events_emitted_total{transport="stdio"} 3'
  assert_line --regexp '^process_resident_memory_bytes [0-9]+$'
  assert_line --regexp '^process_open_fds [0-9]+$'
  assert_line --regexp '^process_start_time_seconds [0-9.]+$'
  assert_line '# TYPE event_tools_events_received_total counter'
  scrape "$port" > "$T/metrics.txt"
  run promtool check metrics < "$T/metrics.txt"
  assert_success
  assert_output ''
  run curl -sf -D "$T/headers" -H 'Accept: application/openmetrics-text; version=1.0.0' "http://127.0.0.1:$port/metrics"
  assert_line '# TYPE event_tools_events_received counter'
  assert_line 'event_tools_events_received_total{transport="local"} 3'
  assert_equal "${lines[-1]}" '# EOF'
  grep -qi '^content-type: application/openmetrics-text' "$T/headers"
  assert_equal "$(health "$port")" 200
}

@test "--metrics: a bad address exits 2 with one line; an address in use says so; no thread or socket without it" {
  run -2 event-listen --metrics 'nowhere:99999'
  assert_output "event-listen: --metrics: 'nowhere:99999' is not ADDR:PORT (the address must be an IPv4 or IPv6 address, localhost or *)"
  run -2 event-handle --metrics 127.0.0.1:0 "$T"
  assert_output "event-handle: --metrics: '127.0.0.1:0' is not ADDR:PORT (the port must be 1 to 65535)"
  port=$(free_port)
  start_listener l --metrics ":$port"
  run -2 event-listen --metrics "127.0.0.1:$port"
  assert_output "event-listen: --metrics 127.0.0.1:$port: Address already in use"
  run -2 eventsapi serve --port 0 --metrics "127.0.0.1:$port"
  assert_output --partial "--metrics 127.0.0.1:$port: Address already in use"
  # Without --metrics: one thread, no TCP socket, no HTTP plugin mapped.
  start_listener quiet
  pid=$(cat "$T/quiet.pid")
  assert_equal "$(ls /proc/$pid/task | wc -l)" 1
  run grep -c 'event-tools-http\|httplib' /proc/$pid/maps
  assert_output 0
  lpid=$(cat "$T/l.pid")
  grep -q 'event-tools-http.so' /proc/$lpid/maps
}

@test "/healthz: 200 while the loop turns, 503 while it is stuck (stdout full), 200 again" {
  mkfifo "$T/pipe"
  exec 5<> "$T/pipe"  # a reader that does not read, yet
  port=$(free_port)
  event-listen --metrics "127.0.0.1:$port" --ready-file "$T/l.ready" > "$T/pipe" 2> "$T/l.err" 3>&- &
  echo $! > "$T/l.pid"
  wait_for_file "$T/l.ready"
  assert_equal "$(health "$port")" 200
  big=$(head -c 30000 /dev/zero | tr '\0' a)
  for i in 1 2 3; do event-fire big "$big"; done  # 90 kB: more than the pipe holds
  wait_for_health "$port" 503 10
  run curl -s "http://127.0.0.1:$port/healthz"
  assert_output --regexp '^the main loop has not turned for [0-9.]+s$'
  cat <&5 > /dev/null &
  wait_for_health "$port" 200 10
}

@test "Prometheus scrapes serve and event-handle: its API answers with the counts of N events" {
  rport=$(free_port)
  start_receiver r "$rport"
  quiet eventsapi webhook-add "http://user:secret@127.0.0.1:$rport/hook"
  sport=$(free_port)
  start_serve s --metrics "127.0.0.1:$sport"
  step "$T/h/done/10-ok" 'exit 0'
  step "$T/h/broken/10-fail" 'exit 3'
  hport=$(free_port)
  event-handle -u local: --metrics "127.0.0.1:$hport" --ready-file "$T/h.ready" --log none "$T/h" > "$T/h.out" 2> "$T/h.err" 3>&- &
  echo $! > "$T/h.pid"
  wait_for_file "$T/h.ready"
  start_prometheus "127.0.0.1:$sport" "127.0.0.1:$hport"
  for i in $(seq 1 20); do event-fire module/m/event/done n=$i; done
  for i in 1 2 3; do event-fire module/m/event/broken b=$i; done
  event-fire module/m/event/nohandler
  wait_for_unique "$T/r.log" 24
  wait_for_lines "$T/h.out" 24
  hook='webhook="http://user:***@127.0.0.1:'$rport'/hook"'
  wait_for_query "eventsapi_webhook_delivered_total{$hook}" 24
  wait_for_query 'event_handle_runs_total{handler="done",status="completed"}' 20
  wait_for_query 'event_handle_runs_total{handler="broken",status="aborted"}' 3
  wait_for_query 'event_handle_runs_total{handler="",status="skipped"}' 1
  wait_for_query 'event_handle_step_duration_seconds_count{handler="done"}' 20
  wait_for_query "eventsapi_webhook_delivery_seconds_count{$hook}" 24
  wait_for_query "eventsapi_webhook_pending{$hook}" 0
  wait_for_query "eventsapi_webhook_failed_total{$hook}" 0
  wait_for_query 'sum(event_tools_events_received_total{transport="local"})' 48
  wait_for_query 'count(up == 1)' 2
  # No secret in a label, and what both serve is clean for promtool.
  run scrape "$sport"
  refute_output --partial secret
  scrape "$sport" > "$T/serve.txt"
  scrape "$hport" > "$T/handle.txt"
  promtool check metrics < "$T/serve.txt"
  promtool check metrics < "$T/handle.txt"
}

@test "serve's /healthz: 503 naming the ingest loop while a stopped Redis stalls it, 200 once it turns" {
  start_redis
  port=$(free_port)
  start_serve s --from "redis+stream://127.0.0.1:$REDIS_PORT/ev?group=serve" --metrics "127.0.0.1:$port"
  wait_for_health "$port" 200
  kill -STOP "$(cat "$T/redis.pid")"
  wait_for_health "$port" 503 15
  run curl -s "http://127.0.0.1:$port/healthz"
  assert_output --regexp '^the ingest loop has not turned for [0-9.]+s$'
  kill -CONT "$(cat "$T/redis.pid")"
  wait_for_health "$port" 200 15
}

@test "event-handle -u redis+stream --metrics: the consumer group's lag and pending entries, read every few seconds" {
  start_redis
  url="redis+stream://127.0.0.1:$REDIS_PORT/ev?group=g"
  for i in 1 2 3 4 5; do event-fire -u "$url" module/m/event/slow n=$i; done
  step "$T/h/slow/10-wait" "while [ ! -e '$T/go' ]; do sleep 0.05; done"
  port=$(free_port)
  event-handle -u "$url" --metrics "127.0.0.1:$port" --ready-file "$T/h.ready" --log none "$T/h" > "$T/h.out" 2> "$T/h.err" 3>&- &
  echo $! > "$T/h.pid"
  wait_for_file "$T/h.ready"
  # One step runs (-j 1): one entry handed out and not acknowledged, four not yet read.
  wait_for_metric "$port" 'event_tools_consumer_group_pending 1' 15
  wait_for_metric "$port" 'event_tools_consumer_group_lag 4' 15
  touch "$T/go"
  wait_for_lines "$T/h.out" 5
  wait_for_metric "$port" 'event_tools_consumer_group_pending 0' 15
  wait_for_metric "$port" 'event_tools_consumer_group_lag 0' 15
  run scrape "$port"
  assert_line 'event_tools_events_received_total{transport="redis+stream"} 5'
}

@test "--metrics: clients that connect and say nothing neither starve /healthz nor hold SIGTERM" {
  port=$(free_port)
  start_listener l --metrics "127.0.0.1:$port"
  # More silent connections than the server has workers, as a slowloris would open.
  for fd in 5 6 7 8 9; do eval "exec $fd<>/dev/tcp/127.0.0.1/$port"; done
  run curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz"
  assert_output 200
  # Stopped with silent connections just made, the daemon is gone within a few seconds.
  for fd in 5 6 7 8 9; do eval "exec $fd<&- $fd<>/dev/tcp/127.0.0.1/$port"; done
  kill "$(cat "$T/l.pid")"
  wait_for_exit "$(cat "$T/l.pid")" 3
}

@test "serve --metrics: a webhook's label hides query values and passwords, and stays one series per webhook" {
  quiet eventsapi webhook-add 'http://u:p@ss@127.0.0.1:1/a"b\c?token=SECRET1'
  quiet eventsapi webhook-add 'http://127.0.0.1:1/x?token=SECRET2&v=2'
  quiet eventsapi webhook-add 'http://127.0.0.1:1/x?token=SECRET3&v=2'
  quiet eventsapi webhook-add 'http://u:one@127.0.0.1:1/y'
  quiet eventsapi webhook-add 'http://u:two@127.0.0.1:1/y'
  port=$(free_port)
  start_serve s --metrics "127.0.0.1:$port"
  scrape "$port" > "$T/m.txt"
  run grep -c SECRET "$T/m.txt"
  assert_output 0
  run grep -c 'p@ss\|:one@\|:two@' "$T/m.txt"
  assert_output 0
  run grep '^eventsapi_webhook_pending' "$T/m.txt"
  assert_equal "${#lines[@]}" 5
  assert_line 'eventsapi_webhook_pending{webhook="http://u:***@127.0.0.1:1/a\"b\\c?token=***"} 0'
  assert_equal "$(grep '^eventsapi_webhook_pending' "$T/m.txt" | cut -d' ' -f1 | sort -u | wc -l)" 5
  promtool check metrics < "$T/m.txt"
}

@test "--metrics: a daemon stopped as it starts (before the server listens) still exits" {
  port=$(free_port)
  # Under ASan, a SIGTERM that lands while LeakSanitizer stops the world
  # at exit (the usage error's exit races timeout's signal) leaves it
  # spinning for ever: the sanitizer's, not ours. This test is about our stop.
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
  for i in $(seq 1 15); do
    run timeout -k 3 0.05 event-listen --metrics "127.0.0.1:$port" -u "redis+stream://127.0.0.1:1/x"
    [ "$status" -ne 137 ] || fail "run $i did not stop on SIGTERM"
  done
}
