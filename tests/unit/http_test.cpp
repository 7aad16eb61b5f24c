// HTTP's pure pieces: http(s):// URLs, Standard Webhooks and GitHub
// signatures checked, CloudEvents both ways, and what a request that
// arrives becomes (transport/http_ingest.h), with the clock given.
#include <gtest/gtest.h>

#include "core/cloudevent.h"
#include "core/endpoint.h"
#include "core/error.h"
#include "core/sha256.h"
#include "core/standard_webhooks.h"
#include "transport/http_ingest.h"
#include "transport/http_out.h"

using namespace evt;

static const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static constexpr long long now = 1614265330;

TEST(Http, Urls) {
  Endpoint e = parse_endpoint("http://127.0.0.1:8080/hooks?a=1&b=%2F");
  EXPECT_EQ(e.scheme, Scheme::http);
  EXPECT_FALSE(e.tls);
  EXPECT_EQ(e.port, 8080);
  EXPECT_EQ(e.path, "/hooks");
  EXPECT_EQ(e.query, "a=1&b=%2F");
  Endpoint s = parse_endpoint("https://sink.example");
  EXPECT_TRUE(s.tls);
  EXPECT_EQ(s.port, 443);
  EXPECT_EQ(s.path, "/");
  EXPECT_EQ(parse_endpoint("http://*:9000").host, "*");
  EXPECT_THROW(parse_endpoint("http://user:pw@h/"), Error);
  EXPECT_THROW(parse_endpoint("http:///x"), Error);
}

TEST(Http, StandardWebhooksVerify) {
  // Standard Webhooks' own example (its specification's test vector).
  const std::string body = R"({"test": 2432232314})";
  const std::string sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  EXPECT_EQ(webhook_signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", now, body), sig);
  EXPECT_FALSE(standard_webhooks_problem(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v0,x " + sig, body, now + 10));
  EXPECT_TRUE(standard_webhooks_problem(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", sig, body + " ", now));
  EXPECT_TRUE(standard_webhooks_problem(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", sig, body, now + 301));
  EXPECT_TRUE(standard_webhooks_problem(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "16142653x", sig, body, now));
  EXPECT_TRUE(standard_webhooks_problem(secret, "", "1614265330", sig, body, now));
}

TEST(Http, GithubSignature) {
  // GitHub's documented example: secret "It's a Secret to Everybody", body "Hello, World!".
  const std::string header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  EXPECT_FALSE(github_signature_problem("It's a Secret to Everybody", header, "Hello, World!"));
  EXPECT_TRUE(github_signature_problem("It's a Secret to Everybody", header, "Hello, World?"));
  EXPECT_TRUE(github_signature_problem("It's a Secret to Everybody", "sha256=", "Hello, World!"));
  EXPECT_TRUE(same_secret("abc", "abc"));
  EXPECT_FALSE(same_secret("abc", "abd"));
  EXPECT_FALSE(same_secret("abc", "abcd"));
}

static Event sample() {
  Event e = make_event("module/traefik1/event/test", JsonText::parse(R"({"a":1})"), "web1");
  e.set_extra("traceparent", JsonText::string("00-ab"));
  e.set_extra("Bad_Key", JsonText::parse("1"));
  return e;
}

TEST(Http, CloudEventsBinaryIn) {
  Event e = sample();
  DroppedMembers dropped;
  CloudEventRequest b = cloudevent_binary(e, &dropped);
  EXPECT_EQ(dropped, std::vector<std::string>{"Bad_Key"});
  Event back = parse_cloudevent_binary(b.headers, b.content_type, b.body);
  EXPECT_EQ(back.tag, e.tag);
  EXPECT_EQ(back.id, e.id);
  EXPECT_EQ(back.node, "web1");
  EXPECT_NEAR(back.ts, e.ts, 1e-6);
  EXPECT_EQ(back.data.text(), e.data.text());
  EXPECT_NE(to_envelope(back).find("\"traceparent\":\"00-ab\""), std::string::npos);
  HeaderList spaced = {{"ce-specversion", "1.0"}, {"ce-type", "EVENT%20API%20x%201"}, {"ce-id", "i"}, {"ce-source", "/s"}};
  Event text = parse_cloudevent_binary(spaced, "text/plain", "plain");
  EXPECT_EQ(text.tag, "EVENT API x 1");
  EXPECT_EQ(text.data.text(), "\"plain\"");
  EXPECT_THROW(parse_cloudevent_binary({{"ce-specversion", "1.0"}, {"ce-id", "x"}}, "", "{}"), Error);
  EXPECT_THROW(parse_cloudevent_binary(spaced, "text/plain", "\xff"), Error);
}

static HttpRequestData post(std::string path, std::string body, HeaderList headers = {}) {
  HttpRequestData r;
  r.method = "POST";
  auto q = path.find('?');
  if (q != std::string::npos) {
    r.query = path.substr(q + 1);
    path.resize(q);
  }
  r.path = path;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.content_type = std::string(header_value(r.headers, "content-type"));
  r.peer = "127.0.0.1";
  return r;
}

TEST(Http, IngestRules) {
  HttpIngestRules rules({"/hooks/", "", "", "me"});
  IngestVerdict v = rules.judge_at(post("/hooks/deploy/a%20b", R"({"x":1})", {{"x-github-delivery", "gh-1"}}), now);
  ASSERT_EQ(v.status, 0) << v.reason;
  EXPECT_EQ(v.message.tag, "deploy/a b");
  EXPECT_EQ(v.message.event().id, "gh-1");
  EXPECT_EQ(v.message.event().node, "me");
  EXPECT_EQ(rules.judge_at(post("/hooksx/a", "{}"), now).status, 404);
  EXPECT_EQ(rules.judge_at(post("/hooks/a/../b", "{}"), now).status, 400);
  EXPECT_EQ(rules.judge_at(post("/hooks", "{}"), now).status, 400);
  EXPECT_EQ(rules.judge_at(post("/hooks/a", "\xff"), now).status, 400);
  IngestVerdict salt = rules.judge_at(post("/hooks/ci/build?form=salt-api", R"({"ok":true})", {{"x-token", "t"}}), now);
  ASSERT_EQ(salt.status, 0) << salt.reason;
  EXPECT_EQ(salt.message.tag, "salt/netapi/hook/ci/build");
  EXPECT_EQ(salt.message.event().data.text(),
            R"({"body":"{\"ok\":true}","post":{"ok":true},"headers":{"X-Token":"t","Remote-Addr":"127.0.0.1"}})");
}

TEST(Http, IngestChecks) {
  HttpIngestRules rules({"/", secret, "tok", "me"});
  std::string body = R"({"a":1})";
  HeaderList good = {{"authorization", "Bearer tok"},
                     {"webhook-id", "msg_1"},
                     {"webhook-timestamp", std::to_string(now)},
                     {"webhook-signature", webhook_signature(secret, "msg_1", now, body)}};
  IngestVerdict v = rules.judge_at(post("/t", body, good), now);
  ASSERT_EQ(v.status, 0) << v.reason;
  EXPECT_EQ(v.message.event().id, "msg_1");
  EXPECT_EQ(rules.judge_at(post("/t", body + " ", good), now).status, 401);
  EXPECT_EQ(rules.judge_at(post("/t", body, good), now + 600).status, 401);
  good[0].second = "Bearer tok2";
  EXPECT_EQ(rules.judge_at(post("/t", body, good), now).status, 401);
  EXPECT_EQ(rules.judge_at(post("/t", body, {{"authorization", "Bearer tok"}}), now).status, 401);
}

TEST(Http, OutRequest) {
  Event e = sample();
  HttpOutConfig c;
  c.path = "/in";
  c.query = "a=%2F";
  c.secret = secret;
  c.bearer_token = "tok";
  HttpRequestData r = http_out_request(e, c, now, nullptr);
  EXPECT_EQ(r.path, "/in");
  EXPECT_EQ(r.query, "a=%2F");
  EXPECT_EQ(header_value(r.headers, "webhook-id"), e.id);
  EXPECT_EQ(header_value(r.headers, "webhook-signature"), webhook_signature(secret, e.id, now, r.body));
  EXPECT_EQ(header_value(r.headers, "authorization"), "Bearer tok");
  // What we send, the receiving side takes, signature and all.
  HttpIngestRules rules({"/in", secret, "tok", "other"});
  IngestVerdict v = rules.judge_at(r, now);
  ASSERT_EQ(v.status, 0) << v.reason;
  EXPECT_EQ(v.message.tag, e.tag);
  EXPECT_EQ(v.message.event().node, "web1");
  c.structured = true;
  v = rules.judge_at(http_out_request(e, c, now, nullptr), now);
  ASSERT_EQ(v.status, 0) << v.reason;
  EXPECT_EQ(v.message.event().data.text(), R"({"a":1})");
  EXPECT_THROW(structured_ce_mode("json"), Error);
}

TEST(Http, TraceContextBothWays) {
  Event e = make_event("t", JsonText::parse("{}"), "n");
  e.set_extra("traceparent", JsonText::string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  HttpRequestData r = http_out_request(e, HttpOutConfig{}, now, nullptr);
  EXPECT_EQ(header_value(r.headers, "traceparent"), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  HttpIngestRules rules({"/", "", "", "me"});
  IngestVerdict v = rules.judge_at(
      post("/x", "{}", {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}, {"tracestate", "a=b"}}), now);
  ASSERT_EQ(v.status, 0) << v.reason;
  EXPECT_NE(v.message.envelope.find(R"("traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")"),
            std::string::npos);
  EXPECT_NE(v.message.envelope.find(R"("tracestate":"a=b")"), std::string::npos);
  v = rules.judge_at(post("/x", "{}", {{"traceparent", "junk"}}), now);
  EXPECT_EQ(v.message.envelope.find("traceparent"), std::string::npos);
}
