// eventsapi redeliver: events a webhook refused (failed.log) or that serve
// took within a time window (events.log), queued again through the spool,
// each with its own id as webhook-id so that a receiver drops what it has.
//
// The spools belong to the running serve's delivery loop, so the CLI never
// writes them behind its back: it leaves a request file in STATE/redeliver/
// (written atomically), which serve takes on its next turn (every 100 ms),
// queues through WebhookDelivery::enqueue, counts, and then removes: the
// removal is the acknowledgement. When no serve runs (STATE/serve.lock is
// free) the CLI takes that lock and does the same itself, so one code path
// writes the spools either way. A request left while serve was stopping is
// taken by the next serve; one taken twice (a crash between queueing and the
// removal) repeats events with their webhook-id, as any retry does.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/trace_context.h"
#include "eventsapi/eventsapi_cli.h"
#include "eventsapi/eventsapi_store.h"
#include "eventsapi/webhook_stats.h"

namespace evt {

class WebhookDelivery;

struct RedeliverOptions {
  std::vector<std::string> urls;  // the webhooks named; none: every enabled one
  bool failed = false;            // from failed.log (also without --since and --id)
  std::optional<double> since;    // events whose ts is at or after this unix time
  std::vector<std::string> ids;   // only these events
  bool dry_run = false;
};

// One event to queue again, and the webhooks it goes to.
struct Redelivery {
  std::string id;
  std::string body;   // the webhook body, byte for byte
  std::string event;  // its "event", for the listing
  long long ts = 0;
  std::vector<std::string> urls;
  TraceContext trace;  // as the log kept it: the webhook gets it again
};

// One failed.log line, newline included: {"url", "id", "body", "error"} and
// the trace context's members when set. WebhookDelivery::give_up writes it,
// redeliver reads it back.
std::string failed_log_line(const std::string& url, const std::string& id, const std::string& body, const std::string& error,
                            const TraceContext& trace);

// What the options select, in log order, each event once, to the enabled
// webhooks among those named that ask for its type (--events). From
// failed.log an event goes back to the webhook that refused it. Lines that
// are not records are skipped, counted in skipped. Throws failed when a log
// exists but cannot be read.
std::vector<Redelivery> select_redeliveries(const std::string& state_dir, const Webhooks& hooks, const RedeliverOptions& o,
                                            size_t& skipped);

// Leaves the request in STATE/redeliver/; returns its path. Throws failed.
std::string write_redelivery_request(const std::string& state_dir, const std::vector<Redelivery>& events);

// Queues every request waiting in STATE/redeliver/ through delivery, adds
// what each webhook's spool took to STATE/redelivered.json, and removes the
// request. Only the holder of serve.lock calls it. Problems go to report
// (a request that cannot be read is set aside as NAME.bad). Returns the
// events queued.
size_t take_redelivery_requests(const std::string& state_dir, WebhookDelivery& delivery,
                                const std::function<void(const std::string&)>& report);

// STATE/redelivered.json: {url: events queued again}; {} when there is none.
nlohmann::json redelivered_counts(const std::string& state_dir);

// Sets "redelivered" of each webhook in stats ({url: {...}}) from it.
void add_redelivered(WebhookStatsByUrl& stats, const std::string& state_dir);

// `eventsapi redeliver`: Gluster's exit codes (6: a URL that is no webhook).
int api_redeliver(const ApiContext& c, const RedeliverOptions& o);

}  // namespace evt
