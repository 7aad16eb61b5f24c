#include "core/metrics_text.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace evt {

MetricsText::Format MetricsText::format_for(std::string_view accept) {
  return accept.find("application/openmetrics-text") != std::string_view::npos ? Format::openmetrics : Format::prometheus;
}

const char* MetricsText::content_type(Format format) {
  return format == Format::openmetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8" :
                                         "text/plain; version=0.0.4; charset=utf-8";
}

std::string MetricsText::escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quote) out += "\\\"";
    else out += c;
  }
  return out;
}

std::string MetricsText::number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  if (value == std::floor(value) && std::fabs(value) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", value);
  else  // the shortest that reads back the same: 0.1, not 0.10000000000000001
    for (int digits = 15; digits <= 17; ++digits)
      if (std::snprintf(buf, sizeof buf, "%.*g", digits, value) > 0 && std::strtod(buf, nullptr) == value) break;
  return buf;
}

void MetricsText::family(std::string_view name, MetricType type, std::string_view help) {
  name_ = name;
  type_ = type;
  static const char* const names[] = {"counter", "gauge", "histogram"};
  bool om = format_ == Format::openmetrics;
  // Prometheus's text names a counter's family with its samples' _total.
  std::string family_name = name_ + (type == MetricType::counter && !om ? "_total" : "");
  out_ += "# HELP " + family_name + " " + escape(help, om) + "\n";
  out_ += "# TYPE " + family_name + " " + names[static_cast<int>(type)] + "\n";
}

void MetricsText::sample(std::string_view suffix, const MetricLabels& labels, double value) {
  out_ += name_;
  out_ += type_ == MetricType::counter ? "_total" : suffix;
  if (!labels.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [key, val] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += key + "=\"" + escape(val, true) + "\"";
    }
    out_ += '}';
  }
  out_ += ' ' + number(value) + '\n';
}

void MetricsText::histogram(const MetricLabels& labels, const HistogramSnapshot& h) {
  MetricLabels with_le = labels;
  with_le.emplace_back("le", "");
  for (size_t i = 0; i < h.bounds.size() && i < h.cumulative.size(); ++i) {
    with_le.back().second = number(h.bounds[i]);
    sample("_bucket", with_le, static_cast<double>(h.cumulative[i]));
  }
  with_le.back().second = "+Inf";
  sample("_bucket", with_le, static_cast<double>(h.count));
  sample("_sum", labels, h.sum);
  sample("_count", labels, static_cast<double>(h.count));
}

std::string MetricsText::finish() {
  if (format_ == Format::openmetrics) out_ += "# EOF\n";
  return std::move(out_);
}

}  // namespace evt
