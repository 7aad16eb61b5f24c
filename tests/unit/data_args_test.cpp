#include "core/data_args.h"

#include <gtest/gtest.h>

#include "core/error.h"

using namespace evt;

TEST(DataArgs, NoneIsEmptyObject) { EXPECT_EQ(data_from_args({}).text(), "{}"); }

TEST(DataArgs, SingleData) {
  EXPECT_EQ(data_from_args({R"({"a": "b=c"})"}).text(), R"({"a":"b=c"})");
  EXPECT_EQ(data_from_args({"plain text"}).text(), R"("plain text")");
  EXPECT_EQ(data_from_args({"12"}).text(), "12");
}

TEST(DataArgs, Pairs) {
  JsonText d = data_from_args({"status=ok", "size:=1234", "tags:=[\"a\"]", "empty=", "eq=a=b"});
  EXPECT_EQ(d.text(), R"({"status":"ok","size":1234,"tags":["a"],"empty":"","eq":"a=b"})");
  EXPECT_EQ(data_from_args({"k=1", "k=2"}).text(), R"({"k":"2"})");
}

TEST(DataArgs, IsPair) {
  EXPECT_TRUE(is_pair("a=b"));
  EXPECT_TRUE(is_pair("a:=1"));
  EXPECT_FALSE(is_pair("=b"));
  EXPECT_FALSE(is_pair(":=b"));
  EXPECT_FALSE(is_pair("{\"a\":\"=\"}"));
  EXPECT_FALSE(is_pair("text"));
}

TEST(DataArgs, Errors) {
  auto code = [](std::vector<std::string> args) {
    try {
      data_from_args(args);
    } catch (const Error& e) {
      return e.code();
    }
    return Exit::ok;
  };
  EXPECT_EQ(code({"one", "two"}), Exit::usage);
  EXPECT_EQ(code({"a=1", "text"}), Exit::usage);
  EXPECT_EQ(code({"n:=nope"}), Exit::usage);
  EXPECT_EQ(code({"\xff"}), Exit::usage);
}
