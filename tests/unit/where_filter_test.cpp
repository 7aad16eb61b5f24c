#include "core/where_filter.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/when.h"

using namespace evt;

static bool holds(const char* expr, std::string_view data) { return WhereExpr::parse(expr).holds(data); }

static std::string usage_message(const char* expr) {
  try {
    WhereExpr::parse(expr);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::usage);
    return e.what();
  }
  return "parsed";
}

TEST(Where, Paths) {
  const char* d = R"({"node_id":"1","volume":{"name":"gv0"},"items":[10,{"x":true}],"key with space":3,"a.b":4})";
  EXPECT_TRUE(holds(R"(.node_id == "1")", d));
  EXPECT_TRUE(holds(R"(.volume.name == "gv0")", d));
  EXPECT_TRUE(holds(".items[0] == 10", d));
  EXPECT_TRUE(holds(".items[1].x", d));
  EXPECT_TRUE(holds(R"(."key with space" == 3)", d));
  EXPECT_TRUE(holds(R"(.["a.b"] == 4)", d));
  EXPECT_TRUE(holds(".[\"volume\"].name ~ 'gv*'", d));
  EXPECT_FALSE(holds(".items[2]", d));
  EXPECT_FALSE(holds(".volume.size > 1", d));
  EXPECT_FALSE(holds(".missing != 1", d));  // a missing path is false, != included
  EXPECT_TRUE(holds(". == [1,2]", "[1,2]"));
  EXPECT_TRUE(holds(".[1] == 2", "[1,2]"));
}

TEST(Where, Operators) {
  const char* d = R"({"n":5,"s":"beta","t":true,"f":false,"z":null})";
  EXPECT_TRUE(holds(".n == 5", d));
  EXPECT_TRUE(holds(".n == 5.0", d));
  EXPECT_TRUE(holds(".n != 4", d));
  EXPECT_TRUE(holds(".n < 6", d));
  EXPECT_TRUE(holds(".n <= 5", d));
  EXPECT_TRUE(holds(".n > 4.5", d));
  EXPECT_TRUE(holds(".n >= 5", d));
  EXPECT_FALSE(holds(".n > 5", d));
  EXPECT_TRUE(holds(".s > 'alpha'", d));
  EXPECT_TRUE(holds(".s < \"gamma\"", d));
  EXPECT_TRUE(holds(".s ~ 'b*a'", d));
  EXPECT_FALSE(holds(".s ~ 'a*'", d));
  EXPECT_FALSE(holds(".s > 1", d));  // no order between kinds
  EXPECT_TRUE(holds(".s != 1", d));
  EXPECT_TRUE(holds(".t", d));
  EXPECT_FALSE(holds(".f", d));
  EXPECT_FALSE(holds(".z", d));
  EXPECT_TRUE(holds(".z == null", d));
  EXPECT_TRUE(holds(".t == true", d));
}

TEST(Where, NumbersAndStrings) {
  EXPECT_TRUE(holds(".n > 12345678901234567890", R"({"n":12345678901234567891})"));
  EXPECT_TRUE(holds(".n < -12345678901234567890", R"({"n":-12345678901234567891})"));
  EXPECT_TRUE(holds(".n == 0", R"({"n":-0})"));
  EXPECT_TRUE(holds(".n == 1e999", R"({"n":1e999})"));
  EXPECT_FALSE(holds(".n == 1e999", R"({"n":2e999})"));
  EXPECT_TRUE(holds(".n > 1", R"({"n":1e999})"));  // by text: "1e999" > "1"
  EXPECT_TRUE(holds(R"(.s == "A\"B")", R"({"s":"\u0041\"B"})"));
  EXPECT_TRUE(holds(R"(.s == "é")", R"({"s":"\u00e9"})"));
  EXPECT_TRUE(holds(R"(."\u006e" == 1)", R"({"n":1})"));
  EXPECT_TRUE(holds(".n == 1", R"({"\u006e":1})"));
  EXPECT_TRUE(holds(".n == 2", R"({"n":1,"n":2})"));  // the last one, as parsers read it
}

TEST(Where, HostileData) {
  std::string deep(5000, '[');
  EXPECT_FALSE(holds(".a", deep));
  EXPECT_FALSE(holds(".", deep));
  std::string nested = R"({"a":)" + std::string(400, '[') + "1" + std::string(400, ']') + "}";
  EXPECT_TRUE(holds(".a", nested));
  EXPECT_FALSE(holds(".s == 'x'", "{\"s\":\"\xff\"}"));  // invalid UTF-8: not JSON, holds nothing
  EXPECT_FALSE(holds(".s", "{\"s\": 1}"));               // not compact
  EXPECT_FALSE(holds(".s", "{\"a\":[1,\"s\":1"));        // cut short before the member
  EXPECT_FALSE(holds(".s", ""));
  EXPECT_FALSE(holds(".[99999999999]", "[1]"));
}

TEST(Where, UsageErrorsNameTheColumn) {
  EXPECT_NE(usage_message("node_id == 1").find("column 1"), std::string::npos);
  EXPECT_NE(usage_message(".a = 1").find("column 4: '=' is written '=='"), std::string::npos);
  EXPECT_NE(usage_message(".a == ok").find("column 7"), std::string::npos);
  EXPECT_NE(usage_message(".a == 'x").find("column 7"), std::string::npos);
  EXPECT_NE(usage_message(".a == 1 2").find("column 9"), std::string::npos);
  EXPECT_NE(usage_message(".a ~ 1").find("glob"), std::string::npos);
  EXPECT_NE(usage_message(".a..b").find("column 4"), std::string::npos);
  EXPECT_NE(usage_message(".a[x]").find("column 4"), std::string::npos);
  EXPECT_NE(usage_message(".a ==").find("column 6"), std::string::npos);
  EXPECT_NE(usage_message(".a[99999999999999999999999]").find("too large"), std::string::npos);
}

TEST(Where, FilterOnEnvelopes) {
  WhereFilter f({".node_id == \"1\"", ".size > 100"});
  EXPECT_EQ(f.matches_envelope(R"({"tag":"t","data":{"node_id":"1","size":101},"ts":1,"id":"x"})"), true);
  EXPECT_EQ(f.matches_envelope(R"({"tag":"t","data":{"node_id":"2","size":101},"ts":1,"id":"x"})"), false);
  EXPECT_EQ(f.matches_envelope(R"({"tag":"t","ts":1})"), false);
  EXPECT_EQ(f.matches_envelope(R"({"tag": "t"})"), std::nullopt);
  EXPECT_EQ(WhereFilter().matches_envelope("anything"), true);
}

TEST(When, DurationsTimesAndEpochs) {
  const double now = 1765000000;
  EXPECT_DOUBLE_EQ(parse_when("--since", "90s", now), now - 90);
  EXPECT_DOUBLE_EQ(parse_when("--since", "15m", now), now - 900);
  EXPECT_DOUBLE_EQ(parse_when("--since", "2h", now), now - 7200);
  EXPECT_DOUBLE_EQ(parse_when("--since", "1d", now), now - 86400);
  EXPECT_DOUBLE_EQ(parse_when("--since", "1h30m", now), now - 5400);
  EXPECT_DOUBLE_EQ(parse_when("--since", "2026-12-06T01:00:00Z", now), 1796518800);
  EXPECT_DOUBLE_EQ(parse_when("--since", "2026-12-06 02:00:00.5+01:00", now), 1796518800.5);
  EXPECT_DOUBLE_EQ(parse_when("--since", "1765000000.25", now), 1765000000.25);
  for (const char* bad : {"", "soon", "-5m", "1x", "2026-13-01T00:00:00Z", "2026-12-06T01:00:00", "inf"}) {
    try {
      parse_when("--since", bad, now);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Exit::usage) << bad;
    }
  }
}
