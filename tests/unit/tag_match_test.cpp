#include "core/tag_filter.h"

#include <gtest/gtest.h>

#include "core/error.h"

using namespace evt;

TEST(Glob, StarCrossesSlashes) {
  EXPECT_TRUE(glob_match("module/*/event/*", "module/traefik1/event/test"));
  EXPECT_TRUE(glob_match("salt/*", "salt/job/123/ret/minion"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "anything/at/all"));
  EXPECT_FALSE(glob_match("module/*/event/*", "module/traefik1/other/test"));
}

TEST(Glob, WholeTagOnly) {
  EXPECT_FALSE(glob_match("salt", "salt/auth"));
  EXPECT_TRUE(glob_match("salt/auth", "salt/auth"));
  EXPECT_FALSE(glob_match("alt/auth", "salt/auth"));
}

TEST(Glob, QuestionClassesEscapes) {
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_TRUE(glob_match("v[0-9]", "v7"));
  EXPECT_FALSE(glob_match("v[0-9]", "vx"));
  EXPECT_TRUE(glob_match("v[!0-9]", "vx"));
  EXPECT_TRUE(glob_match("v[^0-9]", "vx"));
  EXPECT_TRUE(glob_match("a\\*b", "a*b"));
  EXPECT_FALSE(glob_match("a\\*b", "axb"));
  EXPECT_TRUE(glob_match("a[b", "a[b"));  // an unclosed class is literal
}

TEST(Glob, OpenNebulaKeysWithTrailingSpaceAndId) {
  EXPECT_TRUE(glob_match("EVENT STATE VM/*", "EVENT STATE VM/ACTIVE/RUNNING/5 "));
  EXPECT_TRUE(glob_match("EVENT STATE HOST/ERROR/*", "EVENT STATE HOST/ERROR//0 "));
  EXPECT_FALSE(glob_match("EVENT STATE VM/*", "EVENT STATE HOST/ERROR//0 "));
}

TEST(Glob, BacktrackingIsBounded) {
  std::string text(5000, 'a');
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*b", text));
}

TEST(Filter, KindsAndExcludes) {
  TagFilter all;
  EXPECT_TRUE(all.matches("x"));
  TagFilter prefix(MatchKind::prefix, {"salt/"}, {});
  EXPECT_TRUE(prefix.matches("salt/auth"));
  EXPECT_FALSE(prefix.matches("salty"));
  TagFilter exact(MatchKind::exact, {"a*"}, {});
  EXPECT_TRUE(exact.matches("a*"));
  EXPECT_FALSE(exact.matches("ab"));
  TagFilter regex(MatchKind::regex, {"^vm\\.[0-9]+$"}, {});
  EXPECT_TRUE(regex.matches("vm.12"));
  EXPECT_FALSE(regex.matches("vm.x"));
  TagFilter excluding(MatchKind::glob, {"module/*"}, {"*/heartbeat"});
  EXPECT_TRUE(excluding.matches("module/a/event/x"));
  EXPECT_FALSE(excluding.matches("module/a/heartbeat"));
  TagFilter only_excludes(MatchKind::glob, {}, {"noise/*"});
  EXPECT_TRUE(only_excludes.matches("signal"));
  EXPECT_FALSE(only_excludes.matches("noise/1"));
}

TEST(Filter, BadRegexIsUsageError) {
  try {
    TagFilter f(MatchKind::regex, {"("}, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::usage);
  }
  EXPECT_THROW(parse_match_kind("fuzzy"), Error);
  EXPECT_EQ(parse_match_kind("exact"), MatchKind::exact);
}

TEST(Prefix, LiteralPrefixOfPatterns) {
  EXPECT_EQ(literal_prefix(MatchKind::glob, "EVENT STATE VM/*"), "EVENT STATE VM/");
  EXPECT_EQ(literal_prefix(MatchKind::glob, "a\\*b*"), "a*b");
  EXPECT_EQ(literal_prefix(MatchKind::glob, "*x"), "");
  EXPECT_EQ(literal_prefix(MatchKind::prefix, "abc"), "abc");
  EXPECT_EQ(literal_prefix(MatchKind::regex, "abc"), "");
}
