// Per-webhook stats: a serve's report as the store keeps it (read back,
// also as older serves wrote it), and the totals status --json shows.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "eventsapi/webhook_stats.h"

using namespace evt;
using njson = nlohmann::json;

TEST(WebhookStats, AReportAsServeWroteItBeforeTheStructIsReadAndWrittenTheSame) {
  // status.json's "stats" as serve wrote it before they were a struct: a
  // webhook delivering, and one whose spool could not be opened.
  std::string live =
      R"({"delivered":7,"disabled":false,"failed":1,"in_flight":1,"p50_ms":12,"p99_ms":40,"paused":true,)"
      R"("pending":3,"redelivered":2,"refused":5,"refused_by":{"spool full":5},"spool_bytes":4096,"write_errors":0})";
  std::string broken = R"({"delivered":0,"disabled":false,"error":"Permission denied","failed":0,"pending":0,"redelivered":0,)"
                       R"("refused":1,"refused_by":{"spool unavailable":1}})";
  auto stats = stats_from_json(njson::parse(R"({"http://a/":)" + live + R"(,"http://b/":)" + broken + "}"));
  ASSERT_EQ(stats.size(), 2u);
  const WebhookStats& a = stats["http://a/"];
  EXPECT_EQ(a.delivered, 7);
  EXPECT_EQ(a.failed, 1);
  EXPECT_EQ(a.in_flight, 1);
  EXPECT_EQ(a.p50_ms, 12);
  EXPECT_EQ(a.p99_ms, 40);
  EXPECT_TRUE(a.paused);
  EXPECT_EQ(a.pending, 3);
  EXPECT_EQ(a.redelivered, 2);
  EXPECT_EQ(a.refused, 5);
  EXPECT_EQ(a.refused_by.at("spool full"), 5);
  EXPECT_EQ(a.spool_bytes, 4096);
  EXPECT_FALSE(a.error);
  const WebhookStats& b = stats["http://b/"];
  EXPECT_EQ(b.error, "Permission denied");
  EXPECT_EQ(b.p50_ms, -1);  // not in an older report: the default
  EXPECT_EQ(b.refused_by.at("spool unavailable"), 1);
  EXPECT_EQ(stats_json(stats)["http://a/"].dump(), live);  // a live webhook's report is as it was, byte for byte
  EXPECT_EQ(stats_from_json(stats_json(stats))["http://b/"].error, "Permission denied");
}

TEST(WebhookStats, WhatIsNotACountIsRefusedAsBefore) {
  auto why = [](const std::string& text) {
    try {
      stats_from_json(njson::parse(text));
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("(read)");
  };
  EXPECT_EQ(why(R"([1])"), R"("stats" is not an object)");
  EXPECT_EQ(why(R"({"x":1})"), "the stats of a webhook are not an object");
  EXPECT_EQ(why(R"({"x":{"delivered":"many"}})"), R"("delivered" is not a count)");
  EXPECT_EQ(why(R"({"x":{"refused_by":{"spool full":"x"}}})"), R"("refused_by" holds what is not a count)");
  EXPECT_EQ(why(R"({"x":{"delivered":1,"future_count":2,"future_flag":true}})"), "(read)");  // a newer serve's
}

TEST(WebhookStats, TotalsOverNodesAsStatusShowsThem) {
  WebhookStats one, two, total;
  one.delivered = 3;
  one.p50_ms = 10;
  one.refused_by["spool full"] = 2;
  one.refused = 2;
  two.delivered = 4;
  two.p50_ms = 25;
  two.paused = true;
  two.refused_by["spool full"] = 1;
  two.refused_by["write failed"] = 1;
  two.refused = 2;
  two.error = "No space left on device";
  add_node_stats(total, one, "n1");
  add_node_stats(total, two, "n2");
  EXPECT_EQ(total.delivered, 7);
  EXPECT_EQ(total.p50_ms, 25);  // the slowest node's
  EXPECT_EQ(total.p99_ms, -1);
  EXPECT_TRUE(total.paused);
  EXPECT_EQ(total.refused, 4);
  EXPECT_EQ(total.refused_by, (std::map<std::string, long long>{{"spool full", 3}, {"write failed", 1}}));
  EXPECT_EQ(total.error, "n2: No space left on device");
  EXPECT_EQ(
      status_json(total).dump(),
      R"({"delivered":7,"error":"n2: No space left on device","failed":0,"in_flight":0,"p50_ms":25,"p99_ms":-1,)"
      R"("paused":true,"pending":0,"redelivered":0,"refused":4,"refused_by":{"spool full":3,"write failed":1},"write_errors":0})");
  EXPECT_EQ(status_json(WebhookStats{}).dump(),
            R"({"delivered":0,"failed":0,"in_flight":0,"p50_ms":-1,"p99_ms":-1,"paused":false,"pending":0,"redelivered":0,)"
            R"("refused":0,"refused_by":{},"write_errors":0})");
}
