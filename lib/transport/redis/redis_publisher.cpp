// Publishing to Redis: PUBLISH tag data (Pub/Sub), XADD of the whole
// envelope (Streams), pipelined.
#include "core/log.h"
#include "transport/redis/redis.h"
#include "transport/redis/redis_connection.h"
#include "transport/redis/resp.h"

namespace evt {

namespace {

// Commands are written as they come and their replies read back with a
// bounded number in flight, so a stream pays no round trip per event.
class PipelinePublisher : public Publisher {
 public:
  PipelinePublisher(const Endpoint& ep, const TransportOptions& o)
      : conn_(ep, o) {}

  void publish(const Event& event) override {
    encode(out_, event);
    ++total_;
    if (out_.size() >= (256u << 10)) send_queued();
    // Keep replies from piling up: a bounded number of unconfirmed commands.
    if (total_ - confirmed_ > max_in_flight) {
      send_queued();
      while (sent_ - confirmed_ > max_in_flight / 2) read_replies(true);
    }
  }

  void flush() override {
    send_queued();
    read_replies(false);
  }

  Exit finish() override {
    send_queued();
    while (confirmed_ < sent_) read_replies(true);
    if (refused_ > 0) {
      report(std::to_string(refused_) + " of " + std::to_string(total_) + " events refused by " + conn_.name() +
             ": " + first_refusal_);
      return Exit::failed;
    }
    return Exit::ok;
  }

  size_t unheard() const override { return unheard_; }

 protected:
  virtual void encode(std::string& out, const Event& event) = 0;

 private:
  static constexpr size_t max_in_flight = 100000;

  // Says how much was lost when the connection goes.
  template <typename F>
  void guard(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      if (e.code() != Exit::unreachable) throw;
      throw unreachable(std::string(e.what()) + ": " + std::to_string(total_ - confirmed_) + " of " +
                        std::to_string(total_) + " events not confirmed published");
    }
  }

  void send_queued() {
    if (out_.empty()) return;
    guard([&] { conn_.send(out_); });
    sent_ = total_;
    out_.clear();
  }

  void count(const Reply& r) {
    ++confirmed_;
    if (r->type == REDIS_REPLY_ERROR && refused_++ == 0) first_refusal_ = reply_text(r.get());
    // PUBLISH answers with the number of subscribers that got the message
    // (XADD with the entry's id, a string): 0 is an event nobody heard.
    if (r->type == REDIS_REPLY_INTEGER && r->integer == 0) ++unheard_;
  }

  void take_replies() {
    while (Reply r = conn_.next_reply()) count(r);
  }

  // Takes the replies that arrived; with block, waits (up to the timeout) for one more.
  void read_replies(bool block) {
    guard([&] {
      take_replies();
      if (block && confirmed_ < sent_) {
        count(conn_.wait_reply());
        take_replies();
      } else {
        while (confirmed_ < sent_ && conn_.receive(0)) take_replies();
      }
    });
  }

  RedisConnection conn_;
  std::string out_;
  size_t total_ = 0, sent_ = 0, confirmed_ = 0, refused_ = 0, unheard_ = 0;
  std::string first_refusal_;
};

class PubSubPublisher : public PipelinePublisher {
 public:
  using PipelinePublisher::PipelinePublisher;

 protected:
  void encode(std::string& out, const Event& e) override { append_resp(out, {"PUBLISH", e.tag, e.data.text()}); }
};

class StreamPublisher : public PipelinePublisher {
 public:
  StreamPublisher(const Endpoint& ep, const TransportOptions& o)
      : PipelinePublisher(ep, o), key_(ep.key), maxlen_(std::to_string(ep.stream.maxlen)) {}

 protected:
  void encode(std::string& out, const Event& e) override {
    envelope_.clear();
    append_envelope(envelope_, e);
    if (maxlen_ == "0") append_resp(out, {"XADD", key_, "*", "tag", e.tag, "envelope", envelope_});
    else append_resp(out, {"XADD", key_, "MAXLEN", "~", maxlen_, "*", "tag", e.tag, "envelope", envelope_});
  }

 private:
  std::string key_, maxlen_, envelope_;
};

}  // namespace

std::unique_ptr<Publisher> open_redis_publisher(const Endpoint& ep, const TransportOptions& o) {
  if (ep.scheme == Scheme::redis_stream) return std::make_unique<StreamPublisher>(ep, o);
  return std::make_unique<PubSubPublisher>(ep, o);
}

}  // namespace evt
