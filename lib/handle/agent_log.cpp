#include "handle/agent_log.h"

#include "core/text.h"

namespace evt {

LogContext AgentLog::context_of(Job* j) {
  if (j == nullptr) return {};
  const Event& e = j->message.event();
  return {j->handler, j->step, e.id, e.tag};
}

std::string AgentLog::step_name(Job* j) { return j ? j->handler + "/" + j->step : std::string("?"); }

void AgentLog::step_output(Job* j, std::string_view line, bool is_stderr) {
  std::string msg = step_name(j) + ": ";
  msg += line;  // the logger escapes what it must
  log_.log(is_stderr ? Severity::warning : Severity::info, msg, context_of(j));
}

void AgentLog::step_note(Job* j, Severity severity, const std::string& message) {
  log_.log(severity, step_name(j) + ": " + message, context_of(j));
}

void AgentLog::step_failed(Job& j, const std::string& how) {
  log_.log(Severity::err, j.handler + "/" + j.step + ": " + how, context_of(&j));
}

void AgentLog::step_starting(Job& j, const std::string& step) {
  log_.log(Severity::debug, "Handler of " + j.message.event().tag + " is starting step " + step, context_of(&j));
}

void AgentLog::step_skipped(Job& j, const std::string& step, const std::string& why) {
  log_.log(Severity::warning, "Handler of " + j.message.event().tag + " skipped step " + step + ": " + why, context_of(&j));
}

void AgentLog::finished(Job& j, int shown) {
  log_.log(*j.outcome == Outcome::completed ? Severity::info : Severity::err,
           "Handler of " + j.message.event().tag + " exited with status \"" + outcome_name(*j.outcome) + "\" (" +
               std::to_string(shown) + ") at step " + j.step + (j.reason.empty() ? "" : ": " + j.reason),
           context_of(&j));
}

void AgentLog::runs_again(Job& j, double wait_seconds, int max_attempts) {
  log_.log(Severity::warning,
           "Handler of " + j.message.event().tag + " runs again in " + seconds_text(wait_seconds) + "s (attempt " +
               std::to_string(j.attempt + 1) + " of " + std::to_string(max_attempts) + ")",
           context_of(&j));
}

void AgentLog::sent_to_dead_letter(Job& j, const std::string& where) {
  log_.log(Severity::warning,
           "gave up event " + j.message.event().id + " after " + std::to_string(j.attempt) + " attempt(s): sent to " + where,
           context_of(&j));
}

void AgentLog::dead_letter_failed(Job& j, const std::string& why) {
  log_.log(Severity::err, "event " + j.message.event().id + " not sent to the dead-letter endpoint, left unacknowledged: " + why,
           context_of(&j));
}

void AgentLog::left_for_next_run(Job& j) {
  log_.log(Severity::info, "left event " + j.message.event().id + " unacknowledged for its next run");
}

}  // namespace evt
