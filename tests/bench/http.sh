#!/usr/bin/env bash
# HTTP in: requests/s of keep-alive POSTs (wrk, one thread, 8 connections,
# a small JSON body) into `event-listen -u http://...` (each request an
# event written to a file and answered 202 once written), beside Debian's
# `webhook` (adnanh/webhook, what users pick for HTTP -> command) running a
# no-op command for each request, and nginx answering 204 to each: the
# limit of the machine. Best of ROUNDS (3) for each, the three alternated,
# since other builds may load the machine. Targets: ahead of webhook; at
# least 0.5x nginx's 204.
source "$(dirname "$0")/lib.sh"
SECS=${SECS:-4}
ROUNDS=${ROUNDS:-3}
for tool in wrk webhook nginx; do
  command -v "$tool" > /dev/null || [ -x "/usr/sbin/$tool" ] || { echo "http.sh: $tool is not installed (make bench-deps)" >&2; exit 2; }
done
cat > "$SCRATCH/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"node_id":"1","size":1234,"msg":"hello"}'
wrk.headers["Content-Type"] = "application/json"
LUA

ours_port=$(free_port)
event-listen -u "http://127.0.0.1:$ours_port/" --ready-file "$SCRATCH/ours.ready" > "$SCRATCH/events" &
BENCH_PIDS+=($!)
wait_for_file "$SCRATCH/ours.ready"

hook_port=$(free_port)
printf '[{"id": "bench", "execute-command": "/bin/true"}]\n' > "$SCRATCH/hooks.json"
webhook -hooks "$SCRATCH/hooks.json" -ip 127.0.0.1 -port "$hook_port" > "$SCRATCH/webhook.log" 2>&1 &
BENCH_PIDS+=($!)
wait_for_port "$hook_port"

nginx_port=$(free_port)
mkdir -p "$SCRATCH/nginx"
cat > "$SCRATCH/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $SCRATCH/nginx/nginx.pid;
error_log $SCRATCH/nginx/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $SCRATCH/nginx;
  server { listen 127.0.0.1:$nginx_port; location / { return 204; } }
}
CONF
/usr/sbin/nginx -c "$SCRATCH/nginx/nginx.conf" -g 'daemon off;' 2> /dev/null &
BENCH_PIDS+=($!)
wait_for_port "$nginx_port"

# rps URL: requests/s that wrk measured (non-2xx answers make it fail).
rps() {
  local out
  out=$(wrk -t1 -c8 -d"${SECS}s" -s "$SCRATCH/post.lua" "$1" 2>&1)
  if grep -q 'Non-2xx' <<< "$out"; then echo "non-2xx answers from $1" >&2; echo 0; return; fi
  awk '/Requests\/sec/ {printf "%.0f", $2}' <<< "$out"
}

best_ours=0 best_hook=0 best_nginx=0
for _ in $(seq "$ROUNDS"); do
  r=$(rps "http://127.0.0.1:$ours_port/bench/tick"); [ "$r" -gt "$best_ours" ] && best_ours=$r
  r=$(rps "http://127.0.0.1:$hook_port/hooks/bench"); [ "$r" -gt "$best_hook" ] && best_hook=$r
  r=$(rps "http://127.0.0.1:$nginx_port/"); [ "$r" -gt "$best_nginx" ] && best_nginx=$r
done
echo "events written by event-listen: $(wc -l < "$SCRATCH/events")"
echo
echo "| HTTP in, keep-alive POSTs (wrk -t1 -c8, best of $ROUNDS x ${SECS}s) | requests/s | ratio |"
echo "|---|---|---|"
echo "| event-listen -u http:// (202 once written) | $best_ours | 1.00 |"
echo "| webhook (adnanh/webhook, /bin/true per request) | $best_hook | $(ratio "$best_hook" "$best_ours") |"
echo "| nginx return 204 | $best_nginx | $(ratio "$best_nginx" "$best_ours") |"
echo
echo "event-listen vs webhook: $(ratio "$best_ours" "$best_hook")x (target > 1); vs nginx 204: $(ratio "$best_ours" "$best_nginx")x (target >= 0.5)"
