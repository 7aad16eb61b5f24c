#include "eventsapi/webhook_delivery.h"

#include <curl/curl.h>
#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/endpoint.h"
#include "core/error.h"
#include "core/event.h"
#include "core/io.h"
#include "core/sha256.h"
#include "core/text.h"
#include "eventsapi/redeliver.h"
#include "eventsapi/spool.h"
#include "eventsapi/webhook_filter.h"

namespace evt {

namespace {

double jitter(double seconds) {
  uint32_t r = 0;
  random_bytes(&r, sizeof r);
  return seconds * (0.8 + 0.4 * (r / 4294967295.0));  // +-20%: receivers coming back are not stampeded
}

}  // namespace

// One request slot of a webhook: the entry it holds until done (in flight,
// or waiting for its retry), and the handle it is sent with.
struct WebhookDelivery::Slot {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  bool holding = false, in_flight = false;  // an entry is ours until done; its request is out now
  Spool::Entry entry;                       // as the spool keeps it
  WebhookPayload payload;                   // what is sent of it: its buffer lives as long as the request
  ResponseWatch watch;
  int attempt = 0;
  Clock::time_point retry_at{};

  Slot() { easy = curl_easy_init(); }
  ~Slot() {
    if (headers) curl_slist_free_all(headers);
    if (easy) curl_easy_cleanup(easy);
  }
};

struct WebhookDelivery::Hook {
  std::string url;
  Webhook config;
  size_t width = 1;  // slots wanted: max-in-flight
  std::unique_ptr<Spool> spool;
  std::vector<std::unique_ptr<Slot>> slots;
  std::atomic<uint64_t> delivered{0}, failed{0}, retried{0};
  Histogram latency{duration_buckets()};                          // enqueued to delivered, seconds
  bool paused = false;                                            // its spool had no room for a source that waits
  std::deque<std::pair<Clock::time_point, long long>> latencies;  // (when, ms) of deliveries, the last minutes
};

WebhookDelivery::WebhookDelivery(std::string state_dir, std::function<void(const std::string&)> log,
                                 std::function<void(const std::string&, const std::string&)> gone)
    : state_dir_(std::move(state_dir)), log_(std::move(log)), gone_(std::move(gone)) {
  ensure_curl();
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  load_refused();
}

WebhookDelivery::~WebhookDelivery() {
  for (auto& [url, h] : hooks_)
    for (auto& slot : h->slots)
      if (slot->in_flight) curl_multi_remove_handle(multi_, slot->easy);
  hooks_.clear();
  curl_multi_cleanup(multi_);
}

void WebhookDelivery::configure(const Webhooks& hooks, const EventsapiConfig& config, long long store_version) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_hooks_ = hooks;
    pending_config_ = config;
    pending_version_ = store_version;
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
    for (auto& slot : h.slots)
      if (slot->in_flight) curl_multi_remove_handle(multi_, slot->easy);
    h.spool->remove_files();  // the webhook was deleted: its queue goes with it
    it = hooks_.erase(it);
  }
  for (auto it = broken_.begin(); it != broken_.end();) it = pending_hooks_.count(it->first) ? std::next(it) : broken_.erase(it);
  for (const auto& [url, conf] : pending_hooks_) {
    auto found = hooks_.find(url);
    if (found == hooks_.end()) {
      open_hook(url, conf);
      continue;
    }
    Hook& h = *found->second;
    bool was_disabled = h.config.disabled;
    h.config = conf;
    h.width = static_cast<size_t>(conf.max_in_flight > 0 ? conf.max_in_flight : config_.max_in_flight());
    if (was_disabled && !conf.disabled)
      for (auto& s : h.slots) s->attempt = 0;
  }
  applied_ = pending_version_;
}

// A new webhook, built whole (its spool open) before the loop sees it; one
// whose spool cannot be opened waits in broken_ and is tried again.
void WebhookDelivery::open_hook(const std::string& url, const Webhook& conf) {
  auto h = std::make_unique<Hook>();
  h->url = url;
  h->config = conf;
  h->width = static_cast<size_t>(conf.max_in_flight > 0 ? conf.max_in_flight : config_.max_in_flight());
  try {
    std::string name = hex(sha256(url)).substr(0, 16);
    h->spool = std::make_unique<Spool>(state_dir_ + "/spool/" + name, log_);
  } catch (const Error& e) {
    auto [it, fresh] = broken_.try_emplace(url);
    if (fresh || it->second.error != e.what())
      log_(masked_url(url) + ": " + e.what() + "; its events are refused until it can be opened (tried every 2s)");
    it->second = Broken{conf, e.what(), Clock::now() + std::chrono::seconds(2)};
    return;
  }
  if (broken_.erase(url)) log_(masked_url(url) + ": its spool is open; delivering");
  hooks_[url] = std::move(h);
}

void WebhookDelivery::retry_broken() {
  auto now = Clock::now();
  std::vector<std::pair<std::string, Webhook>> due;
  for (const auto& [url, b] : broken_)
    if (now >= b.retry_at) due.emplace_back(url, b.config);
  for (const auto& [url, conf] : due) open_hook(url, conf);
}

std::vector<std::string> WebhookDelivery::enqueue(const std::string& id, const std::string& body, const TraceContext& trace,
                                                  bool can_wait, const std::vector<std::string>* only,
                                                  std::vector<std::string>* taken) {
  std::vector<std::string> waiting;
  std::lock_guard<std::mutex> lock(mutex_);
  auto wanted = [&](const std::string& url, const Webhook& conf) {
    return !conf.disabled && (!only || std::find(only->begin(), only->end(), url) != only->end()) &&
           body_wanted(conf.events, body);  // the types it asked for (--events)
  };
  long long total = 0;
  for (auto& [url, h] : hooks_) total += static_cast<long long>(h->spool->pending_bytes());
  for (auto& [url, h] : hooks_) {
    if (!wanted(url, h->config)) continue;
    uint64_t before = h->spool->pending();
    if (!admit(*h, id, body, trace, total, can_wait)) waiting.push_back(url);
    else if (taken && h->spool->pending() > before) taken->push_back(url);
  }
  for (const auto& [url, b] : broken_)
    if (wanted(url, b.config)) refuse(url, id, "spool unavailable", b.error);
  curl_multi_wakeup(multi_);
  return waiting;
}

// Appends to one webhook's spool; false when it had no room and the caller
// waits. total: the bytes pending in all spools (spool-max-mb bounds them).
bool WebhookDelivery::admit(Hook& h, const std::string& id, const std::string& body, const TraceContext& trace, long long& total,
                            bool can_wait) {
  std::string cause, why;
  if (total + static_cast<long long>(body.size()) > config_.spool_limit_bytes()) {
    cause = "spool full";
    why = "spool full (spool-max-mb " + std::to_string(config_.spool_max_mb()) + ")";
  } else {
    try {
      h.spool->append(id, body, trace);
      total += static_cast<long long>(body.size());
      h.paused = false;
      return true;
    } catch (const Error& e) {
      cause = "write failed";
      why = e.what();
    }
  }
  if (can_wait) {
    h.paused = true;
    return false;
  }
  refuse(h.url, id, cause, why);
  return true;
}

// Counted every time, by cause, and kept across restarts; logged the first
// time and every 1000th, so that a full disk does not also flood the log.
void WebhookDelivery::refuse(const std::string& url, const std::string& id, const std::string& cause, const std::string& why) {
  uint64_t n = ++refused_[url][cause];
  refused_changed_ = true;
  if (n == 1 || n % 1000 == 0)
    log_(why + ": event " + printable(id) + " refused for " + masked_url(url) + " (" + std::to_string(n) + " so far)");
}

void WebhookDelivery::load_refused() {
  std::string text;
  if (!read_file(state_dir_ + "/refused.json", text)) return;
  try {
    const nlohmann::json saved = nlohmann::json::parse(text);  // named: it must outlive the loop
    for (const auto& [url, causes] : saved.items())
      for (const auto& [cause, n] : causes.items())
        if (n.is_number_unsigned()) refused_[url][cause] = n.get<uint64_t>();
  } catch (const nlohmann::json::exception&) {
    log_(state_dir_ + "/refused.json is not JSON: the refused counts start again from 0");
  }
}

void WebhookDelivery::save_refused() {
  nlohmann::json out = nlohmann::json::object();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!refused_changed_) return;
    refused_changed_ = false;
    out = refused_;
  }
  try {
    write_file_atomically(state_dir_ + "/refused.json", out.dump() + "\n", 0600, false);
  } catch (const Error&) {
    std::lock_guard<std::mutex> lock(mutex_);
    refused_changed_ = true;  // tried again next time
    throw;
  }
}

void WebhookDelivery::wake() { curl_multi_wakeup(multi_); }

void WebhookDelivery::start(Hook& h, Slot& s) {
  if (s.headers) curl_slist_free_all(s.headers);
  s.payload = webhook_payload(h.config.format, s.entry.id, s.entry.body, {}, s.entry.trace);
  s.headers = request_headers(h.config, s.entry.id, s.entry.body, s.payload, s.entry.trace);
  set_request(s.easy, h.url, h.config, s.payload.body, s.headers, config_);
  s.watch.attach(s.easy);
  curl_easy_setopt(s.easy, CURLOPT_PRIVATE, &s);
  curl_multi_add_handle(multi_, s.easy);
  s.in_flight = true;
}

// The entry leaves the spool: delivered, or given up on.
void WebhookDelivery::release(Hook& h, Slot& s) {
  h.spool->done(s.entry.offset);
  s.holding = false;
  s.attempt = 0;
  s.entry = Spool::Entry{};
}

void WebhookDelivery::finish(Hook& h, Slot& s, int code) {
  curl_multi_remove_handle(multi_, s.easy);
  s.in_flight = false;
  PostResult r = result_of(s.easy, static_cast<CURLcode>(code), s.watch);
  if (r.ok) {
    if (s.entry.enqueued_ms > 0) {
      long long ms = std::max<long long>(0, epoch_ms() - s.entry.enqueued_ms);
      h.latencies.emplace_back(Clock::now(), ms);
      h.latency.observe(static_cast<double>(ms) / 1000);
    }
    release(h, s);
    ++h.delivered;
    return;
  }
  std::string why = r.status ? "status " + std::to_string(r.status) : r.error;
  if (r.status == 410) {
    // The receiver says it is gone for good: this event is given up, and no
    // more are queued for it until webhook-mod enables it again.
    h.config.disabled = true;
    h.config.disabled_reason = "410 Gone";
    log_(masked_url(h.url) + " answered 410 Gone: the webhook is disabled (webhook-mod enables it again); event " +
         printable(s.entry.id) + " is kept in failed.log");
    give_up(h, s, why);
    gone_(h.url, "410 Gone");
    return;
  }
  const std::vector<double>& schedule = config_.retry_schedule();
  if (s.attempt >= static_cast<int>(schedule.size())) {
    log_("giving up on event " + printable(s.entry.id) + " for " + masked_url(h.url) + " after " + std::to_string(s.attempt + 1) +
         " attempts (" + why + "); it is kept in failed.log");
    give_up(h, s, why);
    return;
  }
  double delay = jitter(schedule[static_cast<size_t>(s.attempt)]);
  if (r.retry_after >= 0) delay = std::min<double>(static_cast<double>(r.retry_after), 86400);  // the receiver said when
  if (s.attempt == 0)
    log_("POST to " + masked_url(h.url) + " failed (" + why + "); retrying" + (h.width == 1 ? ", the queue waits" : ""));
  ++s.attempt, ++h.retried;
  s.retry_at = Clock::now() + std::chrono::milliseconds(static_cast<long long>(delay * 1000));
}

// The dead letter: the event leaves the queue for failed.log (0600).
void WebhookDelivery::give_up(Hook& h, Slot& s, const std::string& why) {
  std::string line = failed_log_line(h.url, s.entry.id, s.entry.body, why, s.entry.trace);
  UniqueFd fd(::open((state_dir_ + "/failed.log").c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  try {
    if (!fd || !write_all(fd.get(), line)) throw Error(Exit::failed, errno_text(errno));
  } catch (const Error& e) {
    log_(std::string("cannot write failed.log: ") + e.what() + "; event " + printable(s.entry.id) + " for " + masked_url(h.url) +
         " is lost");
  }
  fd.reset();
  release(h, s);
  ++h.failed;
}

// Starts what each webhook may start now; returns how long until a retry is due (ms).
long WebhookDelivery::start_due() {
  auto now = Clock::now();
  long wait_ms = 1000;
  retry_broken();
  for (auto& [url, h] : hooks_) {
    // Slots beyond a smaller max-in-flight go once they hold nothing.
    while (h->slots.size() > h->width && !h->slots.back()->holding) h->slots.pop_back();
    while (h->slots.size() < h->width) h->slots.push_back(std::make_unique<Slot>());
    if (h->config.disabled) continue;
    for (size_t i = 0; i < h->slots.size(); ++i) {
      Slot& s = *h->slots[i];
      if (s.in_flight) continue;
      if (s.holding) {
        if (now < s.retry_at) {
          wait_ms = std::min<long>(wait_ms, static_cast<long>(ms_to_reach(s.retry_at, now)));
          continue;
        }
        start(*h, s);
        continue;
      }
      if (i >= h->width) continue;
      if (!h->spool->take(s.entry)) break;  // nothing more queued for this webhook
      s.holding = true;
      s.attempt = 0;
      start(*h, s);
    }
  }
  return wait_ms;
}

void WebhookDelivery::run(const std::atomic<bool>& stop, LoopHeartbeat& heartbeat) {
  running_ = true;
  auto last_sync = Clock::now();
  while (!stop) {
    heartbeat.beat();
    apply_pending();
    long wait_ms;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      wait_ms = start_due();
    }
    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Slot* slot = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &slot);
      CURLcode code = msg->data.result;
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& [url, h] : hooks_)
        for (auto& s : h->slots)
          if (s.get() == slot) finish(*h, *s, code);
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
      auto now = Clock::now();
      for (auto& [url, h] : hooks_) {
        if (h->config.disabled) continue;
        size_t busy = 0;
        for (auto& s : h->slots) {
          busy += s->holding;
          if (s->holding && !s->in_flight && now >= s->retry_at) ready = true;
        }
        if (busy < h->width && h->spool->pending() > busy) ready = true;
      }
    }
    curl_multi_poll(multi_, nullptr, 0, ready ? 0 : static_cast<int>(wait_ms), nullptr);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [url, h] : hooks_) h->spool->sync();
}

WebhookStatsByUrl WebhookDelivery::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  WebhookStatsByUrl out;
  auto horizon = Clock::now() - std::chrono::minutes(5);
  for (auto& [url, h] : hooks_) {
    while (!h->latencies.empty() && h->latencies.front().first < horizon) h->latencies.pop_front();
    std::vector<long long> ms;
    for (const auto& [when, value] : h->latencies) ms.push_back(value);
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) {
      return ms.empty() ? -1 : ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
    };
    WebhookStats& s = out[url];
    for (auto& slot : h->slots) s.in_flight += slot->in_flight;
    // The stats are signed (JSON's integers); the counters never reach 2^63.
    s.delivered = static_cast<long long>(h->delivered.load());
    s.pending = static_cast<long long>(h->spool->pending());
    s.failed = static_cast<long long>(h->failed.load());
    s.retried = static_cast<long long>(h->retried.load());
    s.latency = h->latency.snapshot();
    s.disabled = h->config.disabled;
    s.paused = h->paused;
    s.p50_ms = pct(0.5);
    s.p99_ms = pct(0.99);
    s.spool_bytes = static_cast<long long>(h->spool->file_bytes());
    s.write_errors = static_cast<long long>(h->spool->write_errors());
  }
  for (const auto& [url, b] : broken_) {
    WebhookStats& s = out[url] = WebhookStats{};
    s.disabled = b.config.disabled;
    s.error = b.error;
  }
  for (auto& [url, hook] : out) {
    if (auto it = refused_.find(url); it != refused_.end())
      for (const auto& [cause, n] : it->second) {
        hook.refused += static_cast<long long>(n);
        hook.refused_by[cause] = static_cast<long long>(n);
      }
  }
  return out;
}

}  // namespace evt
