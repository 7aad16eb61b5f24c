#include "core/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.h"

using namespace evt;

TEST(Config, Parses) {
  Config c = parse_config("# comment\nmaster: tcp://salt:4506\nid = web1  # trailing\n\nurl: 'redis://h/1'\n", "f");
  EXPECT_EQ(c.master, "tcp://salt:4506");
  EXPECT_EQ(c.id, "web1");
  EXPECT_EQ(c.url, "redis://h/1");
  EXPECT_EQ(parse_config("url = redis+stream://h/k?group=g", "f").url, "redis+stream://h/k?group=g");
}

TEST(Config, ErrorsNameFileAndLine) {
  try {
    parse_config("id: a\ncolour: blue\n", "/etc/x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::usage);
    EXPECT_EQ(std::string(e.what()), "/etc/x:2: unknown key 'colour' (url, master, id)");
  }
  EXPECT_THROW(parse_config("just words\n", "f"), Error);
}

TEST(Config, Precedence) {
  Config c;
  c.url = "redis://config";
  c.id = "cfg";
  unsetenv("EVENT_URL");
  EXPECT_EQ(choose_url("", c), "redis://config");
  EXPECT_EQ(choose_url("-", c), "-");
  EXPECT_EQ(choose_url("", Config{}), "local:");
  setenv("EVENT_URL", "local:/env", 1);
  EXPECT_EQ(choose_url("", c), "local:/env");
  unsetenv("EVENT_URL");
  EXPECT_EQ(choose_node("opt", c), "opt");
  EXPECT_EQ(choose_node("", c), "cfg");
  EXPECT_EQ(choose_node("", Config{}), host_name());
  EXPECT_THROW(choose_node("bad\nid", c), Error);
  unsetenv("EVENT_MASTER");
  EXPECT_THROW(choose_master(Config{}), Error);
  setenv("EVENT_MASTER", "tcp://m:4506", 1);
  EXPECT_EQ(choose_master(Config{}), "tcp://m:4506");
  unsetenv("EVENT_MASTER");
}
