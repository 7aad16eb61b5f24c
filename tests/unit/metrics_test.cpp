#include "core/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/listen_address.h"

namespace evt {
namespace {

TEST(MetricsText, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(MetricsText::escape("a\\b\"c\nd", true), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(MetricsText::escape("a\\b\"c\nd", false), "a\\\\b\"c\\nd");
  MetricsText t(MetricsText::Format::prometheus);
  t.family("x", MetricType::gauge, "says \"hi\"\nthere");
  t.sample("", {{"url", "http://h/\"q\"\n"}}, 1);
  EXPECT_EQ(t.finish(), "# HELP x says \"hi\"\\nthere\n# TYPE x gauge\nx{url=\"http://h/\\\"q\\\"\\n\"} 1\n");
}

TEST(MetricsText, Numbers) {
  EXPECT_EQ(MetricsText::number(3), "3");
  EXPECT_EQ(MetricsText::number(-2), "-2");
  EXPECT_EQ(MetricsText::number(0.25), "0.25");
  EXPECT_EQ(MetricsText::number(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(MetricsText::number(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(MetricsText::number(std::nan("")), "NaN");
}

TEST(MetricsText, CountersInBothFormats) {
  MetricsRegistry r;
  r.counter("evt_things", "Things.", {{"kind", "a"}}).inc(2);
  EXPECT_EQ(r.scrape(MetricsText::Format::prometheus),
            "# HELP evt_things_total Things.\n# TYPE evt_things_total counter\nevt_things_total{kind=\"a\"} 2\n");
  EXPECT_EQ(r.scrape(MetricsText::Format::openmetrics),
            "# HELP evt_things Things.\n# TYPE evt_things counter\nevt_things_total{kind=\"a\"} 2\n# EOF\n");
}

TEST(MetricsText, FormatFromAccept) {
  EXPECT_EQ(MetricsText::format_for(""), MetricsText::Format::prometheus);
  EXPECT_EQ(MetricsText::format_for("text/plain;version=0.0.4;q=0.5,*/*;q=0.1"), MetricsText::Format::prometheus);
  EXPECT_EQ(MetricsText::format_for("application/openmetrics-text;version=1.0.0,text/plain;q=0.5"),
            MetricsText::Format::openmetrics);
}

TEST(Histogram, CumulativeBucketsSumAndCount) {
  MetricsRegistry r;
  Histogram& h = r.histogram("evt_d_seconds", "D.", {0.1, 1});
  h.observe(0.05);
  h.observe(0.1);  // le is inclusive
  h.observe(0.5);
  h.observe(7);
  EXPECT_EQ(r.scrape(MetricsText::Format::prometheus),
            "# HELP evt_d_seconds D.\n# TYPE evt_d_seconds histogram\n"
            "evt_d_seconds_bucket{le=\"0.1\"} 2\nevt_d_seconds_bucket{le=\"1\"} 3\n"
            "evt_d_seconds_bucket{le=\"+Inf\"} 4\nevt_d_seconds_sum 7.65\nevt_d_seconds_count 4\n");
}

TEST(MetricsRegistry, SameSeriesForSameLabelsAndBoundedFamilies) {
  MetricsRegistry r;
  Counter& a = r.counter("c", "C.", {{"k", "1"}});
  EXPECT_EQ(&a, &r.counter("c", "C.", {{"k", "1"}}));
  EXPECT_NE(&a, &r.counter("c", "C.", {{"k", "2"}}));
  EXPECT_THROW(r.gauge("c", "C."), std::logic_error);
  for (size_t i = 0; i < 2 * MetricsRegistry::kMaxSeriesPerFamily; ++i) r.counter("many", "M.", {{"k", std::to_string(i)}}).inc();
  std::string text = r.scrape(MetricsText::Format::prometheus);
  EXPECT_NE(text.find("many_total{k=\"other\"} " + std::to_string(MetricsRegistry::kMaxSeriesPerFamily)), std::string::npos);
}

TEST(MetricsRegistry, CountsFromManyThreads) {
  MetricsRegistry r;
  Counter& c = r.counter("c", "C.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.inc();
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
}

TEST(MetricsRegistry, CollectorsWriteUntilTheirHandleGoes) {
  MetricsRegistry r;
  {
    auto handle = r.add_collector([](MetricsText& t) {
      t.family("from_state", MetricType::gauge, "S.");
      t.sample("", {}, 5);
    });
    EXPECT_NE(r.scrape(MetricsText::Format::prometheus).find("from_state 5\n"), std::string::npos);
  }
  EXPECT_EQ(r.scrape(MetricsText::Format::prometheus), "");
}

TEST(ProcessMetrics, AreWritten) {
  MetricsText t(MetricsText::Format::prometheus);
  write_process_metrics(t);
  std::string text = t.finish();
  for (const char* name :
       {"process_resident_memory_bytes ", "process_open_fds ", "process_start_time_seconds ", "process_cpu_seconds_total "})
    EXPECT_NE(text.find(std::string("\n") + name), std::string::npos) << name;
}

TEST(ListenAddress, Forms) {
  EXPECT_EQ(parse_listen_address("--metrics", "127.0.0.1:9100").text(), "127.0.0.1:9100");
  EXPECT_EQ(parse_listen_address("--metrics", ":9100").text(), "127.0.0.1:9100");
  EXPECT_EQ(parse_listen_address("--metrics", "9100").text(), "127.0.0.1:9100");
  EXPECT_EQ(parse_listen_address("--metrics", "*:9100").text(), "0.0.0.0:9100");
  EXPECT_EQ(parse_listen_address("--metrics", "[::1]:9100").text(), "[::1]:9100");
  EXPECT_EQ(parse_listen_address("--metrics", "localhost:1").text(), "localhost:1");
  for (const char* bad : {"", "host:9100", "1.2.3:9100", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:9x"})
    EXPECT_THROW(parse_listen_address("--metrics", bad), Error) << bad;
}

}  // namespace
}  // namespace evt
