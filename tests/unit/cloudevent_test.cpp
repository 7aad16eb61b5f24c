#include "core/cloudevent.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/when.h"
#include "eventsapi/gluster.h"
#include "eventsapi/webhook_format.h"

using namespace evt;

namespace {

std::string out_of(const std::string& envelope, DroppedMembers* dropped = nullptr) {
  std::string out;
  append_cloudevent(out, parse_envelope(envelope), dropped);
  return out;
}

std::string invalid_reason(const std::string& line) {
  try {
    parse_envelope(line);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::invalid_input);
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST(CloudEvent, AttributeNames) {
  EXPECT_TRUE(is_cloudevent_attribute_name("traceparent"));
  EXPECT_TRUE(is_cloudevent_attribute_name("a1"));
  EXPECT_TRUE(is_cloudevent_attribute_name("abcdefghijklmnopqrst"));    // 20
  EXPECT_FALSE(is_cloudevent_attribute_name("abcdefghijklmnopqrstu"));  // 21
  EXPECT_FALSE(is_cloudevent_attribute_name(""));
  EXPECT_FALSE(is_cloudevent_attribute_name("Upper"));
  EXPECT_FALSE(is_cloudevent_attribute_name("data_base64"));
  EXPECT_FALSE(is_cloudevent_attribute_name("with-dash"));
}

TEST(CloudEvent, Out) {
  DroppedMembers dropped;
  EXPECT_EQ(
      out_of(
          R"({"tag":"a/event/x","data":{"k":[1]},"ts":1763789000.5,"id":"ID","node":"web1","n":-2147483648,"m":2147483648,"f":1.5,"o":{"x":null},"s":"t","b":false,"z":null,"Bad":1,"type":"x","time":"y","specversion":"2","subject":5,"dataschema":"https://s"})",
          &dropped),
      R"({"specversion":"1.0","id":"ID","source":"/node/web1","type":"a/event/x","time":"2025-11-22T05:23:20.500000Z","datacontenttype":"application/json","n":-2147483648,"m":"2147483648","f":"1.5","o":"{\"x\":null}","s":"t","b":false,"z":"null","dataschema":"https://s","data":{"k":[1]}})");
  EXPECT_EQ(dropped, (DroppedMembers{"Bad", "type", "time", "specversion", "subject"}));
}

TEST(CloudEvent, OutSourceAndData) {
  // The event's own source wins, and then the node is an extension.
  EXPECT_EQ(
      out_of(R"({"tag":"t","data":null,"ts":0.000000,"id":"i","node":"n","source":"module/m"})"),
      R"({"specversion":"1.0","id":"i","source":"module/m","type":"t","time":"1970-01-01T00:00:00.000000Z","datacontenttype":"application/json","node":"n"})");
  // A node that is no URI path is percent-encoded; a source that is no string is dropped.
  DroppedMembers dropped;
  EXPECT_EQ(
      out_of(R"({"tag":"t","data":"x","ts":0.000000,"id":"i","node":"a b%/é","source":1})", &dropped),
      R"({"specversion":"1.0","id":"i","source":"/node/a%20b%25/%C3%A9","type":"t","time":"1970-01-01T00:00:00.000000Z","datacontenttype":"application/json","data":"x"})");
  EXPECT_EQ(dropped, DroppedMembers{"source"});
  // data_base64 stands for data only when data is null.
  EXPECT_EQ(
      out_of(R"({"tag":"t","data":null,"ts":0.000000,"id":"i","node":"","data_base64":"AAE="})"),
      R"({"specversion":"1.0","id":"i","source":"/node/","type":"t","time":"1970-01-01T00:00:00.000000Z","datacontenttype":"application/json","data_base64":"AAE="})");
  dropped.clear();
  out_of(R"({"tag":"t","data":1,"ts":0.000000,"id":"i","node":"","data_base64":"AAE="})", &dropped);
  EXPECT_EQ(dropped, DroppedMembers{"data_base64"});
  // A ts no RFC 3339 time can say is dropped, not written as a number.
  dropped.clear();
  EXPECT_EQ(out_of(R"({"tag":"t","data":1,"ts":1e300,"id":"i","node":"n"})", &dropped).find("time"), std::string::npos);
  EXPECT_EQ(dropped, DroppedMembers{"ts"});
}

TEST(CloudEvent, In) {
  Event e = parse_envelope(
      R"( {"specversion":"1.0","id":"x-1","source":"/node/web%201","type":"com.example","time":"2026-01-02T03:04:05.123456+02:00","subject":"s","n":3,"data":{"k":1}} )");
  EXPECT_EQ(e.tag, "com.example");
  EXPECT_EQ(e.id, "x-1");
  EXPECT_EQ(e.node, "web 1");
  EXPECT_EQ(format_ts(e.ts), "1767315845.123456");
  EXPECT_EQ(e.data.text(), R"({"k":1})");
  EXPECT_EQ(to_envelope(e),
            R"({"tag":"com.example","data":{"k":1},"ts":1767315845.123456,"id":"x-1","node":"web 1","subject":"s","n":3})");
  // Another source is kept as the member source; a node extension names the node.
  e = parse_envelope(R"({"specversion":"1.0","id":"i","source":"/node/a","type":"t","node":"b"})");
  EXPECT_EQ(to_envelope(e), R"({"tag":"t","data":null,"ts":0.000000,"id":"i","node":"b","source":"/node/a"})");
  e = parse_envelope(
      R"({"specversion":"1.0","id":"i","source":"https://x/y","type":"t","datacontenttype":"application/json","time":null})");
  EXPECT_EQ(to_envelope(e), R"({"tag":"t","data":null,"ts":0.000000,"id":"i","node":"","source":"https://x/y"})");
  // A source /node/ with a bad escape is no node.
  e = parse_envelope(R"({"specversion":"1.0","id":"i","source":"/node/%zz","type":"t"})");
  EXPECT_EQ(e.node, "");
  // An object with a tag is an envelope, its specversion a member.
  e = parse_envelope(R"({"tag":"t","specversion":"1.0"})");
  EXPECT_EQ(e.extra.size(), 1u);
}

TEST(CloudEvent, InDataBase64) {
  auto data_of = [](const std::string& members) {
    return to_envelope(parse_envelope(R"({"specversion":"1.0","id":"i","source":"/node/n","type":"t",)" + members + "}"));
  };
  EXPECT_EQ(data_of(R"("data_base64":"eyJrIjoxfQ==")"), R"({"tag":"t","data":{"k":1},"ts":0.000000,"id":"i","node":"n"})");
  EXPECT_EQ(data_of(R"("data_base64":"MTIz","datacontenttype":"text/plain")"),
            R"({"tag":"t","data":"123","ts":0.000000,"id":"i","node":"n","datacontenttype":"text/plain"})");
  EXPECT_EQ(
      data_of(R"("data_base64":"aGk=","datacontenttype":"application/vnd.x+json; charset=utf-8")"),
      R"({"tag":"t","data":"hi","ts":0.000000,"id":"i","node":"n","datacontenttype":"application/vnd.x+json; charset=utf-8"})");
  EXPECT_EQ(data_of(R"("data_base64":"AP8=")"),
            R"({"tag":"t","data":null,"ts":0.000000,"id":"i","node":"n","data_base64":"AP8="})");
}

TEST(CloudEvent, InInvalid) {
  EXPECT_EQ(invalid_reason(R"({"specversion":"1.0","source":"/s","type":"t"})"), R"(CloudEvent has no "id")");
  EXPECT_EQ(invalid_reason(R"({"specversion":"1.1","id":"i","source":"/s","type":"t"})"),
            R"(CloudEvent specversion "1.1" is not 1.0)");
  EXPECT_EQ(invalid_reason(R"({"specversion":"1.0","id":"i","source":"","type":"t"})"),
            R"(CloudEvent "source" is not a non-empty string)");
  EXPECT_EQ(invalid_reason(R"({"specversion":"1.0","id":"i","source":"/s","type":"t\u0001"})"),
            "tag contains a control character");
  EXPECT_EQ(invalid_reason(R"({"specversion":"1.0","id":"i","source":"/s","type":"t","time":"2026-02-30T00:00:00Z"})"),
            R"(CloudEvent "time" is not an RFC 3339 time)");
  EXPECT_EQ(invalid_reason(R"({"specversion":"1.0","id":"i","source":"/s","type":"t","node":3})"),
            R"(CloudEvent "node" is not a string)");
  EXPECT_EQ(invalid_reason(R"({"specversion":"1.0","id":"i","source":"/s","type":"t"} x)"),
            "invalid JSON at byte 57: trailing characters");
  // Without a specversion it is an envelope without a tag.
  EXPECT_EQ(invalid_reason(R"({"id":"i","source":"/s","type":"t"})"), R"(envelope has no "tag")");
  EXPECT_FALSE(looks_like_cloudevent("[1]"));
  EXPECT_FALSE(looks_like_cloudevent(R"({"specversion":"1.0",)"));
}

TEST(CloudEvent, AnEnvelopeIsNeverTakenForOne) {
  // A tag anywhere at the top level makes an envelope, whose own rules then
  // hold even when a member before the tag breaks them.
  EXPECT_EQ(invalid_reason(R"({"specversion":"1.0","id":"","source":"/s","type":"t","tag":"x"})"),
            R"("id" is not a non-empty string)");
  EXPECT_EQ(invalid_reason(R"({"specversion":"1.0","id":"i","source":"/s","type":"t","t\u0061g":3})"),
            R"("tag" is not a string)");
  // specversion inside data (a Salt or ns8 payload carrying a CloudEvent) is data.
  Event e = parse_envelope(R"({"tag":"salt/x","data":{"specversion":"1.0","id":"i","source":"/s","type":"evil"}})");
  EXPECT_EQ(e.tag, "salt/x");
  EXPECT_TRUE(e.extra.empty());
}

TEST(CloudEvent, RoundTrip) {
  for (
      const char* line :
      {R"({"tag":"a/event/x","data":{"k":[1,"é"]},"ts":1763789000.123456,"id":"01KAMS","node":"web 1","traceparent":"00-ab-cd-01","n":7,"b":true})",
       R"({"tag":"t","data":"text","ts":-351,"id":"a b\"c","node":"n","source":"urn:x","datacontenttype":"text/plain","subject":"s"})",
       R"({"tag":"t","data":null,"ts":1.000000,"id":"i","node":"n","data_base64":"AP8="})"}) {
    std::string ce;
    append_cloudevent(ce, parse_envelope(line));
    EXPECT_EQ(to_envelope(parse_envelope(ce)), line) << ce;
  }
}

TEST(CloudEvent, Binary) {
  CloudEventRequest r = cloudevent_binary(parse_envelope(
      R"({"tag":"a b","data":{"k":1},"ts":0.000000,"id":"i%\"","node":"n","traceparent":"00-x","n":5,"o":{"é":1}})"));
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"k":1})");
  using H = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r.headers, (H{{"ce-specversion", "1.0"},
                          {"ce-id", "i%25%22"},
                          {"ce-source", "/node/n"},
                          {"ce-type", "a%20b"},
                          {"ce-time", "1970-01-01T00:00:00.000000Z"},
                          {"ce-traceparent", "00-x"},
                          {"ce-n", "5"},
                          {"ce-o", "{%22%C3%A9%22:1}"}}));
  // Text under a content type that is not JSON is the body as it is; bytes decoded.
  r = cloudevent_binary(parse_envelope(R"({"tag":"t","data":"<a/>","datacontenttype":"text/xml"})"));
  EXPECT_EQ(r.content_type, "text/xml");
  EXPECT_EQ(r.body, "<a/>");
  r = cloudevent_binary(parse_envelope(R"({"tag":"t","data":null,"data_base64":"AP8="})"));
  EXPECT_EQ(r.body, std::string("\0\xff", 2));
  r = cloudevent_binary(parse_envelope(R"({"tag":"t","data":"x"})"));
  EXPECT_EQ(r.body, R"("x")");
}

TEST(CloudEvent, DroppedMemberNoticesSayEachNameOnce) {
  std::vector<std::string> said;
  DroppedMemberNotices notices([&](const std::string& line) { said.push_back(line); });
  notices({"A", "B"});
  notices({"A"});
  notices({});
  notices({"C", "B"});
  ASSERT_EQ(said.size(), 3u);
  EXPECT_NE(said[2].find("\"C\""), std::string::npos);
}

TEST(CloudEvent, DroppedMemberNoticesAreBounded) {
  // Names chosen by whoever publishes: a long-running listener neither
  // remembers nor says an unbounded number of them.
  std::vector<std::string> said;
  DroppedMemberNotices notices([&](const std::string& line) { said.push_back(line); });
  for (int i = 0; i < 10000; ++i) notices({"X" + std::to_string(i)});
  EXPECT_LE(said.size(), 101u);
  EXPECT_NE(said.back().find("no further"), std::string::npos);
  size_t before = said.size();
  notices({"Y"});
  EXPECT_EQ(said.size(), before);
}

TEST(CloudEvent, Rfc3339) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0.0);
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59Z"), -1.0);
  EXPECT_EQ(format_ts(*parse_rfc3339(iso_time(1763789000.123456))), "1763789000.123456");
  EXPECT_EQ(parse_rfc3339("2026-01-01T01:00:00+01:00"), parse_rfc3339("2026-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-01-01T00:00:00"));
  EXPECT_FALSE(parse_rfc3339("soon"));
  EXPECT_EQ(parse_rfc3339("2025-11-22T05:23:20Z"), 1763789000.0);
  EXPECT_EQ(parse_rfc3339("2000-02-29T12:00:00.5Z"), 951825600.5);
  EXPECT_EQ(parse_rfc3339("2026-12-06 01:02:03z"), parse_rfc3339("2026-12-06T01:02:03Z"));
  for (const char* bad : {"2025-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2025-04-31T00:00:00Z",
                          "2025-11-22T05:23:20.123456", "2025-11-22T05:23:20.Z", "2025-11-22T05:23:2xZ", "-025-11-22T05:23:20Z",
                          "2025-11-22T05:23:20+1:00", "2025-11-22T05:23:20Z "})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

TEST(CloudEvent, Rfc3339LeapSecondAndOffsetRanges) {
  // A leap second is 23:59:60 UTC, at the end of a day (and of a month or a
  // year): as POSIX time, the second after 23:59:59.
  EXPECT_EQ(parse_rfc3339("2016-12-31T23:59:60Z"), parse_rfc3339("2017-01-01T00:00:00Z"));
  EXPECT_EQ(parse_rfc3339("2015-06-30T23:59:60.5Z"), *parse_rfc3339("2015-07-01T00:00:00Z") + 0.5);
  EXPECT_EQ(parse_rfc3339("2016-12-31T18:59:60-05:00"), parse_rfc3339("2017-01-01T00:00:00Z"));
  // An offset's hour is 00 to 23, its minute 00 to 59 (RFC 3339's time-numoffset).
  EXPECT_FALSE(parse_rfc3339("2025-01-01T00:00:00+24:00"));
  EXPECT_FALSE(parse_rfc3339("2025-01-01T00:00:00+99:99"));
  EXPECT_FALSE(parse_rfc3339("2025-01-01T00:00:00-01:60"));
  EXPECT_EQ(parse_rfc3339("2025-01-01T00:00:00+23:59"), *parse_rfc3339("2025-01-01T00:00:00Z") - 86340);
  EXPECT_EQ(parse_rfc3339("2025-01-01T00:00:00-00:00"), parse_rfc3339("2025-01-01T00:00:00Z"));
}

TEST(WebhookFormat, Payloads) {
  EXPECT_EQ(parse_webhook_format("cloudevents-binary"), WebhookFormat::cloudevents_binary);
  EXPECT_FALSE(parse_webhook_format("CloudEvents"));
  EXPECT_EQ(format_name(WebhookFormat::cloudevents), "cloudevents");
  Event e = parse_envelope(R"({"tag":"VOLUME_SET","data":{"name":"gv0","options":[["a","b"]]},"ts":1796222333,"id":"E"})");
  std::string body = webhook_body(e, "uuid-1");
  WebhookPayload g = webhook_payload(WebhookFormat::gluster, "E", body, "n");
  EXPECT_EQ(g.body, body);
  EXPECT_EQ(g.content_type, "application/json");
  EXPECT_TRUE(g.headers.empty());
  WebhookPayload s = webhook_payload(WebhookFormat::cloudevents, "E", body, "n");
  EXPECT_EQ(s.content_type, "application/cloudevents+json");
  EXPECT_EQ(
      s.body,
      R"({"specversion":"1.0","id":"E","source":"/node/uuid-1","type":"VOLUME_SET","time":"2026-12-02T14:38:53.000000Z","datacontenttype":"application/json","data":{"name":"gv0","options":[["a","b"]]}})");
  WebhookPayload b = webhook_payload(WebhookFormat::cloudevents_binary, "E", body, "n");
  EXPECT_EQ(b.body, R"({"name":"gv0","options":[["a","b"]]})");
  EXPECT_EQ(b.headers.at(3), (std::pair<std::string, std::string>("ce-type", "VOLUME_SET")));
  // webhook-test's empty body: a TEST event from the node; a record that is no body: UNKNOWN.
  WebhookPayload t = webhook_payload(WebhookFormat::cloudevents, "T", "", "host1");
  EXPECT_NE(t.body.find(R"("id":"T","source":"/node/host1","type":"TEST")"), std::string::npos);
  WebhookPayload u = webhook_payload(WebhookFormat::cloudevents, "U", "not json", "host1");
  EXPECT_NE(u.body.find(R"("type":"UNKNOWN")"), std::string::npos);
  EXPECT_NE(u.body.find(R"("data":"not json")"), std::string::npos);
}
