#include "core/daemon_lifecycle.h"
#include "core/error.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace evt {
namespace {

// A service manager's notify socket, in a directory of its own.
class FakeManager {
 public:
  FakeManager() {
    char tmpl[] = "/tmp/evt-lifecycle-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/notify";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~FakeManager() {
    ::close(fd_);
    ::unlink(path_.c_str());
    ::unlink((dir_ + "/ready").c_str());
    ::rmdir(dir_.c_str());
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
  }
  // The datagrams received since the last call.
  std::vector<std::string> said() {
    std::vector<std::string> all;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd_, buf, sizeof buf, 0)) > 0;) all.emplace_back(buf, static_cast<size_t>(n));
    return all;
  }
  std::string dir() const { return dir_; }

 private:
  std::string dir_, path_;
  int fd_ = -1;
};

struct FakeClock {
  Clock::time_point now{std::chrono::hours(1)};
  DaemonLifecycle::Now fn() {
    return [this] { return now; };
  }
};

TEST(DaemonLifecycle, ReadyOnceWithTheStatusThenTheFileAndStatusAtMostOnceASecond) {
  FakeManager manager;
  FakeClock clock;
  int handled = 0;
  std::string ready = manager.dir() + "/ready";
  DaemonLifecycle life(
      ready, [&] { return "handled " + std::to_string(handled); }, clock.fn());
  EXPECT_TRUE(life.service().notifying());
  EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);  // steps do not speak for the daemon

  life.tick();  // not ready yet: nothing said
  EXPECT_TRUE(manager.said().empty());
  life.ready();
  life.ready();
  EXPECT_EQ(manager.said(), std::vector<std::string>{"READY=1\nSTATUS=handled 0"});
  EXPECT_EQ(::access(ready.c_str(), F_OK), 0);

  handled = 1;
  clock.now += std::chrono::milliseconds(999);
  life.tick();
  EXPECT_TRUE(manager.said().empty());
  clock.now += std::chrono::milliseconds(1);
  life.tick();
  EXPECT_EQ(manager.said(), std::vector<std::string>{"STATUS=handled 1"});
  clock.now += std::chrono::seconds(5);
  life.tick();  // the same text: not said again
  EXPECT_TRUE(manager.said().empty());

  life.reloading();
  life.reloaded();
  life.stopping();
  auto said = manager.said();
  ASSERT_EQ(said.size(), 3u);
  EXPECT_EQ(said[0].rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u);
  EXPECT_EQ(said[1], "READY=1\nSTATUS=handled 1");
  EXPECT_EQ(said[2], "STOPPING=1");
}

TEST(DaemonLifecycle, AStaleReadyFileIsRemovedAtTheStart) {
  FakeManager manager;
  std::string ready = manager.dir() + "/ready";
  {
    DaemonLifecycle first(ready, [] { return std::string("x"); });
    first.ready();
  }
  ASSERT_EQ(::access(ready.c_str(), F_OK), 0);
  DaemonLifecycle second(ready, [] { return std::string("x"); });
  EXPECT_EQ(::access(ready.c_str(), F_OK), 0);  // not before it is asked to
  second.remove_stale_ready_file();
  EXPECT_NE(::access(ready.c_str(), F_OK), 0);
}

TEST(DaemonLifecycle, WaitsATenthOfASecondUntilReadyAndNeverPastTheWatchdog) {
  ::unsetenv("NOTIFY_SOCKET");
  DaemonLifecycle quiet("", [] { return std::string("x"); });
  EXPECT_FALSE(quiet.service().notifying());
  EXPECT_EQ(quiet.wait_ms(-1), 100);
  EXPECT_EQ(quiet.wait_ms(30), 30);
  quiet.ready();
  EXPECT_EQ(quiet.wait_ms(-1), -1);
  EXPECT_EQ(quiet.wait_ms(5000), 5000);

  FakeManager manager;
  ::setenv("WATCHDOG_USEC", "2000000", 1);
  DaemonLifecycle watched("", [] { return std::string("x"); });
  watched.ready();
  EXPECT_EQ(watched.wait_ms(-1), 500);  // a quarter of the interval
  EXPECT_EQ(watched.wait_ms(5000), 500);
  EXPECT_EQ(watched.wait_ms(20), 20);
  manager.said();
  watched.tick();  // the first turn pings
  EXPECT_EQ(manager.said(), std::vector<std::string>{"WATCHDOG=1"});
  watched.tick();  // half the interval has not passed
  EXPECT_TRUE(manager.said().empty());
}

TEST(DaemonLifecycle, AReadyFileThatCannotBeWrittenIsAUsageError) {
  ::unsetenv("NOTIFY_SOCKET");
  DaemonLifecycle life("/nonexistent-dir/ready", [] { return std::string("x"); });
  EXPECT_THROW(life.ready(), Error);
  EXPECT_FALSE(life.is_ready());
}

}  // namespace
}  // namespace evt
