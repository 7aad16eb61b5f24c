#include "core/json_layout.h"

#include <gtest/gtest.h>

using namespace evt;

namespace {

std::string python(std::string_view text, bool sort = false) {
  std::string out;
  append_python_json(out, text, sort, true);
  return out;
}

std::string python_unicode(std::string_view text) {
  std::string out;
  append_python_json(out, text, false, false);
  return out;
}

std::string pretty(std::string_view text) {
  std::string out;
  append_pretty_json(out, text);
  return out;
}

}  // namespace

TEST(JsonLayout, PythonSeparatorsAndAscii) {
  EXPECT_EQ(python(R"({"a":[1,2.5,null],"b":{"c":"é"}})"), R"({"a": [1, 2.5, null], "b": {"c": "\u00e9"}})");
  EXPECT_EQ(python(R"("\u007f\u0001😀/")"), R"("\u007f\u0001\ud83d\ude00/")");
  EXPECT_EQ(python(R"("tab\there\"q\\")"), R"("tab\there\"q\\")");
  EXPECT_EQ(python("[]"), "[]");
  EXPECT_EQ(python("{}"), "{}");
}

TEST(JsonLayout, PythonWithoutEnsureAscii) {
  // salt.utils.json.dumps (ensure_ascii=False): only '"', '\\' and control characters are escaped.
  EXPECT_EQ(python_unicode(R"({"c":"é😀\u007f","t":"a\tb\u0001\"\\"})"), "{\"c\": \"é😀\x7f\", \"t\": \"a\\tb\\u0001\\\"\\\\\"}");
}

TEST(JsonLayout, PythonNumbers) {
  // As Python's repr of the float json.loads makes of each token.
  EXPECT_EQ(python("[1e5,1E2,0.1,1e16,1e15,0.0001,0.00001,-0.0,1.5e300,123456789012345678.0]"),
            "[100000.0, 100.0, 0.1, 1e+16, 1000000000000000.0, 0.0001, 1e-05, -0.0, 1.5e+300, 1.2345678901234568e+17]");
  // Integers of any size are exact in Python; -0 is the int 0.
  EXPECT_EQ(python("[123456789012345678901234567890,-0,-7]"), "[123456789012345678901234567890, 0, -7]");
}

TEST(JsonLayout, OverflowingNumbersKeepTheirToken) {
  EXPECT_EQ(python(R"({"x":1e999,"y":-1e400})"), R"({"x": 1e999, "y": -1e400})");
  EXPECT_EQ(pretty(R"({"x":1e999})"), "{\n    \"x\": 1e999\n}");
}

TEST(JsonLayout, SortedKeysAtEveryLevel) {
  EXPECT_EQ(python(R"({"b":1,"a":{"d":2,"c":[{"z":0,"y":1}]}})", true), R"({"a": {"c": [{"y": 1, "z": 0}], "d": 2}, "b": 1})");
  // Python sorts by code point, which is UTF-8 byte order.
  EXPECT_EQ(python(R"({"é":1,"z":2,"A":3})", true), R"({"A": 3, "z": 2, "\u00e9": 1})");
}

TEST(JsonLayout, RepeatedKeyKeepsFirstPlaceAndLastValue) {
  EXPECT_EQ(python(R"({"a":1,"b":2,"a":3})"), R"({"a": 3, "b": 2})");
  EXPECT_EQ(pretty(R"({"a":1,"b":2,"a":3})"), "{\n    \"a\": 3,\n    \"b\": 2\n}");
}

TEST(JsonLayout, PrettyAsJq) {
  EXPECT_EQ(pretty(R"({"a":[1,"x"],"b":{},"c":[]})"),
            "{\n    \"a\": [\n        1,\n        \"x\"\n    ],\n    \"b\": {},\n    \"c\": []\n}");
  EXPECT_EQ(pretty("\"s\""), "\"s\"");
  EXPECT_EQ(pretty("12.50"), "12.50");
}
