// nats+js:// history (--since, --from-id): an ordered consumer of the
// stream, ephemeral and unacknowledged, that starts at a time or a stream
// sequence, as redis+stream's history reader starts at a time or an entry
// id. No durable consumer is created or moved, so a group's place is
// untouched; with -e the reader ends once it has caught up with what the
// stream held when it opened.
#include <algorithm>
#include <chrono>

#include "transport/nats/nats_jetstream.h"
#include "transport/nats/nats_message.h"

namespace evt {

namespace {

constexpr int64_t ns_per_s = 1000000000;

class JsHistorySubscriber : public Subscriber {
 public:
  explicit JsHistorySubscriber(const NatsRequest& r) : conn_(r), node_(r.node), exit_at_end_(r.history.exit_at_end) {
    js_ = reader_context(conn_, r);
    subscribe(r);
    if (exit_at_end_) ended_ = nothing_pending(r);
  }

  bool receive(std::vector<Message>& out, int timeout_ms) override {
    if (ended_) return false;
    int64_t wait = timeout_ms < 0 ? 1000 : std::clamp(timeout_ms, 1, 1000);
    for (size_t taken = 0; taken < std::min<size_t>(256, batch_limit_) && !ended_; ++taken) {
      natsMsg* raw = nullptr;
      natsStatus s = natsSubscription_NextMsg(&raw, sub_.get(), taken == 0 ? wait : 0);
      if (s == NATS_TIMEOUT) break;
      if (s != NATS_OK) {
        if (conn_.closed() || s == NATS_CONNECTION_CLOSED) throw unreachable(conn_.name() + ": lost the server");
        break;
      }
      take(NatsMsgPtr(raw), out);
    }
    return !ended_ || !out.empty();
  }

 private:
  // The ordered consumer: from the time or sequence asked, over the whole
  // stream (a filter outside the stream's subjects is an error to the
  // server, where it is nothing to read to us): the tool matches the tags.
  void subscribe(const NatsRequest& r) {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = r.stream.c_str();
    so.Ordered = true;
    if (!r.history.from_id.empty()) {
      so.Config.DeliverPolicy = js_DeliverByStartSequence;
      so.Config.OptStartSeq = std::stoull(r.history.from_id);
    } else {
      so.Config.DeliverPolicy = js_DeliverByStartTime;
      so.Config.OptStartTime = static_cast<int64_t>(r.history.since * ns_per_s);
    }
    natsSubscription* raw = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    natsStatus s = js_SubscribeSync(&raw, js_.get(), ">", nullptr, &so, &err);
    if (s != NATS_OK) throw unreachable(r.name + ": reading the history of " + r.stream + ": " + nats_text(s));
    sub_.reset(raw);
  }

  // Whether the consumer starts with nothing to deliver (-e ends at once):
  // nothing pending and nothing handed out yet (what was is on its way, and
  // its metadata will say when the last one came).
  bool nothing_pending(const NatsRequest& r) {
    jsConsumerInfo* ci = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    natsStatus s = natsSubscription_GetConsumerInfo(&ci, sub_.get(), nullptr, &err);
    if (s != NATS_OK) throw unreachable(r.name + ": consumer info: " + nats_text(s));
    bool none = ci->NumPending == 0 && ci->Delivered.Consumer == 0;
    jsConsumerInfo_Destroy(ci);
    return none;
  }

  void take(NatsMsgPtr msg, std::vector<Message>& out) {
    natsMsg* raw = msg.get();
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, raw) != NATS_OK) return;  // a status, not a stream message
    std::string cursor = std::to_string(meta->Sequence.Stream);
    if (exit_at_end_ && meta->NumPending == 0) ended_ = true;  // the last one the stream held
    jsMsgMetaData_Destroy(meta);
    try {
      Message m = message_of(raw, node_);
      m.cursor = cursor;
      out.push_back(std::move(m));
    } catch (const Error& e) {
      ++invalid_;
      nats_host::report(conn_.name() + ": skipped a malformed message (stream sequence " + cursor + "): " + e.what());
    }
  }

  NatsConnection conn_;
  std::string node_;
  bool exit_at_end_;
  bool ended_ = false;
  JsCtxPtr js_;
  NatsSubPtr sub_;
};

}  // namespace

Subscriber* new_js_history_subscriber(const NatsRequest& r) { return new JsHistorySubscriber(r); }

}  // namespace evt
