// eventsapi's config table: each key's parser, its stored form, its typed
// value, and the error config-set prints for a value it does not take.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "eventsapi/eventsapi_config.h"

using namespace evt;

namespace {

const ConfigKey& key(const std::string& name) {
  const ConfigKey* k = find_config_key(name);
  if (!k) throw std::runtime_error("no config key " + name);
  return *k;
}

// The message of the usage error the key's parser throws for value.
std::string refusal(const std::string& name, const std::string& value) {
  ConfigValues v;
  try {
    key(name).parse(value, v);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::usage) << name << "=" << value;
    return e.what();
  }
  return "(taken)";
}

}  // namespace

TEST(ConfigTable, EveryKeyInConfigGetsOrderWithADefaultItsParserTakes) {
  std::vector<std::string> names;
  for (const ConfigKey& k : eventsapi_config_keys()) {
    names.push_back(k.name);
    EXPECT_FALSE(k.help.empty()) << k.name;
    ASSERT_NE(k.parse, nullptr) << k.name;
    ConfigValues v;
    EXPECT_EQ(k.parse(k.default_value, v), k.default_value) << k.name;  // the default is in its stored form
  }
  EXPECT_EQ(names, (std::vector<std::string>{"log-level", "port", "disable-events-log", "connect-timeout", "timeout",
                                             "retry-schedule", "spool-max-mb", "max-in-flight", "events-log-max-mb"}));
  EXPECT_THROW(normalize_config_value("nonesuch", "1"), Error);
}

TEST(ConfigTable, Defaults) {
  EventsapiConfig c;
  EXPECT_EQ(c.log_level(), "INFO");
  EXPECT_EQ(c.port(), 55555);
  EXPECT_TRUE(c.events_log());
  EXPECT_EQ(c.connect_timeout(), 5);
  EXPECT_EQ(c.timeout(), 15);
  EXPECT_EQ(c.retry_schedule(),
            (std::vector<double>{1, 2, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 86400, 86400}));
  EXPECT_EQ(c.spool_max_mb(), 1024);
  EXPECT_EQ(c.spool_limit_bytes(), 1024LL << 20);
  EXPECT_EQ(c.max_in_flight(), 1);
  EXPECT_EQ(c.events_log_limit_bytes(), 100LL << 20);
}

TEST(ConfigTable, LogLevel) {
  ConfigValues v;
  EXPECT_EQ(key("log-level").parse("debug", v), "DEBUG");
  EXPECT_EQ(v.log_level, "DEBUG");
  EXPECT_EQ(key("log-level").parse("Warn", v), "WARNING");
  EXPECT_EQ(v.log_level, "WARNING");
  EXPECT_EQ(normalize_config_value("log-level", "error"), "ERROR");
  for (const char* bad : {"LOUD", "", "INFO "})
    EXPECT_EQ(refusal("log-level", bad), "log-level is DEBUG, INFO, WARNING or ERROR");
}

TEST(ConfigTable, Port) {
  ConfigValues v;
  EXPECT_EQ(key("port").parse("0", v), "0");
  EXPECT_EQ(v.port, 0);
  EXPECT_EQ(key("port").parse("24009.0", v), "24009");
  EXPECT_EQ(v.port, 24009);
  EXPECT_EQ(key("port").parse("65535", v), "65535");
  for (const char* bad : {"65536", "x", "-1", "1.5", "", "inf", "nan"})
    EXPECT_EQ(refusal("port", bad), "port is a number from 0 to 65535") << bad;
}

TEST(ConfigTable, DisableEventsLog) {
  ConfigValues v;
  for (const char* yes : {"true", "Yes", "ON", "enabled", "1"}) {
    v.disable_events_log = false;
    EXPECT_EQ(key("disable-events-log").parse(yes, v), "true");
    EXPECT_TRUE(v.disable_events_log);
  }
  for (const char* no : {"false", "NO", "off", "Disabled", "0"}) {
    v.disable_events_log = true;
    EXPECT_EQ(key("disable-events-log").parse(no, v), "false");
    EXPECT_FALSE(v.disable_events_log);
  }
  for (const char* bad : {"maybe", "", "2"}) EXPECT_EQ(refusal("disable-events-log", bad), "disable-events-log is true or false");
}

TEST(ConfigTable, Timeouts) {
  ConfigValues v;
  EXPECT_EQ(key("connect-timeout").parse("0.25", v), "0.25");
  EXPECT_EQ(v.connect_timeout, 0.25);
  EXPECT_EQ(key("timeout").parse("3600", v), "3600");
  EXPECT_EQ(v.timeout, 3600);
  EXPECT_EQ(v.connect_timeout, 0.25);  // each key sets its own field only
  for (const char* name : {"connect-timeout", "timeout"})
    for (const char* bad : {"0", "abc", "-1", "3601", ""})
      EXPECT_EQ(refusal(name, bad), std::string(name) + " is a number of seconds above 0, at most 3600") << bad;
}

TEST(ConfigTable, RetrySchedule) {
  ConfigValues v;
  EXPECT_EQ(key("retry-schedule").parse("0.5, 2,10", v), "0.5,2,10");
  EXPECT_EQ(v.retry_schedule, (std::vector<double>{0.5, 2, 10}));
  EXPECT_EQ(key("retry-schedule").parse("0", v), "0");
  EXPECT_EQ(v.retry_schedule, (std::vector<double>{0}));
  for (const char* bad : {"", "1,,2", "1,", "x", "-1", "604801", "1;2"})
    EXPECT_EQ(refusal("retry-schedule", bad), "retry-schedule is a comma-separated list of seconds (each 0 to 604800)") << bad;
  std::string hundred, more;
  for (int i = 0; i < 100; ++i) hundred += (i ? "," : "") + std::to_string(i);
  more = hundred + ",100";
  EXPECT_EQ(key("retry-schedule").parse(hundred, v), hundred);
  EXPECT_EQ(v.retry_schedule.size(), 100u);
  EXPECT_EQ(refusal("retry-schedule", more), "retry-schedule has at most 100 entries");
  EXPECT_EQ(v.retry_schedule.size(), 100u);  // a refused value leaves the field as it was
}

TEST(ConfigTable, Megabytes) {
  ConfigValues v;
  EXPECT_EQ(key("spool-max-mb").parse("1", v), "1");
  EXPECT_EQ(v.spool_max_mb, 1);
  EXPECT_EQ(key("events-log-max-mb").parse("1048576", v), "1048576");
  EXPECT_EQ(v.events_log_max_mb, 1048576);
  for (const char* name : {"spool-max-mb", "events-log-max-mb"})
    for (const char* bad : {"0", "1.5", "1048577", "many", ""})
      EXPECT_EQ(refusal(name, bad), std::string(name) + " is a whole number of megabytes from 1 to 1048576") << bad;
}

TEST(ConfigTable, MaxInFlight) {
  ConfigValues v;
  EXPECT_EQ(key("max-in-flight").parse("1024", v), "1024");
  EXPECT_EQ(v.max_in_flight, 1024);
  EXPECT_EQ(key("max-in-flight").parse("8", v), "8");
  EXPECT_EQ(v.max_in_flight, 8);
  for (const char* bad : {"0", "1025", "2.5", "x"})
    EXPECT_EQ(refusal("max-in-flight", bad), "max-in-flight is a whole number from 1 to 1024") << bad;
}

TEST(ConfigTable, OverridesParsedOnceAtLoad) {
  EventsapiConfig c({{"port", "24010"},
                     {"retry-schedule", "1,2"},
                     {"spool-max-mb", "2"},
                     {"max-in-flight", "4"},
                     {"log-level", "DEBUG"},
                     {"disable-events-log", "true"},
                     {"timeout", "1.5"}});
  EXPECT_EQ(c.port(), 24010);
  EXPECT_EQ(c.retry_schedule(), (std::vector<double>{1, 2}));
  EXPECT_EQ(c.spool_limit_bytes(), 2LL << 20);
  EXPECT_EQ(c.max_in_flight(), 4);
  EXPECT_EQ(c.log_level(), "DEBUG");
  EXPECT_FALSE(c.events_log());
  EXPECT_EQ(c.timeout(), 1.5);
  EXPECT_EQ(c.connect_timeout(), 5);
  EXPECT_EQ(c.get("timeout"), "1.5");
  EXPECT_EQ(c.get("connect-timeout"), "5");
}

TEST(ConfigTable, AHandEditedValueThatDoesNotParseCountsAsTheDefault) {
  EventsapiConfig c({{"port", "abc"}, {"timeout", "0"}, {"retry-schedule", "1,,2"}, {"max-in-flight", "0"}});
  EXPECT_EQ(c.port(), 55555);
  EXPECT_EQ(c.timeout(), 15);
  EXPECT_EQ(c.retry_schedule().size(), 17u);
  EXPECT_EQ(c.max_in_flight(), 1);
  EXPECT_EQ(c.get("port"), "abc");  // config-get shows what is stored
}
