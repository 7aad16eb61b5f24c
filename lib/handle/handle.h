// event-handle's work: read events, run their handlers' steps, report.
//
// Each event's steps run one after the other; a non-zero exit aborts the
// rest. Up to `jobs` events run at once; when all slots are busy, stdin is
// not read (backpressure), so nothing is dropped. For each event handled a
// result envelope goes to stdout: tag "<tag>/handled", data {event_id,
// handler, status, exit_code, step, duration_ms[, reason]}.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "handle/logger.h"
#include "core/user_regex.h"

namespace evt {

struct HandleRequest {
  std::vector<std::string> dirs;
  std::optional<Regex> name_from;
  double step_timeout = 0;  // seconds; 0: none
  double grace = 5;         // seconds from SIGTERM to SIGKILL
  int jobs = 1;
  bool dry_run = false;
  std::string node;         // for result events
  int in_fd = 0;
  int out_fd = 1;
};

Exit handle_events(const HandleRequest& request, Logger& log);

}  // namespace evt
