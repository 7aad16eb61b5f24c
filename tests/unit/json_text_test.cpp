#include "core/json_text.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"

using namespace evt;

namespace {
std::string compact_of(std::string_view text) {
  std::string out;
  size_t pos = 0;
  if (auto why = scan_json(text, pos, out)) return "ERR " + *why;
  while (pos < text.size() && std::string_view(" \t\n\r").find(text[pos]) != std::string_view::npos) ++pos;
  if (pos != text.size()) return "ERR trailing";
  return out;
}
}  // namespace

TEST(JsonText, CompactsWithoutChangingValues) {
  EXPECT_EQ(compact_of(" { \"a\" : [ 1 , 2.50 , -0 , 1e+5 ] ,\n\t\"b\" : { } , \"c\":[ ] } "),
            R"({"a":[1,2.50,-0,1e+5],"b":{},"c":[]})");
  EXPECT_EQ(compact_of(R"("keeps \u00e9 and \n as written")"), R"("keeps \u00e9 and \n as written")");
  EXPECT_EQ(compact_of("true"), "true");
  EXPECT_EQ(compact_of("null"), "null");
}

TEST(JsonText, RefusesWhatIsNotJson) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\"}", "{\"a\":}", "01", "1.", "-", "1e", "tru", "'x'", "\"\\x\"", "\"\\ud800\"",
                          "\"\\udc00x\"", "\"a\x01\"", "\"\xff\"", "[1 2]", "{\"a\":1,}", "\"unterminated"}) {
    EXPECT_EQ(compact_of(bad).substr(0, 4), "ERR ") << bad;
  }
}

TEST(JsonText, DepthIsLimited) {
  std::string deep(600, '[');
  deep += std::string(600, ']');
  EXPECT_NE(compact_of(deep).find("nested deeper than"), std::string::npos);
  std::string ok(500, '[');
  ok += std::string(500, ']');
  EXPECT_EQ(compact_of(ok), ok);
}

TEST(JsonText, DecodesStrings) {
  std::string decoded;
  size_t pos = 0;
  ASSERT_FALSE(scan_json_string(R"("a\"b\\c\/d\u00e9\ud83d\ude00\t")", pos, decoded));
  EXPECT_EQ(decoded, "a\"b\\c/d\xc3\xa9\xf0\x9f\x98\x80\t");
}

TEST(JsonText, Parse) {
  JsonText t = JsonText::parse(" [1, {\"k\": \"v\"}] ");
  EXPECT_EQ(t.text(), R"([1,{"k":"v"}])");
  EXPECT_THROW(JsonText::parse("[1] [2]"), Error);
  EXPECT_EQ(JsonText::string("a\"b").text(), R"("a\"b")");
  EXPECT_EQ(JsonText().text(), "{}");
  EXPECT_TRUE(JsonText::string("x").is_string());
}

TEST(JsonText, AgreesWithNlohmann) {
  // Whatever the scanner accepts, nlohmann parses to the same value.
  for (const char* text : {R"({"a":[1,2,{"b":null}],"c":"\u00e9\n","d":-1.5e-3})", R"([true,false,0])", R"("\ud83d\ude00")"}) {
    std::string compact = compact_of(text);
    EXPECT_EQ(json::parse(compact), json::parse(text)) << text;
  }
}
