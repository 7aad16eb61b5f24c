#include "eventsapi/webhook_delivery.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cmath>

#include "core/endpoint.h"
#include "core/error.h"
#include "core/event.h"
#include "core/io.h"
#include "core/version.h"
#include "eventsapi/gluster.h"
#include "eventsapi/sha256.h"
#include "eventsapi/spool.h"
#include "eventsapi/webhook_signature.h"

namespace evt {

namespace {

using Clock = std::chrono::steady_clock;

struct CurlInit {
  CurlInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

void ensure_curl() { static CurlInit once; }

curl_slist* request_headers(const Webhook& hook, const std::string& id, const std::string& body) {
  curl_slist* h = nullptr;
  h = curl_slist_append(h, "Content-Type: application/json");
  h = curl_slist_append(h, (std::string("User-Agent: eventsapi/") + version).c_str());
  h = curl_slist_append(h, "Expect:");  // no 100-continue round trip
  long long now = static_cast<long long>(std::time(nullptr));
  bool gluster_secret = !hook.secret.empty() && !standard_webhooks_secret(hook.secret);
  if (gluster_secret) {
    // Gluster's: the secret wins over a token, and signs a JWT made now (it
    // expires in 60 s, so each attempt gets its own). webhook-test's empty
    // body is its "TEST" event.
    auto head = webhook_body_head(body);
    std::string jwt = head ? gluster_jwt(hook.secret, head->event, head->ts, now) : gluster_jwt(hook.secret, "TEST", now, now);
    h = curl_slist_append(h, ("Authorization: Bearer " + jwt).c_str());
  } else if (!hook.token.empty()) {
    h = curl_slist_append(h, ("Authorization: Bearer " + hook.token).c_str());
  }
  // webhook-id always: delivery is at least once, and it is how a receiver
  // drops a repeat. A whsec_ secret signs them.
  h = curl_slist_append(h, ("webhook-id: " + id).c_str());
  h = curl_slist_append(h, ("webhook-timestamp: " + std::to_string(now)).c_str());
  if (!hook.secret.empty() && !gluster_secret)
    h = curl_slist_append(h, ("webhook-signature: " + webhook_signature(hook.secret, id, now, body)).c_str());
  return h;
}

void set_request(CURL* easy, const std::string& url, const Webhook& hook, const std::string& body, curl_slist* headers,
                 const EventsapiConfig& config) {
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config.connect_timeout() * 1000));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(config.timeout() * 1000));
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is a failure (Standard Webhooks)
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, hook.insecure ? 0L : 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, hook.insecure ? 0L : 2L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  // The receiver's answer is not ours to keep.
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, +[](char*, size_t size, size_t n, void*) { return size * n; });
}

PostResult result_of(CURL* easy, CURLcode code) {
  PostResult r;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
  curl_off_t after = -1;
  if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0) r.retry_after = after;
  if (code != CURLE_OK) {
    r.error = curl_easy_strerror(code);
    r.status = 0;
  }
  r.ok = code == CURLE_OK && r.status >= 200 && r.status < 300;
  return r;
}

double jitter(double seconds) {
  uint32_t r = 0;
  random_bytes(&r, sizeof r);
  return seconds * (0.8 + 0.4 * (r / 4294967295.0));  // +-20%: receivers coming back are not stampeded
}

}  // namespace

PostResult post_once(const std::string& url, const Webhook& hook, const std::string& id, const std::string& body,
                     const EventsapiConfig& config) {
  ensure_curl();
  CURL* easy = curl_easy_init();
  curl_slist* headers = request_headers(hook, id, body);
  set_request(easy, url, hook, body, headers, config);
  CURLcode code = curl_easy_perform(easy);
  PostResult r = result_of(easy, code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(easy);
  return r;
}

struct WebhookDelivery::Hook {
  std::string url;
  Webhook config;
  std::unique_ptr<Spool> spool;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  bool in_flight = false;
  std::string id, body;  // the event in flight (its buffer lives as long as the request)
  int attempt = 0;
  Clock::time_point retry_at{};
  std::atomic<uint64_t> delivered{0}, failed{0}, refused{0};

  ~Hook() {
    if (headers) curl_slist_free_all(headers);
    if (easy) curl_easy_cleanup(easy);
  }
};

WebhookDelivery::WebhookDelivery(std::string state_dir, std::function<void(const std::string&)> log,
                                 std::function<void(const std::string&, const std::string&)> gone)
    : state_dir_(std::move(state_dir)), log_(std::move(log)), gone_(std::move(gone)) {
  ensure_curl();
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
}

WebhookDelivery::~WebhookDelivery() {
  for (auto& [url, h] : hooks_) {
    if (h->in_flight) curl_multi_remove_handle(multi_, h->easy);
  }
  hooks_.clear();
  curl_multi_cleanup(multi_);
}

void WebhookDelivery::configure(const Webhooks& hooks, const EventsapiConfig& config) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_hooks_ = hooks;
    pending_config_ = config;
    have_pending_ = true;
  }
  // Before the loop runs, apply at once, so events queued early already find
  // their webhooks; after, only the loop's thread touches curl's handles.
  if (!running_) apply_pending();
  wake();
}

void WebhookDelivery::apply_pending() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!have_pending_) return;
  have_pending_ = false;
  config_ = pending_config_;
  for (auto it = hooks_.begin(); it != hooks_.end();) {
    if (pending_hooks_.count(it->first)) {
      ++it;
      continue;
    }
    Hook& h = *it->second;
    if (h.in_flight) curl_multi_remove_handle(multi_, h.easy);
    h.spool->remove_files();  // the webhook was deleted: its queue goes with it
    it = hooks_.erase(it);
  }
  for (const auto& [url, conf] : pending_hooks_) {
    auto& slot = hooks_[url];
    if (!slot) {
      slot = std::make_unique<Hook>();
      slot->url = url;
      std::string name = hex(sha256(url)).substr(0, 16);
      slot->spool = std::make_unique<Spool>(state_dir_ + "/spool/" + name);
      slot->easy = curl_easy_init();
      curl_easy_setopt(slot->easy, CURLOPT_PRIVATE, slot.get());
    }
    bool was_disabled = slot->config.disabled;
    slot->config = conf;
    if (was_disabled && !conf.disabled) slot->attempt = 0;
  }
}

void WebhookDelivery::enqueue(const std::string& id, const std::string& body) {
  std::lock_guard<std::mutex> lock(mutex_);
  long long limit = config_.spool_limit_bytes();
  long long total = 0;
  for (auto& [url, h] : hooks_) total += static_cast<long long>(h->spool->pending_bytes());
  for (auto& [url, h] : hooks_) {
    if (h->config.disabled) continue;
    if (total + static_cast<long long>(body.size()) > limit) {
      refuse(*h, id, "spool full (spool-max-mb " + config_.get("spool-max-mb") + ")");
      continue;
    }
    try {
      h->spool->append(id, body);
      total += static_cast<long long>(body.size());
    } catch (const Error& e) {
      refuse(*h, id, e.what());
    }
  }
  curl_multi_wakeup(multi_);
}

// Counted every time; logged the first time and every 1000th, so that a full
// disk does not also flood the log.
void WebhookDelivery::refuse(Hook& h, const std::string& id, const std::string& why) {
  uint64_t n = ++h.refused;
  if (n == 1 || n % 1000 == 0)
    log_(why + ": event " + id + " refused for " + masked_url(h.url) + " (" + std::to_string(n) + " so far)");
}

void WebhookDelivery::wake() { curl_multi_wakeup(multi_); }

void WebhookDelivery::start(Hook& h) {
  if (!h.spool->front(h.id, h.body)) return;
  if (h.headers) curl_slist_free_all(h.headers);
  h.headers = request_headers(h.config, h.id, h.body);
  set_request(h.easy, h.url, h.config, h.body, h.headers, config_);
  curl_multi_add_handle(multi_, h.easy);
  h.in_flight = true;
}

void WebhookDelivery::finish(Hook& h, int code) {
  curl_multi_remove_handle(multi_, h.easy);
  h.in_flight = false;
  PostResult r = result_of(h.easy, static_cast<CURLcode>(code));
  if (r.ok) {
    h.spool->pop();
    ++h.delivered;
    h.attempt = 0;
    return;
  }
  std::string why = r.status ? "status " + std::to_string(r.status) : r.error;
  if (r.status == 410) {
    // The receiver says it is gone for good: this event is given up, and no
    // more are queued for it until webhook-mod enables it again.
    h.config.disabled = true;
    h.config.disabled_reason = "410 Gone";
    log_(masked_url(h.url) + " answered 410 Gone: the webhook is disabled (webhook-mod enables it again); event " + h.id +
         " is kept in failed.log");
    give_up(h, why);
    gone_(h.url, "410 Gone");
    return;
  }
  std::vector<double> schedule = config_.retry_schedule();
  if (h.attempt >= static_cast<int>(schedule.size())) {
    log_("giving up on event " + h.id + " for " + masked_url(h.url) + " after " + std::to_string(h.attempt + 1) + " attempts (" + why +
         "); it is kept in failed.log");
    give_up(h, why);
    return;
  }
  double delay = jitter(schedule[static_cast<size_t>(h.attempt)]);
  if (r.retry_after >= 0) delay = std::min<double>(static_cast<double>(r.retry_after), 86400);  // the receiver said when
  if (h.attempt == 0) log_("POST to " + masked_url(h.url) + " failed (" + why + "); retrying, the queue waits");
  ++h.attempt;
  h.retry_at = Clock::now() + std::chrono::milliseconds(static_cast<long long>(delay * 1000));
}

// The dead letter: the event leaves the queue for failed.log (0600).
void WebhookDelivery::give_up(Hook& h, const std::string& why) {
  std::string line = nlohmann::json({{"url", h.url}, {"id", h.id}, {"body", h.body}, {"error", why}}).dump() + "\n";
  int fd = ::open((state_dir_ + "/failed.log").c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  try {
    if (fd < 0 || !write_all(fd, line)) throw Error(Exit::failed, errno_text(errno));
  } catch (const Error& e) {
    log_(std::string("cannot write failed.log: ") + e.what() + "; event " + h.id + " for " + masked_url(h.url) + " is lost");
  }
  if (fd >= 0) ::close(fd);
  h.spool->pop();
  ++h.failed;
  h.attempt = 0;
}

void WebhookDelivery::run(const std::atomic<bool>& stop) {
  running_ = true;
  auto last_sync = Clock::now();
  while (!stop) {
    apply_pending();
    auto now = Clock::now();
    long wait_ms = 1000;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& [url, h] : hooks_) {
        if (h->in_flight || h->config.disabled) continue;
        if (now < h->retry_at) {
          wait_ms = std::min<long>(wait_ms, std::chrono::duration_cast<std::chrono::milliseconds>(h->retry_at - now).count() + 1);
          continue;
        }
        start(*h);
      }
    }
    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Hook* h = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &h);
      CURLcode code = msg->data.result;
      std::lock_guard<std::mutex> lock(mutex_);
      if (h) finish(*h, code);
    }
    if (Clock::now() - last_sync > std::chrono::milliseconds(200)) {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& [url, h] : hooks_) h->spool->sync();
      last_sync = Clock::now();
    }
    // Something to send now? Go round without waiting.
    bool ready = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& [url, h] : hooks_) {
        if (!h->in_flight && !h->config.disabled && Clock::now() >= h->retry_at && h->spool->pending() > 0) ready = true;
      }
    }
    if (!ready) curl_multi_poll(multi_, nullptr, 0, static_cast<int>(wait_ms), nullptr);
    else curl_multi_poll(multi_, nullptr, 0, 0, nullptr);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [url, h] : hooks_) h->spool->sync();
}

nlohmann::json WebhookDelivery::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json out = nlohmann::json::object();
  for (auto& [url, h] : hooks_) {
    out[url] = {{"delivered", h->delivered.load()}, {"pending", h->spool->pending()}, {"failed", h->failed.load()},
                {"refused", h->refused.load()}, {"disabled", h->config.disabled}};
  }
  return out;
}

}  // namespace evt
