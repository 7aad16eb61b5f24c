#include "handle/handle.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <list>

#include "core/event.h"
#include "core/io.h"
#include "core/log.h"
#include "core/daemon_lifecycle.h"
#include "core/signals.h"
#include "core/text.h"
#include "handle/handler.h"
#include "handle/retry_queue.h"
#include "handle/step_supervisor.h"

extern char** environ;

namespace evt {

namespace {

// While steps run and slots are free, the source is looked at this often.
constexpr int source_poll_ms = 25;

class Runner : public StepSupervisor::Observer {
 public:
  Runner(const HandleRequest& r, Subscriber& source, Logger& log)
      : r_(r), source_(source), log_(log), supervisor_(r.step_timeout, r.grace, *this, r.slot), policy_(r.retry), retries_(policy_),
        life_(r.ready_file, [this] { return status_text(); }) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) base_env_.emplace_back(*e);
  }

  Exit run() {
    last_activity_ = Clock::now();
    for (;;) {
      if (stop_requested() && !stopping_) begin_stop();
      if (source_.live()) life_.ready();
      life_.tick();
      start_pending();
      bool can_take = !stopping_ && !source_ended_ && !counted_out() && free_slots() > 0;
      if (jobs_.empty() && pending_.empty() && retries_.empty() && idle_out()) break;
      if (jobs_.empty() && retries_.empty() && !can_take) break;
      if (stopping_ && !stop_sent_ && Clock::now() >= stop_deadline_) {
        supervisor_.stop_running();
        stop_sent_ = true;
      }
      // A retry that is due but finds no free slot waits for a step to end.
      int due = static_cast<int>(jobs_.size()) < r_.jobs ? retries_.due_ms(Clock::now()) : -1;
      int keep = life_.wait_ms(cap(keep_claims(), due));
      if (can_take) {
        // Nothing running: wait on the source (the supervisor's timers, of
        // what finished steps left, are looked at in between).
        int wait = supervisor_.running() > 0 ? 0 : supervisor_.lingering() ? 100 : 1000;
        receive(cap(cap(wait, keep), idle_left_ms()));
        supervisor_.poll(supervisor_.running() > 0 && free_slots() > 0 ? cap(source_poll_ms, keep) : 0);
      } else {
        supervisor_.poll(cap(stopping_ && !stop_sent_ ? 100 : -1, keep));
      }
    }
    // Leftovers of finished steps get their grace too.
    while (supervisor_.lingering()) supervisor_.poll(100);
    Exit status = Exit::ok;
    if (source_.invalid() > 0 || rejected_ > 0) status = worse(status, Exit::invalid_input);
    if (failed_ > 0 || dead_letter_failed_ > 0) status = worse(status, Exit::failed);
    return status;
  }

  // --- StepSupervisor::Observer

  void step_output(pid_t pid, std::string_view line, bool is_stderr) override {
    Job* j = job_of(pid);
    std::string msg = (j ? j->handler + "/" + j->step : std::string("?")) + ": ";
    msg += line;  // the logger escapes what it must
    log_.log(is_stderr ? Severity::warning : Severity::info, msg, context_of(j));
  }

  void step_note(pid_t pid, Severity severity, const std::string& message) override {
    Job* j = job_of(pid);
    log_.log(severity, (j ? j->handler + "/" + j->step : std::string("?")) + ": " + message, context_of(j));
  }

  void step_ended(pid_t pid, const StepEnd& end) override {
    Job* j = job_of(pid);
    if (j == nullptr) return;
    j->running = -1;
    j->left_running += end.left_running;
    int code = end.exit_code();
    if (code != 0) log_.log(Severity::err, j->handler + "/" + j->step + ": " + end.how(), context_of(j));
    last_end_signalled_ = WIFSIGNALED(end.wait_status);
    if (end.timed_out) return finish(*j, Outcome::timeout, code, "step ran longer than " + seconds_text(r_.step_timeout) + "s");
    j->stopped = end.stopped;
    if (end.stopped) return finish(*j, Outcome::aborted, code, "event-handle was stopped");
    if (code != 0) return finish(*j, Outcome::aborted, code, "");
    start_next_step(*j);
  }

 private:
  size_t free_slots() const {
    size_t busy = jobs_.size() + pending_.size();
    size_t free = busy >= static_cast<size_t>(r_.jobs) ? 0 : static_cast<size_t>(r_.jobs) - busy;
    if (r_.count > 0) free = std::min(free, static_cast<size_t>(r_.count) - std::min(taken_, static_cast<size_t>(r_.count)));
    return free;
  }

  // The shorter of two waits, -1 meaning none.
  static int cap(int a, int b) {
    if (a < 0) return b;
    if (b < 0) return a;
    return std::min(a, b);
  }

  bool counted_out() const { return r_.count > 0 && taken_ >= static_cast<size_t>(r_.count); }

  // -w: nothing arrived and nothing ran for the idle time.
  bool idle_out() const {
    return r_.idle_timeout > 0 && supervisor_.running() == 0 && retries_.empty() &&
           Clock::now() - last_activity_ >= idle_limit();
  }
  Clock::duration idle_limit() const { return seconds_duration(r_.idle_timeout); }
  int idle_left_ms() const {
    return r_.idle_timeout <= 0 ? -1 : static_cast<int>(ms_to_reach(last_activity_ + idle_limit()));
  }

  // Long handlers: the source keeps its claim on what they work on.
  int keep_claims() {
    std::vector<const Message*> running;
    for (const Job& j : jobs_)
      if (!j.outcome || j.retry_at) running.push_back(&j.message);
    for (const Job& j : retries_.jobs()) running.push_back(&j.message);  // waiting to run again: still ours
    return source_.still_working(running);
  }

  // Under systemd (event-handle@.service): what systemctl status shows.
  std::string status_text() const {
    return "handled " + std::to_string(handled_) + " event(s), " + std::to_string(failed_) + " failed; " +
           std::to_string(jobs_.size()) + " running";
  }

  // The journal's fields for a line about j (none without one).
  static LogContext context_of(Job* j) {
    if (j == nullptr) return {};
    const Event& e = j->message.event();
    return {j->handler, j->step, e.id, e.tag};
  }

  Job* job_of(pid_t pid) {
    for (Job& j : jobs_)
      if (j.running == pid) return &j;
    return nullptr;
  }

  // --- input

  void receive(int wait_ms) {
    batch_.clear();
    source_.limit_batch(free_slots());
    if (!source_.receive(batch_, wait_ms)) source_ended_ = true;
    for (Message& m : batch_) {
      if (!wanted(m)) {
        source_.delivered(m);  // not ours to handle: passed over, as event-listen would
        continue;
      }
      last_activity_ = Clock::now();
      ++taken_;
      pending_.push_back(std::move(m));
    }
    start_pending();
  }

  // Whether m is ours to handle: its tag matches and its data holds for
  // --where. A malformed event is: the runner rejects it and says why.
  bool wanted(Message& m) {
    if (!r_.filter.matches(m.tag)) return false;
    try {
      return where_holds(r_.where, m);
    } catch (const Error&) {
      return true;
    }
  }

  // Starts what was received, as slots free up; nothing new once stopping
  // (what was not started is not acknowledged, so a stream hands it out again).
  void start_pending() {
    emit_finished();
    start_due_retries();
    while (!stopping_ && !pending_.empty() && static_cast<int>(jobs_.size()) < r_.jobs) {
      Message m = std::move(pending_.front());
      pending_.pop_front();
      begin(std::move(m));
      emit_finished();
    }
  }

  void begin(Message m) {
    Job& j = jobs_.emplace_back();
    j.message = std::move(m);
    j.attempt = std::max(1, j.message.deliveries);
    prepare(j);
  }

  // Finds j's handler and steps, and starts the first.
  void prepare(Job& j) {
    Event& e = j.message.event();
    auto name = handler_name(e.tag, r_.name_from ? &*r_.name_from : nullptr);
    if (!name) {
      return finish_early(j, Outcome::skipped, "--name-from does not match the tag", Severity::debug,
                          "no handler for " + e.tag + ": --name-from does not match");
    }
    j.handler = *name;
    if (auto why = handler_name_problem(j.handler)) {
      ++rejected_;
      return finish_early(j, Outcome::rejected, *why, Severity::warning, "rejected event " + e.id + " (" + e.tag + "): " + *why);
    }
    StepList list = find_steps(r_.dirs, j.handler);
    for (const auto& s : list.skipped) log_.log(Severity::debug, j.handler + ": skipping " + s);
    if (!list.found)
      return finish_early(j, Outcome::skipped, "no handler directory", Severity::debug, "no handler directory for " + j.handler);
    j.steps = std::move(list.steps);
    if (r_.dry_run) {
      std::string out;
      for (const auto& s : j.steps) out += e.tag + "\t" + j.handler + "\t" + s.path + "\n";
      if (j.steps.empty()) out += e.tag + "\t" + j.handler + "\t(no steps)\n";
      write_out(out);
      j.outcome = Outcome::skipped;  // nothing ran; no result line in a dry run
      return;
    }
    if (!r_.env_file.empty()) {
      try {
        j.env_file = read_env_file(r_.env_file);
      } catch (const Error& err) {
        log_.log(Severity::err, err.what());  // the steps run without it, as the agent's do
      }
    }
    start_next_step(j);
  }

  void finish_early(Job& j, Outcome outcome, const std::string& reason, Severity severity, const std::string& message) {
    log_.log(severity, message);
    if (r_.dry_run) {
      write_out(j.message.event().tag + "\t" + j.handler + "\t(" + outcome_name(outcome) + ": " + reason + ")\n");
      j.outcome = outcome;
      return;
    }
    j.outcome = outcome;
    j.reason = reason;
  }

  // --- steps

  // The log lines are the NethServer 8 agent's, word for word, so that
  // what admins and ns8's own tests grep the journal for still matches.
  void start_next_step(Job& j) {
    const Event& e = j.message.event();
    while (j.next < j.steps.size()) {
      const Step& s = j.steps[j.next++];
      j.step = s.name;
      try {
        j.running = supervisor_.start(s.path, step_environment(base_env_, j.env_file, e, j.handler, s.name, j.attempt),
                                      step_input(e));
      } catch (const Error& err) {
        // Gone or no longer executable since the list was taken (an update
        // step removed it): skipped, and the handler goes on, as the agent does.
        log_.log(Severity::warning, "Handler of " + e.tag + " skipped step " + s.name + ": " + err.what(), context_of(&j));
        continue;
      }
      log_.log(Severity::debug, "Handler of " + e.tag + " is starting step " + s.name, context_of(&j));
      return;
    }
    finish(j, Outcome::completed, 0, "");
  }

  void finish(Job& j, Outcome outcome, std::optional<int> code, const std::string& reason) {
    j.outcome = outcome;
    j.exit_code = code;
    j.reason = reason;
    log_finish(j, code);
    if (outcome != Outcome::completed && !j.stopped && !stopping_ && policy_.may_retry(j.attempt)) return wait_to_retry(j);
    ++handled_;
    if (outcome != Outcome::completed) ++failed_;
  }

  void log_finish(Job& j, std::optional<int> code) {
    // The agent says -1 for a step a signal ended (Go's ExitCode()).
    int shown = last_end_signalled_ ? -1 : code.value_or(0);
    log_.log(*j.outcome == Outcome::completed ? Severity::info : Severity::err,
             "Handler of " + j.message.event().tag + " exited with status \"" + outcome_name(*j.outcome) + "\" (" +
                 std::to_string(shown) + ") at step " + j.step + (j.reason.empty() ? "" : ": " + j.reason),
             context_of(&j));
    last_end_signalled_ = false;
  }

  // Retries: the wait is the policy's; the job moves to retries_ in emit_finished().
  void wait_to_retry(Job& j) {
    double wait = retries_.schedule(j, Clock::now()).count() / 1000.0;
    log_.log(Severity::warning, "Handler of " + j.message.event().tag + " runs again in " + seconds_text(wait) + "s (attempt " +
                                    std::to_string(j.attempt + 1) + " of " + std::to_string(policy_.max_attempts()) + ")",
             context_of(&j));
  }

  // Events whose wait is over run again, from their first step, as slots free up.
  void start_due_retries() {
    while (!stopping_ && static_cast<int>(jobs_.size()) < r_.jobs && retries_.take_due(jobs_, Clock::now())) {
      Job& j = jobs_.back();
      source_.attempting(j.message, j.attempt);
      prepare(j);
      emit_finished();
    }
  }

  void begin_stop() {
    stopping_ = true;
    release_waiting();
    life_.stopping();
    stop_deadline_ = Clock::now() + seconds_duration(r_.grace);
    log_.log(Severity::info, "stopping: no more events are read; running steps get " + seconds_text(r_.grace) + "s");
  }

  // Stopping: a waiting stream entry is left for the next worker; one from a pipe is given up now.
  void release_waiting() {
    for (Job& j : retries_.release()) {
      if (!source_.redelivers()) {
        ++handled_;
        ++failed_;
        jobs_.push_back(std::move(j));
      } else {
        log_.log(Severity::info, "left event " + j.message.event().id + " unacknowledged for its next run");
      }
    }
  }

  // --- output

  // Results of the jobs that are final, then the source is told.
  void emit_finished() {
    retries_.hold_marked(jobs_);
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      if (!it->outcome) {
        ++it;
        continue;
      }
      // A dry run consumes nothing; a retried stream entry stopped, or a dead letter not sent, stays.
      bool left = it->stopped && policy_.enabled() && source_.redelivers();
      if (!r_.dry_run && !left) {
        write_out(result_line(*it, r_.node, policy_.enabled() || it->attempt > 1));
        if (send_dead_letter(*it)) source_.delivered(it->message);
      }
      last_activity_ = Clock::now();
      it = jobs_.erase(it);
    }
  }

  // Sends j to the dead-letter endpoint when it is given up. Returns false
  // when that failed (the source then keeps it).
  bool send_dead_letter(Job& j) {
    if (r_.dead_letter == nullptr || !j.given_up()) return true;
    DeadLetterRecord why{j.handler, j.step, outcome_name(*j.outcome), j.exit_code, j.attempt, now_ts()};
    try {
      r_.dead_letter->send(j.message.event(), why);
      log_.log(Severity::warning, "gave up event " + j.message.event().id + " after " + std::to_string(j.attempt) +
                                      " attempt(s): sent to " + r_.dead_letter->where(), context_of(&j));
      return true;
    } catch (const Error& err) {
      ++dead_letter_failed_;
      log_.log(Severity::err, "event " + j.message.event().id + " not sent to the dead-letter endpoint, left unacknowledged: " + err.what(),
               context_of(&j));
      return false;
    }
  }

  void write_out(const std::string& text) {
    if (out_closed_) return;
    if (!write_all(r_.out_fd, text)) out_closed_ = true;  // nobody reads results: the handlers still run
  }

  const HandleRequest& r_;
  Subscriber& source_;
  Logger& log_;
  StepSupervisor supervisor_;
  std::vector<std::string> base_env_;
  RetryPolicy policy_;
  std::list<Job> jobs_;
  RetryQueue retries_;  // aborted, to run again once their time comes; they hold no slot
  std::deque<Message> pending_;  // received, waiting for a slot
  std::vector<Message> batch_;
  bool source_ended_ = false;
  // Ready file, READY/STATUS/WATCHDOG; takes NOTIFY_SOCKET out of the environment before the steps' is copied.
  DaemonLifecycle life_;
  size_t handled_ = 0;  // events whose outcome is final
  size_t taken_ = 0;  // events taken from the source, for -n
  Clock::time_point last_activity_;  // the last arrival or result, for -w
  bool stopping_ = false;
  bool stop_sent_ = false;
  Clock::time_point stop_deadline_;
  bool out_closed_ = false;
  bool last_end_signalled_ = false;  // the step that just ended was killed by a signal
  size_t rejected_ = 0, failed_ = 0, dead_letter_failed_ = 0;
};

}  // namespace

Exit handle_events(const HandleRequest& request, Subscriber& source, Logger& log) {
  if (request.dirs.empty()) throw usage_error("no handler directory given");
  for (const auto& dir : request.dirs) {
    if (::access(dir.c_str(), R_OK | X_OK) != 0) throw usage_error("handler directory " + dir + ": " + errno_text(errno));
  }
  if (request.jobs < 1) throw usage_error("-j: at least 1");
  // A step a killed predecessor in this slot left running would run its
  // event a second time beside ours: it ends first.
  if (request.slot != nullptr) {
    for (const auto& e : request.slot->end_left_groups(request.grace))
      log.log(Severity::warning, "ended process group " + std::to_string(e.group.pgid) + " (" + e.how +
                                     "): a step the previous worker in slot " + std::to_string(request.slot->number()) +
                                     " left running");
  }
  Runner runner(request, source, log);
  return runner.run();
}

}  // namespace evt
