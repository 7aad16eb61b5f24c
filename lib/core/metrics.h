// What a daemon counts for Prometheus (`--metrics`): counters, gauges and
// histograms, each a series of a named family with a fixed set of labels.
// One registry per process (metrics()), as client libraries keep a default
// one, so that a transport counts its reconnects without being handed
// anything. The hot path is one relaxed atomic add: a caller looks its
// series up once (a map under a lock) and keeps the reference, which stays
// valid for the process's life. Label sets are bounded: past
// kMaxSeriesPerFamily series a family's further label sets share one series
// whose values are all "other" (never a tag or an id as a label value).
//
// What is read from a daemon's state at scrape time (a webhook's pending
// count, a stream's lag) comes from a collector, called with the registry's
// lock held: once its handle is gone, it is never called again.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/metrics_text.h"

namespace evt {

class Counter {
 public:
  void inc(unsigned long long n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  unsigned long long value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<unsigned long long> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  HistogramSnapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<unsigned long long>[]> buckets_;  // per bound, then +Inf; not cumulative
  std::atomic<double> sum_{0};
};

// Bounds for durations in seconds, from 5 ms to 5 minutes.
const std::vector<double>& duration_buckets();

class MetricsRegistry {
 public:
  static constexpr size_t kMaxSeriesPerFamily = 200;
  using Collector = std::function<void(MetricsText&)>;

  // A collector's registration: removed when it goes.
  class CollectorHandle {
   public:
    CollectorHandle() = default;
    CollectorHandle(MetricsRegistry* r, int id) : registry_(r), id_(id) {}
    CollectorHandle(CollectorHandle&& o) noexcept : registry_(std::exchange(o.registry_, nullptr)), id_(o.id_) {}
    CollectorHandle& operator=(CollectorHandle&& o) noexcept;
    CollectorHandle(const CollectorHandle&) = delete;
    CollectorHandle& operator=(const CollectorHandle&) = delete;
    ~CollectorHandle() { reset(); }
    void reset();

   private:
    MetricsRegistry* registry_ = nullptr;
    int id_ = 0;
  };

  // The series of family name with labels, made on first use. name is the
  // family's (a counter's without `_total`); help and type are the first
  // caller's. Asking a family for another type is a programming error (throws).
  Counter& counter(const std::string& name, const std::string& help, const MetricLabels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const MetricLabels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const std::vector<double>& bounds,
                       const MetricLabels& labels = {});

  [[nodiscard]] CollectorHandle add_collector(Collector c);

  // Every family, then what the collectors write, in format.
  std::string scrape(MetricsText::Format format) const;

 private:
  struct Series {
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    MetricType type;
    std::string help;
    std::map<MetricLabels, Series> series;
  };
  Series& series(const std::string& name, MetricType type, const std::string& help, const MetricLabels& labels);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
  std::map<int, Collector> collectors_;
  int next_id_ = 1;
};

// The process's registry.
MetricsRegistry& metrics();

// process_resident_memory_bytes, process_open_fds, process_start_time_seconds
// and process_cpu_seconds_total, read from /proc at scrape time.
void write_process_metrics(MetricsText& text);

}  // namespace evt
