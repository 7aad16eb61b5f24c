#!/usr/bin/env bash
# `make bench`: every benchmark, one after the other.
set -u
cd "$(dirname "$0")"
status=0
for bench in local.sh metrics.sh redis.sh redis_tls.sh redis_failover.sh zmq.sh nats.sh salt.sh handle.sh kill9.sh webhooks.sh http.sh; do
  [ -x "$bench" ] || continue
  echo "== $bench"
  ./"$bench" || status=1
done
exit $status
