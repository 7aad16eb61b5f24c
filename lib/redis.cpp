#include "redis.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <poll.h>

#include "log.h"
#include "redis_connection.h"
#include "resp_reader.h"
#include "socket_pump.h"
#include "signals.h"

namespace evt {

template <typename Args>
static void append_resp_args(std::string& out, const Args& args) {
  char num[24];
  auto append_number = [&](char prefix, size_t n) {
    out += prefix;
    auto [end, ec] = std::to_chars(num, num + sizeof num, n);
    out.append(num, end);
    out += "\r\n";
  };
  append_number('*', args.size());
  for (std::string_view a : args) {
    append_number('$', a.size());
    out += a;
    out += "\r\n";
  }
}

void append_resp(std::string& out, std::initializer_list<std::string_view> args) { append_resp_args(out, args); }
void append_resp(std::string& out, const std::vector<std::string_view>& args) { append_resp_args(out, args); }

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

static std::string reply_string(const redisReply* r) {
  return r != nullptr && r->str != nullptr ? std::string(r->str, r->len) : std::string();
}

static std::string password_for(const TransportOptions& o) { return o.password; }

namespace {

using Clock = std::chrono::steady_clock;

// Commands are written as they come and their replies read back with a
// bounded number in flight, so a stream pays no round trip per event.
class PipelinePublisher : public Publisher {
 public:
  PipelinePublisher(const Endpoint& ep, const TransportOptions& o)
      : conn_(ep, password_for(o), o.timeout) {}

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
    if (r->type == REDIS_REPLY_ERROR && refused_++ == 0) first_refusal_ = reply_string(r.get());
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
  size_t total_ = 0, sent_ = 0, confirmed_ = 0, refused_ = 0;
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
  StreamPublisher(const Endpoint& ep, const TransportOptions& o) : PipelinePublisher(ep, o), key_(ep.key) {
    long maxlen = o.stream_maxlen;
    if (auto it = ep.params.find("maxlen"); it != ep.params.end()) {
      auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), maxlen);
      if (ec != std::errc() || end != it->second.data() + it->second.size() || maxlen < 0)
        throw usage_error("maxlen=" + it->second + " is not a count");
    }
    maxlen_ = std::to_string(maxlen);
  }

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

// Reconnection with backoff, shared by both listeners: 100 ms doubling to 5 s.
class Reconnector {
 public:
  bool due() const { return Clock::now() >= next_; }
  int wait_ms(int cap) const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_ - Clock::now()).count();
    if (left < 0) left = 0;
    return cap < 0 ? static_cast<int>(left) : std::min(cap, static_cast<int>(left));
  }
  void failed() {
    next_ = Clock::now() + delay_;
    delay_ = std::min(delay_ * 2, std::chrono::milliseconds(5000));
  }
  void succeeded() { delay_ = std::chrono::milliseconds(100); }

 private:
  Clock::time_point next_{};
  std::chrono::milliseconds delay_{100};
};

// Reads INFO server's run_id: it tells a restarted server from one that
// closed our connection on purpose (too slow a reader, CLIENT KILL).
std::string server_run_id(RedisConnection& conn) {
  Reply r = conn.command({"INFO", "server"});
  std::string info = reply_string(r.get());
  auto pos = info.find("run_id:");
  if (pos == std::string::npos) return {};
  auto end = info.find_first_of("\r\n", pos);
  return info.substr(pos + 7, end - pos - 7);
}

class RedisListenerBase : public Subscriber {
 public:
  RedisListenerBase(const Endpoint& ep, const TransportOptions& o) : ep_(ep), options_(o) {}

  bool receive(std::vector<Message>& out, int timeout_ms) override {
    if (!conn_) {
      if (!reconnector_.due()) {
        ::poll(nullptr, 0, reconnector_.wait_ms(timeout_ms));  // a signal cuts it short
        if (!reconnector_.due()) return true;
      }
      try {
        connect();
        reconnector_.succeeded();
        report("reconnected to " + ep_.display());
      } catch (const Error& e) {
        if (e.code() != Exit::unreachable) throw;
        reconnector_.failed();
        return true;
      }
    }
    try {
      read(out, timeout_ms);
    } catch (const Error& e) {
      if (e.code() != Exit::unreachable) throw;
      std::string why = e.what();
      drop_connection();
      if (!options_.reconnect) throw;
      explain_loss(why);
      reconnector_.failed();
    }
    return true;
  }

 protected:
  // Opens conn_ and subscribes; throws unreachable.
  virtual void connect() = 0;
  // Reads what arrives within timeout_ms into out.
  virtual void read(std::vector<Message>& out, int timeout_ms) = 0;
  virtual void explain_loss(const std::string& why) {
    report(why + "; reconnecting");
  }
  virtual void drop_connection() { conn_.reset(); }

  Endpoint ep_;
  TransportOptions options_;
  std::unique_ptr<RedisConnection> conn_;
  Reconnector reconnector_;
};

class PubSubListener : public RedisListenerBase {
 public:
  PubSubListener(const Endpoint& ep, const TransportOptions& o) : RedisListenerBase(ep, o) {
    const TagFilter& f = o.filter;
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
    conn_ = std::make_unique<RedisConnection>(ep_, password_for(options_), options_.timeout);
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
      if (r->type == REDIS_REPLY_ERROR) throw usage_error(ep_.display() + ": PSUBSCRIBE: " + reply_string(r.get()));
      if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 && reply_string(r->element[0]) == "psubscribe") ++confirmed;
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
    pump_open_ = pump_->take(chunk_, pump_end_);
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
      Message m;
      m.event = event_from_pubsub(channel, text, stamp_, options_.node);
      m.tag = m.event->tag;
      append_envelope(m.envelope, *m.event);
      out.push_back(std::move(m));
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

// redis+stream://host/KEY?group=G: XREADGROUP in a consumer group, XACK once
// written out. On start it first re-reads its own pending entries (delivered
// before a crash, never acknowledged), then claims entries other consumers
// left pending for longer than claim=SECS (default 60).
class StreamListener : public RedisListenerBase {
 public:
  StreamListener(const Endpoint& ep, const TransportOptions& o) : RedisListenerBase(ep, o), key_(ep.key) {
    auto param = [&](const char* name, const std::string& fallback) {
      auto it = ep.params.find(name);
      return it == ep.params.end() ? fallback : it->second;
    };
    group_ = param("group", "");
    if (group_.empty()) throw usage_error(ep.display() + ": a stream listener needs ?group=NAME");
    consumer_ = param("consumer", o.node);
    std::string claim = param("claim", "60");
    char* end = nullptr;
    double secs = std::strtod(claim.c_str(), &end);
    if (claim.empty() || *end != '\0' || secs < 0) throw usage_error("claim=" + claim + " is not a number of seconds");
    claim_idle_ms_ = std::to_string(static_cast<long long>(secs * 1000));
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
    conn_ = std::make_unique<RedisConnection>(ep_, password_for(options_), options_.timeout);
    read_outstanding_ = false;
    acks_.clear();  // unacknowledged entries stay pending and come back below
    Reply r = conn_->command({"XGROUP", "CREATE", key_, group_, "0", "MKSTREAM"});
    if (r->type == REDIS_REPLY_ERROR && reply_string(r.get()).rfind("BUSYGROUP", 0) != 0)
      throw usage_error(ep_.display() + ": XGROUP CREATE: " + reply_string(r.get()));
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
          std::string text = reply_string(r.get());
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
    if (r->type == REDIS_REPLY_ERROR) report(ep_.display() + ": XACK: " + reply_string(r.get()));
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
      std::string id = reply_string(entry->element[0]);
      const redisReply* fields = entry->element[1];
      if (fields->type != REDIS_REPLY_ARRAY) {  // trimmed away before we read it
        acks_.push_back(id);
        continue;
      }
      std::string tag, envelope, data;
      bool have_data = false;
      for (size_t f = 0; f + 1 < fields->elements; f += 2) {
        std::string name = reply_string(fields->element[f]);
        if (name == "envelope") envelope = reply_string(fields->element[f + 1]);
        else if (name == "tag") tag = reply_string(fields->element[f + 1]);
        else if (name == "data") {
          data = reply_string(fields->element[f + 1]);
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
        Message m;
        m.tag = e.tag;
        m.envelope = to_envelope(e);
        m.event = std::move(e);
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

std::unique_ptr<Publisher> open_redis_publisher(const Endpoint& ep, const TransportOptions& o) {
  if (ep.scheme == Scheme::redis_stream) return std::make_unique<StreamPublisher>(ep, o);
  return std::make_unique<PubSubPublisher>(ep, o);
}

std::unique_ptr<Subscriber> open_redis_subscriber(const Endpoint& ep, const TransportOptions& o) {
  if (ep.scheme == Scheme::redis_stream) return std::make_unique<StreamListener>(ep, o);
  return std::make_unique<PubSubListener>(ep, o);
}

}  // namespace evt
