// What event-handle says about the events it handles: the NethServer 8
// agent's sentences, word for word, so that what admins and ns8's own tests
// grep the journal for still matches; each with the journal fields of the
// job it is about. As ninja's Status: the runner says what happened, this
// says it.
#pragma once

#include <string>
#include <string_view>

#include "handle/job.h"
#include "handle/logger.h"

namespace evt {

class AgentLog {
 public:
  explicit AgentLog(Logger& log) : log_(log) {}

  // A line of no job.
  void say(Severity severity, const std::string& message) { log_.log(severity, message); }

  // What a step wrote (j: nullptr when its job is gone), and what was seen of it.
  void step_output(Job* j, std::string_view line, bool is_stderr);
  void step_note(Job* j, Severity severity, const std::string& message);
  // A step ended other than with status 0 (how: its exit status or signal).
  void step_failed(Job& j, const std::string& how);
  void step_starting(Job& j, const std::string& step);
  // A step that could not be started: the handler goes on without it.
  void step_skipped(Job& j, const std::string& step, const std::string& why);
  // The handler's end; shown: the status the agent shows (-1 for a signal).
  void finished(Job& j, int shown);
  void runs_again(Job& j, double wait_seconds, int max_attempts);
  void sent_to_dead_letter(Job& j, const std::string& where);
  void dead_letter_failed(Job& j, const std::string& why);
  void left_for_next_run(Job& j);

 private:
  static LogContext context_of(Job* j);
  static std::string step_name(Job* j);

  Logger& log_;
};

}  // namespace evt
