#include "handle/step_supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>

#include "core/error.h"

using namespace evt;

namespace {

// Records what the supervisor says, and runs it until every step ended.
struct Recorder : StepSupervisor::Observer {
  std::map<pid_t, std::vector<std::string>> out, err, notes;
  std::map<pid_t, StepEnd> ends;

  void step_output(pid_t pid, std::string_view line, bool is_stderr) override { (is_stderr ? err : out)[pid].emplace_back(line); }
  void step_note(pid_t pid, Severity, const std::string& message) override { notes[pid].push_back(message); }
  void step_ended(pid_t pid, const StepEnd& end) override { ends[pid] = end; }
};

// A /bin/sh script as a step: the supervisor runs files, never a shell line.
class Script {
 public:
  explicit Script(const std::string& body) {
    char name[] = "/tmp/step-supervisor-test-XXXXXX";
    int fd = mkstemp(name);
    path_ = name;
    std::string text = "#!/bin/sh\n" + body + "\n";
    EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    fchmod(fd, 0700);
    close(fd);
  }
  ~Script() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Polls until the step ended, or fails after limit seconds.
void run_until_ended(StepSupervisor& s, Recorder& r, pid_t pid, double limit = 10) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit);
  while (!r.ends.count(pid)) {
    ASSERT_LT(std::chrono::steady_clock::now(), until) << "step " << pid << " never ended";
    s.poll(100);
  }
}

const std::vector<std::string> env{"PATH=/usr/bin:/bin"};

}  // namespace

TEST(StepSupervisor, InputOutputAndExitStatus) {
  Recorder r;
  StepSupervisor s(0, 5, r);
  Script step("read line; echo \"got $line\"; echo oops >&2; exit 3");
  pid_t pid = s.start(step.path(), env, "hello\n");
  run_until_ended(s, r, pid);
  EXPECT_EQ(r.out[pid], std::vector<std::string>{"got hello"});
  EXPECT_EQ(r.err[pid], std::vector<std::string>{"oops"});
  EXPECT_EQ(r.ends[pid].exit_code(), 3);
  EXPECT_EQ(r.ends[pid].how(), "exit status 3");
  EXPECT_FALSE(r.ends[pid].timed_out);
  EXPECT_EQ(s.running(), 0u);
}

TEST(StepSupervisor, TimeoutSendsTermThenKill) {
  Recorder r;
  StepSupervisor s(0.2, 0.3, r);
  Script step("trap '' TERM; sleep 30");  // ignores SIGTERM: SIGKILL must follow
  pid_t pid = s.start(step.path(), env, "");
  run_until_ended(s, r, pid);
  EXPECT_TRUE(r.ends[pid].timed_out);
  EXPECT_EQ(r.ends[pid].exit_code(), 128 + SIGKILL);
  ASSERT_EQ(r.notes[pid].size(), 2u);
  EXPECT_NE(r.notes[pid][0].find("ran longer than 0.2s"), std::string::npos);
  EXPECT_NE(r.notes[pid][1].find("SIGKILL"), std::string::npos);
}

TEST(StepSupervisor, DetachedChildHoldingOutputIsEndedAfterTheGrace) {
  Recorder r;
  StepSupervisor s(0, 0.3, r);
  char pidfile[] = "/tmp/step-supervisor-child-XXXXXX";
  close(mkstemp(pidfile));
  Script step(std::string("setsid sh -c 'echo $$ > ") + pidfile + "; exec sleep 30' & sleep 0.1; echo done");
  pid_t pid = s.start(step.path(), env, "");
  run_until_ended(s, r, pid);
  EXPECT_EQ(r.ends[pid].exit_code(), 0);
  EXPECT_EQ(r.ends[pid].left_running, 1u);
  EXPECT_EQ(r.out[pid], std::vector<std::string>{"done"});
  std::ifstream in(pidfile);
  pid_t child = 0;
  in >> child;
  unlink(pidfile);
  ASSERT_GT(child, 0);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (s.lingering() && std::chrono::steady_clock::now() < until) s.poll(50);
  EXPECT_NE(kill(child, 0), 0) << "the detached child survived";
}

TEST(StepSupervisor, StopRunningEndsStepsAsStopped) {
  Recorder r;
  StepSupervisor s(0, 1, r);
  Script step("sleep 30");
  pid_t pid = s.start(step.path(), env, "");
  s.stop_running();
  run_until_ended(s, r, pid);
  EXPECT_TRUE(r.ends[pid].stopped);
  EXPECT_EQ(r.ends[pid].exit_code(), 128 + SIGTERM);
}

TEST(StepSupervisor, ACommandThatCannotRunIsAnError) {
  Recorder r;
  StepSupervisor s(0, 1, r);
  EXPECT_THROW(s.start("/nonexistent/step", env, ""), Error);
  EXPECT_EQ(s.running(), 0u);
}

TEST(StepSupervisor, RestoresSigchldAndAllowsAnother) {
  struct sigaction before {};
  sigaction(SIGCHLD, nullptr, &before);
  {
    Recorder r;
    StepSupervisor s(0, 1, r);
    struct sigaction during {};
    sigaction(SIGCHLD, nullptr, &during);
    EXPECT_NE(during.sa_handler, before.sa_handler);
    EXPECT_THROW(StepSupervisor(0, 1, r), Error);  // one at a time: the signal handler has one pipe
  }
  struct sigaction after {};
  sigaction(SIGCHLD, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
  Recorder r;
  StepSupervisor again(0, 1, r);
  Script step("exit 0");
  pid_t pid = again.start(step.path(), env, "");
  run_until_ended(again, r, pid);
  EXPECT_EQ(r.ends[pid].exit_code(), 0);
}
