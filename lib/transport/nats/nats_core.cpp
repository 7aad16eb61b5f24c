// Core NATS in the plugin (nats://): publishing to the tag's subject, and
// subscribing (in a queue group with ?queue=). At most once, as Pub/Sub:
// what is published while no one subscribes is gone. Also the plugin's
// two exported factories.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "transport/nats/nats_connection.h"
#include "transport/nats/nats_jetstream.h"
#include "transport/nats/nats_message.h"

namespace evt {

namespace {

int64_t ms_of(double seconds) { return std::max<int64_t>(1, static_cast<int64_t>(seconds * 1000)); }

class CorePublisher : public Publisher {
 public:
  explicit CorePublisher(const NatsRequest& r) : conn_(r), timeout_ms_(ms_of(r.timeout)) {}

  void publish(const Event& e) override {
    to_nats(e, wire_);
    NatsMsgPtr msg = make_nats_msg(wire_);
    natsStatus s = natsConnection_PublishMsg(conn_.get(), msg.get());
    if (s == NATS_MAX_PAYLOAD) throw invalid_input("event '" + e.tag + "' is larger than the server's max_payload");
    if (s != NATS_OK) throw unreachable(conn_.name() + ": " + nats_text(s));
  }

  void flush() override {}  // libnats's own thread writes what is buffered

  Exit finish() override {
    natsStatus s = natsConnection_FlushTimeout(conn_.get(), timeout_ms_);
    if (s == NATS_OK) return Exit::ok;
    nats_host::report(conn_.name() + ": events may not have reached the server: " + nats_text(s));
    return Exit::unreachable;
  }

 private:
  NatsConnection conn_;
  int64_t timeout_ms_;
  NatsWire wire_;  // reused: its strings keep their room from event to event
};

class CoreSubscriber : public Subscriber {
 public:
  // One subject (the usual case) is read synchronously, in the caller's
  // thread: one hand-over less per message than a callback's queue.
  explicit CoreSubscriber(const NatsRequest& r) : conn_(r), node_(r.node), sync_(r.filters.size() == 1) {
    for (const auto& subject : r.filters) subscribe(r, subject);
    natsStatus s = natsConnection_FlushTimeout(conn_.get(), ms_of(r.timeout));
    if (s != NATS_OK) throw unreachable(conn_.name() + ": subscribing: " + nats_text(s));
  }

  // Drained, so libnats's thread is out of on_message before the queue goes.
  ~CoreSubscriber() override {
    if (sync_) return;  // no callback of ours runs
    for (auto& sub : subs_) natsSubscription_Drain(sub.get());
    for (auto& sub : subs_) natsSubscription_WaitForDrainCompletion(sub.get(), 2000);
  }

  bool receive(std::vector<Message>& out, int timeout_ms) override {
    if (sync_) return receive_sync(out, timeout_ms);
    auto until = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 1000 : timeout_ms);
    std::unique_lock<std::mutex> lock(mutex_);
    // A signal is seen within 100 ms.
    while (queue_.empty() && !nats_host::stop_requested() && !conn_.closed() && Clock::now() < until)
      arrived_.wait_for(lock, std::chrono::milliseconds(100));
    if (!queue_.empty() && queue_.size() < 64) {
      // A burst is under way: let a few more arrive than wake up for each (a
      // context switch per message halves the rate).
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::microseconds(100));
      lock.lock();
    }
    invalid_ += bad_;
    bad_ = 0;
    while (!queue_.empty() && out.size() < batch_limit_) {
      out.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (out.empty() && conn_.closed()) throw unreachable(conn_.name() + ": lost the server");
    return true;
  }

 private:
  bool receive_sync(std::vector<Message>& out, int timeout_ms) {
    auto until = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 1000 : timeout_ms);
    natsSubscription* sub = subs_.front().get();
    for (;;) {
      natsMsg* raw = nullptr;
      // A signal is seen within 100 ms.
      natsStatus s = natsSubscription_NextMsg(&raw, sub, 100);
      if (s == NATS_OK) {
        decode(NatsMsgPtr(raw), out);
        int pending = 0;
        if (natsSubscription_GetPending(sub, &pending, nullptr) == NATS_OK && pending < 64)
          std::this_thread::sleep_for(std::chrono::microseconds(100));  // as receive's: one wake-up per burst
        // What else is waiting, without waiting.
        while (out.size() < batch_limit_ && out.size() < 256 && natsSubscription_NextMsg(&raw, sub, 0) == NATS_OK)
          decode(NatsMsgPtr(raw), out);
        return true;
      }
      if (s == NATS_SLOW_CONSUMER) continue;  // said by the connection's error handler
      if (conn_.closed() || s == NATS_CONNECTION_CLOSED) throw unreachable(conn_.name() + ": lost the server");
      if (s != NATS_TIMEOUT) throw unreachable(conn_.name() + ": " + nats_text(s));
      if (nats_host::stop_requested() || Clock::now() >= until) return true;
    }
  }

  void decode(NatsMsgPtr msg, std::vector<Message>& out) {
    try {
      out.push_back(message_of(msg.get(), node_));
    } catch (const std::exception& e) {
      ++invalid_;
      nats_host::report(conn_.name() + ": skipped a malformed message on " + natsMsg_GetSubject(msg.get()) + ": " + e.what());
    }
  }

  void subscribe(const NatsRequest& r, const std::string& subject) {
    natsSubscription* raw = nullptr;
    const char* subj = subject.c_str();
    const char* queue = r.queue.empty() ? nullptr : r.queue.c_str();
    natsStatus s = sync_ ? (queue ? natsConnection_QueueSubscribeSync(&raw, conn_.get(), subj, queue) :
                                    natsConnection_SubscribeSync(&raw, conn_.get(), subj)) :
                           (queue ? natsConnection_QueueSubscribe(&raw, conn_.get(), subj, queue, on_message, this) :
                                    natsConnection_Subscribe(&raw, conn_.get(), subj, on_message, this));
    if (s != NATS_OK) throw unreachable(conn_.name() + ": subscribing to " + subject + ": " + nats_text(s));
    subs_.emplace_back(raw);
    // Room for bursts (the default, 65536 messages, drops in a busy second).
    natsSubscription_SetPendingLimits(raw, 1 << 20, 1 << 30);
  }

  // On libnats's delivery thread: catches everything.
  static void on_message(natsConnection*, natsSubscription*, natsMsg* raw, void* self) {
    NatsMsgPtr msg(raw);
    static_cast<CoreSubscriber*>(self)->take(msg.get());
  }

  void take(natsMsg* msg) {
    try {
      Message m = message_of(msg, node_);
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(m));
      // The reader waits only on an empty queue: one wake-up per burst, not per message.
      if (queue_.size() == 1) arrived_.notify_one();
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++bad_;
      nats_host::report(conn_.name() + ": skipped a malformed message on " + natsMsg_GetSubject(msg) + ": " + e.what());
    }
  }

  NatsConnection conn_;
  std::string node_;
  bool sync_;
  std::vector<NatsSubPtr> subs_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<Message> queue_;
  size_t bad_ = 0;
};

}  // namespace

}  // namespace evt

extern "C" __attribute__((visibility("default"))) evt::Publisher* evt_nats_open_publisher(const evt::NatsRequest* r) {
  evt::nats_host::set(r->host);
  if (r->jetstream) return evt::new_js_publisher(*r);
  return new evt::CorePublisher(*r);
}

extern "C" __attribute__((visibility("default"))) evt::Subscriber* evt_nats_open_subscriber(const evt::NatsRequest* r) {
  evt::nats_host::set(r->host);
  if (r->jetstream && r->history.wanted()) return evt::new_js_history_subscriber(*r);
  if (r->jetstream) return evt::new_js_subscriber(*r);
  return new evt::CoreSubscriber(*r);
}
