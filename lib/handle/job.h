// One event being handled by event-handle: where its run stands, how it
// ended, and the result envelope that says so.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "handle/handler.h"
#include "transport/transport.h"

namespace evt {

// How an event's handling ended.
enum class Outcome { completed, aborted, timeout, rejected, skipped };
const char* outcome_name(Outcome outcome);

struct Job {
  Message message;  // as the source gave it: the result acknowledges it
  std::string handler;
  std::vector<Step> steps;
  size_t next = 0;  // index of the next step to start
  Clock::time_point started = Clock::now();
  pid_t running = -1;              // the step running now
  std::string step;                // the last step started
  Clock::time_point step_started;  // when it started
  std::optional<Outcome> outcome;  // set once final
  std::optional<int> exit_code;
  std::string reason;
  size_t left_running = 0;
  std::vector<std::string> env_file;          // read when the event started
  int attempt = 1;                            // this run's number (EVENT_ATTEMPT)
  bool stopped = false;                       // its step was ended because event-handle stops
  std::optional<Clock::time_point> retry_at;  // set: it waits to run again

  // Ready to run again from its first step, as attempt + 1 (what ended
  // before is forgotten, but what it left running is still counted).
  void reset_for_next_attempt();
  // Given up: aborted, timed out or rejected, and not because event-handle stopped.
  bool given_up() const;
};

// The result envelope's line (with its newline): tag "<tag>/handled", data
// {event_id, handler, status, exit_code, step, duration_ms[, reason]
// [, left_running][, attempts]}, and the event's trace context
// (trace_context.h), so that the trace goes on where the result is fired.
std::string result_line(Job& job, const std::string& node, bool with_attempts);

}  // namespace evt
