#include "core/when.h"

#include <gtest/gtest.h>

#include "core/error.h"

using namespace evt;

TEST(ParseWhen, DurationsCountBackFromNow) {
  const double now = 1765000000.25;
  EXPECT_DOUBLE_EQ(parse_when("--since", "90s", now), now - 90);
  EXPECT_DOUBLE_EQ(parse_when("--since", "15m", now), now - 900);
  EXPECT_DOUBLE_EQ(parse_when("--since", "2h", now), now - 7200);
  EXPECT_DOUBLE_EQ(parse_when("--since", "1d", now), now - 86400);
  EXPECT_DOUBLE_EQ(parse_when("--since", "1w", now), now - 7 * 86400);
  EXPECT_DOUBLE_EQ(parse_when("--since", "1.5m", now), now - 90);
  EXPECT_DOUBLE_EQ(parse_when("--since", "0s", now), now);
}

TEST(ParseWhen, UnixTimes) {
  EXPECT_DOUBLE_EQ(parse_when("--since", "1765000000", 0), 1765000000);
  EXPECT_DOUBLE_EQ(parse_when("--since", "1765000000.5", 0), 1765000000.5);
}

TEST(ParseWhen, Rfc3339) {
  EXPECT_DOUBLE_EQ(parse_when("--since", "1970-01-01T00:00:00Z", 5), 0);
  EXPECT_DOUBLE_EQ(parse_when("--since", "2025-12-06T05:46:40Z", 0), 1765000000);
  EXPECT_DOUBLE_EQ(parse_when("--since", "2025-12-06T06:46:40+01:00", 0), 1765000000);
  EXPECT_DOUBLE_EQ(parse_when("--since", "2025-12-06T04:46:40-01:00", 0), 1765000000);
  EXPECT_DOUBLE_EQ(parse_when("--since", "2025-12-06 05:46:40.25z", 0), 1765000000.25);
  EXPECT_DOUBLE_EQ(parse_when("--since", "2025-12-06t05:46:40.5Z", 0), 1765000000.5);
}

TEST(ParseWhen, RefusesWhatIsNoTime) {
  for (const char* bad : {"", "s", "m", "-5m", "5x", "5 m", "1.2.3", ".5", "5.", "yesterday", "2025-12-06", "2025-12-06T05:46:40",
                          "2025-13-06T05:46:40Z", "2025-02-31T00:00:00Z", "2025-12-06T25:00:00Z", "2025-12-06T05:46:40+0100",
                          "2025-12-06T05:46:40.Z", "2025-12-06T05:46:40Zjunk"}) {
    try {
      parse_when("--since", bad, 100);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Exit::usage) << bad;
      EXPECT_NE(std::string(e.what()).find("not a time"), std::string::npos);
    }
  }
}
