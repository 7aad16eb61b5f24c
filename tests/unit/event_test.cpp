#include "core/event.h"

#include <time.h>

#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"

using namespace evt;

TEST(Tag, AcceptsReasonableTags) {
  EXPECT_FALSE(tag_problem("module/traefik1/event/test"));
  EXPECT_FALSE(tag_problem("EVENT STATE HOST/ERROR//0 "));
  EXPECT_FALSE(tag_problem("salt/auth"));
  EXPECT_FALSE(tag_problem("ünïcode/évent"));
  EXPECT_FALSE(tag_problem(std::string(1024, 'a')));
}

TEST(Tag, RefusesBadTags) {
  EXPECT_EQ(tag_problem(""), "empty tag");
  EXPECT_TRUE(tag_problem(std::string(1025, 'a')));
  EXPECT_TRUE(tag_problem("a\nb"));
  EXPECT_TRUE(tag_problem("a\tb"));
  EXPECT_TRUE(tag_problem(std::string("a\0b", 3)));
  EXPECT_TRUE(tag_problem("a\x7f"));
  EXPECT_TRUE(tag_problem("a\xc2\x85"));  // U+0085, a C1 control
  EXPECT_TRUE(tag_problem("bad\xff utf8"));
}

TEST(Tag, SourceAndName) {
  EXPECT_EQ(tag_source("module/traefik1/event/test"), "module/traefik1");
  EXPECT_EQ(tag_name("module/traefik1/event/test"), "test");
  EXPECT_EQ(tag_name("module/x/event/a/event/b"), "a/event/b");
  EXPECT_EQ(tag_source("salt/auth"), "");
  EXPECT_EQ(tag_name("salt/auth"), "salt/auth");
}

TEST(Envelope, EscapedKeysAndStringsAreDecoded) {
  Event e = parse_envelope(R"({"t\u0061g":"caf\u00e9/\ud83d\ude00","id":"a\/b","data":"\u00e9"})");
  EXPECT_EQ(e.tag, "caf\xc3\xa9/\xf0\x9f\x98\x80");
  EXPECT_EQ(e.id, "a/b");
  EXPECT_EQ(e.data.text(), R"("\u00e9")");  // data is kept as it came
}

TEST(Envelope, RoundTripKeepsUnknownKeysInOrder) {
  std::string line =
      R"({"tag":"a/b","data":{"z":1,"a":[1,2,{"k":"v"}]},"ts":1763789000.123456,"id":"01ABC","node":"web1","zeta":true,"alpha":null})";
  Event e = parse_envelope(line);
  EXPECT_EQ(e.tag, "a/b");
  EXPECT_EQ(e.id, "01ABC");
  EXPECT_EQ(e.node, "web1");
  EXPECT_DOUBLE_EQ(e.ts, 1763789000.123456);
  EXPECT_EQ(to_envelope(e), line);
}

TEST(Envelope, TimesBefore1970RoundTrip) {
  // A Gluster datagram may say ts -351 (the fuzzer found it): what event-listen prints, event-fire -l takes.
  Event e = parse_envelope(R"({"tag":"t","ts":-351,"id":"i","node":"n"})");
  EXPECT_DOUBLE_EQ(e.ts, -351);
  EXPECT_DOUBLE_EQ(parse_envelope(to_envelope(e)).ts, -351);
}

TEST(Envelope, CanonicalOrderFromAnyInputOrder) {
  Event e = parse_envelope(R"({"node":"n","extra":1,"id":"i","ts":2,"data":"x","tag":"t"})");
  EXPECT_EQ(to_envelope(e), R"({"tag":"t","data":"x","ts":2.000000,"id":"i","node":"n","extra":1})");
}

TEST(Envelope, MissingFieldsAreCompleted) {
  Event e = parse_envelope(R"({"tag":"t"})");
  EXPECT_EQ(e.data.text(), "{}");
  EXPECT_EQ(e.ts, 0);
  EXPECT_TRUE(e.id.empty());
  complete(e, "here");
  EXPECT_GT(e.ts, 1.7e9);
  EXPECT_EQ(e.id.size(), 26u);
  EXPECT_EQ(e.node, "here");
}

TEST(Envelope, RefusesBadEnvelopes) {
  auto reason = [](std::string_view text) {
    try {
      parse_envelope(text);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Exit::invalid_input);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(reason("not json").find("invalid JSON"), std::string::npos);
  EXPECT_EQ(reason(R"({"tag":"t",})"), "invalid JSON at byte 12: expected a string");
  EXPECT_EQ(reason(R"({"tag":"t"} x)"), "invalid JSON at byte 13: trailing characters");
  EXPECT_EQ(reason(R"({"tag":"t","data":{"a":})"), "invalid JSON at byte 24: unexpected character");
  EXPECT_EQ(reason(R"({"tag":"t")"), "invalid JSON: unexpected end");
  EXPECT_EQ(reason("[1,2]"), "envelope is not a JSON object");
  EXPECT_EQ(reason(R"({"data":1})"), "envelope has no \"tag\"");
  EXPECT_EQ(reason(R"({"tag":5})"), "\"tag\" is not a string");
  EXPECT_EQ(reason(R"({"tag":""})"), "empty tag");
  EXPECT_EQ(reason(R"({"tag":"a\nb"})"), "tag contains a control character");
  EXPECT_EQ(reason(R"({"tag":"t","ts":"now"})"), "\"ts\" is not a number");
  EXPECT_EQ(reason(R"({"tag":"t","ts":-})"), "invalid JSON at byte 18: bad number");
  EXPECT_EQ(reason(R"({"tag":"t","ts":1e400})"), "\"ts\" 1e400 is out of range");
  EXPECT_EQ(reason(R"({"tag":"t","id":""})"), "\"id\" is not a non-empty string");
  EXPECT_EQ(reason(R"({"tag":"t","node":1})"), "\"node\" is not a string");
  EXPECT_NE(reason(std::string(100000, '[')).find("nested deeper"), std::string::npos);
}

TEST(Data, JsonOrText) {
  EXPECT_EQ(data_from_text(R"( { "a" : 1 , "b":[ 1, 2 ] } )").text(), R"({"a":1,"b":[1,2]})");
  EXPECT_EQ(data_from_text("42").text(), "42");
  EXPECT_EQ(data_from_text("true").text(), "true");
  EXPECT_EQ(data_from_text("hello world").text(), R"("hello world")");
  EXPECT_EQ(data_from_text("123abc").text(), R"("123abc")");
  EXPECT_EQ(data_from_text("{broken").text(), R"("{broken")");
  EXPECT_EQ(data_from_text("\"a\" \"b\"").text(), R"("\"a\" \"b\"")");
  EXPECT_EQ(data_from_text("").text(), R"("")");
  EXPECT_EQ(data_from_text("tab\there").text(), R"("tab\there")");
  EXPECT_THROW(data_from_text("\xff\xfe"), Error);
}

TEST(Data, KeyOrderIsKept) {
  Event e = make_event("t", data_from_text(R"({"b":1,"a":2})"), "n");
  EXPECT_NE(to_envelope(e).find(R"("data":{"b":1,"a":2})"), std::string::npos);
}

TEST(Ids, UniqueAndSortable) {
  std::string a = new_id();
  std::string b = new_id();
  EXPECT_EQ(a.size(), 26u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ"), std::string::npos);
  EXPECT_LE(a.substr(0, 10), b.substr(0, 10));  // the time part does not go back
}

TEST(Time, Formats) {
  EXPECT_EQ(format_ts(1763789000.123456), "1763789000.123456");
  EXPECT_EQ(iso_time(0.5), "1970-01-01T00:00:00.500000Z");
  EXPECT_EQ(iso_time(1763789000.123456), "2025-11-22T05:23:20.123456Z");
  // Out of the usual range (the fuzzer's find): whole, short, and read back the same.
  EXPECT_EQ(format_ts(1e300), "1.0000000000000001e+300");
  EXPECT_EQ(std::stod(format_ts(1e300)), 1e300);
  EXPECT_EQ(format_ts(-1.5), "-1.5");
  EXPECT_EQ(format_ts(2e12), "2000000000000");
  EXPECT_EQ(iso_time(1e300), "1.0000000000000001e+300");
  // The hand-made date against gmtime_r, before 1970 too, leap days and the range's ends.
  for (double ts : {-62135596800.0, -1.25, -86400.0, 951782400.0, 951868799.999999, 4107542400.5, 253402300799.0}) {
    auto whole = static_cast<time_t>(std::floor(ts));
    tm t;
    gmtime_r(&whole, &t);
    char want[64];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                  t.tm_min, t.tm_sec);
    EXPECT_EQ(iso_time(ts).substr(0, 19), want) << ts;
  }
  EXPECT_EQ(iso_time(-1.25), "1969-12-31T23:59:58.750000Z");
}

TEST(MakeEvent, RefusesBadTag) { EXPECT_THROW(make_event("", json::object(), "n"), Error); }
