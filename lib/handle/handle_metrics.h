// What event-handle counts for --metrics: events received from its source
// (by transport) and results emitted, runs by handler and status (the
// result envelope's: completed, aborted, timeout, rejected, skipped),
// each step's duration, retries and dead letters. A handler label is only
// ever a handler directory that exists: a skipped or rejected event's name
// comes from its tag, and is counted under handler="".
#pragma once

#include <string>

#include "core/clock.h"
#include "core/metrics.h"
#include "handle/job.h"
#include "transport/transport_metrics.h"

namespace evt {

class HandleMetrics {
 public:
  // source: the URL events come from ("-": stdin).
  explicit HandleMetrics(const std::string& source);

  // A turn read n messages, of which invalid were not events (the source's count so far).
  void received(size_t n, size_t invalid_so_far);
  // j's result line was written: its final outcome.
  void finished(const Job& j);
  void step_ended(const std::string& handler, Clock::duration took);
  void retrying(const Job& j);
  void dead_letter(bool sent);

 private:
  TransportCounters transport_;
  size_t invalid_seen_ = 0;
  MetricsRegistry& m_ = metrics();
};

}  // namespace evt
