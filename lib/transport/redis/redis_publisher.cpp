// Publishing to Redis: PUBLISH tag data (Pub/Sub), XADD of the whole
// envelope (Streams), pipelined. Through Sentinels (?sentinel=NAME) the
// publisher follows a failover: what the lost master had not confirmed is
// sent again, whole, to the new one (at least once: an entry the old master
// took before it died may arrive twice, with the same envelope id). With
// wait=N an entry is confirmed only once N replicas have it (WAIT), so an
// entry the dying master took but never passed on is sent again too.
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/signals.h"
#include "core/text.h"
#include "core/trace_context.h"
#include "transport/redis/redis.h"
#include "transport/redis/redis_connection.h"
#include "transport/redis/resp.h"
#include "transport/redis/sentinel.h"

namespace evt {

namespace {

// How long a publisher through Sentinels looks for a master after a loss,
// and waits for replicas (wait=), when --timeout is not given: a failover
// takes Sentinel seconds.
constexpr double default_failover_timeout = 30;

// Commands are written as they come and their replies read back with a
// bounded number in flight, so a stream pays no round trip per event. With
// wait=N (streams) a WAIT N follows the entries written, one out at a time,
// and an entry counts as sent once a WAIT after it says N replicas have it.
class PipelinePublisher : public Publisher {
 public:
  PipelinePublisher(const Endpoint& ep, const TransportOptions& o)
      : ep_(ep), options_(o), conn_(std::make_unique<RedisConnection>(ep, o)), follow_(!ep.sentinel.master.empty()),
        wait_(ep.stream.wait) {}

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
    while (confirmed_ < total_ && (awaiting_reply() || wait_due())) read_replies(true);
    Exit status = Exit::ok;
    if (refused_ > 0) {
      report(std::to_string(refused_) + " of " + std::to_string(total_) + " events refused by " + conn_->name() + ": " +
             first_refusal_);
      status = Exit::failed;
    }
    if (unreplicated_ > 0) {
      report(std::to_string(unreplicated_) + " of " + std::to_string(total_) + " events not confirmed on " +
             std::to_string(wait_) + " replica(s) of " + conn_->name() + " within " + seconds_text(confirm_window()) +
             " s (wait=" + std::to_string(wait_) + ": WAIT answered " + std::to_string(replicas_seen_) + ")");
      status = Exit::failed;
    }
    return status;
  }

  size_t unheard() const override { return unheard_; }

 protected:
  virtual void encode(std::string& out, const Event& event) = 0;
  RedisConnection& connection() { return *conn_; }

 private:
  static constexpr size_t max_in_flight = 100000;

  // Entries written together, up to end (an index), and when waiting for
  // their replicas ends: the deadline of each, with wait=.
  struct Batch {
    size_t end;
    Clock::time_point deadline;
  };

  std::string not_confirmed() const {
    return std::to_string(total_ - confirmed_) + " of " + std::to_string(total_) + " events not confirmed published";
  }

  // --timeout; through Sentinels 30 s unless given: how long a failover may
  // take, and how long entries may wait for their replicas.
  double confirm_window() const { return options_.timeout_set || !follow_ ? options_.timeout : default_failover_timeout; }

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

  // Connects to the master the Sentinels name and sends it every
  // unconfirmed command again, trying until one deadline. The deadline
  // holds across losses until an entry is confirmed or a new one comes (a
  // line after a quiet stdin is new work): a master that takes the
  // connection but never confirms (paused, or wedged) earns no new window
  // at each reconnection.
  void follow_failover(const std::string& why) {
    report(why + "; asking the Sentinels for the master");
    double window = confirm_window();
    if (confirmed_ != failover_confirmed_ || total_ != failover_total_) {
      failover_deadline_ = Clock::now() + seconds_duration(window);
      failover_confirmed_ = confirmed_;
      failover_total_ = total_;
    }
    TransportOptions attempt = options_;
    attempt.timeout = std::min(options_.timeout, 5.0);  // one try; the window bounds them all
    std::string last = why;
    for (;;) {
      if (stop_requested() || ms_until(failover_deadline_) == 0)
        throw unreachable(last + ": no master within " + seconds_text(window) + " s: " + not_confirmed());
      try {
        conn_.reset();
        conn_ = std::make_unique<RedisConnection>(ep_, attempt);
        send_again();
        return;
      } catch (const Error& e) {
        if (e.code() != Exit::unreachable) throw;
        last = e.what();
        ::poll(nullptr, 0, static_cast<int>(std::min<long long>(200, ms_to_reach(failover_deadline_))));
      }
    }
  }

  // On a new connection: every unconfirmed command, in order (and a WAIT
  // for them all, with a new deadline: the new master's replicas need time
  // to follow it).
  void send_again() {
    report("sending " + std::to_string(unconfirmed_.size()) + " unconfirmed event(s) again to " + conn_->name());
    wait_sent_ = false;
    replied_ = confirmed_;
    batches_.clear();
    out_.clear();
    for (const std::string& c : unconfirmed_) out_ += c;
    sent_ = confirmed_;
    add_batch_and_wait();
    sent_ = total_;
    if (!out_.empty()) conn_->send(out_);
    out_.clear();
  }

  // With wait=: the entries in out_ are a batch; a WAIT for everything so
  // far follows them unless one is out (its reply makes the next one due).
  void add_batch_and_wait() {
    if (wait_ == 0) return;
    if (total_ > sent_) batches_.push_back({total_, Clock::now() + seconds_duration(confirm_window())});
    if (wait_sent_ || confirmed_ == total_) return;
    long long ms = std::clamp<long long>(ms_until(batches_.front().deadline), 1, ep_.stream.wait_ms);
    append_resp(out_, {"WAIT", std::to_string(wait_), std::to_string(ms)});
    wait_sent_ = true;
    wait_covers_ = total_;
  }

  static bool no_longer_master(const std::string& text) {
    return text.rfind("READONLY", 0) == 0 || text.rfind("UNBLOCKED", 0) == 0 ||
           text.rfind("ERR WAIT cannot be used with replica", 0) == 0;
  }

  bool wait_due() const { return wait_ > 0 && !wait_sent_ && confirmed_ < total_; }

  void send_queued() {
    if (out_.empty() && !wait_due()) return;
    add_batch_and_wait();
    guard([&] { conn_->send(out_); });
    sent_ = total_;
    out_.clear();
  }

  // The first upto entries are sent (or given up).
  void confirm(size_t upto) {
    for (; confirmed_ < upto; ++confirmed_)
      if (follow_) unconfirmed_.pop_front();
    while (!batches_.empty() && batches_.front().end <= confirmed_) batches_.pop_front();
  }

  void count(const Reply& r) {
    // A master turned replica refuses writes (READONLY), unblocks a WAIT
    // (UNBLOCKED) or refuses one: through Sentinels, the sign to look again.
    if (follow_ && r->type == REDIS_REPLY_ERROR && no_longer_master(reply_text(r.get())))
      throw unreachable(conn_->name() + ": " + reply_text(r.get()));
    if (r->type == REDIS_REPLY_ERROR) refuse_cluster(conn_->name(), reply_text(r.get()));
    if (wait_sent_ && replied_ == wait_covers_) return count_wait(r);
    ++replied_;
    if (wait_ == 0) confirm(replied_);
    if (r->type == REDIS_REPLY_ERROR && refused_++ == 0) first_refusal_ = reply_text(r.get());
    // PUBLISH answers with the number of subscribers that got the message
    // (XADD with the entry's id, a string): 0 is an event nobody heard.
    if (r->type == REDIS_REPLY_INTEGER && r->integer == 0) ++unheard_;
  }

  // WAIT's reply: how many replicas have every write before it. Short, the
  // batches past their deadline are given up; the next WAIT (for the rest,
  // and what was written since) is then due.
  void count_wait(const Reply& r) {
    wait_sent_ = false;
    if (r->type != REDIS_REPLY_INTEGER) throw failed(conn_->name() + ": WAIT: " + reply_text(r.get()));
    if (r->integer >= wait_) return confirm(wait_covers_);
    replicas_seen_ = r->integer;
    Clock::time_point now = Clock::now();
    size_t upto = confirmed_;
    for (const Batch& b : batches_)
      if (b.end <= wait_covers_ && (b.deadline <= now || stop_requested())) upto = b.end;
    unreplicated_ += upto - confirmed_;
    confirm(upto);
  }

  bool awaiting_reply() const { return replied_ < sent_ || wait_sent_; }

  void take_replies() {
    while (Reply r = conn_->next_reply()) count(r);
  }

  // Takes the replies that arrived; with block, waits (up to the timeout,
  // and a WAIT's time) for one more. Sends the next WAIT when one is due.
  void read_replies(bool block) {
    guard([&] {
      take_replies();
      if (block && awaiting_reply()) {
        count(conn_->wait_reply(wait_ > 0 ? seconds_to_ms(options_.timeout + ep_.stream.wait_ms / 1000.0) : -1));
        take_replies();
      } else {
        while (awaiting_reply() && conn_->receive(0)) take_replies();
      }
    });
    if (wait_due()) send_queued();
  }

  Endpoint ep_;
  TransportOptions options_;
  std::unique_ptr<RedisConnection> conn_;
  bool follow_;                          // through Sentinels: follow a failover
  long long wait_;                       // wait=N: the replicas an entry must reach; 0: the master's reply is enough
  std::deque<std::string> unconfirmed_;  // with follow_: each command not confirmed, in order
  std::deque<Batch> batches_;            // with wait=: those not confirmed, in order
  bool wait_sent_ = false;               // a WAIT is out; its reply comes after wait_covers_ entries' replies
  size_t wait_covers_ = 0;               // ...and confirms that many entries
  std::string out_, command_;
  // Entries published, written, answered by the master, confirmed (with
  // wait=, by replicas too, or given up), given up for want of replicas.
  size_t total_ = 0, sent_ = 0, replied_ = 0, confirmed_ = 0, unreplicated_ = 0;
  size_t refused_ = 0, unheard_ = 0;
  long long replicas_seen_ = 0;
  // With follow_: when following a failover must end, set when confirmed_
  // and total_ were these.
  Clock::time_point failover_deadline_;
  size_t failover_confirmed_ = SIZE_MAX, failover_total_ = 0;
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
