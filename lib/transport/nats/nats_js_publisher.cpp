// nats+js:// publishing: asynchronous, an event counted sent only once the
// stream acknowledged it (a quorum of its replicas has it). What a lost
// server or a leader election left unacknowledged (a timeout, no
// responders) is published again with the same Nats-Msg-Id, so the stream
// keeps it once, until --timeout (30 s by default) has passed since the
// end of input.
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "transport/nats/nats_jetstream.h"
#include "transport/nats/nats_message.h"

namespace evt {

namespace {

// How long one attempt waits for its ack, and before trying again.
constexpr int64_t attempt_wait_ms = 2000;
constexpr auto retry_pause = std::chrono::milliseconds(250);

class JsPublisher : public Publisher {
 public:
  explicit JsPublisher(const NatsRequest& r) : conn_(r), stream_(r.stream), timeout_(r.timeout) {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = std::max<int64_t>(1000, static_cast<int64_t>(r.timeout * 1000));
    jo.PublishAsync.MaxPending = 4096;
    jo.PublishAsync.AckHandler = on_ack;
    jo.PublishAsync.AckHandlerClosure = this;
    js_ = conn_.jetstream(&jo);
    ensure_stream(js_.get(), r);
  }

  ~JsPublisher() override {
    forget_pending();
    js_.reset();
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& retry : retries_) natsMsg_Destroy(retry.msg);
  }

  void publish(const Event& e) override {
    to_nats(e, wire_);
    NatsMsgPtr msg = make_nats_msg(wire_);
    send(msg.release(), e.id);
  }

  void flush() override { resend_due(); }

  Exit finish() override {
    auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_ * 1000));
    while (!nats_host::stop_requested()) {
      resend_due();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (outstanding_ == 0 && retries_.empty()) return Exit::ok;
      }
      if (Clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    size_t lost = outstanding_ + retries_.size();
    if (lost == 0) return Exit::ok;
    nats_host::report(conn_.name() + ": " + std::to_string(lost) + " events not acknowledged by stream " + stream_ + " within " +
                      std::to_string(static_cast<long>(timeout_)) + " s (" + last_error_ + ")");
    return Exit::unreachable;
  }

 private:
  // Takes back from libnats what still waits for an answer, so that no
  // on_ack can come for it once this publisher is gone.
  void forget_pending() {
    natsMsgList pending{};
    if (js_ && js_PublishAsyncGetPendingList(&pending, js_.get()) == NATS_OK) natsMsgList_Destroy(&pending);
  }

  struct Retry {
    natsMsg* msg;  // owned
    Clock::time_point due;
  };

  // Hands msg (owned) to libnats; kept for a retry when it is refused now.
  void send(natsMsg* msg, const std::string& id) {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = id.c_str();
    po.MaxWait = attempt_wait_ms;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++outstanding_;
    }
    natsStatus s = js_PublishMsgAsync(js_.get(), &msg, &po);
    if (s == NATS_OK) return;
    std::lock_guard<std::mutex> lock(mutex_);
    --outstanding_;
    last_error_ = nats_text(s);
    retries_.push_back({msg, Clock::now() + retry_pause});
  }

  void resend_due() {
    for (;;) {
      natsMsg* msg = nullptr;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (retries_.empty() || retries_.front().due > Clock::now()) return;
        msg = retries_.front().msg;
        retries_.pop_front();
      }
      const char* id = nullptr;
      natsMsgHeader_Get(msg, "Nats-Msg-Id", &id);
      send(msg, id != nullptr ? id : "");
    }
  }

  // On libnats's thread: the stream's answer, or the error of one attempt.
  static void on_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* self) {
    auto* p = static_cast<JsPublisher*>(self);
    std::lock_guard<std::mutex> lock(p->mutex_);
    --p->outstanding_;
    if (pa != nullptr || pae == nullptr) {
      natsMsg_Destroy(msg);
      return;
    }
    p->last_error_ = pae->ErrText != nullptr ? pae->ErrText : natsStatus_GetText(pae->Err);
    p->retries_.push_back({msg, Clock::now() + retry_pause});
  }

  NatsConnection conn_;
  std::string stream_;
  double timeout_;
  JsCtxPtr js_;
  NatsWire wire_;  // reused: its strings keep their room from event to event
  std::mutex mutex_;
  size_t outstanding_ = 0;     // handed to libnats, no answer yet
  std::deque<Retry> retries_;  // to publish again
  std::string last_error_ = "no answer";
};

}  // namespace

Publisher* new_js_publisher(const NatsRequest& r) { return new JsPublisher(r); }

}  // namespace evt
