// Listening on a Redis stream in a consumer group: XREADGROUP, XACK once a
// message is dealt with, our own pending entries first after a restart,
// XAUTOCLAIM of what other consumers left.
#include "core/clock.h"
#include "transport/redis/redis.h"
#include "transport/redis/redis_listener.h"
#include "transport/redis/sentinel.h"
#include "transport/redis/resp.h"
#include "transport/redis/stream_entry.h"
#include "core/signals.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace evt {

namespace {

// redis+stream://host/KEY?group=G: XREADGROUP in a consumer group, XACK
// once a message is dealt with (written out by event-listen, handled by
// event-handle). On start, and after a reconnection, it first re-reads its
// own pending entries (given to this consumer before a crash, never
// acknowledged), then claims entries other consumers left pending for
// longer than claim=SECS (default 60). An entry being worked on is never
// handed out twice, and its claim is kept fresh (still_working) so that no
// other consumer takes it while it runs.
class StreamListener : public RedisListenerBase {
 public:
  StreamListener(const Endpoint& ep, const TransportOptions& o) : RedisListenerBase(ep, o), key_(ep.key) {
    group_ = ep.stream.group;
    if (group_.empty()) throw usage_error(ep.display() + ": a stream listener needs ?group=NAME");
    consumer_ = ep.stream.consumer.empty() ? o.node : ep.stream.consumer;
    claim_ms_ = static_cast<long long>(ep.stream.claim * 1000);
    // Others' entries are looked for as often as they can become claimable
    // (at most every 30 s); our own claims are refreshed three times as often.
    autoclaim_every_ = std::chrono::milliseconds(std::clamp<long long>(claim_ms_ / 2, 100, 30000));
    refresh_every_ = std::chrono::milliseconds(std::max<long long>(claim_ms_ / 3, 50));
    connect();
  }

  ~StreamListener() override {
    // Acknowledge what was dealt with before we go; a lost ack only means a repeat.
    try {
      if (conn_) {
        finish_read(nullptr);
        settle_acks();
      }
    } catch (const Error&) {
    }
  }

  bool holds_unacknowledged() const override { return true; }
  bool redelivers() const override { return true; }

  void delivered(const Message& m) override {
    in_flight_.erase(m.cursor);
    acks_.push_back(m.cursor);
  }

  void attempting(const Message& m, int attempt) override {
    if (!conn_) return;
    try {
      finish_read(&early_);
      // RETRYCOUNT sets the delivery count (JUSTID alone leaves it as it is).
      std::string count = std::to_string(attempt);
      Reply r = call({"XCLAIM", key_, group_, consumer_, "0", m.cursor, "RETRYCOUNT", count, "JUSTID"});
      if (r->type == REDIS_REPLY_ERROR) report(ep_.display() + ": XCLAIM: " + reply_text(r.get()));
    } catch (const Error& e) {
      if (e.code() != Exit::unreachable) throw;
      drop_connection();  // receive() reconnects and says so
    }
  }

  std::optional<GroupBacklog> backlog() override {
    if (!conn_) return std::nullopt;
    try {
      finish_read(&early_);
      Reply r = call({"XINFO", "GROUPS", key_});
      if (r->type != REDIS_REPLY_ARRAY) return std::nullopt;
      for (size_t i = 0; i < r->elements; ++i)
        if (auto b = group_backlog(r->element[i])) return b;
    } catch (const Error& e) {
      if (e.code() != Exit::unreachable) throw;
      drop_connection();  // receive() reconnects and says so
    }
    return std::nullopt;
  }

  int still_working(const std::vector<const Message*>& running) override {
    auto now = Clock::now();
    if (now < refresh_due_) return static_cast<int>(ms_to_reach(refresh_due_));
    refresh_due_ = now + refresh_every_;
    if (running.empty() || !conn_) return static_cast<int>(ms_to_reach(refresh_due_));
    try {
      finish_read(&early_);
      // XCLAIM with min-idle 0 and JUSTID: the entry stays ours and its idle
      // time starts again, so XAUTOCLAIM elsewhere leaves it alone.
      std::vector<std::string_view> args{"XCLAIM", key_, group_, consumer_, "0"};
      for (const Message* m : running) args.push_back(m->cursor);
      args.push_back("JUSTID");
      Reply r = call(args);
      if (r->type == REDIS_REPLY_ERROR) report(ep_.display() + ": XCLAIM: " + reply_text(r.get()));
    } catch (const Error& e) {
      if (e.code() != Exit::unreachable) throw;
      drop_connection();  // receive() reconnects and says so
    }
    return static_cast<int>(ms_to_reach(refresh_due_));
  }

 protected:
  void connect() override {
    conn_ = std::make_unique<RedisConnection>(ep_, options_);
    require_master(*conn_, ep_);  // a group is read and acknowledged on the master only
    read_outstanding_ = false;
    unsent_.clear();
    replies_to_skip_ = 0;
    Reply r = call({"XGROUP", "CREATE", key_, group_, "0", "MKSTREAM"});
    if (r->type == REDIS_REPLY_ERROR && reply_text(r.get()).rfind("BUSYGROUP", 0) != 0)
      throw usage_error(ep_.display() + ": XGROUP CREATE: " + reply_text(r.get()));
    settle_acks();  // what was dealt with while the connection was down
    own_pending_ = true;
    pending_from_ = "0";
    autoclaim_due_ = Clock::now();
  }

  void read(std::vector<Message>& out, int timeout_ms) override {
    if (!early_.empty()) {
      for (auto& m : early_) out.push_back(std::move(m));
      early_.clear();
      return;
    }
    if (read_outstanding_) {  // a read a signal cut short
      finish_read(&out);
      if (!out.empty()) return;
    }
    queue_acks();
    std::string count = std::to_string(std::min<size_t>(1000, std::max<size_t>(1, batch_limit_)));
    size_t before = out.size();
    if (own_pending_) {
      // Entries this consumer was given before and never acknowledged.
      Reply r = call({"XREADGROUP", "GROUP", group_, consumer_, "COUNT", count, "STREAMS", key_, pending_from_});
      size_t got = take_entries(r.get(), out);
      if (got == 0) own_pending_ = false;
      else pending_from_ = last_id_;
      if (out.size() > before) return count_deliveries(out, before);
    }
    if (Clock::now() >= autoclaim_due_) {
      autoclaim_due_ = Clock::now() + autoclaim_every_;
      Reply r = call({"XAUTOCLAIM", key_, group_, consumer_, std::to_string(claim_ms_), "0-0", "COUNT", count});
      if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2) {
        take_entry_list(r->element[1], out);
        if (out.size() > before) {
          count_deliveries(out, before);
          report("claimed " + std::to_string(out.size() - before) + " entries other consumers of group " + group_ +
                 " left unacknowledged");
          return;
        }
      }
    }
    // At most a second: a read still outstanding when we stop is waited for.
    std::string block = std::to_string(timeout_ms < 0 ? 1000 : std::clamp(timeout_ms, 1, 1000));
    append_resp(unsent_, {"XREADGROUP", "GROUP", group_, consumer_, "COUNT", count, "BLOCK", block, "STREAMS", key_, ">"});
    conn_->send(unsent_);  // the queued XACK and the read, in one write
    unsent_.clear();
    read_outstanding_ = true;
    finish_read(&out);
  }

 private:
  // Our group's backlog in one group of XINFO GROUPS's reply (name, value,
  // ... pairs), or nullopt for another group's.
  std::optional<GroupBacklog> group_backlog(const redisReply* g) const {
    if (g->type != REDIS_REPLY_ARRAY) return std::nullopt;
    GroupBacklog b;
    bool ours = false;
    for (size_t j = 0; j + 1 < g->elements; j += 2) {
      std::string field = reply_text(g->element[j]);
      const redisReply* v = g->element[j + 1];
      if (field == "name") ours = reply_text(v) == group_;
      if (field == "pending" && v->type == REDIS_REPLY_INTEGER) b.pending = v->integer;
      if (field == "lag" && v->type == REDIS_REPLY_INTEGER) b.lag = v->integer;
    }
    return ours ? std::optional<GroupBacklog>(b) : std::nullopt;
  }

  // Entries handed out before (our own pending ones, or claimed): their
  // delivery counts, from XPENDING over the range they span.
  void count_deliveries(std::vector<Message>& out, size_t from) {
    std::map<std::string, int> counts;
    std::string n = std::to_string(out.size() - from);
    Reply r = call({"XPENDING", key_, group_, out[from].cursor, out.back().cursor, n, consumer_});
    if (r->type != REDIS_REPLY_ARRAY) return;
    for (size_t i = 0; i < r->elements; ++i) {
      const redisReply* e = r->element[i];
      if (e->type == REDIS_REPLY_ARRAY && e->elements == 4 && e->element[3]->type == REDIS_REPLY_INTEGER)
        counts[reply_text(e->element[0])] = static_cast<int>(std::clamp<long long>(e->element[3]->integer, 1, 1 << 30));
    }
    for (size_t i = from; i < out.size(); ++i)
      if (auto it = counts.find(out[i].cursor); it != counts.end()) out[i].deliveries = it->second;
  }

  // Waits for the outstanding XREADGROUP's reply (the server sends it by
  // the end of its BLOCK) and takes its entries into out, so that the
  // connection is free for XACK and XCLAIM. A stop signal cuts it short:
  // the read stays outstanding for the next call.
  void finish_read(std::vector<Message>* out) {
    while (read_outstanding_) {
      if (replies_to_skip_ > 0) {
        skip_replies();
        continue;
      }
      if (Reply r = conn_->next_reply()) {
        read_outstanding_ = false;
        if (r->type == REDIS_REPLY_ERROR) {
          std::string text = reply_text(r.get());
          refuse_cluster(ep_.display(), text);
          // NOGROUP: the stream was deleted; READONLY, or UNBLOCKED for a read
          // blocked while it happened: the master became a replica (a failover,
          // switch-leader). Each is a lost connection: reconnect, find the master.
          for (const char* lost : {"NOGROUP", "READONLY", "UNBLOCKED"})
            if (text.rfind(lost, 0) == 0) throw unreachable(ep_.display() + ": " + text);
          throw failed(ep_.display() + ": XREADGROUP: " + text);
        }
        if (out != nullptr) take_entries(r.get(), *out);
        return;
      }
      if (stop_requested() && out != nullptr && out != &early_) return;
      conn_->receive(1000);
    }
  }

  // XACK for what was dealt with, queued to go out with the next command
  // (one write, one round trip for both).
  void queue_acks() {
    if (acks_.empty()) return;
    std::vector<std::string_view> args{"XACK", key_, group_};
    args.insert(args.end(), acks_.begin(), acks_.end());
    append_resp(unsent_, args);
    ++replies_to_skip_;
    acks_.clear();
  }

  // The replies of the XACKs sent, read and checked.
  void skip_replies() {
    while (replies_to_skip_ > 0) {
      Reply r = conn_->wait_reply();
      --replies_to_skip_;
      if (r->type == REDIS_REPLY_ERROR) report(ep_.display() + ": XACK: " + reply_text(r.get()));
    }
  }

  // One command and its reply, after what was queued. Only when no
  // XREADGROUP is outstanding, so the replies come in the order sent.
  Reply call(const std::vector<std::string_view>& args) {
    queue_acks();
    append_resp(unsent_, args);
    conn_->send(unsent_);
    unsent_.clear();
    skip_replies();
    return conn_->wait_reply();
  }

  // XACK now, for the destructor and a reconnection.
  void settle_acks() {
    if (!conn_ || read_outstanding_) return;
    queue_acks();
    if (unsent_.empty()) return;
    conn_->send(unsent_);
    unsent_.clear();
    skip_replies();
  }

  // An XREADGROUP reply: [[key, [[id, [field, value, ...]], ...]]], or nil.
  // Returns how many entries it held (handed out or not).
  size_t take_entries(const redisReply* r, std::vector<Message>& out) {
    size_t n = 0;
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return 0;
    for (size_t s = 0; s < r->elements; ++s) {
      const redisReply* stream = r->element[s];
      if (stream->type == REDIS_REPLY_ARRAY && stream->elements == 2) n += take_entry_list(stream->element[1], out);
    }
    return n;
  }

  size_t take_entry_list(const redisReply* list, std::vector<Message>& out) {
    if (auto why = too_large_text(list)) {  // its entries stay pending, for XAUTOCLAIM
      ++invalid_;
      report(ep_.display() + ": skipped a reply: " + *why);
    }
    if (list == nullptr || list->type != REDIS_REPLY_ARRAY) return 0;
    for (size_t i = 0; i < list->elements; ++i) {
      const redisReply* entry = list->element[i];
      if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) continue;
      std::string id = reply_text(entry->element[0]);
      last_id_ = id;
      if (in_flight_.count(id)) continue;  // being worked on here already: not twice
      take_entry(id, entry->element[1], out);
    }
    return list->elements;
  }

  void take_entry(std::string id, const redisReply* fields, std::vector<Message>& out) {
    if (auto why = too_large(fields)) return skip_too_large(id, *why);
    if (fields->type != REDIS_REPLY_ARRAY) {  // trimmed away before we read it
      acks_.push_back(id);
      return;
    }
    try {
      Event e = stream_entry_event(id, fields, options_.node);
      Message m(std::move(e));
      m.cursor = id;
      in_flight_.insert(std::move(id));
      out.push_back(std::move(m));
    } catch (const Error& e) {
      ++invalid_;
      report("skipped stream entry " + id + ": " + e.what());
      acks_.push_back(id);  // a bad entry would come back forever
    }
  }

  // What of an entry's fields was larger than --max-message, or nullopt.
  static std::optional<std::string> too_large(const redisReply* fields) {
    if (auto why = too_large_text(fields)) return "an entry of " + *why;
    if (fields == nullptr || fields->type != REDIS_REPLY_ARRAY) return std::nullopt;
    for (size_t f = 0; f < fields->elements; ++f)
      if (auto why = too_large_text(fields->element[f])) return "a field of " + *why;
    return std::nullopt;
  }

  // An entry too large to read is not lost in silence: it is said, with how
  // to get it, and acknowledged (it would come back to every consumer of the
  // group forever); the entry itself stays in the stream until trimmed.
  void skip_too_large(const std::string& id, const std::string& why) {
    ++invalid_;
    report(ep_.display() + ": skipped stream entry " + id + ", " + why + "; acknowledged in group " + group_ +
           "; it stays in the stream until trimmed (redis-cli XRANGE " + key_ + " " + id + " " + id + ")");
    acks_.push_back(id);
  }

  std::string key_, group_, consumer_;
  long long claim_ms_ = 60000;
  std::chrono::milliseconds autoclaim_every_{30000}, refresh_every_{20000};
  std::vector<std::string> acks_;    // dealt with, to acknowledge
  std::string unsent_;               // commands queued for the next write
  int replies_to_skip_ = 0;          // XACKs sent whose replies are still to be read
  std::set<std::string> in_flight_;  // handed out, not yet dealt with
  std::vector<Message> early_;       // read while finishing a read for XCLAIM
  bool read_outstanding_ = false;
  bool own_pending_ = true;
  std::string pending_from_ = "0";
  std::string last_id_;
  Clock::time_point autoclaim_due_{};
  Clock::time_point refresh_due_{};
};

}  // namespace

std::unique_ptr<Subscriber> open_stream_listener(const Endpoint& ep, const TransportOptions& o) {
  return std::make_unique<StreamListener>(ep, o);
}

}  // namespace evt
