// Listening on Redis Pub/Sub: PSUBSCRIBE to the patterns (Redis filters at
// the source), a pump thread draining the socket so Redis never sees us as
// slow, and the envelope built from channel and message on receipt.
#include "transport/redis/redis.h"
#include "transport/redis/redis_listener.h"
#include "transport/redis/resp.h"
#include "transport/redis/resp_reader.h"
#include "transport/redis/socket_pump.h"

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

  ~PubSubListener() override { pump_.reset(); }

 protected:
  void drop_connection() override {
    pump_.reset();  // it reads the connection's socket: stop it first
    conn_.reset();
  }

  void connect() override {
    pump_.reset();
    reader_ = RespReader();
    conn_ = std::make_unique<RedisConnection>(ep_, options_.password, options_.timeout);
    std::string run_id = server_run_id(*conn_);
    if (!run_id_.empty() && run_id == run_id_) {
      report(ep_.display() + " was running all along: it closed this listener's connection on purpose, most likely "
             "for reading too slowly (client-output-buffer-limit pubsub); events published meanwhile were lost");
    }
    run_id_ = run_id;
    std::vector<std::string_view> args{"PSUBSCRIBE"};
    args.insert(args.end(), patterns_.begin(), patterns_.end());
    std::string cmd;
    append_resp(cmd, args);
    conn_->send(cmd);
    for (size_t confirmed = 0; confirmed < patterns_.size();) {
      Reply r = conn_->wait_reply();
      if (r->type == REDIS_REPLY_ERROR) throw usage_error(ep_.display() + ": PSUBSCRIBE: " + reply_text(r.get()));
      if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 && reply_text(r->element[0]) == "psubscribe") ++confirmed;
    }
    // Messages that came in the same read as the confirmations.
    std::vector<std::string_view> parts;
    while (Reply r = conn_->next_reply()) {
      if (r->type != REDIS_REPLY_ARRAY) continue;
      parts.clear();
      for (size_t i = 0; i < r->elements; ++i) parts.emplace_back(r->element[i]->str, r->element[i]->len);
      stamp_ = now_ts();
      take(parts, early_);
    }
    // From here on a thread drains the socket, so Redis never sees us as slow.
    pump_ = std::make_unique<SocketPump>(conn_->fd());
    pump_open_ = true;
  }

  void read(std::vector<Message>& out, int timeout_ms) override {
    if (!early_.empty()) {
      for (auto& m : early_) out.push_back(std::move(m));
      early_.clear();
      return;
    }
    // Parsed a bounded number at a time, so a backlog never becomes one huge batch.
    constexpr size_t batch = 4096;
    std::vector<std::string_view>& parts = parts_;
    size_t before = out.size();
    while (out.size() - before < batch && reader_.next(parts)) take(parts, out);
    if (out.size() > before) return;
    if (!pump_open_) throw unreachable("lost " + ep_.display() + ": " + pump_end_);
    pollfd p{pump_->wake_fd(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return;
    pump_open_ = pump_->take(chunk_);
    if (!pump_open_) pump_end_ = pump_->end_reason();
    reader_.feed(chunk_);
    stamp_ = now_ts();  // received now: one timestamp for what came together
    while (out.size() - before < batch && reader_.next(parts)) take(parts, out);
    if (out.size() == before && !pump_open_) throw unreachable("lost " + ep_.display() + ": " + pump_end_);
  }

  void explain_loss(const std::string& why) override {
    report(why + "; reconnecting (events published while disconnected are lost; redis+stream:// keeps them)");
  }

 private:
  // One pushed reply: ["pmessage", pattern, channel, message].
  void take(const std::vector<std::string_view>& parts, std::vector<Message>& out) {
    if (parts.size() != 4 || parts[0] != "pmessage") return;
    std::string_view pattern = parts[1], channel = parts[2], text = parts[3];
    // A channel matching several of our patterns arrives once per pattern:
    // keep the copy from the first pattern that matches it.
    if (patterns_.size() > 1) {
      for (const auto& p : patterns_) {
        if (glob_match(p, channel)) {
          if (p != pattern) return;
          break;
        }
      }
    }
    try {
      out.emplace_back(event_from_pubsub(channel, text, stamp_, options_.node));
    } catch (const Error& e) {
      ++invalid_;
      report("skipped a message on " + std::string(channel) + ": " + e.what());
    }
  }

  std::vector<std::string> patterns_;
  std::string run_id_;
  double stamp_ = 0;
  std::unique_ptr<SocketPump> pump_;
  bool pump_open_ = false;
  std::string pump_end_;
  RespReader reader_;
  std::string chunk_;
  std::vector<std::string_view> parts_;
  std::vector<Message> early_;
};

}  // namespace

std::unique_ptr<Subscriber> open_pubsub_listener(const Endpoint& ep, const TransportOptions& o, const TagFilter& filter) {
  return std::make_unique<PubSubListener>(ep, o, filter);
}

}  // namespace evt
