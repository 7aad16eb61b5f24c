// The processes of handler steps, from start to the last thing they left
// behind: feeding a step its input, relaying its output a line at a time,
// learning when it exits (SIGCHLD, through a self-pipe this object owns and
// closes, the previous SIGCHLD disposition restored), ending it when it runs
// past its timeout (SIGTERM to its process group, SIGKILL after the grace),
// and ending what it leaves running: its group after it exits, and whatever
// still holds its output after the grace (a daemon it started with setsid,
// reparented to us as the child subreaper). event-handle's runner decides
// what runs when; this decides nothing but how a process ends.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "handle/logger.h"
#include "handle/step_groups.h"
#include "handle/step_process.h"

namespace evt {

// How a step ended.
struct StepEnd {
  int wait_status = 0;      // as waitpid(2) gave it
  bool timed_out = false;   // it ran past its timeout and was ended
  bool stopped = false;     // it was ended because event-handle is stopping
  size_t left_running = 0;  // processes it left holding its output, ended after the grace

  // Its exit status, or 128 plus the signal that killed it, as a shell says.
  int exit_code() const;
  // "exit status 3", "killed by signal 9".
  std::string how() const;
};

class StepSupervisor {
 public:
  // What the supervisor tells its owner as it happens.
  class Observer {
   public:
    virtual ~Observer() = default;
    // A line the step wrote (without its newline), or a piece of a line
    // longer than 4 KiB.
    virtual void step_output(pid_t step, std::string_view line, bool is_stderr) = 0;
    // Something the supervisor did to a step that a person should know.
    virtual void step_note(pid_t step, Severity severity, const std::string& message) = 0;
    // The step exited and its output is closed; it is no longer watched.
    virtual void step_ended(pid_t step, const StepEnd& end) = 0;
  };

  // step_timeout: seconds a step may run (0: no limit). grace: seconds from
  // SIGTERM to SIGKILL, and how long a step's output is read after it exits.
  // ledger, if given, is told of each step's process group from its start
  // until nothing of it is left.
  StepSupervisor(double step_timeout, double grace, Observer& observer, GroupLedger* ledger = nullptr);
  ~StepSupervisor();
  StepSupervisor(const StepSupervisor&) = delete;
  StepSupervisor& operator=(const StepSupervisor&) = delete;

  // Starts path (no shell) with env and input on its stdin, in a process
  // group of its own. Throws failed, naming the reason, when it cannot.
  pid_t start(const std::string& path, const std::vector<std::string>& env, std::string input);

  // Waits up to timeout_ms (-1: no limit) for something to happen, and
  // deals with it: writes input, reads output, reaps, fires the timers.
  // Returns early on a signal.
  void poll(int timeout_ms);

  // Shutdown: every running step gets SIGTERM now and SIGKILL after the
  // grace; their ends say stopped.
  void stop_running();

  size_t running() const { return steps_.size(); }
  // Processes of finished steps still to be ended (their deadlines pending).
  bool lingering() const { return !groups_.empty() || !leftovers_.empty(); }

 private:
  struct Step {
    StepProcess proc;
    std::string input;
    size_t written = 0;
    std::string out_partial, err_partial;
    bool exited = false;
    int wait_status = 0;
    std::optional<Clock::time_point> deadline;     // --timeout
    std::optional<Clock::time_point> kill_at;      // SIGKILL of its group, after SIGTERM
    std::optional<Clock::time_point> pipes_until;  // after it exits: how long its output is read
    bool timed_out = false;
    bool stopped = false;
    size_t left_running = 0;
  };

  void write_input(Step& s);
  void read_output(pid_t pid, Step& s, UniqueFd& fd, std::string& partial, bool is_stderr, bool last);
  void release_pipes(pid_t pid, Step& s);
  void reap();
  void run_timers();
  void finish_if_done(pid_t pid);
  void group_gone(pid_t pgid);
  int next_deadline_ms() const;

  double step_timeout_;
  double grace_;
  Observer& observer_;
  GroupLedger* ledger_;
  Pipe wake_;  // SIGCHLD writes a byte to wake_.write
  struct ::sigaction previous_sigchld_ {};
  std::map<pid_t, Step> steps_;
  std::map<pid_t, Clock::time_point> groups_;     // groups of ended steps, and when to SIGKILL them
  std::map<pid_t, Clock::time_point> leftovers_;  // processes that held an ended step's output, and when to SIGKILL them
};

}  // namespace evt
