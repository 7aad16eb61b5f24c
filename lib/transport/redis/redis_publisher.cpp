// Publishing to Redis: PUBLISH tag data (Pub/Sub), XADD of the whole
// envelope (Streams), pipelined. Through Sentinels (?sentinel=NAME) the
// publisher follows a failover: what the lost master had not confirmed is
// sent again, whole, to the new one (at least once: an entry the old master
// took before it died may arrive twice, with the same envelope id).
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <deque>

#include "core/clock.h"
#include "core/log.h"
#include "core/signals.h"
#include "core/trace_context.h"
#include "transport/redis/redis.h"
#include "transport/redis/redis_connection.h"
#include "transport/redis/resp.h"
#include "transport/redis/sentinel.h"

namespace evt {

namespace {

// How long a publisher through Sentinels looks for a master after a loss
// when --timeout is not given: a failover takes Sentinel seconds.
constexpr double default_failover_timeout = 30;

// Commands are written as they come and their replies read back with a
// bounded number in flight, so a stream pays no round trip per event.
class PipelinePublisher : public Publisher {
 public:
  PipelinePublisher(const Endpoint& ep, const TransportOptions& o)
      : ep_(ep), options_(o), conn_(std::make_unique<RedisConnection>(ep, o)), follow_(!ep.sentinel.master.empty()) {}

  void publish(const Event& event) override {
    command_.clear();
    encode(command_, event);
    out_ += command_;
    if (follow_) unconfirmed_.push_back(command_);
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
      report(std::to_string(refused_) + " of " + std::to_string(total_) + " events refused by " + conn_->name() + ": " +
             first_refusal_);
      return Exit::failed;
    }
    return Exit::ok;
  }

  size_t unheard() const override { return unheard_; }

 protected:
  virtual void encode(std::string& out, const Event& event) = 0;
  RedisConnection& connection() { return *conn_; }

 private:
  static constexpr size_t max_in_flight = 100000;

  std::string not_confirmed() const {
    return std::to_string(total_ - confirmed_) + " of " + std::to_string(total_) + " events not confirmed published";
  }

  // Says how much was lost when the connection goes; through Sentinels,
  // finds the master again and sends it what was not confirmed.
  template <typename F>
  void guard(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      if (e.code() != Exit::unreachable) throw;
      if (!follow_) throw unreachable(std::string(e.what()) + ": " + not_confirmed());
      follow_failover(e.what());
    }
  }

  // Connects to the master the Sentinels name, trying until the failover
  // timeout, then sends every unconfirmed command again.
  void follow_failover(const std::string& why) {
    report(why + "; asking the Sentinels for the master");
    double window = options_.timeout_set ? options_.timeout : default_failover_timeout;
    Clock::time_point deadline = Clock::now() + seconds_duration(window);
    TransportOptions attempt = options_;
    attempt.timeout = std::min(options_.timeout, 5.0);  // one try; the window bounds them all
    for (;;) {
      try {
        conn_.reset();
        conn_ = std::make_unique<RedisConnection>(ep_, attempt);
        break;
      } catch (const Error& e) {
        if (e.code() != Exit::unreachable) throw;
        if (stop_requested() || ms_until(deadline) == 0)
          throw unreachable(std::string(e.what()) + ": no master within " + std::to_string(static_cast<int>(window)) +
                            " s: " + not_confirmed());
        ::poll(nullptr, 0, 200);
      }
    }
    report("sending " + std::to_string(unconfirmed_.size()) + " unconfirmed event(s) again to " + conn_->name());
    out_.clear();
    for (const std::string& c : unconfirmed_) out_ += c;
    guard([&] { conn_->send(out_); });
    out_.clear();
    sent_ = total_;
  }

  void send_queued() {
    if (out_.empty()) return;
    guard([&] { conn_->send(out_); });
    sent_ = total_;
    out_.clear();
  }

  void count(const Reply& r) {
    // A master turned replica refuses writes: through Sentinels, the sign to look again.
    if (follow_ && r->type == REDIS_REPLY_ERROR && reply_text(r.get()).rfind("READONLY", 0) == 0)
      throw unreachable(conn_->name() + ": " + reply_text(r.get()));
    if (r->type == REDIS_REPLY_ERROR) refuse_cluster(conn_->name(), reply_text(r.get()));
    ++confirmed_;
    if (follow_) unconfirmed_.pop_front();
    if (r->type == REDIS_REPLY_ERROR && refused_++ == 0) first_refusal_ = reply_text(r.get());
    // PUBLISH answers with the number of subscribers that got the message
    // (XADD with the entry's id, a string): 0 is an event nobody heard.
    if (r->type == REDIS_REPLY_INTEGER && r->integer == 0) ++unheard_;
  }

  void take_replies() {
    while (Reply r = conn_->next_reply()) count(r);
  }

  // Takes the replies that arrived; with block, waits (up to the timeout) for one more.
  void read_replies(bool block) {
    guard([&] {
      take_replies();
      if (block && confirmed_ < sent_) {
        count(conn_->wait_reply());
        take_replies();
      } else {
        while (confirmed_ < sent_ && conn_->receive(0)) take_replies();
      }
    });
  }

  Endpoint ep_;
  TransportOptions options_;
  std::unique_ptr<RedisConnection> conn_;
  bool follow_;                          // through Sentinels: follow a failover
  std::deque<std::string> unconfirmed_;  // with follow_: each command sent but not confirmed, in order
  std::string out_, command_;
  size_t total_ = 0, sent_ = 0, confirmed_ = 0, refused_ = 0, unheard_ = 0;
  std::string first_refusal_;
};

class PubSubPublisher : public PipelinePublisher {
 public:
  PubSubPublisher(const Endpoint& ep, const TransportOptions& o) : PipelinePublisher(ep, o) {
    // A replica takes PUBLISH, but only its own subscribers hear it (as a
    // NethServer 8 worker's local Redis): worth a word.
    ServerRole role = server_role(connection());
    if (role.role == "slave")
      report("warning: " + ep.display() + " is a replica" + (role.master_address.empty() ? "" : " of " + role.master_address) +
             ": only its own subscribers will see these events (publish on the master to reach all)");
  }

 protected:
  void encode(std::string& out, const Event& e) override { append_resp(out, {"PUBLISH", e.tag, e.data.text()}); }
};

class StreamPublisher : public PipelinePublisher {
 public:
  StreamPublisher(const Endpoint& ep, const TransportOptions& o)
      : PipelinePublisher(ep, o), key_(ep.key), maxlen_(std::to_string(ep.stream.maxlen)), maxage_(ep.stream.maxage) {
    require_master(connection(), ep);
  }

 protected:
  // The entry's fields: tag, envelope, and the trace context again as
  // fields of its own, for readers that do not parse the envelope.
  void encode(std::string& out, const Event& e) override {
    envelope_.clear();
    append_envelope(envelope_, e);
    std::string oldest = maxage_ > 0 ? min_id() : std::string();
    args_.assign({"XADD", key_});
    if (maxage_ > 0) args_.insert(args_.end(), {"MINID", "~", oldest});
    else if (maxlen_ != "0") args_.insert(args_.end(), {"MAXLEN", "~", maxlen_});
    args_.insert(args_.end(), {"*", "tag", e.tag, "envelope", envelope_});
    trace_ = trace_context_of(e);
    if (!trace_.empty()) args_.insert(args_.end(), {"traceparent", trace_.traceparent});
    if (!trace_.tracestate.empty()) args_.insert(args_.end(), {"tracestate", trace_.tracestate});
    append_resp(out, args_);
  }

 private:
  // maxage=: the oldest id kept, from the wall clock (a stream id's first
  // part is the server's time in ms).
  std::string min_id() const {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
    long long oldest = now.count() - static_cast<long long>(maxage_ * 1000);
    return std::to_string(std::max(0LL, oldest)) + "-0";
  }

  std::string key_, maxlen_, envelope_;
  std::vector<std::string_view> args_;
  TraceContext trace_;
  double maxage_;
};

}  // namespace

std::unique_ptr<Publisher> open_redis_publisher(const Endpoint& ep, const TransportOptions& o) {
  if (ep.scheme == Scheme::redis_stream) return std::make_unique<StreamPublisher>(ep, o);
  return std::make_unique<PubSubPublisher>(ep, o);
}

}  // namespace evt
