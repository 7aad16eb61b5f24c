// Webhook event filters (--events), events.log records read back, and
// redeliver's selection and hand-over through a request file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "core/error.h"
#include "core/io.h"
#include "eventsapi/eventsapi_config.h"
#include "eventsapi/events_log.h"
#include "eventsapi/redeliver.h"
#include "eventsapi/webhook_delivery.h"
#include "eventsapi/webhook_filter.h"

using namespace evt;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/evt-redeliver-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path + "/" + name) << text; }
};

std::string body(const std::string& event, long long ts) {
  return R"({"event": ")" + event + R"(", "message": {}, "nodeid": "n", "ts": )" + std::to_string(ts) + "}";
}

std::string failed_line(const std::string& url, const std::string& id, const std::string& b) {
  return nlohmann::json({{"url", url}, {"id", id}, {"body", b}, {"error", "status 500"}}).dump() + "\n";
}

std::vector<std::string> ids(const std::vector<Redelivery>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.id);
  return out;
}

}  // namespace

TEST(WebhookFilter, PatternsAndGlobs) {
  EXPECT_TRUE(parse_event_patterns("").empty());
  auto p = parse_event_patterns("VOLUME_*,PEER_ATTACH");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(event_patterns_text(p), "VOLUME_*,PEER_ATTACH");
  EXPECT_TRUE(event_wanted(p, "VOLUME_CREATE"));
  EXPECT_TRUE(event_wanted(p, "PEER_ATTACH"));
  EXPECT_FALSE(event_wanted(p, "PEER_DETACH"));
  EXPECT_FALSE(event_wanted(p, "SNAPSHOT_VOLUME_CREATE"));  // a glob is over the whole name
  EXPECT_TRUE(event_wanted({}, "ANYTHING"));
  EXPECT_TRUE(event_wanted({"GEOREP_?AULTY", "[AB]FR_*"}, "GEOREP_FAULTY"));
  EXPECT_TRUE(event_wanted({"[AB]FR_*"}, "AFR_SPLIT_BRAIN"));
  for (const char* bad : {",", "A,", ",A", "A,,B", "A B", "A,\tB"}) EXPECT_THROW(parse_event_patterns(bad), Error) << bad;
}

TEST(WebhookFilter, BodiesByTheirEvent) {
  EXPECT_TRUE(body_wanted({"VOLUME_*"}, body("VOLUME_STOP", 1)));
  EXPECT_FALSE(body_wanted({"VOLUME_*"}, body("PEER_ATTACH", 1)));
  EXPECT_FALSE(body_wanted({"VOLUME_*"}, "not json"));  // no event: only for webhooks without a filter
  EXPECT_TRUE(body_wanted({}, "not json"));
}

TEST(EventsLog, LinesReadBackByteForByte) {
  std::string b = body("VOLUME_SET", 1765000000);
  for (std::string id : {"01J", "with \"quotes\" and \\ and\nnewline", ""}) {
    std::string line = events_log_line(id, b, {});
    line.pop_back();  // the newline
    auto r = parse_events_log_line(line);
    ASSERT_TRUE(r) << line;
    EXPECT_EQ(r->id, id);
    EXPECT_EQ(r->body, b);
    EXPECT_TRUE(r->trace.empty());
  }
  // The trace context, when the event had one, is read back with it.
  TraceContext t{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "congo=t61rcWkgMzE"};
  std::string line = events_log_line("t", b, t);
  line.pop_back();
  auto r = parse_events_log_line(line);
  ASSERT_TRUE(r) << line;
  EXPECT_EQ(r->body, b);
  EXPECT_EQ(r->trace.traceparent, t.traceparent);
  EXPECT_EQ(r->trace.tracestate, t.tracestate);
  EXPECT_FALSE(parse_events_log_line(R"({"id":"a","event":{},"traceparent":1})"));
  for (const char* bad : {"", "{}", R"({"id":"a"})", R"({"id":"a","event":{"x": 1})", R"({"id":"a","event":{"x": 1}}junk)",
                          R"({"id":1,"event":{}})", R"({"event":{},"id":"a"})"})
    EXPECT_FALSE(parse_events_log_line(bad)) << bad;
}

TEST(Redeliver, FromFailedLogEachToTheWebhookThatGaveItUpOnce) {
  TempDir d;
  Webhooks hooks;
  hooks["http://a/"] = Webhook{};
  hooks["http://b/"] = Webhook{};
  hooks["http://off/"].disabled = true;
  hooks["http://vol/"].events = {"VOLUME_*"};
  d.write("failed.log",
          failed_line("http://a/", "1", body("PEER_ATTACH", 10)) + failed_line("http://a/", "1", body("PEER_ATTACH", 10)) +
              failed_line("http://b/", "1", body("PEER_ATTACH", 10)) + failed_line("http://off/", "2", body("X", 20)) +
              failed_line("http://gone/", "3", body("X", 30)) + failed_line("http://vol/", "4", body("PEER_ATTACH", 40)) +
              "garbage\n" + failed_line("http://a/", "5", body("X", 50)));
  size_t skipped = 0;
  auto all = select_redeliveries(d.path, hooks, RedeliverOptions{}, skipped);
  EXPECT_EQ(skipped, 1u);
  ASSERT_EQ(ids(all), (std::vector<std::string>{"1", "5"}));
  EXPECT_EQ(all[0].urls, (std::vector<std::string>{"http://a/", "http://b/"}));
  EXPECT_EQ(all[0].event, "PEER_ATTACH");
  EXPECT_EQ(all[0].ts, 10);
  RedeliverOptions o;
  o.urls = {"http://b/"};
  EXPECT_EQ(ids(select_redeliveries(d.path, hooks, o, skipped)), (std::vector<std::string>{"1"}));
  o = RedeliverOptions{};
  o.failed = true;
  o.since = 49.5;  // Gluster's whole seconds: the event of second 49 is in
  EXPECT_EQ(ids(select_redeliveries(d.path, hooks, o, skipped)), (std::vector<std::string>{"5"}));
}

TEST(Redeliver, FromEventsLogWithinAWindowOlderHalfFirst) {
  TempDir d;
  Webhooks hooks;
  hooks["http://a/"] = Webhook{};
  hooks["http://vol/"].events = {"VOLUME_*"};
  d.write("events.log.1",
          events_log_line("old", body("VOLUME_CREATE", 100), {}) + events_log_line("mid", body("PEER_ATTACH", 200), {}));
  d.write("events.log", events_log_line("new", body("VOLUME_STOP", 300), {}) + "{\"id\":\"cut\",\"event\":{\"eve\n");
  RedeliverOptions o;
  o.since = 150;
  size_t skipped = 0;
  auto r = select_redeliveries(d.path, hooks, o, skipped);
  EXPECT_EQ(skipped, 1u);
  ASSERT_EQ(ids(r), (std::vector<std::string>{"mid", "new"}));
  EXPECT_EQ(r[0].urls, (std::vector<std::string>{"http://a/"}));  // the filtered webhook asked for volumes only
  EXPECT_EQ(r[1].urls, (std::vector<std::string>{"http://a/", "http://vol/"}));
  EXPECT_EQ(r[1].body, body("VOLUME_STOP", 300));
  o = RedeliverOptions{};
  o.ids = {"old"};
  EXPECT_EQ(ids(select_redeliveries(d.path, hooks, o, skipped)), (std::vector<std::string>{"old"}));
}

TEST(Redeliver, ARequestIsQueuedCountedAndRemoved) {
  TempDir d;
  ASSERT_EQ(::mkdir((d.path + "/spool").c_str(), 0700), 0);
  Webhooks hooks;
  hooks["http://127.0.0.1:1/a"] = Webhook{};
  hooks["http://127.0.0.1:1/b"] = Webhook{};
  std::vector<std::string> said;
  WebhookDelivery delivery(
      d.path, [&](const std::string& m) { said.push_back(m); }, [](const std::string&, const std::string&) {});
  delivery.configure(hooks, EventsapiConfig(), 1);
  TraceContext trace{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", ""};
  std::vector<Redelivery> events = {{"1", body("A", 1), "A", 1, {"http://127.0.0.1:1/a"}, trace},
                                    {"2", body("B", 2), "B", 2, {"http://127.0.0.1:1/a", "http://127.0.0.1:1/b"}, {}}};
  std::string path = write_redelivery_request(d.path, events);
  std::string request;
  ASSERT_TRUE(read_file(path, request));
  EXPECT_NE(request.find("\"traceparent\":\"" + trace.traceparent + "\""), std::string::npos);  // carried to serve
  d.write("redeliver/garbage.req", "not json\n");
  EXPECT_EQ(take_redelivery_requests(d.path, delivery, [&](const std::string& m) { said.push_back(m); }), 2u);
  EXPECT_NE(::access(path.c_str(), F_OK), 0);  // acknowledged
  EXPECT_NE(::access((d.path + "/redeliver/garbage.req").c_str(), F_OK), 0);
  auto stats = delivery.stats();
  EXPECT_EQ(stats["http://127.0.0.1:1/a"].pending, 2);
  EXPECT_EQ(stats["http://127.0.0.1:1/b"].pending, 1);
  auto counts = redelivered_counts(d.path);
  EXPECT_EQ(counts["http://127.0.0.1:1/a"], 2);
  EXPECT_EQ(counts["http://127.0.0.1:1/b"], 1);
  add_redelivered(stats, d.path);
  EXPECT_EQ(stats["http://127.0.0.1:1/b"].redelivered, 1);
  EXPECT_EQ(take_redelivery_requests(d.path, delivery, [](const std::string&) {}), 0u);
}
