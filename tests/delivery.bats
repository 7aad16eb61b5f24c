#!/usr/bin/env bats
# Webhook delivery with many requests in flight (--max-in-flight), HTTP/2
# where the receiver speaks it, and still nothing lost: through retries, a
# receiver outage and a kill -9 of serve; a slow webhook never slows another.

load helpers

setup() {
  common_setup
  export EVENTSAPI_STORE=$T/store EVENTSAPI_STATE=$T/state
  RPORT=$(free_port)
  HOOK="http://127.0.0.1:$RPORT/hook"
  quiet eventsapi config-set retry-schedule 0.2,0.2,0.5,0.5,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1
}
teardown() {
  [ -e "$T/nginx/nginx.pid" ] && kill "$(cat "$T/nginx/nginx.pid")" 2>/dev/null
  common_teardown
}

# fire_n N [FROM]: N events seq=FROM.. on the local bus, in one stream.
fire_n() {
  local n=$1 from=${2:-1}
  seq "$from" $((from + n - 1)) | sed 's/.*/{"tag":"burst","data":{"seq":&}}/' | event-fire -l
}

# ids LOG: the distinct webhook-ids a receiver got.
ids() { field "$1" 'h["webhook-id"]' | sort -u; }

@test "--max-in-flight 1 keeps order through failures and retries" {
  start_receiver r "$RPORT" --fail-first 5
  quiet eventsapi webhook-add --max-in-flight 1 "$HOOK"
  start_serve s
  fire_n 30
  wait_for_unique "$T/r.log" 30
  stop_serve s
  run first_seen "$T/r.log"
  assert_output "$(seq 1 30 | sed 's/.*/{"seq": &}/')"
}

@test "--max-in-flight 8: requests at once, each event at least once, through an outage and a kill -9 of serve" {
  start_receiver r "$RPORT" --delay 0.05
  quiet eventsapi webhook-add --max-in-flight 8 "$HOOK"
  start_serve s
  fire_n 400
  # Eight at once: 400 requests of 50 ms take far less than 400 x 50 ms.
  wait_for_unique "$T/r.log" 400 15
  # An outage of the receiver, then serve killed with -9 mid-burst.
  stop_receiver r
  fire_n 300 1001
  start_receiver r2 "$RPORT" --delay 0.05
  wait_for_lines "$T/r2.log" 50
  kill -9 "$(cat "$T/s.pid")"
  wait "$(cat "$T/s.pid")" 2>/dev/null || true
  start_serve s2
  fire_n 100 2001
  # None lost: every one of the 800 events' ids arrived at least once.
  local i=0
  until [ "$(cat <(ids "$T/r.log") <(ids "$T/r2.log") | sort -u | wc -l)" -ge 800 ]; do
    i=$((i + 1)); [ "$i" -lt 300 ] || break; sleep 0.1
  done
  stop_serve s2
  assert_equal "$(cat <(ids "$T/r.log") <(ids "$T/r2.log") | sort -u | wc -l)" 800
  # Several were in flight at once: arrivals overlapped the 50 ms answers.
  $PYTHON - "$T/r.log" <<'EOF'
import json, sys
t = sorted(json.loads(l)["t"] for l in open(sys.argv[1]))
overlapping = sum(1 for a, b in zip(t, t[1:]) if b - a < 0.04)
assert overlapping > len(t) // 2, overlapping
EOF
}

@test "a slow webhook does not slow a fast one" {
  local slow=$(free_port)
  start_receiver fast "$RPORT"
  start_receiver slow "$slow" --delay 2
  quiet eventsapi webhook-add "$HOOK"
  quiet eventsapi webhook-add "http://127.0.0.1:$slow/hook"
  start_serve s
  local start=$SECONDS
  fire_n 200
  wait_for_unique "$T/fast.log" 200 30
  # The slow one has had time for a handful; the fast one took all 200 meanwhile.
  [ "$(wc -l < "$T/slow.log")" -lt 20 ]
  [ $((SECONDS - start)) -lt 20 ]
  stop_serve s
}

@test "webhook-add and webhook-mod take --max-in-flight and --h2c; status shows in-flight and latency" {
  quiet eventsapi webhook-add --max-in-flight 4 --h2c "$HOOK"
  run eventsapi --json status
  assert_output --partial '"max_in_flight":4'
  assert_output --partial '"h2c":true'
  quiet eventsapi webhook-mod --max-in-flight 2 --no-h2c "$HOOK"
  run eventsapi --json status
  assert_output --partial '"max_in_flight":2'
  assert_output --partial '"h2c":false'
  run eventsapi webhook-add --max-in-flight 0 "$HOOK/x"
  assert_failure 2
  quiet eventsapi config-set max-in-flight 3
  quiet eventsapi webhook-add "$HOOK/default"
  run eventsapi --json status
  assert_output --partial "\"max_in_flight\":3,"
  start_receiver r "$RPORT"
  start_serve s
  fire_n 20
  wait_for_unique "$T/r.log" 20
  wait_for_status '"delivered":20.*"p50_ms":[0-9]+'
  run eventsapi status
  assert_output --partial 'IN FLIGHT'
  assert_output --partial 'P99 MS'
  stop_serve s
}

# start_nginx: nginx on loopback in front of the test receiver, HTTP/2 over
# cleartext (prior knowledge) on H2C_PORT and over TLS on TLS_PORT; its
# access log says which protocol each request came in.
start_nginx() {
  command -v nginx > /dev/null || skip "nginx is not installed"
  H2C_PORT=$(free_port)
  TLS_PORT=$(free_port)
  mkdir -p "$T/nginx"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/nginx/key.pem" -out "$T/nginx/cert.pem" -days 1 \
    -subj /CN=127.0.0.1 2> /dev/null
  cat > "$T/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events {}
http {
  log_format hooks '\$server_protocol \$http_webhook_id \$status';
  access_log $T/nginx/access.log hooks;
  client_body_temp_path $T/nginx/body;
  proxy_temp_path $T/nginx/proxy;
  fastcgi_temp_path $T/nginx/fastcgi;
  uwsgi_temp_path $T/nginx/uwsgi;
  scgi_temp_path $T/nginx/scgi;
  server { listen 127.0.0.1:$H2C_PORT http2; location / { proxy_pass http://127.0.0.1:$RPORT; } }
  server {
    listen 127.0.0.1:$TLS_PORT ssl http2;
    ssl_certificate $T/nginx/cert.pem;
    ssl_certificate_key $T/nginx/key.pem;
    location / { proxy_pass http://127.0.0.1:$RPORT; }
  }
}
EOF
  nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" 3>&- &
  local i=0
  until ss -Htln state listening "sport = :$TLS_PORT" | grep -q .; do
    i=$((i + 1)); [ "$i" -lt 1000 ] || { cat "$T/nginx/error.log"; false; }; sleep 0.01
  done
}

@test "HTTP/2: by ALPN over TLS, and over cleartext with --h2c; HTTP/1.1 otherwise" {
  start_receiver r "$RPORT"
  start_nginx
  quiet eventsapi webhook-add --insecure --max-in-flight 8 "https://127.0.0.1:$TLS_PORT/tls"
  quiet eventsapi webhook-add --h2c --max-in-flight 8 "http://127.0.0.1:$H2C_PORT/h2c"
  quiet eventsapi webhook-add --max-in-flight 8 "http://127.0.0.1:$RPORT/plain"
  start_serve s
  fire_n 40
  wait_for_lines "$T/r.log" 120 30
  stop_serve s
  # What nginx saw: 80 requests over HTTP/2, all answered.
  run awk '{print $1, $3}' "$T/nginx/access.log"
  [ "$(grep -c '^HTTP/2.0 200$' <<< "$output")" -eq 80 ]
  assert_equal "${#lines[@]}" 80
  # And the receiver: 40 by each way; the plain http:// webhook spoke HTTP/1.1 to it.
  assert_equal "$(field "$T/r.log" 'r["path"]' | sort | uniq -c | awk '{print $2, $1}' | tr '\n' ' ')" "/h2c 40 /plain 40 /tls 40 "
  assert_equal "$(field "$T/r.log" 'r["version"]' | sort | uniq -c | awk '{print $2, $1}' | tr '\n' ' ')" "HTTP/1.0 80 HTTP/1.1 40 "
  ! grep -q 'failed' "$T/s.err"
}
