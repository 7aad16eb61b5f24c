// A Redis stream's history (--since, --from-id): XREAD from that point with
// no consumer group, so that looking back creates, moves and acknowledges
// nothing a group's workers rely on; then live entries as they come, or,
// with -e, the end once the entries there were at the start are read.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include "transport/redis/redis.h"
#include "transport/redis/redis_listener.h"
#include "transport/redis/resp.h"
#include "transport/redis/stream_entry.h"

namespace evt {

namespace {

// A stream entry id, MS-SEQ, as numbers: ids order by them.
struct StreamId {
  unsigned long long ms = 0, seq = 0;

  static std::optional<StreamId> parse(std::string_view text) {
    StreamId id;
    auto dash = text.find('-');
    auto number = [](std::string_view s, unsigned long long& v) {
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      return !s.empty() && ec == std::errc() && end == s.data() + s.size();
    };
    if (!number(text.substr(0, dash), id.ms)) return std::nullopt;
    if (dash != std::string_view::npos && !number(text.substr(dash + 1), id.seq)) return std::nullopt;
    return id;
  }
  // The id just before this one: XREAD reads after the id it is given.
  StreamId before() const {
    if (seq > 0) return {ms, seq - 1};
    if (ms > 0) return {ms - 1, ~0ULL};
    return {0, 0};
  }
  std::string text() const { return std::to_string(ms) + "-" + std::to_string(seq); }
  bool operator<=(const StreamId& o) const { return ms < o.ms || (ms == o.ms && seq <= o.seq); }
};

class StreamHistory : public RedisListenerBase {
 public:
  StreamHistory(const Endpoint& ep, const TransportOptions& o) : RedisListenerBase(ep, o), key_(ep.key) {
    const HistoryOptions& h = o.history;
    StreamId first;
    if (!h.from_id.empty()) {
      auto id = StreamId::parse(h.from_id);
      if (!id) throw usage_error("--from-id: '" + h.from_id + "' is not a stream entry id (MS-SEQ, as XADD gives it)");
      first = *id;
    } else {
      first.ms = static_cast<unsigned long long>(std::floor(h.since * 1000));
    }
    after_ = first.before().text();
    connect();
    if (h.exit_at_end) end_ = last_entry();  // caught up: once this one is read
    at_end_ = h.exit_at_end && !end_;
  }

  bool receive(std::vector<Message>& out, int timeout_ms) override {
    if (at_end_) return false;
    RedisListenerBase::receive(out, timeout_ms);
    return !at_end_;
  }

 protected:
  void connect() override { conn_ = std::make_unique<RedisConnection>(ep_, options_); }

  void read(std::vector<Message>& out, int timeout_ms) override {
    std::string count = std::to_string(std::min<size_t>(1000, std::max<size_t>(1, batch_limit_)));
    // Caught up with -e: no BLOCK, so that an empty reply says so at once.
    std::string block = std::to_string(timeout_ms < 0 ? 1000 : std::clamp(timeout_ms, 1, 1000));
    std::vector<std::string_view> args{"XREAD", "COUNT", count};
    if (!end_) args.insert(args.end(), {"BLOCK", block});
    args.insert(args.end(), {"STREAMS", key_, after_});
    std::string command;
    append_resp(command, args);
    conn_->send(command);
    Reply r = conn_->wait_reply();
    if (r->type == REDIS_REPLY_ERROR) throw failed(ep_.display() + ": XREAD: " + reply_text(r.get()));
    size_t got = take_entries(r.get(), out);
    if (end_ && got == 0) at_end_ = true;  // the stream was trimmed past the end we knew
  }

 private:
  // The id of the stream's newest entry now, or nullopt when it has none.
  std::optional<StreamId> last_entry() {
    Reply r = conn_->command({"XREVRANGE", key_, "+", "-", "COUNT", "1"});
    if (r->type == REDIS_REPLY_ERROR) throw failed(ep_.display() + ": XREVRANGE: " + reply_text(r.get()));
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0 || r->element[0]->type != REDIS_REPLY_ARRAY ||
        r->element[0]->elements != 2)
      return std::nullopt;
    return StreamId::parse(reply_text(r->element[0]->element[0]));
  }

  // An XREAD reply: [[key, [[id, [field, value, ...]], ...]]], or nil.
  // Returns how many entries it held.
  size_t take_entries(const redisReply* r, std::vector<Message>& out) {
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements == 0) return 0;
    const redisReply* stream = r->element[0];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2 || stream->element[1]->type != REDIS_REPLY_ARRAY) return 0;
    const redisReply* list = stream->element[1];
    for (size_t i = 0; i < list->elements && !at_end_; ++i) take_entry(list->element[i], out);
    return list->elements;
  }

  void take_entry(const redisReply* entry, std::vector<Message>& out) {
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) return;
    std::string id = reply_text(entry->element[0]);
    auto parsed = StreamId::parse(id);
    if (end_ && parsed && !(*parsed <= *end_)) {  // came after we started: -e stops before it
      at_end_ = true;
      return;
    }
    after_ = id;
    if (end_ && parsed && *end_ <= *parsed) at_end_ = true;    // the last one there was
    if (entry->element[1]->type != REDIS_REPLY_ARRAY) return;  // trimmed away as we read
    try {
      Message m(stream_entry_event(id, entry->element[1], options_.node));
      m.cursor = id;
      out.push_back(std::move(m));
    } catch (const Error& e) {
      ++invalid_;
      report("skipped stream entry " + id + ": " + e.what());
    }
  }

  std::string key_;
  std::string after_;            // the last id read: XREAD goes on after it
  std::optional<StreamId> end_;  // -e: the newest entry when we started
  bool at_end_ = false;
};

}  // namespace

std::unique_ptr<Subscriber> open_stream_history(const Endpoint& ep, const TransportOptions& o) {
  return std::make_unique<StreamHistory>(ep, o);
}

}  // namespace evt
