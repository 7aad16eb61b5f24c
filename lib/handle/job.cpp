#include "handle/job.h"

#include <nlohmann/json.hpp>

#include "core/event.h"
#include "core/json.h"
#include "core/trace_context.h"

namespace evt {

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::completed: return "completed";
    case Outcome::aborted: return "aborted";
    case Outcome::timeout: return "timeout";
    case Outcome::rejected: return "rejected";
    case Outcome::skipped: return "skipped";
  }
  return "aborted";
}

void Job::reset_for_next_attempt() {
  steps.clear();
  next = 0;
  running = -1;
  step.clear();
  outcome.reset();
  exit_code.reset();
  reason.clear();
  env_file.clear();
  stopped = false;
  retry_at.reset();
  ++attempt;
}

bool Job::given_up() const {
  if (!outcome || stopped) return false;
  return *outcome == Outcome::aborted || *outcome == Outcome::timeout || *outcome == Outcome::rejected;
}

std::string result_line(Job& j, const std::string& node, bool with_attempts) {
  const Event& e = j.message.event();
  json data = json::object();
  data["event_id"] = e.id;
  data["handler"] = j.handler;
  data["status"] = outcome_name(j.outcome.value_or(Outcome::aborted));
  data["exit_code"] = j.exit_code ? json(*j.exit_code) : json(nullptr);
  data["step"] = j.step.empty() ? json(nullptr) : json(j.step);
  data["duration_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - j.started).count();
  if (!j.reason.empty()) data["reason"] = j.reason;
  if (j.left_running > 0) data["left_running"] = j.left_running;  // ended by us, see the log
  if (with_attempts) data["attempts"] = j.attempt;
  std::string tag = e.tag + "/handled";
  if (tag_problem(tag)) tag = "event-handle/handled";
  Event result = make_event(tag, JsonText(data), node);
  apply_trace_context(result, trace_context_of(e));  // the trace goes on through event-fire -l
  std::string line = to_envelope(result);
  line += '\n';
  return line;
}

}  // namespace evt
