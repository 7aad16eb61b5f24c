#include "handle/retry_policy.h"

#include <gtest/gtest.h>

#include "core/error.h"

using namespace evt;
using std::chrono::milliseconds;

TEST(RetryPolicy, DisabledWithoutRetries) {
  RetryPolicy p({0, 1, 300});
  EXPECT_FALSE(p.enabled());
  EXPECT_EQ(p.max_attempts(), 1);
  EXPECT_FALSE(p.may_retry(1));
}

TEST(RetryPolicy, CountsAttempts) {
  RetryPolicy p({2, 1, 300});
  EXPECT_TRUE(p.enabled());
  EXPECT_TRUE(p.may_retry(1));
  EXPECT_TRUE(p.may_retry(2));
  EXPECT_FALSE(p.may_retry(3));
  EXPECT_FALSE(p.may_retry(7));  // a restart counted more deliveries than that
}

TEST(RetryPolicy, DoublesFromTheDelayWithFullRandom) {
  RetryPolicy p({10, 2, 300}, [] { return 0.999999; });
  EXPECT_EQ(p.delay_after(1), milliseconds(2000));
  EXPECT_EQ(p.delay_after(2), milliseconds(4000));
  EXPECT_EQ(p.delay_after(3), milliseconds(8000));
}

TEST(RetryPolicy, JitterKeepsAtLeastHalf) {
  RetryPolicy low({10, 2, 300}, [] { return 0.0; });
  EXPECT_EQ(low.delay_after(1), milliseconds(1000));
  EXPECT_EQ(low.delay_after(3), milliseconds(4000));
  RetryPolicy mid({10, 2, 300}, [] { return 0.5; });
  EXPECT_EQ(mid.delay_after(1), milliseconds(1500));
}

TEST(RetryPolicy, CappedAtTheMaximum) {
  RetryPolicy p({100, 1, 10}, [] { return 0.999999; });
  EXPECT_EQ(p.delay_after(4), milliseconds(8000));
  EXPECT_EQ(p.delay_after(5), milliseconds(10000));
  EXPECT_EQ(p.delay_after(90), milliseconds(10000));  // no overflow past 2^62
}

TEST(RetryPolicy, SystemRandomStaysInRange) {
  RetryPolicy p({3, 1, 300});
  for (int i = 0; i < 100; ++i) {
    auto d = p.delay_after(2);
    EXPECT_GE(d, milliseconds(1000));
    EXPECT_LE(d, milliseconds(2000));
  }
}

TEST(RetryPolicy, RefusesBadSettings) {
  EXPECT_THROW(RetryPolicy({-1, 1, 300}), Error);
  EXPECT_THROW(RetryPolicy({1, -1, 300}), Error);
  EXPECT_THROW(RetryPolicy({1, 10, 5}), Error);
}
