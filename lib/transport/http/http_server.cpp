// HTTP in: event-listen -u http://ADDR:PORT/PREFIX. cpp-httplib's server
// runs in its own threads; each request is judged by the core's rules
// (IngestRules) and, when it is an event, is answered 202 only once the
// reader has written it out: event-listen writes it in the request's own
// thread (deliver_inline: no switch to the main thread and back for each
// request); otherwise it waits in its thread until the reader has written
// it out (delivered()) or, for event-handle, taken it (answer_on_receipt).
// A request the reader never dealt with when it stops is answered 503, so
// the sender tries again.
#include <httplib.h>

#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "core/signals.h"
#include "transport/http/listening_thread.h"
#include "transport/http/http_plugin.h"

namespace evt {

namespace {

// A request waiting in its server thread; it is woken alone when answered
// (one condition each: answering one does not wake the other waiters).
struct Waiting {
  Message message;
  int status = 0;  // the answer, once known
  std::condition_variable answered;
};

HttpRequestData request_data(const httplib::Request& req) {
  HttpRequestData r;
  r.method = req.method;
  r.path = req.path;
  auto q = req.target.find('?');
  if (q != std::string::npos) r.query = req.target.substr(q + 1);
  for (const auto& [name, value] : req.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (lower == "remote_addr" || lower == "remote_port" || lower == "local_addr" || lower == "local_port") continue;
    if (lower == "content-type") r.content_type = value;
    r.headers.emplace_back(std::move(lower), value);
  }
  r.body = req.body;
  r.peer = req.remote_addr;
  return r;
}

class HttpIngest final : public Subscriber {
 public:
  explicit HttpIngest(const HttpServeRequest& r) : r_(r) {
    if (r_.tls) {
      auto tls = std::make_unique<httplib::SSLServer>(r_.cert.c_str(), r_.key.c_str());
      if (!tls->is_valid()) throw usage_error(r_.name + ": cannot use --cert " + r_.cert + " and --key " + r_.key);
      server_ = std::move(tls);
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    configure();
    std::string address = r_.address == "*" ? "0.0.0.0" : r_.address;
    errno = 0;
    if (!server_->bind_to_port(address, r_.port)) {
      int err = errno;
      throw unreachable("cannot listen on " + r_.name + ": " + (err != 0 ? errno_text(err) : std::string("not an address here")));
    }
    // A request holds its thread until its event is written out, and a slow
    // client its own until the read timeout: more than the library's 8, so
    // that a few of either do not stop the rest.
    listening_.start(*server_, 32, [this] { serve(); });
  }

  ~HttpIngest() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
      for (auto& w : queue_) answer(*w, 503);
      for (auto& [id, w] : taken_) answer(*w, 503);
      queue_.clear();
      taken_.clear();
    }
    listening_.stop();
  }

  bool receive(std::vector<Message>& out, int timeout_ms) override {
    std::unique_lock<std::mutex> lock(mu_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
    // In slices, so that a signal (the stop flag) ends the wait soon.
    while (queue_.empty() && !failed_ && !sink_done_ && !r_.host.stop_requested()) {
      auto slice = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
      if (timeout_ms >= 0 && deadline < slice) slice = deadline;
      arrived_.wait_until(lock, slice);
      if (timeout_ms >= 0 && std::chrono::steady_clock::now() >= deadline) break;
    }
    if (failed_) throw unreachable(r_.name + ": the server stopped");
    while (!queue_.empty() && out.size() < batch_limit_) {
      std::shared_ptr<Waiting> w = std::move(queue_.front());
      queue_.pop_front();
      out.push_back(w->message);
      out.back().cursor = std::to_string(++taken_count_);
      if (r_.answer_on_receipt) answer(*w, 202);
      else taken_.emplace(taken_count_, std::move(w));
    }
    return true;
  }

  void delivered(const Message& m) override {
    if (r_.answer_on_receipt) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = taken_.find(std::stoull(m.cursor));
    if (it == taken_.end()) return;
    answer(*it->second, 202);
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
  // Under mu_.
  static void answer(Waiting& w, int status) {
    w.status = status;
    w.answered.notify_one();
  }

  void configure() {
    // SO_REUSEADDR only: the library's default, SO_REUSEPORT, would let a
    // second listener bind the same port and take half the requests.
    server_->set_socket_options([](int fd) {
      int yes = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server_->set_payload_max_length(static_cast<size_t>(r_.max_body));
    server_->set_keep_alive_timeout(5);
    // nginx's keepalive_requests: the library's 100 makes a busy sender
    // reconnect (and wake the accepting thread) every 100 requests.
    server_->set_keep_alive_max_count(1000);
    server_->set_read_timeout(10);  // a client that sends its headers slowly is dropped
    server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.method == "POST" || req.method == "PUT") return httplib::Server::HandlerResponse::Unhandled;
      res.set_header("Allow", "POST, PUT");
      answer(req, res, 405, "only POST and PUT make events");
      return httplib::Server::HandlerResponse::Handled;
    });
    auto handle = [this](const httplib::Request& req, httplib::Response& res) { take(req, res); };
    server_->Post(".*", handle);
    server_->Put(".*", handle);
    // What the library refused by itself (ours carry a body): said too.
    server_->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (res.body.empty()) say(req, res.status, res.status == 413 ? "body over --max-body" : "not a request taken");
    });
  }

  void serve() {
    try {
      if (!server_->listen_after_bind() && !stopping()) fail("the server stopped");
    } catch (const std::exception& e) {
      fail(e.what());
    } catch (...) {
      fail("the server stopped");
    }
  }

  bool stopping() {
    std::lock_guard<std::mutex> lock(mu_);
    return closing_;
  }

  void fail(const std::string& why) {
    r_.host.report(r_.name + ": " + why);
    std::lock_guard<std::mutex> lock(mu_);
    failed_ = true;
    arrived_.notify_all();
  }

  void say(const httplib::Request& req, int status, const std::string& why) {
    r_.host.report(std::to_string(status) + " " + req.method + " " + req.path + " from " + req.remote_addr + ": " + why);
  }

  void answer(const httplib::Request& req, httplib::Response& res, int status, const std::string& why) {
    res.status = status;
    res.set_content(why + "\n", "text/plain");
    say(req, status, why);
  }

  void take(const httplib::Request& req, httplib::Response& res) {
    IngestVerdict v = r_.rules->judge(request_data(req));
    if (v.status != 0) return answer(req, res, v.status, v.reason);
    if (inline_.load(std::memory_order_acquire)) return take_inline(req, res, v.message);
    auto w = std::make_shared<Waiting>();
    w->message = std::move(v.message);
    std::unique_lock<std::mutex> lock(mu_);
    if (closing_) {
      lock.unlock();
      return answer(req, res, 503, "stopping");
    }
    queue_.push_back(w);
    arrived_.notify_one();
    w->answered.wait(lock, [&] { return w->status != 0; });
    res.status = w->status;
    if (w->status != 202) res.set_content("stopping\n", "text/plain");
  }

  void take_inline(const httplib::Request& req, httplib::Response& res, Message& m) {
    InlineResult got = sink_(m);
    if (got == InlineResult::refused) return answer(req, res, 503, "stopping");
    res.status = 202;
    if (got != InlineResult::written_last) return;
    std::lock_guard<std::mutex> lock(mu_);  // the reader is done: its wait ends
    sink_done_ = true;
    arrived_.notify_all();
  }

  HttpServeRequest r_;
  std::unique_ptr<httplib::Server> server_;
  ListeningThread listening_;
  std::mutex mu_;
  std::condition_variable arrived_;
  std::deque<std::shared_ptr<Waiting>> queue_;
  std::unordered_map<unsigned long long, std::shared_ptr<Waiting>> taken_;
  unsigned long long taken_count_ = 0;
  bool closing_ = false;
  bool failed_ = false;
  bool sink_done_ = false;  // the sink took its last event
  InlineSink sink_;         // set once, before inline_
  std::atomic<bool> inline_{false};
};

}  // namespace

}  // namespace evt

extern "C" __attribute__((visibility("default"))) evt::Subscriber* evt_http_open_ingest(const evt::HttpServeRequest* request) {
  return new evt::HttpIngest(*request);
}
