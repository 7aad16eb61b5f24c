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
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/service_manager.h"
#include "eventsapi/eventsapi_config.h"
#include "eventsapi/eventsapi_store.h"

namespace evt {

// One POST, as webhook-test and the delivery loop make it.
struct PostResult {
  bool ok = false;          // a 2xx status
  long status = 0;          // HTTP status, 0 if none came
  std::string error;        // curl's reason when no status came
  long long retry_after = -1;  // seconds, from Retry-After
};

// A blocking POST (webhook-test): body may be empty, as Gluster's test is.
PostResult post_once(const std::string& url, const Webhook& hook, const std::string& id, const std::string& body,
                     const EventsapiConfig& config);

class WebhookDelivery {
 public:
  // log: where warnings go. gone: called (on the delivery thread) when a
  // webhook answered 410 and was disabled.
  WebhookDelivery(std::string state_dir, std::function<void(const std::string&)> log,
                  std::function<void(const std::string& url, const std::string& reason)> gone);
  ~WebhookDelivery();

  // The webhooks and settings to use from now on (reload): queues of
  // webhooks that stay are kept; removed webhooks' queues are deleted.
  void configure(const Webhooks& hooks, const EventsapiConfig& config);

  // Queues an event for every enabled webhook (any thread). A webhook whose
  // spool is full or whose disk refuses gets it counted as refused.
  void enqueue(const std::string& id, const std::string& body);

  // The delivery loop; returns once stop is set (and wake() called).
  // heartbeat: beaten every turn (at least once a second), for the watchdog.
  void run(const std::atomic<bool>& stop, LoopHeartbeat& heartbeat);
  void wake();

  // {url: {delivered, pending, failed, refused, disabled, in_flight,
  // p50_ms, p99_ms}}, the latencies (enqueued to delivered) of the last
  // five minutes, -1 when there were none.
  nlohmann::json stats();

 private:
  struct Slot;
  struct Hook;
  void apply_pending();
  long start_due();
  void start(Hook& h, Slot& s);
  void finish(Hook& h, Slot& s, int curl_code);
  void release(Hook& h, Slot& s);
  void give_up(Hook& h, Slot& s, const std::string& why);
  void refuse(Hook& h, const std::string& id, const std::string& why);

  std::string state_dir_;
  std::function<void(const std::string&)> log_;
  std::function<void(const std::string&, const std::string&)> gone_;
  void* multi_;
  std::mutex mutex_;  // hooks_, config_ and the pending change
  std::map<std::string, std::unique_ptr<Hook>> hooks_;
  EventsapiConfig config_;
  bool have_pending_ = false;
  std::atomic<bool> running_{false};
  Webhooks pending_hooks_;
  EventsapiConfig pending_config_;
};

}  // namespace evt
