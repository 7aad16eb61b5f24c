// HTTP in: event-listen -u http://ADDR:PORT/PREFIX, on the plugin's
// HttpDaemon (one thread for every connection). Each request is judged by
// the core's rules (IngestRules) and, when it is an event, is answered 202
// only once the reader has written it out: event-listen writes it in the
// server's thread (deliver_inline: no switch to the main thread and back for
// each request); otherwise its answer is deferred until the reader has
// written it out (delivered()) or, for event-handle, taken it
// (answer_on_receipt), while the server goes on with the others. A request
// the reader never dealt with when it stops is answered 503, so the sender
// tries again.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "transport/http/http_daemon.h"
#include "transport/http/http_plugin.h"

namespace evt {

namespace {

// An event whose request waits for its answer.
struct Waiting {
  Message message;
  std::shared_ptr<HttpLater> later;
};

class HttpIngest final : public Subscriber {
 public:
  explicit HttpIngest(const HttpServeRequest& r) : r_(r) {
    HttpDaemonConfig c;
    c.name = "cannot listen on " + r_.name;
    c.host = r_.address == "*" ? "0.0.0.0" : r_.address;
    c.port = r_.port;
    c.cert_pem = r_.cert_pem;
    c.key_pem = r_.key_pem;
    c.max_body = r_.max_body;
    c.timeout_seconds = 10;  // a client that sends its request slowly, or idles, is dropped
    daemon_ = std::make_unique<HttpDaemon>(c, [this](HttpExchange& x) { return take(x); });
  }

  ~HttpIngest() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
      for (auto& w : queue_) w->later->answer(stopping_reply());
      for (auto& [id, w] : taken_) w->later->answer(stopping_reply());
      queue_.clear();
      taken_.clear();
    }
    daemon_.reset();
  }

  bool receive(std::vector<Message>& out, int timeout_ms) override {
    std::unique_lock<std::mutex> lock(mu_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
    // In slices, so that a signal (the stop flag) ends the wait soon.
    while (queue_.empty() && !sink_done_ && !r_.host.stop_requested()) {
      auto slice = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
      if (timeout_ms >= 0 && deadline < slice) slice = deadline;
      arrived_.wait_until(lock, slice);
      if (timeout_ms >= 0 && std::chrono::steady_clock::now() >= deadline) break;
    }
    while (!queue_.empty() && out.size() < batch_limit_) {
      std::shared_ptr<Waiting> w = std::move(queue_.front());
      queue_.pop_front();
      out.push_back(w->message);
      out.back().cursor = std::to_string(++taken_count_);
      if (r_.answer_on_receipt) w->later->answer(HttpReply(202));
      else taken_.emplace(taken_count_, std::move(w));
    }
    return true;
  }

  void delivered(const Message& m) override {
    if (r_.answer_on_receipt) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = taken_.find(std::stoull(m.cursor));
    if (it == taken_.end()) return;
    it->second->later->answer(HttpReply(202));
    taken_.erase(it);
  }

  bool deliver_inline(InlineSink sink) override {
    if (r_.answer_on_receipt) return false;
    sink_ = std::move(sink);
    inline_.store(true, std::memory_order_release);
    return true;
  }

  // The sender keeps what it was not answered 202 for.
  bool holds_unacknowledged() const override { return true; }

 private:
  static HttpReply stopping_reply() { return HttpReply(503, "stopping\n"); }

  void say(const HttpRequestData& req, int status, const std::string& why) {
    r_.host.report(std::to_string(status) + " " + req.method + " " + req.path + " from " + req.peer + ": " + why);
  }

  HttpReply refuse(const HttpRequestData& req, int status, const std::string& why) {
    say(req, status, why);
    return HttpReply(status, why + "\n");
  }

  // In the server's thread: an answer now, or nullopt once deferred.
  std::optional<HttpReply> take(HttpExchange& x) {
    const HttpRequestData& req = x.request;
    if (req.method != "POST" && req.method != "PUT") {
      HttpReply no = refuse(req, 405, "only POST and PUT make events");
      no.headers.emplace_back("Allow", "POST, PUT");
      return no;
    }
    if (x.over_limit) return refuse(req, 413, "body over --max-body");
    if (x.busy) {
      HttpReply later = refuse(req, 503, "busy: too many request bodies held at once");
      later.headers.emplace_back("Retry-After", "1");
      return later;
    }
    IngestVerdict v = r_.rules->judge(req);
    if (v.status != 0) return refuse(req, v.status, v.reason);
    if (inline_.load(std::memory_order_acquire)) return take_inline(req, v.message);
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return refuse(req, 503, "stopping");
    auto w = std::make_shared<Waiting>();
    w->message = std::move(v.message);
    w->later = x.defer();
    queue_.push_back(std::move(w));
    arrived_.notify_one();
    return std::nullopt;
  }

  // The sink refuses once the reader is done (-n reached, stdout's reader
  // gone, a write failed, the loop ended): its wait ends, so that it ends.
  HttpReply take_inline(const HttpRequestData& req, Message& m) {
    InlineResult got = sink_(m);
    if (got != InlineResult::written) {
      std::lock_guard<std::mutex> lock(mu_);
      sink_done_ = true;
      arrived_.notify_all();
    }
    if (got == InlineResult::refused) return refuse(req, 503, "stopping");
    return HttpReply(202);
  }

  HttpServeRequest r_;
  std::mutex mu_;
  std::condition_variable arrived_;
  std::deque<std::shared_ptr<Waiting>> queue_;
  std::unordered_map<unsigned long long, std::shared_ptr<Waiting>> taken_;
  unsigned long long taken_count_ = 0;
  bool closing_ = false;
  bool sink_done_ = false;  // the sink took its last event
  InlineSink sink_;         // set once, before inline_
  std::atomic<bool> inline_{false};
  std::unique_ptr<HttpDaemon> daemon_;  // last: stopped first, while the rest is there
};

}  // namespace

}  // namespace evt

extern "C" __attribute__((visibility("default"))) evt::Subscriber* evt_http_open_ingest(const evt::HttpServeRequest* request) {
  return new evt::HttpIngest(*request);
}
