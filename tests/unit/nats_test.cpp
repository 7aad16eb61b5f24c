// The NATS plugin's pure parts: endpoints, tags and subjects, the headers.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>

#include "core/endpoint.h"
#include "core/error.h"
#include "transport/nats/nats_message.h"
#include "transport/nats/nats_subject.h"

using namespace evt;

TEST(NatsEndpoint, HostsUserAndQueue) {
  Endpoint e = parse_endpoint("nats://u:p%40ss@n1:4223,n2,[::1]:4224?queue=workers");
  EXPECT_EQ(e.scheme, Scheme::nats);
  EXPECT_EQ(e.nats.servers, (std::vector<std::string>{"nats://n1:4223", "nats://n2:4222", "nats://[::1]:4224"}));
  EXPECT_EQ(e.user, "u");
  EXPECT_EQ(e.password, "p@ss");
  EXPECT_EQ(e.nats.queue, "workers");
  EXPECT_EQ(e.display(), "nats://u:***@n1:4223,n2,[::1]:4224?queue=workers");
  EXPECT_EQ(parse_endpoint("nats://h?tls=1").nats.servers, std::vector<std::string>{"tls://h:4222"});
  EXPECT_THROW(parse_endpoint("nats://h/x"), Error);
  EXPECT_THROW(parse_endpoint("nats://h?queue=a.b"), Error);
  EXPECT_THROW(parse_endpoint("nats://h,,g"), Error);
}

TEST(NatsEndpoint, FromNatsUrl) {
  ::setenv("NATS_URL", "nats://a:1,tls://b:2", 1);
  Endpoint e = parse_endpoint("nats+js:///EVENTS?group=g");
  ::unsetenv("NATS_URL");
  EXPECT_EQ(e.nats.servers, (std::vector<std::string>{"tls://a:1", "tls://b:2"}));
  EXPECT_THROW(parse_endpoint("nats://"), Error);
}

TEST(NatsEndpoint, JetStream) {
  Endpoint e =
      parse_endpoint("nats+js://n1,n2,n3/EVENTS?group=handlers&create=1&replicas=3&subjects=module.>,EVENT%20x.>&max-age=3600");
  EXPECT_EQ(e.scheme, Scheme::nats_js);
  EXPECT_EQ(e.key, "EVENTS");
  EXPECT_EQ(e.stream.group, "handlers");
  EXPECT_EQ(e.stream.claim, 30);
  EXPECT_TRUE(e.nats.create);
  EXPECT_EQ(e.nats.replicas, 3);
  EXPECT_EQ(e.nats.subjects, (std::vector<std::string>{"module.>", "EVENT%20x.>"}));
  EXPECT_EQ(e.nats.max_age, 3600);
  EXPECT_EQ(parse_endpoint("nats+js://h/S?group=g&claim=5").stream.claim, 5);
  EXPECT_THROW(parse_endpoint("nats+js://h"), Error);
  EXPECT_THROW(parse_endpoint("nats+js://h/S?replicas=9"), Error);
  EXPECT_THROW(parse_endpoint("nats+js://h/S?create=yes"), Error);
  EXPECT_THROW(parse_endpoint("nats+js://h/S.x"), Error);
  EXPECT_THROW(parse_endpoint("nats+js://h/S?queue=q"), Error);
}

TEST(NatsSubject, BothWays) {
  EXPECT_EQ(tag_to_subject("module/traefik1/event/test"), "module.traefik1.event.test");
  EXPECT_EQ(subject_to_tag("module.traefik1.event.test"), "module/traefik1/event/test");
  EXPECT_EQ(tag_to_subject("EVENT STATE VM/ACTIVE/RUNNING/5 "), "EVENT%20STATE%20VM.ACTIVE.RUNNING.5%20");
  for (const char* tag : {"EVENT STATE VM/ACTIVE/RUNNING/5 ", "EVENT STATE HOST/ERROR//0 ", "a.b/c%20d", "*/>/x*", "/", "//a/",
                          "salt/job/20250101/ret/web1", "ünï/cödé", "100%"}) {
    std::string subject = tag_to_subject(tag);
    EXPECT_EQ(subject.find_first_of(" \t"), std::string::npos) << tag;
    EXPECT_EQ(subject_to_tag(subject), tag) << subject;
  }
  EXPECT_EQ(tag_to_subject("a//b"), "a.%00.b");
  EXPECT_EQ(tag_to_subject("*/>"), "%2A.%3E");
  EXPECT_EQ(subject_to_tag("a.%zz.%0A"), "a/%zz/%0A");  // never a control character
}

TEST(NatsSubject, Filters) {
  using V = std::vector<std::string>;
  EXPECT_EQ(subject_filters(MatchKind::glob, {}), V{">"});
  EXPECT_EQ(subject_filters(MatchKind::glob, {"module/*/event/*"}), V{"module.>"});
  EXPECT_EQ(subject_filters(MatchKind::glob, {"a/b", "a/*"}), V{"a.>"});
  EXPECT_EQ(subject_filters(MatchKind::glob, {"a/b", "c/d e"}), (V{"a.b", "c.d%20e"}));
  EXPECT_EQ(subject_filters(MatchKind::glob, {"EVENT STATE VM/*"}), V{"EVENT%20STATE%20VM.>"});
  EXPECT_EQ(subject_filters(MatchKind::glob, {"x*", "a/b"}), V{">"});
  EXPECT_EQ(subject_filters(MatchKind::exact, {"a/b"}), V{"a.b"});
  EXPECT_EQ(subject_filters(MatchKind::prefix, {"a/b"}), V{"a.>"});
  EXPECT_EQ(subject_filters(MatchKind::regex, {"^a/b$"}), V{">"});
  EXPECT_TRUE(subject_covers("a.*", "a.b"));
  EXPECT_FALSE(subject_covers("a.*", "a.>"));
  EXPECT_FALSE(subject_covers("a.>", "a"));
}

TEST(NatsMessage, EnvelopeInHeaders) {
  Event e = parse_envelope(
      R"({"tag":"EVENT API one.vm.allocate 1","data":{"k":[1,2]},"ts":1763789000.123456,"id":"01ABC","node":"web1","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","x":{"y":1}})");
  NatsWire w = to_nats(e);
  EXPECT_EQ(w.subject, "EVENT%20API%20one%2Evm%2Eallocate%201");
  EXPECT_EQ(w.payload, R"({"k":[1,2]})");
  std::map<std::string, std::string> h(w.headers.begin(), w.headers.end());
  EXPECT_EQ(h["ce-id"], "01ABC");
  EXPECT_EQ(h["ce-source"], "web1");
  EXPECT_EQ(h["ce-type"], e.tag);
  EXPECT_EQ(h["ce-time"], "2025-11-22T05:23:20.123456Z");
  auto lookup = [&h](const char* name) -> const char* {
    auto it = h.find(name);
    return it == h.end() ? nullptr : it->second.c_str();
  };
  Message m = from_nats(w.subject, w.payload, lookup, "here");
  EXPECT_EQ(m.envelope, to_envelope(e));
}

TEST(NatsMessage, PlainMessageFromAnotherClient) {
  auto none = [](const char*) -> const char* { return nullptr; };
  Message m = from_nats("module.traefik1.event.test", R"({"field":"value"})", none, "here");
  Event& e = m.event();
  EXPECT_EQ(e.tag, "module/traefik1/event/test");
  EXPECT_EQ(e.data.text(), R"({"field":"value"})");
  EXPECT_EQ(e.node, "here");
  EXPECT_FALSE(e.id.empty());
  EXPECT_GT(e.ts, 0);
  EXPECT_EQ(from_nats("a", "plain text", none, "n").event().data.text(), R"("plain text")");
  // ce-time read as core's RFC 3339 (when.h): six decimals back as they went; one that does not parse is "now".
  std::string at = iso_time(1763789000.123456);
  auto with_time = [&at](const char* name) -> const char* { return std::string_view(name) == "ce-time" ? at.c_str() : nullptr; };
  EXPECT_EQ(format_ts(from_nats("a", "{}", with_time, "n").event().ts), "1763789000.123456");
  at = "yesterday";
  EXPECT_GT(from_nats("a", "{}", with_time, "n").event().ts, 1763789000);
}
