// Listening on Redis Pub/Sub: PSUBSCRIBE to the patterns (Redis filters at
// the source), a pump thread draining the socket so Redis never sees us as
// slow, and the envelope built from channel and message on receipt.
#include "transport/redis/redis.h"
#include "transport/redis/redis_listener.h"
#include "transport/redis/resp.h"

namespace evt {

static std::string escape_redis_glob(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string redis_pattern(MatchKind kind, const std::string& pattern) {
  switch (kind) {
    case MatchKind::glob: {
      // Redis negates a class with '^' only; our globs take '!' too.
      std::string out = pattern;
      for (size_t i = 0; i + 1 < out.size(); ++i)
        if (out[i] == '[' && out[i + 1] == '!' && (i == 0 || out[i - 1] != '\\')) out[i + 1] = '^';
      return out;
    }
    case MatchKind::prefix: return escape_redis_glob(pattern) + "*";
    case MatchKind::exact: return escape_redis_glob(pattern);
    case MatchKind::regex: return "*";
  }
  return "*";
}

Event event_from_pubsub(std::string_view channel, std::string_view message, double ts, const std::string& node) {
  Event e;
  if (auto why = tag_problem(channel)) throw invalid_input("the channel is not a valid tag: " + *why);
  e.tag.assign(channel);
  e.data = data_from_text(message);
  e.ts = ts;
  e.id = new_id();
  e.node = node;
  std::string_view source = tag_source(channel);
  if (!source.empty()) e.set_extra("source", JsonText::string(source));
  return e;
}

namespace {

class PubSubListener : public RedisListenerBase {
 public:
  PubSubListener(const Endpoint& ep, const TransportOptions& o, const TagFilter& f) : RedisListenerBase(ep, o) {
    if (f.patterns().empty()) patterns_.push_back("*");
    for (const auto& p : f.patterns()) {
      std::string rp = redis_pattern(f.kind(), p);
      if (std::find(patterns_.begin(), patterns_.end(), rp) == patterns_.end()) patterns_.push_back(rp);
    }
    connect();  // the first connection must work: exit 3 at once if not
  }

 protected:
  void drop_connection() override {
    // Only a server that closed our connection itself can have dropped us
    // for reading too slowly; a protocol error or a timeout is ours to tell.
    closed_by_server_ = conn_ && conn_->closed_by_server();
    conn_.reset();
  }

  // One connection, one parser from the first byte to the last: the
  // confirmations and whatever came with them, then through the pump.
  void connect() override {
    conn_.reset();
    conn_ = std::make_unique<RedisConnection>(ep_, options_);
    std::string run_id = server_run_id(*conn_);
    if (!run_id_.empty() && run_id == run_id_ && closed_by_server_) {
      report(ep_.display() +
             " was running all along: it closed this listener's connection on purpose, most likely "
             "for reading too slowly (client-output-buffer-limit pubsub); events published meanwhile were lost");
    }
    run_id_ = run_id;
    closed_by_server_ = false;
    conn_->on_too_large([this](const std::string& what) {
      ++invalid_;
      report(ep_.display() + ": skipped a message: " + what);
    });
    std::vector<std::string_view> args{"PSUBSCRIBE"};
    args.insert(args.end(), patterns_.begin(), patterns_.end());
    std::string cmd;
    append_resp(cmd, args);
    conn_->send(cmd);
    for (size_t confirmed = 0; confirmed < patterns_.size();) {
      Reply r = conn_->wait_reply();
      if (r->type == REDIS_REPLY_ERROR) throw usage_error(ep_.display() + ": PSUBSCRIBE: " + reply_text(r.get()));
      if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 && reply_text(r->element[0]) == "psubscribe") ++confirmed;
      else take(r.get(), early_, now_ts());
    }
    // From here on a thread drains the socket, so Redis never sees us as
    // slow; what the parser already holds stays in it.
    conn_->start_pump();
  }

  void read(std::vector<Message>& out, int timeout_ms) override {
    if (!early_.empty()) {
      for (auto& m : early_) out.push_back(std::move(m));
      early_.clear();
      return;
    }
    size_t before = out.size();
    take_replies(out);
    if (out.size() > before) return;
    if (!conn_->receive(timeout_ms)) return;
    stamp_ = now_ts();  // received now: one timestamp for what came together
    take_replies(out);
  }

  void explain_loss(const std::string& why) override {
    report(why + "; reconnecting (events published while disconnected are lost; redis+stream:// keeps them)");
  }

 private:
  // The replies parsed so far, a bounded number at a time, so a backlog
  // never becomes one huge batch.
  void take_replies(std::vector<Message>& out) {
    constexpr size_t batch = 4096;
    for (size_t n = 0; n < batch; ++n) {
      Reply r = conn_->next_reply();
      if (!r) return;
      take(r.get(), out, stamp_);
    }
  }

  // One pushed reply: ["pmessage", pattern, channel, message].
  void take(const redisReply* r, std::vector<Message>& out, double stamp) {
    if (r->type == REDIS_REPLY_ERROR && !too_large_text(r)) throw unreachable("the server said: " + reply_text(r));
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 4 || reply_text(r->element[0]) != "pmessage") return;
    for (size_t i = 1; i < 4; ++i)
      if (too_large_text(r->element[i])) return;  // skipped, and said so when it began
    std::string_view pattern(r->element[1]->str, r->element[1]->len);
    std::string_view channel(r->element[2]->str, r->element[2]->len);
    std::string_view text(r->element[3]->str, r->element[3]->len);
    if (!first_pattern_matching(channel, pattern)) return;
    try {
      out.emplace_back(event_from_pubsub(channel, text, stamp, options_.node));
    } catch (const Error& e) {
      ++invalid_;
      report("skipped a message on " + std::string(channel) + ": " + e.what());
    }
  }

  // A channel matching several of our patterns arrives once per pattern:
  // keep the copy from the first pattern that matches it.
  bool first_pattern_matching(std::string_view channel, std::string_view pattern) const {
    if (patterns_.size() == 1) return true;
    for (const auto& p : patterns_)
      if (glob_match(p, channel)) return p == pattern;
    return true;
  }

  std::vector<std::string> patterns_;
  std::string run_id_;
  bool closed_by_server_ = false;
  double stamp_ = 0;
  std::vector<Message> early_;
};

}  // namespace

std::unique_ptr<Subscriber> open_pubsub_listener(const Endpoint& ep, const TransportOptions& o, const TagFilter& filter) {
  return std::make_unique<PubSubListener>(ep, o, filter);
}

}  // namespace evt
