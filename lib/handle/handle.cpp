#include "handle/handle.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>
#include <map>

#include "core/event.h"
#include "handle/handler.h"
#include "core/io.h"
#include "core/log.h"
#include "core/signals.h"
#include "handle/step_process.h"

extern char** environ;

namespace evt {

namespace {

using Clock = std::chrono::steady_clock;

Clock::duration seconds(double s) { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); }

int child_pipe[2] = {-1, -1};  // SIGCHLD wakes the poll loop through it

void on_sigchld(int) {
  int saved = errno;
  char c = 0;
  (void)!::write(child_pipe[1], &c, 1);
  errno = saved;
}

struct Job {
  Event event;
  std::string handler;
  std::vector<Step> steps;
  size_t next = 0;  // index of the next step to start
  Clock::time_point started = Clock::now();

  // The step running now.
  bool running = false;
  StepProcess proc;
  std::string step;
  std::string input;
  size_t written = 0;
  std::string out_partial, err_partial;
  bool exited = false;
  int wait_status = 0;
  std::optional<Clock::time_point> deadline;  // --timeout
  std::optional<Clock::time_point> kill_at;   // SIGKILL after SIGTERM
  std::optional<Clock::time_point> pipes_until;  // after its exit: how long its output may stay open
  size_t left_running = 0;  // processes it left holding its output, ended by us
  bool timed_out = false;
  bool stopped = false;  // killed because event-handle was asked to stop

  // The outcome.
  std::string status;
  std::string reason;
  std::optional<int> exit_code;
  std::string last_step;
  bool done = false;
};

class Runner {
 public:
  Runner(const HandleRequest& r, Logger& log) : r_(r), log_(log) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      base_env_.emplace_back(*e);
    }
  }

  Exit run() {
    if (::pipe2(child_pipe, O_CLOEXEC | O_NONBLOCK) != 0) throw failed("pipe: " + errno_text(errno));
    // Orphans of steps become our children, so we reap them and know when a
    // step's process group is really gone.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    struct sigaction sa{};
    sa.sa_handler = on_sigchld;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, nullptr);
    ::fcntl(r_.in_fd, F_SETFL, ::fcntl(r_.in_fd, F_GETFL) | O_NONBLOCK);

    for (;;) {
      take_buffered_lines();
      if (jobs_.empty() && (eof_ || stopping_) && (stopping_ || input_.empty())) break;
      if (stop_requested() && !stopping_) begin_stop();
      poll_once();
      reap_children();
      run_timers();
      for (auto it = jobs_.begin(); it != jobs_.end();) {
        Job& j = *it;
        if (j.running) maybe_step_done(j);
        if (j.done) {
          emit_result(j);
          it = jobs_.erase(it);
        } else {
          ++it;
        }
      }
    }
    // Leftovers of finished steps get their grace too.
    while (!lingering_.empty() || !leftovers_.empty()) {
      ::poll(nullptr, 0, 50);
      reap_children();
      run_timers();
    }
    Exit status = Exit::ok;
    if (bad_lines_ > 0 || rejected_ > 0) status = worse(status, Exit::invalid_input);
    if (failed_ > 0) status = worse(status, Exit::failed);
    return status;
  }

 private:
  // --- input

  void take_buffered_lines() {
    while (!stopping_ && static_cast<int>(jobs_.size()) < r_.jobs) {
      auto nl = input_.find('\n', scan_from_);
      std::string line;
      if (nl == std::string::npos) {
        if (!eof_ || input_.empty()) {
          scan_from_ = input_.size();
          return;
        }
        line.swap(input_);
      } else {
        line = input_.substr(0, nl);
        input_.erase(0, nl + 1);
      }
      scan_from_ = 0;
      ++line_number_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      take_line(line);
    }
  }

  bool want_input() const {
    return !eof_ && !stopping_ && static_cast<int>(jobs_.size()) < r_.jobs &&
           input_.find('\n', scan_from_) == std::string::npos;
  }

  void read_input() {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(r_.in_fd, buf, sizeof buf);
      if (n > 0) {
        input_.append(buf, static_cast<size_t>(n));
        if (input_.size() > (64u << 20) && input_.find('\n') == std::string::npos) {
          ++bad_lines_;
          report("line " + std::to_string(line_number_ + 1) + ": longer than 64 MiB; skipped");
          input_.clear();
          skipping_long_line_ = true;
        }
        if (skipping_long_line_) {
          auto nl = input_.find('\n');
          if (nl == std::string::npos) {
            input_.clear();
            continue;
          }
          input_.erase(0, nl + 1);
          ++line_number_;
          skipping_long_line_ = false;
        }
        return;
      }
      if (n == 0) {
        eof_ = true;
        return;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      throw failed("reading events: " + errno_text(errno));
    }
  }

  void take_line(const std::string& line) {
    if (line.find_first_not_of(" \t") == std::string::npos) return;
    Event e;
    try {
      e = parse_envelope(line);
      complete(e, r_.node);
    } catch (const Error& err) {
      ++bad_lines_;
      report("line " + std::to_string(line_number_) + ": " + err.what());
      return;
    }
    Job j;
    j.event = std::move(e);
    auto name = handler_name(j.event.tag, r_.name_from ? &*r_.name_from : nullptr);
    if (!name) {
      j.status = "skipped";
      j.reason = "--name-from does not match the tag";
      return finish_early(j, Severity::debug, "no handler for " + j.event.tag + ": " + j.reason);
    }
    j.handler = *name;
    if (auto why = handler_name_problem(j.handler)) {
      ++rejected_;
      j.status = "rejected";
      j.reason = *why;
      return finish_early(j, Severity::warning, "rejected event " + j.event.id + " (" + j.event.tag + "): " + *why);
    }
    StepList list = find_steps(r_.dirs, j.handler);
    for (const auto& s : list.skipped) log_.log(Severity::debug, j.handler + ": skipping " + s);
    if (!list.found) {
      j.status = "skipped";
      j.reason = "no handler directory";
      return finish_early(j, Severity::debug, "no handler directory for " + j.handler);
    }
    j.steps = std::move(list.steps);
    if (r_.dry_run) {
      std::string out;
      for (const auto& s : j.steps) out += j.event.tag + "\t" + j.handler + "\t" + s.path + "\n";
      if (j.steps.empty()) out += j.event.tag + "\t" + j.handler + "\t(no steps)\n";
      write_out(out);
      return;
    }
    jobs_.push_back(std::move(j));
    Job& job = jobs_.back();
    log_.log(Severity::debug, "handler " + job.handler + " of " + job.event.tag + " is starting");
    start_next_step(job);
  }

  void finish_early(Job& j, Severity severity, const std::string& message) {
    log_.log(severity, message);
    if (r_.dry_run) {
      write_out(j.event.tag + "\t" + j.handler + "\t(" + j.status + ": " + j.reason + ")\n");
      return;
    }
    j.done = true;
    emit_result(j);
  }

  // --- steps

  void start_next_step(Job& j) {
    while (j.next < j.steps.size()) {
      const Step& s = j.steps[j.next++];
      log_.log(Severity::info, j.handler + ": starting step " + s.name);
      j.proc = StepProcess{};
      int err = spawn_step(s.path, step_environment(base_env_, j.event, j.handler, s.name), j.proc);
      j.last_step = s.name;
      if (err == ENOENT) {  // it went away since the directory was read (an update?)
        log_.log(Severity::warning, j.handler + "/" + s.name + ": vanished before it ran; skipped");
        continue;
      }
      if (err != 0) {
        log_.log(Severity::err, j.handler + "/" + s.name + ": cannot run: " + errno_text(err));
        return end_job(j, "aborted", 126, "cannot run step: " + errno_text(err));
      }
      j.running = true;
      j.step = s.name;
      j.input = step_input(j.event);
      j.written = 0;
      j.exited = false;
      j.pipes_until.reset();
      j.timed_out = false;
      j.deadline.reset();
      j.kill_at.reset();
      if (r_.step_timeout > 0) j.deadline = Clock::now() + seconds(r_.step_timeout);
      by_pid_[j.proc.pid] = &j;
      write_input(j);
      return;
    }
    end_job(j, "completed", 0, "");
  }

  void end_job(Job& j, const std::string& status, std::optional<int> code, const std::string& reason) {
    j.status = status;
    j.exit_code = code;
    j.reason = reason;
    j.done = true;
    if (status == "completed") {
      log_.log(Severity::info, "handler " + j.handler + " of " + j.event.tag + " completed");
    } else {
      ++failed_;
      std::string how = status == "timeout" ? "timed out" : "aborted";
      log_.log(Severity::err, "handler " + j.handler + " of " + j.event.tag + " " + how + " at step " + j.last_step +
                                  (code ? " (exit status " + std::to_string(*code) + ")" : "") +
                                  (reason.empty() ? "" : ": " + reason));
    }
  }

  void write_input(Job& j) {
    while (j.proc.stdin_fd >= 0 && j.written < j.input.size()) {
      ssize_t n = ::write(j.proc.stdin_fd, j.input.data() + j.written, j.input.size() - j.written);
      if (n > 0) {
        j.written += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      break;  // EPIPE: the step does not read its input, which is its right
    }
    close_fd(j.proc.stdin_fd);
  }

  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  // Relays what a step wrote, a line at a time, as it comes.
  // last: take what is there now and close, whether or not the writers are done.
  void read_output(Job& j, int& fd, std::string& partial, bool is_stderr, bool last = false) {
    if (fd < 0) return;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        partial.append(buf, static_cast<size_t>(n));
        size_t start = 0, nl;
        while ((nl = partial.find('\n', start)) != std::string::npos) {
          log_line(j, std::string_view(partial).substr(start, nl - start), is_stderr);
          start = nl + 1;
        }
        partial.erase(0, start);
        // A step that writes without newlines still gets logged, in pieces.
        if (partial.size() >= 4096) {
          log_line(j, partial, is_stderr);
          partial.clear();
        }
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN && !last) return;
      if (!partial.empty()) log_line(j, partial, is_stderr);
      partial.clear();
      close_fd(fd);
      return;
    }
  }

  void log_line(const Job& j, std::string_view line, bool is_stderr) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string msg = j.handler + "/" + j.step + ": ";
    msg += line;  // the logger escapes what it must
    log_.log(is_stderr ? Severity::warning : Severity::info, msg);
  }

  void maybe_step_done(Job& j) {
    if (!j.exited || j.proc.stdout_fd >= 0 || j.proc.stderr_fd >= 0) return;
    j.running = false;
    close_fd(j.proc.stdin_fd);
    by_pid_.erase(j.proc.pid);
    // What the step left running in its group gets SIGTERM, then SIGKILL.
    if (::kill(-j.proc.pid, 0) == 0) linger(j.proc.pid);
    int code = WIFEXITED(j.wait_status) ? WEXITSTATUS(j.wait_status) : 128 + WTERMSIG(j.wait_status);
    std::string how = WIFEXITED(j.wait_status) ? "exit status " + std::to_string(code)
                                               : "killed by signal " + std::to_string(WTERMSIG(j.wait_status));
    log_.log(code == 0 ? Severity::info : Severity::warning, j.handler + "/" + j.step + ": " + how);
    if (j.timed_out) return end_job(j, "timeout", code, "step ran longer than " + format_seconds(r_.step_timeout));
    if (j.stopped) return end_job(j, "aborted", code, "event-handle was stopped");
    if (code != 0) return end_job(j, "aborted", code, "");
    start_next_step(j);
  }

  static std::string format_seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%gs", s);
    return buf;
  }

  void linger(pid_t group) {
    ::kill(-group, SIGTERM);
    lingering_[group] = Clock::now() + seconds(r_.grace);
  }

  // --- the loop

  void poll_once() {
    std::vector<pollfd> fds;
    fds.push_back({child_pipe[0], POLLIN, 0});
    if (want_input()) fds.push_back({r_.in_fd, POLLIN, 0});
    struct Watch {
      Job* job;
      int which;  // 0 stdin, 1 stdout, 2 stderr
    };
    std::vector<Watch> watches;
    for (Job& j : jobs_) {
      if (!j.running) continue;
      if (j.proc.stdin_fd >= 0) {
        fds.push_back({j.proc.stdin_fd, POLLOUT, 0});
        watches.push_back({&j, 0});
      }
      if (j.proc.stdout_fd >= 0) {
        fds.push_back({j.proc.stdout_fd, POLLIN, 0});
        watches.push_back({&j, 1});
      }
      if (j.proc.stderr_fd >= 0) {
        fds.push_back({j.proc.stderr_fd, POLLIN, 0});
        watches.push_back({&j, 2});
      }
    }
    int timeout = next_timer_ms();
    int n = ::poll(fds.data(), fds.size(), timeout);
    if (n <= 0) return;
    size_t first_watch = want_input() ? 2 : 1;
    if (fds[0].revents) {
      char buf[256];
      while (::read(child_pipe[0], buf, sizeof buf) > 0) {
      }
    }
    if (first_watch == 2 && fds[1].revents) read_input();
    for (size_t i = first_watch; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Watch& w = watches[i - first_watch];
      if (w.which == 0) write_input(*w.job);
      else if (w.which == 1) read_output(*w.job, w.job->proc.stdout_fd, w.job->out_partial, false);
      else read_output(*w.job, w.job->proc.stderr_fd, w.job->err_partial, true);
    }
  }

  int next_timer_ms() const {
    std::optional<Clock::time_point> next;
    auto consider = [&](std::optional<Clock::time_point> t) {
      if (t && (!next || *t < *next)) next = t;
    };
    for (const Job& j : jobs_) {
      if (!j.running || j.exited) continue;
      consider(j.timed_out || j.stopped ? std::optional<Clock::time_point>() : j.deadline);
      consider(j.kill_at);
    }
    for (const auto& [group, when] : lingering_) consider(when);
    for (const auto& [pid, when] : leftovers_) consider(when);
    for (const Job& j : jobs_)
      if (j.running && j.exited) consider(j.pipes_until);
    if (stopping_) consider(stop_deadline_);
    if (!next) return stopping_ ? 100 : -1;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*next - Clock::now()).count();
    return ms < 0 ? 0 : static_cast<int>(ms + 1);
  }

  // A step that exited but left something holding its stdout or stderr
  // (a daemon it started with setsid, say): after the grace period its
  // output is no longer read, and what holds it is ended, so the event
  // finishes and the next one is not held up.
  void release_pipes(Job& j) {
    std::vector<pid_t> holders;
    for (int fd : {j.proc.stdout_fd, j.proc.stderr_fd})
      for (pid_t pid : processes_holding(fd))
        if (std::find(holders.begin(), holders.end(), pid) == holders.end()) holders.push_back(pid);
    read_output(j, j.proc.stdout_fd, j.out_partial, false, true);
    read_output(j, j.proc.stderr_fd, j.err_partial, true, true);
    j.left_running += holders.size();
    log_.log(Severity::warning, j.handler + "/" + j.step + ": exited " + format_seconds(r_.grace) +
                                    " ago, but " + std::to_string(holders.size()) +
                                    " process(es) it left still hold its output; sending them SIGTERM");
    auto kill_at = Clock::now() + seconds(r_.grace);
    for (pid_t pid : holders) {
      ::kill(pid, SIGTERM);
      leftovers_[pid] = kill_at;
    }
  }

  void run_timers() {
    auto now = Clock::now();
    for (Job& j : jobs_) {
      if (j.running && j.exited && j.pipes_until && now >= *j.pipes_until &&
          (j.proc.stdout_fd >= 0 || j.proc.stderr_fd >= 0)) {
        j.pipes_until.reset();
        release_pipes(j);
      }
      if (!j.running || j.exited) continue;
      if (j.deadline && !j.timed_out && !j.stopped && now >= *j.deadline) {
        j.timed_out = true;
        log_.log(Severity::warning, j.handler + "/" + j.step + ": ran longer than " + format_seconds(r_.step_timeout) +
                                        "; sending SIGTERM to its process group");
        ::kill(-j.proc.pid, SIGTERM);
        j.kill_at = now + seconds(r_.grace);
      }
      if (j.kill_at && now >= *j.kill_at) {
        log_.log(Severity::warning, j.handler + "/" + j.step + ": still running; sending SIGKILL to its process group");
        ::kill(-j.proc.pid, SIGKILL);
        j.kill_at.reset();
      }
    }
    if (stopping_ && now >= stop_deadline_ && !stop_killed_) {
      stop_killed_ = true;
      for (Job& j : jobs_) {
        if (!j.running || j.exited) continue;
        j.stopped = true;
        log_.log(Severity::warning, j.handler + "/" + j.step + ": still running at shutdown; sending SIGTERM");
        ::kill(-j.proc.pid, SIGTERM);
        j.kill_at = now + seconds(r_.grace);
      }
    }
    for (auto it = leftovers_.begin(); it != leftovers_.end();) {
      if (::kill(it->first, 0) != 0) {
        it = leftovers_.erase(it);
      } else if (now >= it->second) {
        ::kill(it->first, SIGKILL);
        it = leftovers_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto it = lingering_.begin(); it != lingering_.end();) {
      if (::kill(-it->first, 0) != 0) {
        it = lingering_.erase(it);
      } else if (now >= it->second) {
        ::kill(-it->first, SIGKILL);
        it = lingering_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void reap_children() {
    for (;;) {
      int status = 0;
      pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return;
      auto it = by_pid_.find(pid);
      if (it == by_pid_.end()) continue;
      Job& j = *it->second;
      j.exited = true;
      j.wait_status = status;
      j.pipes_until = Clock::now() + seconds(r_.grace);
      close_fd(j.proc.stdin_fd);
      // Its children may hold the pipes open: they go now, not at their leisure.
      if (::kill(-pid, 0) == 0 && !j.timed_out && !j.stopped) ::kill(-pid, SIGTERM);
      if (::kill(-pid, 0) == 0) j.kill_at = Clock::now() + seconds(r_.grace);
    }
  }

  void begin_stop() {
    stopping_ = true;
    stop_deadline_ = Clock::now() + seconds(r_.grace);
    log_.log(Severity::info, "stopping: no more events are read; running steps get " + format_seconds(r_.grace));
  }

  // --- output

  void emit_result(Job& j) {
    json data = json::object();
    data["event_id"] = j.event.id;
    data["handler"] = j.handler;
    data["status"] = j.status;
    data["exit_code"] = j.exit_code ? json(*j.exit_code) : json(nullptr);
    data["step"] = j.last_step.empty() ? json(nullptr) : json(j.last_step);
    data["duration_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - j.started).count();
    if (!j.reason.empty()) data["reason"] = j.reason;
    if (j.left_running > 0) data["left_running"] = j.left_running;  // ended by us, see the log
    std::string tag = j.event.tag + "/handled";
    if (tag_problem(tag)) tag = "event-handle/handled";
    std::string line = to_envelope(make_event(tag, JsonText(data), r_.node));
    line += '\n';
    write_out(line);
  }

  void write_out(const std::string& text) {
    if (out_closed_) return;
    if (!write_all(r_.out_fd, text)) out_closed_ = true;  // nobody reads results: the handlers still run
  }

  const HandleRequest& r_;
  Logger& log_;
  std::vector<std::string> base_env_;
  std::list<Job> jobs_;
  std::map<pid_t, Job*> by_pid_;
  std::map<pid_t, Clock::time_point> lingering_;  // groups of finished steps, and when to SIGKILL them
  std::map<pid_t, Clock::time_point> leftovers_;  // processes that held a finished step's output, and when to SIGKILL them
  std::string input_;
  size_t scan_from_ = 0;
  size_t line_number_ = 0;
  bool eof_ = false;
  bool skipping_long_line_ = false;
  bool stopping_ = false;
  bool stop_killed_ = false;
  Clock::time_point stop_deadline_;
  bool out_closed_ = false;
  size_t bad_lines_ = 0, rejected_ = 0, failed_ = 0;
};

}  // namespace

Exit handle_events(const HandleRequest& request, Logger& log) {
  if (request.dirs.empty()) throw usage_error("no handler directory given");
  for (const auto& dir : request.dirs) {
    if (::access(dir.c_str(), R_OK | X_OK) != 0) throw usage_error("handler directory " + dir + ": " + errno_text(errno));
  }
  if (request.jobs < 1) throw usage_error("-j: at least 1");
  Runner runner(request, log);
  return runner.run();
}

}  // namespace evt
