// The minimal nats.c baseline of tests/bench/nats.sh: the same messages as
// event-fire sends (data as payload, ce-* headers), with nothing around them.
//   nats-peer send URL N        publish N messages on bench.tick, then flush
//   nats-peer recv URL N READY  subscribe to bench.>, touch READY, print one line per message until N
#include <nats/nats.h>

#include <cstdio>
#include <cstdlib>
#include <string>

static void check(natsStatus s, const char* what) {
  if (s == NATS_OK) return;
  std::fprintf(stderr, "nats-peer: %s: %s\n", what, natsStatus_GetText(s));
  std::exit(1);
}

static void send(natsConnection* nc, long n) {
  for (long i = 1; i <= n; ++i) {
    std::string data = "{\"i\":" + std::to_string(i) + ",\"msg\":\"hello\"}";
    natsMsg* m = nullptr;
    check(natsMsg_Create(&m, "bench.tick", nullptr, data.data(), static_cast<int>(data.size())), "natsMsg_Create");
    natsMsgHeader_Set(m, "ce-specversion", "1.0");
    natsMsgHeader_Set(m, "ce-type", "bench/tick");
    natsMsgHeader_Set(m, "ce-id", "01JBENCH0000000000000000000");
    natsMsgHeader_Set(m, "ce-time", "2025-11-22T05:23:20.123456Z");
    natsMsgHeader_Set(m, "ce-source", "bench");
    check(natsConnection_PublishMsg(nc, m), "publish");
    natsMsg_Destroy(m);
  }
  check(natsConnection_FlushTimeout(nc, 60000), "flush");
}

static void recv(natsConnection* nc, long n, const char* ready) {
  natsSubscription* sub = nullptr;
  check(natsConnection_SubscribeSync(&sub, nc, "bench.>"), "subscribe");
  natsSubscription_SetPendingLimits(sub, 1 << 20, 1 << 30);
  check(natsConnection_Flush(nc), "flush");
  if (FILE* f = std::fopen(ready, "w")) std::fclose(f);
  for (long i = 0; i < n; ++i) {
    natsMsg* m = nullptr;
    if (natsSubscription_NextMsg(&m, sub, 10000) != NATS_OK) break;
    std::fwrite(natsMsg_GetData(m), 1, static_cast<size_t>(natsMsg_GetDataLength(m)), stdout);
    std::fputc('\n', stdout);
    natsMsg_Destroy(m);
  }
  natsSubscription_Destroy(sub);
}

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  natsConnection* nc = nullptr;
  check(natsConnection_ConnectTo(&nc, argv[2]), "connect");
  long n = std::atol(argv[3]);
  if (std::string(argv[1]) == "send") send(nc, n);
  else recv(nc, n, argc > 4 ? argv[4] : "/dev/null");
  natsConnection_Destroy(nc);
  return 0;
}
