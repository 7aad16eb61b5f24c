// event-handle's work: take events from a source, run their handlers'
// steps, report each result.
//
// Each event's steps run one after the other; a non-zero exit aborts the
// rest. Up to `jobs` events run at once; when all slots are busy, the
// source is not read (backpressure), so nothing is dropped. For each event
// handled a result envelope goes to stdout: tag "<tag>/handled", data
// {event_id, handler, status, exit_code, step, duration_ms[, reason]
// [, left_running][, attempts]}. Once an event's result is final the source
// is told (a Redis stream acknowledges the entry then, and not before).
//
// With retries, an aborted or timed-out handler runs again, from its first
// step, after the policy's wait; a waiting event holds no slot. An event
// given up (retries used up, or rejected) goes to the dead-letter endpoint
// first, and the source is told only once it went there.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/user_regex.h"
#include "core/tag_filter.h"
#include "core/where_filter.h"
#include "handle/dead_letter.h"
#include "handle/job.h"
#include "handle/logger.h"
#include "handle/retry_policy.h"
#include "handle/worker_slot.h"
#include "transport/transport.h"

namespace evt {

struct HandleRequest {
  std::vector<std::string> dirs;
  std::optional<Regex> name_from;
  double step_timeout = 0;  // seconds; 0: none
  double grace = 5;         // seconds from SIGTERM to SIGKILL
  int jobs = 1;
  bool dry_run = false;
  std::string node;                   // for result events
  std::string env_file;               // KEY=VALUE lines for every step, read for each event (the agent's ./environment)
  TagFilter filter;                   // events whose tags it does not match are passed over (and acknowledged)
  WhereFilter where;                  // --where: so are events whose data does not hold
  long count = 0;                     // -n: exit after this many events handled (0: no limit)
  double idle_timeout = 0;            // -w: exit 0 once nothing arrived and nothing ran for this long
  std::string ready_file;             // created once the source is live
  std::string source = "-";           // the URL events come from, for the metrics' transport label
  std::string metrics;                // --metrics ADDR:PORT; "": none
  RetrySettings retry;                // --retry: aborted and timed-out handlers run again
  DeadLetter* dead_letter = nullptr;  // --dead-letter: where what is given up goes
  WorkerSlot* slot = nullptr;         // a stream consumer's slot: records step groups, ends a dead predecessor's
  int out_fd = 1;
};

// Where event-handle's events come from: stdin ("-") or an endpoint. With
// redis+stream:// and no consumer= in the URL, the consumer is NODE/N, N
// this worker's slot on the node.
struct HandleSource {
  std::unique_ptr<WorkerSlot> slot;
  std::unique_ptr<Subscriber> subscriber;
};
HandleSource open_handle_source(const std::string& url, const TransportOptions& options, const TagFilter& filter);

// Handles what source delivers until it ends, -n or -w says so, or a stop
// signal.
Exit handle_events(const HandleRequest& request, Subscriber& source, Logger& log);

}  // namespace evt
