#include "core/json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"

using namespace evt;

TEST(Json, Utf8) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("h\xc3\xa9llo \xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_FALSE(valid_utf8("\xe2\x82"));          // cut short
}

TEST(Json, StringEscapes) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(json::parse(out).get<std::string>(), std::string("a\"b\\c\n\x01", 7));
}

TEST(Errors, WorseStatus) {
  EXPECT_EQ(worse(Exit::ok, Exit::invalid_input), Exit::invalid_input);
  EXPECT_EQ(worse(Exit::invalid_input, Exit::failed), Exit::failed);
  EXPECT_EQ(worse(Exit::unreachable, Exit::failed), Exit::unreachable);
}
