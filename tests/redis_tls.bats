#!/usr/bin/env bats
# TLS to Redis (rediss://, rediss+stream://) and to NATS, with redis-cli's
# options, against real servers on loopback: redis-server with a tls-port
# (one that asks for no client certificate, one that requires it) and
# nats-server with --tlsverify, the certificates made here by openssl. Events
# flow with the right CA; a wrong CA, a wrong name, an expired certificate
# or a missing client certificate each give one line with the reason and
# exit 3, never plaintext.

load helpers
load nats_helpers

setup_file() {
  T=$BATS_FILE_TMPDIR
  make_certs "$T/pki"
  # A: verifies no client; B: wants a client certificate from our CA.
  start_redis_tls a no
  echo "A_PORT=$REDIS_PORT" > "$T/servers.env"
  start_redis_tls b yes
  echo "B_PORT=$REDIS_PORT" >> "$T/servers.env"
}
teardown_file() {
  T=$BATS_FILE_TMPDIR
  for name in a b; do [ -f "$T/$name.pid" ] && kill "$(cat "$T/$name.pid")" 2>/dev/null; done
  return 0
}

setup() {
  common_setup
  unset REDISCLI_AUTH
  PKI=$BATS_FILE_TMPDIR/pki
  . "$BATS_FILE_TMPDIR/servers.env"
  A=rediss://127.0.0.1:$A_PORT
  B=rediss://127.0.0.1:$B_PORT
}
teardown() {
  common_teardown
  stop_nats tls
}

# make_certs DIR: a CA, a server certificate from it for localhost and
# 127.0.0.1, the same expired, a client certificate, and a second CA that
# signed nothing here. EC keys: fast to make.
make_certs() {
  local d=$1 k=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  mkdir -p "$d"
  (
    cd "$d"
    openssl req -x509 "${k[@]}" -keyout ca.key -out ca.pem -subj /CN=evt-test-ca -days 2
    openssl req -x509 "${k[@]}" -keyout other-ca.key -out other-ca.pem -subj /CN=other-ca -days 2
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > server.ext
    openssl req "${k[@]}" -keyout server.key -out server.csr -subj /CN=localhost
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days -1 -extfile server.ext -out expired.pem
    openssl req "${k[@]}" -keyout client.key -out client.csr -subj /CN=evt-client
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem
  ) 2> /dev/null
}

# start_redis_tls NAME AUTH-CLIENTS [CERT]: redis-server on a TLS port only
# (REDIS_PORT), its certificate CERT (default server.pem); returns once it
# answers PING over TLS.
start_redis_tls() {
  local name=$1 auth=$2 cert=${3:-server.pem} i=0 pki=${PKI:-$T/pki}
  REDIS_PORT=$(free_port)
  mkdir -p "$T/$name-dir"
  redis-server --port 0 --tls-port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$T/$name-dir" \
    --logfile "$T/$name.log" --tls-cert-file "$pki/$cert" --tls-key-file "$pki/server.key" \
    --tls-ca-cert-file "$pki/ca.pem" --tls-auth-clients "$auth" 3>&- &
  echo $! > "$T/$name.pid"
  # --insecure: the expired certificate is served too.
  until redis-cli --tls --insecure --cert "$pki/client.pem" --key "$pki/client.key" -p "$REDIS_PORT" \
    PING 2> /dev/null | grep -q PONG; do
    i=$((i + 1))
    [ "$i" -gt 1000 ] && { echo "TLS redis $name did not start" >&2; return 1; }
    sleep 0.01
  done
}

@test "rediss:// Pub/Sub with --cacert: events flow both ways, by address and by name" {
  start_listener l -u "$A" --cacert "$PKI/ca.pem" -n 2 -o '%t %d'
  event-fire -u "$A" --cacert "$PKI/ca.pem" tls/one n=1
  event-fire -u "rediss://localhost:$A_PORT" --cacert "$PKI/ca.pem" tls/two n=2
  wait_for_lines "$T/l.out" 2
  assert_equal "$(cat "$T/l.out")" $'tls/one {"n":"1"}\ntls/two {"n":"2"}'
  # Quiet on success: nothing on stderr.
  [ ! -s "$T/l.err" ]
}

@test "rediss+stream://: fire -l, event-handle and a history read over TLS, --cacertdir too" {
  local stream="rediss+stream://127.0.0.1:$A_PORT/tls-stream"
  run event-fire -l -u "$stream" --cacert "$PKI/ca.pem" tls/s < <(seq 1 21 | sed 's/.*/{"i":&}/')
  assert_success
  assert_output ""
  mkdir -p "$T/dir" "$T/handlers/tls/s"
  cp "$PKI/ca.pem" "$T/dir/" && openssl rehash "$T/dir" 2> /dev/null || c_rehash "$T/dir" > /dev/null
  run event-listen -u "$stream?group=g" --cacertdir "$T/dir" --from-id 0 -e -o '%d'
  assert_success
  assert_equal "$(wc -l <<< "$output")" 21
  printf '#!/bin/sh\ncat >> %s/handled\n' "$T" > "$T/handlers/tls/s/10run"
  chmod +x "$T/handlers/tls/s/10run"
  event-handle -u "$stream?group=h" --cacert "$PKI/ca.pem" -n 21 "$T/handlers" > /dev/null 2>&1
  assert_equal "$(grep -o '"i"' "$T/handled" | wc -l)" 21
}

@test "a certificate that does not verify: one line with the reason, exit 3, nothing sent in plaintext" {
  # No CA given: the system's store does not know ours.
  run event-fire -u "$A" t
  assert_failure 3
  assert_output "event-fire: cannot connect to $A: TLS: self-signed certificate in certificate chain"
  # The wrong CA.
  run event-listen -u "$A" --cacert "$PKI/other-ca.pem" -n 1
  assert_failure 3
  assert_output --regexp "TLS: (self-signed certificate in certificate chain|unable to get local issuer certificate)$"
  # The wrong name: the certificate is for localhost and 127.0.0.1.
  run event-fire -u "$A" --cacert "$PKI/ca.pem" --sni redis.example.org t
  assert_failure 3
  assert_output --partial "TLS: hostname mismatch"
  # An expired certificate.
  start_redis_tls expired no expired.pem
  run event-fire -u "rediss://127.0.0.1:$REDIS_PORT" --cacert "$PKI/ca.pem" t
  kill "$(cat "$T/expired.pid")"
  assert_failure 3
  assert_output --partial "TLS: certificate has expired"
  # TLS to a plaintext server, and plaintext to a TLS one: refused, named.
  start_redis plain
  run event-fire -u "rediss://127.0.0.1:$REDIS_PORT" --cacert "$PKI/ca.pem" t
  stop_redis plain
  assert_failure 3
  assert_output --partial "TLS handshake"
  run event-fire -u "redis://127.0.0.1:$A_PORT" t
  assert_failure 3
}

@test "a server that requires a client certificate: --cert and --key get in, none gets a reason and exit 3" {
  run event-fire -u "$B" --cacert "$PKI/ca.pem" t
  assert_failure 3
  assert_output "event-fire: lost $B: TLS: the server wants a client certificate (--cert and its key), and closed the connection"
  start_listener l -u "$B" --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" -n 1 -o '%t'
  event-fire -u "$B" --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" tls/client
  wait_for_lines "$T/l.out" 1
  assert_equal "$(cat "$T/l.out")" tls/client
}

@test "--insecure connects without verifying, and says so on stderr each time" {
  run event-fire -u "$A" --insecure t/insecure
  assert_success
  assert_output "event-fire: warning: $A: the server's TLS certificate is not verified (--insecure)"
}

@test "TLS option errors: on a plaintext endpoint, --cert without --key, unreadable files (exit 2)" {
  run event-fire -u redis://127.0.0.1:1 --cacert "$PKI/ca.pem" t
  assert_failure 2
  assert_output --partial "is not TLS"
  run event-fire -u "$A" --cert "$PKI/client.pem" t
  assert_failure 2
  assert_output --partial "--cert and --key go together"
  run event-fire -u "$A" --cacert "$T/nothing.pem" t
  assert_failure 2
  assert_output --partial "--cacert $T/nothing.pem"
  run event-fire -u "$A" --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/server.key" t
  assert_failure 2
  assert_output --partial "--key"
  run event-fire -u "$A" --insecure --cacert "$PKI/ca.pem" t
  assert_failure 2
  run eventsapi --store "$T/store" --store-cacert "$PKI/ca.pem" status
  assert_failure
  assert_output --partial "rediss://"
  run eventsapi --store "$A" --store-cert "$PKI/client.pem" status
  assert_failure
  assert_output --partial "--store-cert and --store-key go together"
  run eventsapi --store "$A" --store-cacertdir "$T/no-such-dir" status
  assert_failure
  assert_output --partial "--store-cacertdir $T/no-such-dir: No such file or directory"
}

@test "eventsapi: a rediss:// store (--store-cacert) and serve --from rediss:// (--from-cacert), apart from a webhook's --insecure" {
  local store="rediss://127.0.0.1:$B_PORT" tls=(--store-cacert "$PKI/ca.pem" --store-cert "$PKI/client.pem" --store-key "$PKI/client.key")
  run eventsapi --store "$store" status
  assert_failure
  run eventsapi --store "$store" "${tls[@]}" webhook-add --insecure "https://127.0.0.1:1/hook"
  assert_success
  run eventsapi --store "$store" "${tls[@]}" --json status
  assert_success
  assert_output --partial '"insecure":true'
  # serve reads a rediss:// Pub/Sub source.
  eventsapi --store "$store" "${tls[@]}" webhook-del "https://127.0.0.1:1/hook" > /dev/null
  eventsapi --store "$T/store" --state "$T/state" serve --from "$A" --from-cacert "$PKI/ca.pem" --port 0 \
    --ready-file "$T/serve.ready" 2> "$T/serve.err" &
  echo $! > "$T/serve.pid"
  wait_for_file "$T/serve.ready"
  event-fire -u "$A" --cacert "$PKI/ca.pem" tls/serve n=1
  wait_for_lines "$T/state/events.log" 1
  grep -q 'tls/serve' "$T/state/events.log"
  kill "$(cat "$T/serve.pid")"
  run eventsapi --store "$T/store" --state "$T/state2" serve --from redis://127.0.0.1:1 --from-cacert "$PKI/ca.pem" --port 0
  assert_failure 2
  assert_output --partial "--from-cacert"
}

@test "NATS over TLS with --cacert, and a client certificate for a server that verifies clients" {
  start_nats tls --tlsverify --tlscert "$PKI/server.pem" --tlskey "$PKI/server.key" --tlscacert "$PKI/ca.pem"
  local url="nats://127.0.0.1:$NATS_PORT?tls=1" client=(--cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key")
  run event-fire -u "$url" --cacert "$PKI/ca.pem" t
  assert_failure
  start_listener l -u "$url" "${client[@]}" -n 1 -o '%t %d'
  event-fire -u "$url" "${client[@]}" nats/tls n=1
  wait_for_lines "$T/l.out" 1
  assert_equal "$(cat "$T/l.out")" 'nats/tls {"n":"1"}'
  run event-fire -u "$url" --cacertdir "$T" t
  assert_failure 2
}
