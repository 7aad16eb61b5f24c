// The minimal nats.c baseline of tests/bench/nats.sh: the same messages as
// event-fire sends (data as payload, ce-* headers), with nothing around them.
//   nats-peer send URL N              publish N messages on bench.tick, then flush
//   nats-peer recv URL N READY        subscribe to bench.>, touch READY, print one line per message until N
//   nats-peer js-send URL N STREAM    publish N on STREAM.tick to JetStream asynchronously (a Nats-Msg-Id each), wait for every ack
//   nats-peer js-recv URL N READY STREAM GROUP
//                                     pull from the durable consumer GROUP (made by the caller), ack each, until N
#include <nats/nats.h>

#include <cstdio>
#include <cstdlib>
#include <string>

static void check(natsStatus s, const char* what) {
  if (s == NATS_OK) return;
  std::fprintf(stderr, "nats-peer: %s: %s\n", what, natsStatus_GetText(s));
  std::exit(1);
}

static natsMsg* message(long i, const char* subject = "bench.tick") {
  std::string data = "{\"i\":" + std::to_string(i) + ",\"msg\":\"hello\"}";
  natsMsg* m = nullptr;
  check(natsMsg_Create(&m, subject, nullptr, data.data(), static_cast<int>(data.size())), "natsMsg_Create");
  natsMsgHeader_Set(m, "ce-specversion", "1.0");
  natsMsgHeader_Set(m, "ce-type", "bench/tick");
  natsMsgHeader_Set(m, "ce-id", "01JBENCH0000000000000000000");
  natsMsgHeader_Set(m, "ce-time", "2025-11-22T05:23:20.123456Z");
  natsMsgHeader_Set(m, "ce-source", "bench");
  return m;
}

static void print(natsMsg* m) {
  std::fwrite(natsMsg_GetData(m), 1, static_cast<size_t>(natsMsg_GetDataLength(m)), stdout);
  std::fputc('\n', stdout);
}

static void send(natsConnection* nc, long n) {
  for (long i = 1; i <= n; ++i) {
    natsMsg* m = message(i);
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
    print(m);
    natsMsg_Destroy(m);
  }
  natsSubscription_Destroy(sub);
}

static void js_send(natsConnection* nc, long n, const char* stream) {
  jsCtx* js = nullptr;
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = 4096;
  check(natsConnection_JetStream(&js, nc, &jo), "jetstream");
  std::string subject = std::string(stream) + ".tick";  // the stream's own subject, STREAM.>
  for (long i = 1; i <= n; ++i) {
    natsMsg* m = message(i, subject.c_str());
    std::string id = "bench-" + std::to_string(i);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = id.c_str();
    check(js_PublishMsgAsync(js, &m, &po), "publish");
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = 60000;
  check(js_PublishAsyncComplete(js, &po), "acks");
  jsCtx_Destroy(js);
}

static void js_recv(natsConnection* nc, long n, const char* ready, const char* stream, const char* group) {
  jsCtx* js = nullptr;
  check(natsConnection_JetStream(&js, nc, nullptr), "jetstream");
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream;
  so.Consumer = group;
  natsSubscription* sub = nullptr;
  check(js_PullSubscribe(&sub, js, nullptr, group, nullptr, &so, nullptr), "pull subscribe");
  if (FILE* f = std::fopen(ready, "w")) std::fclose(f);
  for (long got = 0; got < n;) {
    natsMsgList list{};
    natsStatus s = natsSubscription_Fetch(&list, sub, 256, 10000, nullptr);
    if (s != NATS_OK) break;
    for (int i = 0; i < list.Count; ++i, ++got) {
      print(list.Msgs[i]);
      natsMsg_Ack(list.Msgs[i], nullptr);
    }
    natsMsgList_Destroy(&list);
  }
  natsConnection_FlushTimeout(nc, 5000);
  natsSubscription_Destroy(sub);
  jsCtx_Destroy(js);
}

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  natsConnection* nc = nullptr;
  check(natsConnection_ConnectTo(&nc, argv[2]), "connect");
  long n = std::atol(argv[3]);
  std::string mode = argv[1];
  if (mode == "send") send(nc, n);
  else if (mode == "recv") recv(nc, n, argc > 4 ? argv[4] : "/dev/null");
  else if (mode == "js-send" && argc > 4) js_send(nc, n, argv[4]);
  else if (mode == "js-recv" && argc > 6) js_recv(nc, n, argv[4], argv[5], argv[6]);
  else return 2;
  natsConnection_Destroy(nc);
  return 0;
}
