// Delivering events to webhooks with libcurl's multi interface: a queue per
// webhook (its spool on disk), webhooks served at once and none slowing
// another; per webhook up to max-in-flight requests at once (1: in order,
// as Gluster), each retried on its own with the same webhook-id, on
// keep-alive connections, HTTP/2 multiplexed where the receiver speaks it;
// connect and total timeouts, any 2xx a success, retries on a jittered
// schedule honouring Retry-After, 410 Gone disabling the webhook, Bearer
// tokens, Gluster's JWT and Standard Webhooks signatures. Memory is bounded
// by the requests in flight: the backlog stays on disk.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/service_manager.h"
#include "eventsapi/eventsapi_config.h"
#include "eventsapi/eventsapi_store.h"
#include "eventsapi/webhook_request.h"
#include "eventsapi/webhook_stats.h"

namespace evt {

class WebhookDelivery {
 public:
  // log: where warnings go. gone: called (on the delivery thread) when a
  // webhook answered 410 and was disabled.
  WebhookDelivery(std::string state_dir, std::function<void(const std::string&)> log,
                  std::function<void(const std::string& url, const std::string& reason)> gone);
  ~WebhookDelivery();

  // The webhooks and settings to use from now on (reload), as of the
  // store's version: queues of webhooks that stay are kept; removed
  // webhooks' queues are deleted. A webhook whose spool cannot be opened
  // fails alone: reported, shown in stats() with its error, tried again.
  void configure(const Webhooks& hooks, const EventsapiConfig& config, long long store_version = -1);
  // The version whose webhooks the delivery loop runs with now (-1: none yet).
  long long applied() const { return applied_; }

  // Queues an event for every enabled webhook that asks for its type (any
  // thread), or for those of them in only; taken, when given, gets the URLs
  // whose spools took it. A webhook whose spool has no room (full, or the disk refused)
  // does not take it: with can_wait it is named in the result, for a
  // caller whose source holds the event (a Redis stream, stdin) to offer it
  // again later, and nothing is counted; otherwise the event is refused
  // for that webhook and counted by cause. trace: the event's context, sent
  // as headers.
  std::vector<std::string> enqueue(const std::string& id, const std::string& body, const TraceContext& trace,
                                   bool can_wait = false, const std::vector<std::string>* only = nullptr,
                                   std::vector<std::string>* taken = nullptr);

  // The delivery loop; returns once stop is set (and wake() called).
  // heartbeat: beaten every turn (at least once a second), for the watchdog.
  void run(const std::atomic<bool>& stop, LoopHeartbeat& heartbeat);
  void wake();

  // Each webhook's counts (webhook_stats.h); redelivered is not counted here.
  WebhookStatsByUrl stats();

  // The refused counts, kept across restarts in STATE/refused.json: written
  // when they changed (serve calls it once a second). Throws failed.
  void save_refused();

 private:
  struct Slot;
  struct Hook;
  struct Broken {  // a webhook whose spool could not be opened
    Webhook config;
    std::string error;
    Clock::time_point retry_at;
  };
  void apply_pending();
  void open_hook(const std::string& url, const Webhook& config);
  void retry_broken();
  long start_due();
  void start(Hook& h, Slot& s);
  void finish(Hook& h, Slot& s, int curl_code);
  void release(Hook& h, Slot& s);
  void give_up(Hook& h, Slot& s, const std::string& why);
  bool admit(Hook& h, const std::string& id, const std::string& body, const TraceContext& trace, long long& total, bool can_wait);
  void refuse(const std::string& url, const std::string& id, const std::string& cause, const std::string& why);
  void load_refused();

  std::string state_dir_;
  std::function<void(const std::string&)> log_;
  std::function<void(const std::string&, const std::string&)> gone_;
  void* multi_;
  std::mutex mutex_;  // hooks_, broken_, refused_, config_ and the pending change
  std::map<std::string, std::unique_ptr<Hook>> hooks_;
  std::map<std::string, Broken> broken_;
  std::map<std::string, std::map<std::string, uint64_t>> refused_;  // url -> cause -> count
  bool refused_changed_ = false;
  EventsapiConfig config_;
  bool have_pending_ = false;
  std::atomic<bool> running_{false};
  std::atomic<long long> applied_{-1};
  Webhooks pending_hooks_;
  EventsapiConfig pending_config_;
  long long pending_version_ = -1;
};

}  // namespace evt
