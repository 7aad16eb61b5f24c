#include "core/clock.h"

#include <gtest/gtest.h>

using namespace evt;
using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(Clock, MsUntilIsWhatIsLeftCutDownAndNeverNegative) {
  Clock::time_point now{std::chrono::hours(1)};
  EXPECT_EQ(ms_until(now + milliseconds(250), now), 250);
  EXPECT_EQ(ms_until(now + microseconds(999), now), 0);
  EXPECT_EQ(ms_until(now, now), 0);
  EXPECT_EQ(ms_until(now - milliseconds(5), now), 0);
}

TEST(Clock, MsToReachEndsAtOrPastTheDeadline) {
  Clock::time_point now{std::chrono::hours(1)};
  EXPECT_EQ(ms_to_reach(now + milliseconds(250), now), 251);
  EXPECT_EQ(ms_to_reach(now + microseconds(999), now), 1);
  EXPECT_EQ(ms_to_reach(now, now), 1);
  EXPECT_EQ(ms_to_reach(now - milliseconds(5), now), 0);
}

TEST(Clock, SecondsAndShorterWaits) {
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(seconds_duration(2.5)).count(), 2500);
  EXPECT_EQ(shorter_wait(-1, -1), -1);
  EXPECT_EQ(shorter_wait(-1, 7), 7);
  EXPECT_EQ(shorter_wait(7, -1), 7);
  EXPECT_EQ(shorter_wait(3, 7), 3);
}
