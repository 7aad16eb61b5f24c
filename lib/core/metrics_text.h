// The text a Prometheus scrape reads: the exposition format 0.0.4
// ("text/plain; version=0.0.4") by default, OpenMetrics 1.0 when the
// scraper asks for it (its Accept header names application/openmetrics-text).
// One writer for both, so that a family's HELP and TYPE lines, the escaping
// of label values and help text, the numbers and the closing `# EOF` are
// said in one place, whoever writes the samples (the registry's own
// counters, or a daemon's state read at scrape time).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evt {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { counter, gauge, histogram };

// A histogram's counts at one moment, as the exposition says them.
struct HistogramSnapshot {
  std::vector<double> bounds;
  std::vector<unsigned long long> cumulative;  // per bound, each with all below it
  double sum = 0;
  unsigned long long count = 0;  // the +Inf bucket's
};

class MetricsText {
 public:
  enum class Format { prometheus, openmetrics };

  explicit MetricsText(Format format) : format_(format) {}

  // Whether an Accept header asks for OpenMetrics.
  static Format format_for(std::string_view accept);
  // The Content-Type of the text in format.
  static const char* content_type(Format format);

  // A family's HELP and TYPE lines. name: without a counter's `_total`
  // (added to each sample here).
  void family(std::string_view name, MetricType type, std::string_view help);
  // One sample of the current family: suffix is "" (a gauge), "_total" is
  // added for a counter, "_bucket", "_sum", "_count" for a histogram.
  void sample(std::string_view suffix, const MetricLabels& labels, double value);
  // A histogram's samples: bounds and their cumulative counts (an +Inf
  // bucket follows), the sum and the count.
  void histogram(const MetricLabels& labels, const HistogramSnapshot& h);

  // The text, closed (OpenMetrics's `# EOF`).
  std::string finish();

  // A label value or help text escaped: backslash, newline and (in label
  // values, and in OpenMetrics help) the double quote.
  static std::string escape(std::string_view text, bool quote);
  // A sample value: integers as integers, +Inf/-Inf/NaN as both formats spell them.
  static std::string number(double value);

 private:
  Format format_;
  std::string out_;
  std::string name_;
  MetricType type_ = MetricType::gauge;
};

}  // namespace evt
