# What Sentinel says of a cluster, for tests/redis_sentinel.bats and
# tests/bench/redis_failover.sh (both set NAME, the master's name).

# replica_flags SENTINEL_PORT PORT: the flags Sentinel gives the replica on PORT ("slave" when up).
replica_flags() {
  redis-cli -p "$1" SENTINEL replicas "$NAME" |
    awk -v want="127.0.0.1:$2" 'prev == "name" { cur = $0 } prev == "flags" && cur == want { print } { prev = $0 }'
}
