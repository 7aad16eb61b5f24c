#include "handle/step_groups.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace evt;

namespace {

// A child that sleeps in a process group of its own, reaped when it goes.
class Sleeper {
 public:
  explicit Sleeper(bool ignore_term = false) {
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      if (ignore_term) signal(SIGTERM, SIG_IGN);
      execlp("sleep", "sleep", "30", static_cast<char*>(nullptr));
      _exit(127);
    }
    setpgid(pid_, pid_);  // either side may win the race; both ask the same
  }
  ~Sleeper() {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  // Reaps it if it ended (so it is no zombie); true if it did.
  bool ended() { return waitpid(pid_, nullptr, WNOHANG) == pid_; }

 private:
  pid_t pid_;
};

}  // namespace

TEST(StepGroups, RecordRoundTripSkipsWhatDoesNotParse) {
  std::vector<StepGroup> groups{{1234, 987654321, 77}, {42, 1, 42}};
  std::string text = format_groups(groups);
  EXPECT_EQ(text, "group 1234 987654321 77\ngroup 42 1 42\n");
  auto back = parse_groups(text + "garbage\ngroup x 1 2\ngroup 1 5 5\ngroup -5 1 1\n");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].pgid, 1234);
  EXPECT_EQ(back[0].start, 987654321u);
  EXPECT_EQ(back[0].session, 77);
  EXPECT_EQ(back[1].pgid, 42);
}

TEST(StepGroups, ReadsItsOwnStat) {
  auto st = read_proc_stat(getpid());
  ASSERT_TRUE(st);
  EXPECT_EQ(st->pgrp, getpgrp());
  EXPECT_EQ(st->session, getsid(0));
  EXPECT_GT(st->start, 0u);
  EXPECT_FALSE(read_proc_stat(0x3fffffff));
}

TEST(StepGroups, AGroupWhoseLeaderStartedAtAnotherTimeIsNotOurs) {
  Sleeper s;
  auto g = step_group(s.pid());
  ASSERT_TRUE(g);
  EXPECT_EQ(live_members(*g), std::vector<pid_t>{s.pid()});
  StepGroup reused = *g;
  reused.start += 1;  // as if the id had been handed out again
  EXPECT_TRUE(live_members(reused).empty());
  EXPECT_EQ(end_group(reused, 0.1), "");
  EXPECT_FALSE(s.ended());
}

TEST(StepGroups, EndGroupSendsTermThenKill) {
  Sleeper polite;
  auto g = step_group(polite.pid());
  ASSERT_TRUE(g);
  // The sleeper is our child: it stays a zombie until reaped, which counts as gone.
  EXPECT_EQ(end_group(*g, 5), "SIGTERM");
  EXPECT_TRUE(polite.ended());
  Sleeper stubborn(true);
  usleep(100000);  // let it ignore SIGTERM before it is sent
  auto h = step_group(stubborn.pid());
  ASSERT_TRUE(h);
  EXPECT_EQ(end_group(*h, 0.2), "SIGKILL");
  EXPECT_TRUE(stubborn.ended());
  EXPECT_EQ(end_group(*h, 0.2), "");  // nothing left
}
