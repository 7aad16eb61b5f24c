#include "core/output_format.h"

#include <gtest/gtest.h>

#include "core/error.h"

using namespace evt;

namespace {
Event sample() {
  return parse_envelope(
      R"({"tag":"module/traefik1/event/test","data":{"field":"value","n":[1,2],"é":"ü"},"ts":1763789000.5,"id":"ID1","node":"web1","source":"module/traefik1"})");
}
std::string render(const std::string& spec) {
  std::string out;
  OutputFormat::parse(spec).append(out, sample());
  return out;
}
}  // namespace

TEST(OutputFormat, Json) {
  EXPECT_EQ(
      render("json"),
      R"({"tag":"module/traefik1/event/test","data":{"field":"value","n":[1,2],"é":"ü"},"ts":1763789000.500000,"id":"ID1","node":"web1","source":"module/traefik1"})"
      "\n");
  std::string out;
  OutputFormat::parse("json").append(out, sample(), "{\"raw\":1}");
  EXPECT_EQ(out, "{\"raw\":1}\n");
}

TEST(OutputFormat, SaltIsTagTabPythonJson) {
  // As state.event prints it: salt.utils.json.dumps, ensure_ascii=False.
  EXPECT_EQ(render("salt"), "module/traefik1/event/test\t{\"field\": \"value\", \"n\": [1, 2], \"é\": \"ü\"}\n");
}

TEST(OutputFormat, DataAndPretty) {
  EXPECT_EQ(render("data"), "{\"field\":\"value\",\"n\":[1,2],\"é\":\"ü\"}\n");
  std::string pretty = render("pretty");
  EXPECT_NE(pretty.find("\n    \"tag\": \"module/traefik1/event/test\""), std::string::npos);
  EXPECT_EQ(pretty.back(), '\n');
}

TEST(OutputFormat, Template) {
  EXPECT_EQ(render("%t|%i|%n|%s|%T|%%|\\t|\\\\"),
            "module/traefik1/event/test|ID1|web1|module/traefik1|2025-11-22T05:23:20.500000Z|%|\t|\\\n");
  EXPECT_EQ(render("%d"), "{\"field\":\"value\",\"n\":[1,2],\"é\":\"ü\"}\n");
  EXPECT_EQ(render("a\\nb %t"), "a\nb module/traefik1/event/test\n");
}

TEST(OutputFormat, Errors) {
  for (const char* bad : {"jsn", "%q", "%", "x\\", "\\z"}) {
    try {
      OutputFormat::parse(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Exit::usage);
    }
  }
}
