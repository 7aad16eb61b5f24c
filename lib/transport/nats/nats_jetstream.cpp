// nats+js:// listening: a pull subscription on the durable consumer named
// by ?group= (created when absent: explicit ack, deliver all, AckWait from
// claim=), each event acknowledged once delivered() (printed, handled,
// spooled), in progress while still_working(), as redis+stream's group.
// Unacknowledged events come back after AckWait to any member of the group.
#include <algorithm>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "transport/nats/nats_jetstream.h"
#include "transport/nats/nats_message.h"

namespace evt {

namespace {

constexpr int64_t ns_per_s = 1000000000;

bool not_found(natsStatus s, jsErrCode e) {
  return s == NATS_NOT_FOUND || e == JSStreamNotFoundErr || e == JSConsumerNotFoundErr;
}

void create_stream(jsCtx* js, const NatsRequest& r) {
  std::vector<const char*> subjects;
  for (const auto& s : r.stream_subjects) subjects.push_back(s.c_str());
  if (subjects.empty()) throw usage_error(r.name + ": ?create=1 needs the stream's subjects (&subjects=A.>,B.>)");
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = r.stream.c_str();
  cfg.Subjects = subjects.data();
  cfg.SubjectsLen = static_cast<int>(subjects.size());
  cfg.Replicas = r.replicas;
  cfg.MaxAge = static_cast<int64_t>(r.max_age * ns_per_s);
  jsStreamInfo* si = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&si, js, &cfg, nullptr, &err);
  if (si != nullptr) jsStreamInfo_Destroy(si);
  if (s == NATS_OK || err == JSStreamNameExistErr) return;  // or another tool made it meanwhile
  throw usage_error(r.name + ": cannot create stream " + r.stream + ": " + nats_text(s));
}

}  // namespace

void ensure_stream(jsCtx* js, const NatsRequest& r) {
  jsStreamInfo* si = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js, r.stream.c_str(), nullptr, &err);
  if (si != nullptr) jsStreamInfo_Destroy(si);
  if (s == NATS_OK) return;
  if (!not_found(s, err)) throw unreachable(r.name + ": JetStream: " + nats_text(s));
  if (!r.create) throw usage_error(r.name + ": no stream " + r.stream + " (made by the admin, or add ?create=1&subjects=...)");
  create_stream(js, r);
}

JsCtxPtr reader_context(NatsConnection& conn, const NatsRequest& r) {
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = std::max<int64_t>(1000, static_cast<int64_t>(r.timeout * 1000));
  JsCtxPtr js = conn.jetstream(&jo);
  ensure_stream(js.get(), r);
  return js;
}

namespace {

class JsSubscriber : public Subscriber {
 public:
  explicit JsSubscriber(const NatsRequest& r)
      : conn_(r), node_(r.node), refresh_every_(std::max<int64_t>(50, static_cast<int64_t>(r.ack_wait * 1000 / 3))) {
    if (r.group.empty()) throw usage_error(r.name + ": a stream listener needs ?group=NAME");
    js_ = reader_context(conn_, r);
    ensure_consumer(r);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = r.stream.c_str();
    so.Consumer = r.group.c_str();
    natsSubscription* raw = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    natsStatus s = js_PullSubscribe(&raw, js_.get(), nullptr, r.group.c_str(), nullptr, &so, &err);
    if (s != NATS_OK) throw unreachable(r.name + ": consumer " + r.group + ": " + nats_text(s));
    sub_.reset(raw);
  }

  ~JsSubscriber() override {
    // What was fetched and not dealt with goes back now, not after AckWait;
    // the acks still buffered go out before the connection closes.
    for (auto& [cursor, msg] : held_) natsMsg_Nak(msg.get(), nullptr);
    natsConnection_FlushTimeout(conn_.get(), 2000);
  }

  bool holds_unacknowledged() const override { return true; }
  bool redelivers() const override { return true; }

  bool receive(std::vector<Message>& out, int timeout_ms) override {
    int batch = static_cast<int>(std::min<size_t>(256, batch_limit_));
    int64_t wait = timeout_ms < 0 ? 1000 : std::clamp(timeout_ms, 1, 1000);
    if (batch == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
      return true;
    }
    natsMsgList list{};
    jsErrCode err = static_cast<jsErrCode>(0);
    natsStatus s = natsSubscription_Fetch(&list, sub_.get(), batch, wait, &err);
    if (s == NATS_OK) {
      if (trouble_) nats_host::report(conn_.name() + ": fetching again");
      trouble_ = false;
      for (int i = 0; i < list.Count; ++i) {
        take(list.Msgs[i], out);
        list.Msgs[i] = nullptr;
      }
    } else if (s != NATS_TIMEOUT) {
      outage(s);
    }
    natsMsgList_Destroy(&list);
    return true;
  }

  void delivered(const Message& m) override {
    auto it = held_.find(m.cursor);
    if (it == held_.end()) return;
    natsMsg_Ack(it->second.get(), nullptr);  // a lost ack only means the event comes again
    held_.erase(it);
  }

  int still_working(const std::vector<const Message*>& running) override {
    auto now = Clock::now();
    if (now >= refresh_due_) {
      refresh_due_ = now + refresh_every_;
      // +WPI: AckWait starts again, so the event is not handed to another.
      for (const Message* m : running)
        if (auto it = held_.find(m->cursor); it != held_.end()) natsMsg_InProgress(it->second.get(), nullptr);
    }
    return static_cast<int>(ms_to_reach(refresh_due_, now));
  }

 private:
  void ensure_consumer(const NatsRequest& r) {
    jsConsumerInfo* ci = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    natsStatus s = js_GetConsumerInfo(&ci, js_.get(), r.stream.c_str(), r.group.c_str(), nullptr, &err);
    if (ci != nullptr) jsConsumerInfo_Destroy(ci);
    if (s == NATS_OK) return;
    if (!not_found(s, err)) throw unreachable(r.name + ": consumer " + r.group + ": " + nats_text(s));
    jsConsumerConfig cfg;
    jsConsumerConfig_Init(&cfg);
    cfg.Durable = r.group.c_str();
    cfg.AckPolicy = js_AckExplicit;
    cfg.DeliverPolicy = js_DeliverAll;
    cfg.AckWait = static_cast<int64_t>(r.ack_wait * ns_per_s);
    cfg.MaxAckPending = 20000;
    // One filter where the patterns allow one; the exact match runs in the tool.
    if (r.filters.size() == 1 && r.filters[0] != ">") cfg.FilterSubject = r.filters[0].c_str();
    s = js_AddConsumer(&ci, js_.get(), r.stream.c_str(), &cfg, nullptr, &err);
    if (ci != nullptr) jsConsumerInfo_Destroy(ci);
    if (s != NATS_OK && err != JSConsumerNameExistErr && err != JSConsumerExistingActiveErr)
      throw unreachable(r.name + ": cannot create consumer " + r.group + ": " + nats_text(s));
  }

  void take(natsMsg* raw, std::vector<Message>& out) {
    NatsMsgPtr msg(raw);
    jsMsgMetaData* meta = nullptr;
    std::string cursor;
    int deliveries = 1;
    if (natsMsg_GetMetaData(&meta, raw) == NATS_OK) {
      cursor = std::to_string(meta->Sequence.Stream);
      deliveries = static_cast<int>(std::clamp<uint64_t>(meta->NumDelivered, 1, 1 << 30));
      jsMsgMetaData_Destroy(meta);
    }
    if (cursor.empty()) return;  // not a stream message (a status); nothing to ack
    try {
      Message m = message_of(raw, node_);
      m.cursor = cursor;
      m.deliveries = deliveries;             // event-handle's EVENT_ATTEMPT after a redelivery
      bool again = held_.count(cursor) > 0;  // redelivered while still ours: not twice
      held_[cursor] = std::move(msg);
      if (!again) out.push_back(std::move(m));
    } catch (const Error& e) {
      ++invalid_;
      nats_host::report(conn_.name() + ": skipped a malformed message (stream sequence " + cursor + "): " + e.what());
      natsMsg_Term(raw, nullptr);  // never to come again
    }
  }

  void outage(natsStatus s) {
    if (conn_.closed() || s == NATS_CONNECTION_CLOSED) throw unreachable(conn_.name() + ": lost the server");
    if (!trouble_) nats_host::report(conn_.name() + ": cannot fetch (" + nats_text(s) + "); trying again");
    trouble_ = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  NatsConnection conn_;
  std::string node_;
  JsCtxPtr js_;
  NatsSubPtr sub_;
  std::map<std::string, NatsMsgPtr> held_;  // fetched, not yet acknowledged, by stream sequence
  std::chrono::milliseconds refresh_every_;
  Clock::time_point refresh_due_ = Clock::now();
  bool trouble_ = false;
};

}  // namespace

Subscriber* new_js_subscriber(const NatsRequest& r) { return new JsSubscriber(r); }

}  // namespace evt
