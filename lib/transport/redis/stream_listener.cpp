// Listening on a Redis stream in a consumer group: XREADGROUP, XACK once a
// message is dealt with, our own pending entries first after a restart,
// XAUTOCLAIM of what other consumers left.
#include "transport/redis/redis.h"
#include "transport/redis/redis_listener.h"
#include "transport/redis/resp.h"
#include "core/signals.h"

namespace evt {

namespace {

// redis+stream://host/KEY?group=G: XREADGROUP in a consumer group, XACK once
// written out. On start it first re-reads its own pending entries (delivered
// before a crash, never acknowledged), then claims entries other consumers
// left pending for longer than claim=SECS (default 60).
class StreamListener : public RedisListenerBase {
 public:
  StreamListener(const Endpoint& ep, const TransportOptions& o) : RedisListenerBase(ep, o), key_(ep.key) {
    group_ = ep.stream.group;
    if (group_.empty()) throw usage_error(ep.display() + ": a stream listener needs ?group=NAME");
    consumer_ = ep.stream.consumer.empty() ? o.node : ep.stream.consumer;
    claim_idle_ms_ = std::to_string(static_cast<long long>(ep.stream.claim * 1000));
    connect();
  }

  ~StreamListener() override {
    // Acknowledge what was written out before we go; a lost ack only means a repeat.
    try {
      if (conn_) settle_acks();
    } catch (const Error&) {
    }
  }

  void delivered(const Message& m) override { acks_.push_back(m.cursor); }

 protected:
  void connect() override {
    conn_ = std::make_unique<RedisConnection>(ep_, options_.password, options_.timeout);
    read_outstanding_ = false;
    acks_.clear();  // unacknowledged entries stay pending and come back below
    Reply r = conn_->command({"XGROUP", "CREATE", key_, group_, "0", "MKSTREAM"});
    if (r->type == REDIS_REPLY_ERROR && reply_text(r.get()).rfind("BUSYGROUP", 0) != 0)
      throw usage_error(ep_.display() + ": XGROUP CREATE: " + reply_text(r.get()));
    own_pending_ = true;
    claim_due_ = Clock::now();
  }

  void read(std::vector<Message>& out, int timeout_ms) override {
    if (!read_outstanding_) settle_acks();
    if (own_pending_ && !read_outstanding_) {
      // Entries this consumer was given before and never acknowledged.
      Reply r = conn_->command({"XREADGROUP", "GROUP", group_, consumer_, "COUNT", "1000", "STREAMS", key_, pending_from_});
      size_t before = out.size();
      take_entries(r.get(), out);
      if (out.size() == before) own_pending_ = false;
      else pending_from_ = out.back().cursor;
      if (!own_pending_) pending_from_ = "0";
      if (out.size() > before) return;
    }
    if (!read_outstanding_ && Clock::now() >= claim_due_) {
      claim_due_ = Clock::now() + std::chrono::seconds(30);
      Reply r = conn_->command({"XAUTOCLAIM", key_, group_, consumer_, claim_idle_ms_, "0-0", "COUNT", "1000"});
      if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2) {
        size_t before = out.size();
        take_entry_list(r->element[1], out);
        if (out.size() > before) {
          report("claimed " + std::to_string(out.size() - before) + " entries other consumers of group " + group_ +
                 " left unacknowledged");
          return;
        }
      }
    }
    if (!read_outstanding_) {
      std::string cmd;
      std::string block = std::to_string(timeout_ms < 0 ? 0 : std::max(timeout_ms, 1));
      append_resp(cmd, {"XREADGROUP", "GROUP", group_, consumer_, "COUNT", "1000", "BLOCK", block, "STREAMS", key_, ">"});
      conn_->send(cmd);
      read_outstanding_ = true;
    }
    auto deadline = timeout_ms < 0 ? Clock::time_point::max() : Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      if (Reply r = conn_->next_reply()) {
        read_outstanding_ = false;
        if (r->type == REDIS_REPLY_ERROR) {
          std::string text = reply_text(r.get());
          if (text.rfind("NOGROUP", 0) == 0) throw unreachable(ep_.display() + ": " + text);
          throw failed(ep_.display() + ": XREADGROUP: " + text);
        }
        take_entries(r.get(), out);
        return;
      }
      if (stop_requested()) return;
      int wait = -1;
      if (deadline != Clock::time_point::max()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return;
        wait = static_cast<int>(left);
      }
      if (!conn_->receive(wait) && stop_requested()) return;
    }
  }

 private:
  // XACK for what was written out, as one round trip. Only called when no
  // XREADGROUP is outstanding, so the next reply is XACK's.
  void settle_acks() {
    if (acks_.empty()) return;
    std::vector<std::string_view> args{"XACK", key_, group_};
    args.insert(args.end(), acks_.begin(), acks_.end());
    std::string cmd;
    append_resp(cmd, args);
    acks_.clear();
    conn_->send(cmd);
    Reply r = conn_->wait_reply();
    if (r->type == REDIS_REPLY_ERROR) report(ep_.display() + ": XACK: " + reply_text(r.get()));
  }

  // An XREADGROUP reply: [[key, [[id, [field, value, ...]], ...]]], or nil.
  void take_entries(const redisReply* r, std::vector<Message>& out) {
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return;
    for (size_t s = 0; s < r->elements; ++s) {
      const redisReply* stream = r->element[s];
      if (stream->type == REDIS_REPLY_ARRAY && stream->elements == 2) take_entry_list(stream->element[1], out);
    }
  }

  void take_entry_list(const redisReply* list, std::vector<Message>& out) {
    if (list == nullptr || list->type != REDIS_REPLY_ARRAY) return;
    for (size_t i = 0; i < list->elements; ++i) {
      const redisReply* entry = list->element[i];
      if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) continue;
      std::string id = reply_text(entry->element[0]);
      const redisReply* fields = entry->element[1];
      if (fields->type != REDIS_REPLY_ARRAY) {  // trimmed away before we read it
        acks_.push_back(id);
        continue;
      }
      std::string tag, envelope, data;
      bool have_data = false;
      for (size_t f = 0; f + 1 < fields->elements; f += 2) {
        std::string name = reply_text(fields->element[f]);
        if (name == "envelope") envelope = reply_text(fields->element[f + 1]);
        else if (name == "tag") tag = reply_text(fields->element[f + 1]);
        else if (name == "data") {
          data = reply_text(fields->element[f + 1]);
          have_data = true;
        }
      }
      try {
        Event e;
        if (!envelope.empty()) {
          e = parse_envelope(envelope);
        } else if (!tag.empty()) {  // an entry added by hand: XADD key * tag T [data D]
          e = make_event(tag, have_data ? data_from_text(data) : JsonText(), options_.node);
          e.ts = std::strtod(id.c_str(), nullptr) / 1000.0;
        } else {
          throw invalid_input("no \"envelope\" or \"tag\" field");
        }
        complete(e, options_.node);
        Message m(std::move(e));
        m.cursor = std::move(id);
        out.push_back(std::move(m));
      } catch (const Error& e) {
        ++invalid_;
        report("skipped stream entry " + id + ": " + e.what());
        acks_.push_back(id);  // a bad entry would come back forever
      }
    }
  }

  std::string key_, group_, consumer_, claim_idle_ms_;
  std::vector<std::string> acks_;
  bool read_outstanding_ = false;
  bool own_pending_ = true;
  std::string pending_from_ = "0";
  Clock::time_point claim_due_{};
};

}  // namespace

std::unique_ptr<Subscriber> open_stream_listener(const Endpoint& ep, const TransportOptions& o) {
  return std::make_unique<StreamListener>(ep, o);
}

}  // namespace evt
