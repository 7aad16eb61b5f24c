#include "transport/reconnecting_subscriber.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace evt;
using std::chrono::milliseconds;

namespace {

// A peer that is away for the first `away` connects, then answers; read()
// loses the connection when told to.
class FakeListener : public ReconnectingSubscriber {
 public:
  FakeListener(bool reconnects, Clock::time_point* now) : ReconnectingSubscriber(reconnects, [now] { return *now; }) {}

  int away = 0;
  int connects = 0, reads = 0, drops = 0;
  bool lose_next = false;
  std::vector<std::string> explained;

 protected:
  bool connected() const override { return up_; }
  void connect() override {
    ++connects;
    if (away > 0) {
      --away;
      throw unreachable("refused");
    }
    up_ = true;
  }
  void read(std::vector<Message>&, int) override {
    ++reads;
    if (!lose_next) return;
    lose_next = false;
    throw unreachable("lost the peer");
  }
  void drop_connection() override {
    ++drops;
    up_ = false;
  }
  std::string peer() const override { return "the peer"; }
  void explain_loss(const std::string& why) override { explained.push_back(why); }

 private:
  bool up_ = true;
};

TEST(Reconnector, BacksOffFrom100msDoublingTo5sAndBackOnSuccess) {
  Clock::time_point now{std::chrono::hours(1)};
  Reconnector r([&] { return now; });
  EXPECT_TRUE(r.due());
  r.failed();
  EXPECT_FALSE(r.due());
  EXPECT_EQ(r.wait_ms(-1), 100);
  EXPECT_EQ(r.wait_ms(30), 30);
  for (int want : {200, 400, 800, 1600, 3200, 5000, 5000}) {
    now += milliseconds(5000);
    r.failed();
    EXPECT_EQ(r.wait_ms(-1), want);
  }
  r.succeeded();
  now += milliseconds(5000);
  EXPECT_TRUE(r.due());
  r.failed();
  EXPECT_EQ(r.wait_ms(-1), 100);
}

TEST(ReconnectingSubscriber, ALostConnectionIsExplainedAndTriedAgainWhenDue) {
  Clock::time_point now{std::chrono::hours(1)};
  FakeListener l(true, &now);
  std::vector<Message> out;
  l.lose_next = true;
  EXPECT_TRUE(l.receive(out, 0));
  EXPECT_EQ(l.drops, 1);
  EXPECT_EQ(l.explained, std::vector<std::string>{"lost the peer"});

  l.away = 1;
  EXPECT_TRUE(l.receive(out, 0));  // not due for 100 ms: no connect
  EXPECT_EQ(l.connects, 0);
  now += milliseconds(100);
  EXPECT_TRUE(l.receive(out, 0));  // due, still away: 200 ms more
  EXPECT_EQ(l.connects, 1);
  EXPECT_EQ(l.reads, 1);
  now += milliseconds(199);
  EXPECT_TRUE(l.receive(out, 0));
  EXPECT_EQ(l.connects, 1);
  now += milliseconds(1);
  EXPECT_TRUE(l.receive(out, 0));  // connected, and read in the same turn
  EXPECT_EQ(l.connects, 2);
  EXPECT_EQ(l.reads, 2);
}

TEST(ReconnectingSubscriber, WithoutReconnectingALostConnectionIsExit3) {
  Clock::time_point now{std::chrono::hours(1)};
  FakeListener l(false, &now);
  std::vector<Message> out;
  l.lose_next = true;
  try {
    l.receive(out, 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::unreachable);
    EXPECT_EQ(std::string(e.what()), "lost the peer");
  }
  EXPECT_EQ(l.drops, 1);
  EXPECT_TRUE(l.explained.empty());
}

}  // namespace
