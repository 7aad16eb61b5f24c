#!/usr/bin/env bash
# Redis over TLS beside plaintext, one redis-server listening on both, in one
# run, with redis-cli --tls as the peer:
#  - Streams: events/s of `event-fire -l` into a stream (XADD) and of
#    `event-listen` reading it back (XREADGROUP + XACK), rediss+stream:// vs
#    redis+stream://;
#  - Pub/Sub: events/s of `event-fire -l | event-listen`, rediss:// vs redis://;
#  - redis-cli --pipe of the same PUBLISH commands, --tls vs plain: what TLS
#    costs the peer, for scale;
#  - one call: median wall ms of event-fire and of redis-cli PUBLISH over TLS.
# N defaults to 200 000 (EVENTS=...). Target: TLS >= 0.7x plaintext.
source "$(dirname "$0")/lib.sh"
N=${EVENTS:-200000}
pki=$SCRATCH/pki
mkdir -p "$pki"
(
  cd "$pki"
  k=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${k[@]}" -keyout ca.key -out ca.pem -subj /CN=bench-ca -days 1
  openssl req "${k[@]}" -keyout server.key -out server.csr -subj /CN=localhost
  printf 'subjectAltName=IP:127.0.0.1\n' > ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile ext -out server.pem
) 2> /dev/null
port=$(free_port)
tls_port=$(free_port)
redis-server --port "$port" --tls-port "$tls_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$SCRATCH" \
  --logfile "$SCRATCH/redis.log" --tls-cert-file "$pki/server.pem" --tls-key-file "$pki/server.key" \
  --tls-ca-cert-file "$pki/ca.pem" --tls-auth-clients no &
BENCH_PIDS+=($!)
until redis-cli -p "$port" PING 2> /dev/null | grep -q PONG; do sleep 0.01; done
tls=(--cacert "$pki/ca.pem")
cli_tls=(--tls --cacert "$pki/ca.pem" -p "$tls_port")

seq 1 "$N" | sed 's/.*/{"i":&,"msg":"hello"}/' > "$SCRATCH/data"
publish_commands "$SCRATCH/data" "$SCRATCH/pipe"

# stream_rates NAME URL [TLS OPTIONS...]: sets xadd and xread (events/s).
stream_rates() {
  local name=$1 url=$2 start
  shift 2
  redis-cli -p "$port" DEL "$name" > /dev/null
  redis-cli -p "$port" XGROUP CREATE "$name" g 0 MKSTREAM > /dev/null
  start=$(now_ns)
  event-fire -u "$url/$name?maxlen=0" "$@" -l bench/tick < "$SCRATCH/data"
  xadd=$(rate "$N" $(( $(now_ns) - start )))
  start=$(now_ns)
  event-listen -u "$url/$name?group=g" "$@" -n "$N" > "$SCRATCH/$name.got"
  xread=$(rate "$N" $(( $(now_ns) - start )))
  [ "$(wc -l < "$SCRATCH/$name.got")" -eq "$N" ] || { echo "LOSS reading $name" >&2; exit 1; }
}

# pubsub_rate URL [TLS OPTIONS...]: sets pubsub (events/s received).
pubsub_rate() {
  local url=$1 listener start
  shift
  rm -f "$SCRATCH/ready"
  event-listen -u "$url" "$@" -n "$N" --ready-file "$SCRATCH/ready" > "$SCRATCH/ps.got" &
  listener=$!
  wait_for_file "$SCRATCH/ready"
  start=$(now_ns)
  event-fire -u "$url" "$@" -l bench/tick < "$SCRATCH/data"
  wait "$listener"
  pubsub=$(rate "$N" $(( $(now_ns) - start )))
  [ "$(wc -l < "$SCRATCH/ps.got")" -eq "$N" ] || { echo "LOSS in Pub/Sub over $url" >&2; exit 1; }
}

# ROUNDS times (default 5), alternating, the best run kept: the first run
# pays for warming the server (a new stream, its memory) that the next does
# not, and a run of 200 000 events takes a few tenths of a second, which
# other work on the machine easily stretches.
best() { /usr/bin/python3 -c 'import sys; print(max(int(x) for x in sys.argv[1:] if x))' "$@"; }
plain_xadd= plain_xread= tls_xadd= tls_xread= plain_pubsub= tls_pubsub=
for round in $(seq 1 "${ROUNDS:-5}"); do
  stream_rates plain "redis+stream://127.0.0.1:$port"
  plain_xadd=$(best "$xadd" $plain_xadd) plain_xread=$(best "$xread" $plain_xread)
  stream_rates tls "rediss+stream://127.0.0.1:$tls_port" "${tls[@]}"
  tls_xadd=$(best "$xadd" $tls_xadd) tls_xread=$(best "$xread" $tls_xread)
  pubsub_rate "redis://127.0.0.1:$port"
  plain_pubsub=$(best "$pubsub" $plain_pubsub)
  pubsub_rate "rediss://127.0.0.1:$tls_port" "${tls[@]}"
  tls_pubsub=$(best "$pubsub" $tls_pubsub)
done

start=$(now_ns)
redis-cli -p "$port" --pipe < "$SCRATCH/pipe" > /dev/null
cli_plain=$(rate "$N" $(( $(now_ns) - start )))
start=$(now_ns)
redis-cli "${cli_tls[@]}" --pipe < "$SCRATCH/pipe" > /dev/null
cli_tls_rate=$(rate "$N" $(( $(now_ns) - start )))

evt_call=$(median_ms event-fire -u "rediss://127.0.0.1:$tls_port" --cacert "$pki/ca.pem" backup/done '{"status":"ok"}')
cli_call=$(median_ms redis-cli "${cli_tls[@]}" PUBLISH backup/done '{"status":"ok"}')

echo
echo "| measure | plaintext | TLS | ratio (TLS / plaintext) |"
echo "|---|---|---|---|"
echo "| Streams: event-fire -l (XADD), events/s | $plain_xadd | $tls_xadd | $(ratio "$tls_xadd" "$plain_xadd") |"
echo "| Streams: event-listen (XREADGROUP+XACK), events/s | $plain_xread | $tls_xread | $(ratio "$tls_xread" "$plain_xread") |"
echo "| Pub/Sub: event-fire -l into event-listen, events/s | $plain_pubsub | $tls_pubsub | $(ratio "$tls_pubsub" "$plain_pubsub") |"
echo "| peer: redis-cli --pipe of $N PUBLISH, events/s | $cli_plain | $cli_tls_rate | $(ratio "$cli_tls_rate" "$cli_plain") |"
echo
echo "| one call over TLS, median wall ms | event-fire | redis-cli --tls | ratio (event-tools / redis-cli) |"
echo "|---|---|---|---|"
echo "| PUBLISH | $evt_call | $cli_call | $(ratio "$evt_call" "$cli_call") |"
echo
echo "target: TLS >= 0.70x plaintext throughput"
