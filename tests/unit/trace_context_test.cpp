// W3C trace context: what is valid, what event-fire sets, and what leaves
// the envelope (a step's environment, a spool line for a webhook's headers,
// NATS headers).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <map>

#include "core/trace_context.h"
#include "eventsapi/spool_record.h"
#include "handle/handler.h"
#include "transport/nats/nats_message.h"

using namespace evt;

namespace {

const std::string tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

std::vector<std::string> warnings;
void warn(std::string_view w) { warnings.emplace_back(w); }

}  // namespace

TEST(TraceContext, TraceparentSyntax) {
  EXPECT_TRUE(valid_traceparent(tp));
  EXPECT_TRUE(valid_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"));
  for (std::string bad : {std::string(""), std::string("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"),
                          std::string("00-00000000000000000000000000000000-b7ad6b7169203331-01"),
                          std::string("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"),
                          std::string("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
                          std::string("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x"),
                          std::string("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0"),
                          std::string("00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
                          std::string("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nX: y"),
                          std::string("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x")})
    EXPECT_FALSE(valid_traceparent(bad)) << bad;
  // A later version, as the spec says a receiver reads it.
  EXPECT_TRUE(valid_traceparent("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
  EXPECT_TRUE(valid_traceparent("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-comes"));
  // What a later version adds still goes into a header and an environment
  // variable: visible ASCII only, and not without end.
  const std::string later = "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-";
  for (std::string bad : {later + "x\r\nEvil: 1", later + "x\ny", later + "a b", later + "\x7f", later + "\xc3\xa9",
                          later + std::string(1000, 'a')})
    EXPECT_FALSE(valid_traceparent(bad)) << bad;
}

TEST(TraceContext, TracestateSyntax) {
  for (std::string good :
       {"congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "a=1 , b=2", "t@sys=x", "a=1,,b=2", "a=with space"})
    EXPECT_TRUE(valid_tracestate(good)) << good;
  for (std::string bad : {"Upper=x", "a", "a=", "a=b=c", "1a=x", "a=x\n", "a@toolongsystemid1=x", "a=\x7f"})
    EXPECT_FALSE(valid_tracestate(bad)) << bad;
  std::string many;
  for (int i = 0; i < 33; ++i) many += (i ? ",k" : "k") + std::to_string(i) + "=v";
  EXPECT_FALSE(valid_tracestate(many));
  // Spaces around members are allowed, but not without end: the value goes
  // into a step's environment, where one variable over 128 KiB fails execve.
  EXPECT_TRUE(valid_tracestate("a=b" + std::string(100, ' ')));
  EXPECT_FALSE(valid_tracestate("a=b" + std::string(200000, ' ')));
}

TEST(TraceContext, FromTheEnvironmentWithOneWarningForWhatIsBad) {
  warnings.clear();
  ::setenv("TRACEPARENT", tp.c_str(), 1);
  ::setenv("TRACESTATE", "congo=t61rcWkgMzE", 1);
  TraceContext c = trace_context_from_environment(warn);
  EXPECT_EQ(c.traceparent, tp);
  EXPECT_EQ(c.tracestate, "congo=t61rcWkgMzE");
  ::setenv("TRACESTATE", "no good", 1);
  c = trace_context_from_environment(warn);
  EXPECT_EQ(c.tracestate, "");
  EXPECT_EQ(warnings.size(), 1u);
  ::setenv("TRACEPARENT", "00-bad", 1);
  c = trace_context_from_environment(warn);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.tracestate, "");
  EXPECT_EQ(warnings.size(), 2u);  // TRACESTATE is not looked at without a TRACEPARENT
  ::unsetenv("TRACEPARENT");
  ::unsetenv("TRACESTATE");
  EXPECT_TRUE(trace_context_from_environment(warn).empty());
}

TEST(TraceContext, AnEventKeepsItsOwn) {
  TraceContext c{tp, "a=1"};
  Event mine = parse_envelope(R"({"tag":"t","traceparent":"00-11111111111111111111111111111111-2222222222222222-00"})");
  apply_trace_context(mine, c);
  EXPECT_EQ(to_envelope(mine).find("a=1"), std::string::npos);
  EXPECT_EQ(trace_context_of(mine).traceparent, "00-11111111111111111111111111111111-2222222222222222-00");
  Event plain = parse_envelope(R"({"tag":"t","ts":1,"id":"x","node":"n"})");
  apply_trace_context(plain, c);
  EXPECT_EQ(to_envelope(plain),
            R"({"tag":"t","data":{},"ts":1.000000,"id":"x","node":"n","traceparent":")" + tp + R"(","tracestate":"a=1"})");
  // What is not of the spec's syntax stays in the envelope, and goes nowhere else.
  Event odd = parse_envelope(R"({"tag":"t","traceparent":"x\ny","tracestate":"a=1"})");
  EXPECT_TRUE(trace_context_of(odd).empty());
  EXPECT_EQ(trace_context_of(odd).tracestate, "");
}

TEST(TraceContext, AStepGetsTheEventsNeverEventHandlesOwn) {
  Event e = parse_envelope(R"({"tag":"a/event/b","ts":1,"id":"x","node":"n","traceparent":")" + tp + R"(","tracestate":"a=1"})");
  auto env = step_environment({"TRACEPARENT=00-stale", "TRACESTATE=old=1", "PATH=/bin"}, {}, e, "b", "10x");
  auto has = [&env](const std::string& v) { return std::find(env.begin(), env.end(), v) != env.end(); };
  EXPECT_TRUE(has("TRACEPARENT=" + tp));
  EXPECT_TRUE(has("TRACESTATE=a=1"));
  Event plain = parse_envelope(R"({"tag":"a/event/b","ts":1,"id":"x","node":"n"})");
  env = step_environment({"TRACEPARENT=00-stale", "TRACESTATE=old=1", "PATH=/bin"}, {}, plain, "b", "10x");
  for (const auto& v : env) EXPECT_EQ(v.rfind("TRACE", 0), std::string::npos) << v;
}

TEST(TraceContext, ASpoolLineKeepsItForTheWebhook) {
  std::string line = spool_record("id 1", 1234, R"({"event":"X"})", TraceContext{tp, "a=1 , b=x%y"});
  EXPECT_EQ(line, "id%201 1234 traceparent=" + tp + R"( tracestate=a=1%20,%20b=x%25y {"event":"X"})" + "\n");
  line.pop_back();
  auto r = parse_spool_record(line);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "id 1");
  EXPECT_EQ(r->trace.traceparent, tp);
  EXPECT_EQ(r->trace.tracestate, "a=1 , b=x%y");
  EXPECT_EQ(r->body, R"({"event":"X"})");
  r = parse_spool_record("id 1234 true");  // a body of any JSON
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->trace.empty());
  EXPECT_EQ(r->body, "true");
}

TEST(TraceContext, NatsHeadersOnlyForValidValues) {
  Event e = parse_envelope(R"({"tag":"t","ts":1,"id":"x","node":"n","traceparent":")" + tp + R"(","tracestate":"a=1"})");
  std::map<std::string, std::string> h;
  for (auto& [k, v] : to_nats(e).headers) h[k] = v;
  EXPECT_EQ(h["traceparent"], tp);
  EXPECT_EQ(h["tracestate"], "a=1");
  EXPECT_EQ(h.count("Evt-Extra"), 0u);
  Event odd = parse_envelope(R"({"tag":"t","ts":1,"id":"x","node":"n","traceparent":"x\r\nEvil: 1"})");
  h.clear();
  for (auto& [k, v] : to_nats(odd).headers) h[k] = v;
  EXPECT_EQ(h.count("traceparent"), 0u);
  EXPECT_EQ(h["Evt-Extra"], R"({"traceparent":"x\r\nEvil: 1"})");
}
