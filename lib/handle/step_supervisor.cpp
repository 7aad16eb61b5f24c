#include "handle/step_supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/error.h"
#include "core/text.h"

namespace evt {

namespace {

// The write end of the live supervisor's wake pipe, for the signal handler.
volatile sig_atomic_t sigchld_fd = -1;

void on_sigchld(int) {
  int saved = errno;
  char c = 0;
  if (sigchld_fd >= 0) (void)!::write(sigchld_fd, &c, 1);
  errno = saved;
}

}  // namespace

int StepEnd::exit_code() const { return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status); }

std::string StepEnd::how() const {
  if (WIFEXITED(wait_status)) return "exit status " + std::to_string(WEXITSTATUS(wait_status));
  return "killed by signal " + std::to_string(WTERMSIG(wait_status));
}

StepSupervisor::StepSupervisor(double step_timeout, double grace, Observer& observer, GroupLedger* ledger)
    : step_timeout_(step_timeout), grace_(grace), observer_(observer), ledger_(ledger) {
  if (sigchld_fd >= 0) throw failed("a step supervisor is already running");
  if (!wake_.open(O_CLOEXEC | O_NONBLOCK)) throw failed("pipe: " + errno_text(errno));
  sigchld_fd = wake_.write.get();
  // Orphans of steps become our children, so we reap them and can end what
  // a step left behind.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  struct ::sigaction sa {};
  sa.sa_handler = on_sigchld;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, &previous_sigchld_);
}

StepSupervisor::~StepSupervisor() {
  sigaction(SIGCHLD, &previous_sigchld_, nullptr);
  sigchld_fd = -1;
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  for (auto& [pid, s] : steps_) {
    ::kill(-pid, SIGKILL);
    group_gone(pid);
    s.proc.stdin_fd.reset();
    s.proc.stdout_fd.reset();
    s.proc.stderr_fd.reset();
  }
  for (auto& [pgid, when] : groups_) {
    ::kill(-pgid, SIGKILL);
    group_gone(pgid);
  }
  wake_.read.reset();
  wake_.write.reset();
}

pid_t StepSupervisor::start(const std::string& path, const std::vector<std::string>& env, std::string input) {
  StepProcess proc = spawn_step(path, env);
  pid_t pid = proc.pid;
  Step& s = steps_[pid];
  s.proc = std::move(proc);
  s.input = std::move(input);
  if (step_timeout_ > 0) s.deadline = Clock::now() + seconds_duration(step_timeout_);
  if (ledger_ != nullptr) ledger_->group_started(pid);
  write_input(s);
  return pid;
}

void StepSupervisor::group_gone(pid_t pgid) {
  if (ledger_ != nullptr) ledger_->group_gone(pgid);
}

void StepSupervisor::write_input(Step& s) {
  while (s.proc.stdin_fd && s.written < s.input.size()) {
    ssize_t n = ::write(s.proc.stdin_fd.get(), s.input.data() + s.written, s.input.size() - s.written);
    if (n > 0) {
      s.written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    break;  // EPIPE: the step does not read its input, which is its right
  }
  s.proc.stdin_fd.reset();
}

// Relays what a step wrote, a line at a time, as it comes. last: take what
// is there now and close, whether or not the writers are done.
void StepSupervisor::read_output(pid_t pid, Step& s, UniqueFd& fd, std::string& partial, bool is_stderr, bool last) {
  (void)s;
  if (!fd) return;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      partial.append(buf, static_cast<size_t>(n));
      size_t start = 0, nl;
      while ((nl = partial.find('\n', start)) != std::string::npos) {
        std::string_view line = std::string_view(partial).substr(start, nl - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        observer_.step_output(pid, line, is_stderr);
        start = nl + 1;
      }
      partial.erase(0, start);
      // A step that writes without newlines still gets logged, in pieces.
      if (partial.size() >= 4096) {
        observer_.step_output(pid, partial, is_stderr);
        partial.clear();
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && !last) return;
    if (!partial.empty()) observer_.step_output(pid, partial, is_stderr);
    partial.clear();
    fd.reset();
    return;
  }
}

// The step exited a grace period ago, and something still holds its output
// open: stop reading, and end what holds it.
void StepSupervisor::release_pipes(pid_t pid, Step& s) {
  std::vector<pid_t> holders;
  for (int fd : {s.proc.stdout_fd.get(), s.proc.stderr_fd.get()})
    for (pid_t holder : processes_holding(fd))
      if (std::find(holders.begin(), holders.end(), holder) == holders.end()) holders.push_back(holder);
  read_output(pid, s, s.proc.stdout_fd, s.out_partial, false, true);
  read_output(pid, s, s.proc.stderr_fd, s.err_partial, true, true);
  s.left_running += holders.size();
  observer_.step_note(pid, Severity::warning,
                      "exited " + seconds_text(grace_) + "s ago, but " + std::to_string(holders.size()) +
                          " process(es) it left still hold its output; sending them SIGTERM");
  auto kill_at = Clock::now() + seconds_duration(grace_);
  for (pid_t holder : holders) {
    ::kill(holder, SIGTERM);
    leftovers_[holder] = kill_at;
  }
}

void StepSupervisor::reap() {
  char buf[256];
  while (::read(wake_.read.get(), buf, sizeof buf) > 0) {
  }
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    auto it = steps_.find(pid);
    if (it == steps_.end()) continue;  // something a step left, reparented to us
    Step& s = it->second;
    s.exited = true;
    s.wait_status = status;
    s.pipes_until = Clock::now() + seconds_duration(grace_);
    s.proc.stdin_fd.reset();
    // What is left in its group may hold the pipes open: it goes now.
    if (::kill(-pid, 0) == 0 && !s.timed_out && !s.stopped) ::kill(-pid, SIGTERM);
    if (::kill(-pid, 0) == 0) s.kill_at = Clock::now() + seconds_duration(grace_);
  }
}

void StepSupervisor::finish_if_done(pid_t pid) {
  auto it = steps_.find(pid);
  if (it == steps_.end()) return;
  Step& s = it->second;
  if (!s.exited || s.proc.stdout_fd || s.proc.stderr_fd) return;
  // What the step left running in its group gets SIGTERM, then SIGKILL.
  if (::kill(-pid, 0) == 0) {
    ::kill(-pid, SIGTERM);
    groups_[pid] = Clock::now() + seconds_duration(grace_);
  } else {
    group_gone(pid);
  }
  StepEnd end;
  end.wait_status = s.wait_status;
  end.timed_out = s.timed_out;
  end.stopped = s.stopped;
  end.left_running = s.left_running;
  steps_.erase(it);
  observer_.step_ended(pid, end);
}

void StepSupervisor::run_timers() {
  auto now = Clock::now();
  for (auto& [pid, s] : steps_) {
    if (s.exited && s.pipes_until && now >= *s.pipes_until && (s.proc.stdout_fd || s.proc.stderr_fd)) {
      s.pipes_until.reset();
      release_pipes(pid, s);
    }
    if (s.exited) continue;
    if (s.deadline && !s.timed_out && !s.stopped && now >= *s.deadline) {
      s.timed_out = true;
      observer_.step_note(pid, Severity::warning,
                          "ran longer than " + seconds_text(step_timeout_) + "s; sending SIGTERM to its process group");
      ::kill(-pid, SIGTERM);
      s.kill_at = now + seconds_duration(grace_);
    }
    if (s.kill_at && now >= *s.kill_at) {
      observer_.step_note(pid, Severity::warning, "still running; sending SIGKILL to its process group");
      ::kill(-pid, SIGKILL);
      s.kill_at.reset();
    }
  }
  auto expire = [&](std::map<pid_t, Clock::time_point>& pending, bool group) {
    for (auto it = pending.begin(); it != pending.end();) {
      pid_t target = group ? -it->first : it->first;
      if (::kill(target, 0) != 0) {
        if (group) group_gone(it->first);
        it = pending.erase(it);
      } else if (now >= it->second) {
        ::kill(target, SIGKILL);
        if (group) group_gone(it->first);
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
  };
  expire(groups_, true);
  expire(leftovers_, false);
}

int StepSupervisor::next_deadline_ms() const {
  std::optional<Clock::time_point> next;
  auto consider = [&](std::optional<Clock::time_point> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  for (const auto& [pid, s] : steps_) {
    if (s.exited) {
      consider(s.pipes_until);
      continue;
    }
    if (!s.timed_out && !s.stopped) consider(s.deadline);
    consider(s.kill_at);
  }
  for (const auto& [pid, when] : groups_) consider(when);
  for (const auto& [pid, when] : leftovers_) consider(when);
  if (!next) return -1;
  return static_cast<int>(ms_to_reach(*next));
}

void StepSupervisor::poll(int timeout_ms) {
  struct Watch {
    pid_t pid;
    int which;  // 0 stdin, 1 stdout, 2 stderr
  };
  std::vector<pollfd> fds{{wake_.read.get(), POLLIN, 0}};
  std::vector<Watch> watches;
  for (auto& [pid, s] : steps_) {
    if (s.proc.stdin_fd) {
      fds.push_back({s.proc.stdin_fd.get(), POLLOUT, 0});
      watches.push_back({pid, 0});
    }
    if (s.proc.stdout_fd) {
      fds.push_back({s.proc.stdout_fd.get(), POLLIN, 0});
      watches.push_back({pid, 1});
    }
    if (s.proc.stderr_fd) {
      fds.push_back({s.proc.stderr_fd.get(), POLLIN, 0});
      watches.push_back({pid, 2});
    }
  }
  int deadline = next_deadline_ms();
  if (deadline >= 0 && (timeout_ms < 0 || deadline < timeout_ms)) timeout_ms = deadline;
  int n = ::poll(fds.data(), fds.size(), timeout_ms);
  if (n > 0) {
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      const Watch& w = watches[i - 1];
      Step& s = steps_.at(w.pid);
      if (w.which == 0) write_input(s);
      else if (w.which == 1) read_output(w.pid, s, s.proc.stdout_fd, s.out_partial, false, false);
      else read_output(w.pid, s, s.proc.stderr_fd, s.err_partial, true, false);
    }
  }
  reap();
  run_timers();
  std::vector<pid_t> pids;
  for (const auto& [pid, s] : steps_) pids.push_back(pid);
  for (pid_t pid : pids) finish_if_done(pid);
}

void StepSupervisor::stop_running() {
  auto kill_at = Clock::now() + seconds_duration(grace_);
  for (auto& [pid, s] : steps_) {
    if (s.exited || s.stopped) continue;
    s.stopped = true;
    observer_.step_note(pid, Severity::warning, "still running at shutdown; sending SIGTERM");
    ::kill(-pid, SIGTERM);
    s.kill_at = kill_at;
  }
}

}  // namespace evt
