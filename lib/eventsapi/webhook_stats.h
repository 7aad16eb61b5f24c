// What a serve counts of each webhook, and the one place those counts are
// written and read as JSON: in the store's node record (STATE/status.json,
// Redis's eventsapi:nodes), and as status --json shows them summed over
// the nodes.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "core/metrics.h"

namespace evt {

struct WebhookStats {
  long long delivered = 0;
  long long retried = 0;  // requests that failed and were tried again (not kept in the store)
  long long pending = 0;  // in its spool, not yet done
  long long failed = 0;   // given up on: in failed.log
  long long refused = 0;  // not taken (no room, no spool), by cause in refused_by
  std::map<std::string, long long> refused_by;
  long long redelivered = 0;  // queued again by `eventsapi redeliver`
  long long in_flight = 0;
  long long p50_ms = -1;  // latencies (enqueued to delivered) of the last five minutes; -1: none
  long long p99_ms = -1;
  long long spool_bytes = 0;
  long long write_errors = 0;  // spool writes that failed
  bool disabled = false;
  bool paused = false;               // its spool had no room for a source that waits
  std::optional<std::string> error;  // why its spool could not be opened
  HistogramSnapshot latency;         // enqueued to delivered, in seconds, since serve started (for --metrics)
};

using WebhookStatsByUrl = std::map<std::string, WebhookStats>;

// A serve's report, as the store keeps it: {url: {delivered, ...}}.
nlohmann::json stats_json(const WebhookStatsByUrl& stats);
// A report read back; a count missing (an older serve's) is its default.
// Throws std::runtime_error saying what is not a count.
WebhookStatsByUrl stats_from_json(const nlohmann::json& j);

// One node's stats of a webhook added to the totals status shows: counts
// summed, the slowest latency, paused anywhere, the error of any (named by node).
void add_node_stats(WebhookStats& total, const WebhookStats& node, const std::string& node_name);
// A webhook's totals as status --json shows them (beside the store's own
// fields of the webhook: whether it is disabled; no spool size).
nlohmann::json status_json(const WebhookStats& totals);

}  // namespace evt
