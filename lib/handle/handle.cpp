#include "handle/handle.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>

#include "core/daemon_lifecycle.h"
#include "core/event.h"
#include "core/io.h"
#include "core/log.h"
#include "core/signals.h"
#include "core/text.h"
#include "handle/agent_log.h"
#include "handle/handle_metrics.h"
#include "handle/handler.h"
#include "handle/job_queue.h"
#include "handle/result_writer.h"
#include "handle/step_start.h"
#include "handle/step_supervisor.h"
#include "transport/http/metrics_server.h"

extern char** environ;

namespace evt {

namespace {

// While steps run and slots are free, the source is looked at this often.
constexpr int source_poll_ms = 25;

// Stopping (SIGTERM): no more events are read; running steps get the grace, then are ended.
struct StopState {
  bool stopping = false;
  bool sent = false;  // the running steps were told to end
  Clock::time_point deadline;
};

// What handled events add up to, for the status line and the exit status.
struct Tally {
  size_t handled = 0;  // events whose outcome is final
  size_t failed = 0, rejected = 0, dead_letter_failed = 0;
};

// The loop of event-handle: events from the source into the job queue,
// their steps started (or, in a dry run, said) and watched, results out.
// It is the real StepStart; DryRun stands in for it.
class Runner : public StepSupervisor::Observer, StepStart {
 public:
  Runner(const HandleRequest& r, Subscriber& source, Logger& log)
      : r_(r), source_(source), log_(log), supervisor_(r.step_timeout, r.grace, *this, r.slot), policy_(r.retry),
        queue_(r.jobs, r.count, policy_), out_(r.out_fd, r.node), life_(r.ready_file, [this] { return status_text(); }) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) base_env_.emplace_back(*e);
    if (r.dry_run) dry_run_ = std::make_unique<DryRun>(out_);
  }

  Exit run() {
    life_.remove_stale_ready_file();
    metrics_server_ = serve_metrics(r_.metrics, life_);
    backlog_ = BacklogGauges(metrics_server_ != nullptr);
    last_activity_ = Clock::now();
    while (turn()) {
    }
    // Leftovers of finished steps get their grace too.
    while (supervisor_.lingering()) supervisor_.poll(100);
    Exit status = Exit::ok;
    if (source_.invalid() > 0 || tally_.rejected > 0) status = worse(status, Exit::invalid_input);
    if (tally_.failed > 0 || tally_.dead_letter_failed > 0) status = worse(status, Exit::failed);
    return status;
  }

  // --- StepSupervisor::Observer

  void step_output(pid_t pid, std::string_view line, bool is_stderr) override {
    log_.step_output(queue_.job_of(pid), line, is_stderr);
  }

  void step_note(pid_t pid, Severity severity, const std::string& message) override {
    log_.step_note(queue_.job_of(pid), severity, message);
  }

  void step_ended(pid_t pid, const StepEnd& end) override {
    Job* j = queue_.job_of(pid);
    if (j == nullptr) return;
    j->running = -1;
    j->left_running += end.left_running;
    int code = end.exit_code();
    if (code != 0) log_.step_failed(*j, end.how());
    last_end_signalled_ = WIFSIGNALED(end.wait_status);
    metrics_.step_ended(j->handler, Clock::now() - j->step_started);
    if (end.timed_out) return finish(*j, Outcome::timeout, code, "step ran longer than " + seconds_text(r_.step_timeout) + "s");
    j->stopped = end.stopped;
    if (end.stopped) return finish(*j, Outcome::aborted, code, "event-handle was stopped");
    if (code != 0) return finish(*j, Outcome::aborted, code, "");
    start_next_step(*j);
  }

 private:
  // One turn of the loop: false once it is over.
  bool turn() {
    if (stop_requested() && !stop_.stopping) begin_stop();
    if (source_.live()) life_.ready();
    life_.tick();
    backlog_.poll(source_);
    start_pending();
    bool can_take = !stop_.stopping && !source_ended_ && !queue_.counted_out() && queue_.free_slots() > 0;
    bool quiet = queue_.nothing_running() && queue_.no_retries();
    if (quiet && queue_.nothing_pending() && idle_out()) return false;
    if (quiet && !can_take) return false;
    if (stop_.stopping && !stop_.sent && Clock::now() >= stop_.deadline) {
      supervisor_.stop_running();
      stop_.sent = true;
    }
    // A retry that is due but finds no free slot waits for a step to end.
    int keep = life_.wait_ms(shorter_wait(source_.still_working(queue_.held()), queue_.retry_due_ms(Clock::now())));
    if (can_take) {
      // Nothing running: wait on the source (the supervisor's timers, of
      // what finished steps left, are looked at in between).
      int wait = supervisor_.running() > 0 ? 0 : supervisor_.lingering() ? 100 : 1000;
      receive(shorter_wait(shorter_wait(wait, keep), idle_left_ms()));
      supervisor_.poll(supervisor_.running() > 0 && queue_.free_slots() > 0 ? shorter_wait(source_poll_ms, keep) : 0);
    } else {
      supervisor_.poll(shorter_wait(stop_.stopping && !stop_.sent ? 100 : -1, keep));
    }
    return true;
  }

  // -w: nothing arrived and nothing ran for the idle time.
  bool idle_out() const {
    return r_.idle_timeout > 0 && supervisor_.running() == 0 && queue_.no_retries() &&
           Clock::now() - last_activity_ >= seconds_duration(r_.idle_timeout);
  }
  int idle_left_ms() const {
    return r_.idle_timeout <= 0 ? -1 : static_cast<int>(ms_to_reach(last_activity_ + seconds_duration(r_.idle_timeout)));
  }

  // Under systemd (event-handle@.service): what systemctl status shows.
  std::string status_text() const {
    return "handled " + std::to_string(tally_.handled) + " event(s), " + std::to_string(tally_.failed) + " failed; " +
           std::to_string(queue_.running()) + " running";
  }

  // --- input

  void receive(int wait_ms) {
    batch_.clear();
    source_.limit_batch(queue_.free_slots());
    if (!source_.receive(batch_, wait_ms)) source_ended_ = true;
    metrics_.received(batch_.size(), source_.invalid());
    for (Message& m : batch_) {
      if (!wanted(m)) {
        source_.delivered(m);  // not ours to handle: passed over, as event-listen would
        continue;
      }
      last_activity_ = Clock::now();
      queue_.take(std::move(m));
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

  // Starts what was received and the retries that are due, as slots free up;
  // nothing new once stopping (what was not started is not acknowledged, so
  // a stream hands it out again).
  void start_pending() {
    emit_finished();
    while (!stop_.stopping) {
      Job* j = queue_.start_due_retry(Clock::now());
      if (j == nullptr) break;
      source_.attempting(j->message, j->attempt);
      prepare(*j);
      emit_finished();
    }
    while (!stop_.stopping) {
      Job* j = queue_.start_pending();
      if (j == nullptr) break;
      prepare(*j);
      emit_finished();
    }
  }

  // Finds j's handler and steps, and starts them.
  void prepare(Job& j) {
    Event& e = j.message.event();
    auto name = handler_name(e.tag, r_.name_from ? &*r_.name_from : nullptr);
    if (!name) {
      return end_early(j, Outcome::skipped, "--name-from does not match the tag", Severity::debug,
                       "no handler for " + e.tag + ": --name-from does not match");
    }
    j.handler = *name;
    if (auto why = handler_name_problem(j.handler)) {
      ++tally_.rejected;
      return end_early(j, Outcome::rejected, *why, Severity::warning, "rejected event " + e.id + " (" + e.tag + "): " + *why);
    }
    StepList list = find_steps(r_.dirs, j.handler);
    for (const auto& s : list.skipped) log_.say(Severity::debug, j.handler + ": skipping " + s);
    if (!list.found)
      return end_early(j, Outcome::skipped, "no handler directory", Severity::debug, "no handler directory for " + j.handler);
    j.steps = std::move(list.steps);
    starter().start(j);
  }

  void end_early(Job& j, Outcome outcome, const std::string& reason, Severity severity, const std::string& message) {
    log_.say(severity, message);
    starter().ended_early(j, outcome, reason);
  }

  StepStart& starter() { return dry_run_ ? static_cast<StepStart&>(*dry_run_) : *this; }

  // --- StepStart: the steps run for real

  void start(Job& j) override {
    if (!r_.env_file.empty()) {
      try {
        j.env_file = read_env_file(r_.env_file);
      } catch (const Error& err) {
        log_.say(Severity::err, err.what());  // the steps run without it, as the agent's do
      }
    }
    start_next_step(j);
  }

  void ended_early(Job& j, Outcome outcome, const std::string& reason) override {
    j.outcome = outcome;
    j.reason = reason;
  }

  bool consumes() const override { return true; }

  // --- steps

  void start_next_step(Job& j) {
    const Event& e = j.message.event();
    while (j.next < j.steps.size()) {
      const Step& s = j.steps[j.next++];
      j.step = s.name;
      try {
        j.running =
            supervisor_.start(s.path, step_environment(base_env_, j.env_file, e, j.handler, s.name, j.attempt), step_input(e));
      } catch (const Error& err) {
        // Gone or no longer executable since the list was taken (an update
        // step removed it): skipped, and the handler goes on, as the agent does.
        log_.step_skipped(j, s.name, err.what());
        continue;
      }
      j.step_started = Clock::now();
      log_.step_starting(j, s.name);
      return;
    }
    finish(j, Outcome::completed, 0, "");
  }

  void finish(Job& j, Outcome outcome, std::optional<int> code, const std::string& reason) {
    j.outcome = outcome;
    j.exit_code = code;
    j.reason = reason;
    // The agent says -1 for a step a signal ended (Go's ExitCode()).
    log_.finished(j, last_end_signalled_ ? -1 : code.value_or(0));
    last_end_signalled_ = false;
    if (outcome != Outcome::completed && !j.stopped && !stop_.stopping && policy_.may_retry(j.attempt)) return wait_to_retry(j);
    ++tally_.handled;
    if (outcome != Outcome::completed) ++tally_.failed;
  }

  // Retries: the wait is the policy's; the job leaves its slot in emit_finished().
  void wait_to_retry(Job& j) {
    double wait = static_cast<double>(queue_.schedule_retry(j, Clock::now()).count()) / 1000.0;
    metrics_.retrying(j);
    log_.runs_again(j, wait, policy_.max_attempts());
  }

  void begin_stop() {
    stop_.stopping = true;
    release_waiting();
    life_.stopping();
    stop_.deadline = Clock::now() + seconds_duration(r_.grace);
    log_.say(Severity::info, "stopping: no more events are read; running steps get " + seconds_text(r_.grace) + "s");
  }

  // Stopping: a waiting stream entry is left for the next worker; one from a pipe is given up now.
  void release_waiting() {
    for (Job& j : queue_.release_retries()) {
      if (!source_.redelivers()) {
        ++tally_.handled;
        ++tally_.failed;
        queue_.add_finished(std::move(j));
      } else {
        log_.left_for_next_run(j);
      }
    }
  }

  // --- output

  // Results of the jobs that are final, then the source is told.
  void emit_finished() {
    queue_.take_finished([this](Job& j) {
      // A dry run consumes nothing; a retried stream entry stopped, or a dead letter not sent, stays.
      bool left = j.stopped && policy_.enabled() && source_.redelivers();
      if (starter().consumes() && !left) {
        out_.result(j, policy_.enabled() || j.attempt > 1);
        metrics_.finished(j);
        if (send_dead_letter(j)) source_.delivered(j.message);
      }
      last_activity_ = Clock::now();
    });
  }

  // Sends j to the dead-letter endpoint when it is given up. Returns false
  // when that failed (the source then keeps it).
  bool send_dead_letter(Job& j) {
    if (r_.dead_letter == nullptr || !j.given_up()) return true;
    DeadLetterRecord why{j.handler, j.step, outcome_name(*j.outcome), j.exit_code, j.attempt, now_ts()};
    try {
      r_.dead_letter->send(j.message.event(), why);
      log_.sent_to_dead_letter(j, r_.dead_letter->where());
      metrics_.dead_letter(true);
      return true;
    } catch (const Error& err) {
      ++tally_.dead_letter_failed;
      metrics_.dead_letter(false);
      log_.dead_letter_failed(j, err.what());
      return false;
    }
  }

  const HandleRequest& r_;
  Subscriber& source_;
  AgentLog log_;
  StepSupervisor supervisor_;
  std::vector<std::string> base_env_;
  RetryPolicy policy_;
  JobQueue queue_;
  ResultWriter out_;
  std::unique_ptr<DryRun> dry_run_;  // set: it stands in for starting steps
  std::vector<Message> batch_;
  bool source_ended_ = false;
  // Ready file, READY/STATUS/WATCHDOG; takes NOTIFY_SOCKET out of the environment before the steps' is copied.
  DaemonLifecycle life_;
  Tally tally_;
  HandleMetrics metrics_{r_.source};
  std::unique_ptr<MetricsServer> metrics_server_;  // --metrics: after life_, so stopped before life_ goes
  BacklogGauges backlog_{false};                   // a stream's group lag and pending, while --metrics serves
  Clock::time_point last_activity_;                // the last arrival or result, for -w
  StopState stop_;
  bool last_end_signalled_ = false;  // the step that just ended was killed by a signal
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
