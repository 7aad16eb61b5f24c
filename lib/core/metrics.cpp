#include "core/metrics.h"

#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace evt {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<unsigned long long>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot h{bounds_, std::vector<unsigned long long>(bounds_.size()), sum_.load(std::memory_order_relaxed), 0};
  for (size_t i = 0; i < bounds_.size(); ++i) h.cumulative[i] = h.count += buckets_[i].load(std::memory_order_relaxed);
  h.count += buckets_[bounds_.size()].load(std::memory_order_relaxed);
  return h;
}

const std::vector<double>& duration_buckets() {
  static const std::vector<double> bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
  return bounds;
}

MetricsRegistry::CollectorHandle& MetricsRegistry::CollectorHandle::operator=(CollectorHandle&& o) noexcept {
  if (this != &o) {
    reset();
    registry_ = std::exchange(o.registry_, nullptr);
    id_ = o.id_;
  }
  return *this;
}

void MetricsRegistry::CollectorHandle::reset() {
  if (registry_ == nullptr) return;
  std::lock_guard<std::mutex> lock(registry_->mutex_);
  registry_->collectors_.erase(id_);
  registry_ = nullptr;
}

MetricsRegistry::Series& MetricsRegistry::series(const std::string& name, MetricType type, const std::string& help,
                                                 const MetricLabels& labels) {
  auto [it, made] = families_.try_emplace(name, Family{type, help, {}});
  Family& f = it->second;
  if (f.type != type) throw std::logic_error("metric " + name + " asked for as another type");
  auto found = f.series.find(labels);
  if (found != f.series.end()) return found->second;
  if (f.series.size() < kMaxSeriesPerFamily) return f.series[labels];
  MetricLabels other = labels;
  for (auto& label : other) label.second = "other";
  return f.series[other];
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help, const MetricLabels& labels) {
  std::lock_guard<std::mutex> lock(mutex_);
  Series& s = series(name, MetricType::counter, help, labels);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help, const MetricLabels& labels) {
  std::lock_guard<std::mutex> lock(mutex_);
  Series& s = series(name, MetricType::gauge, help, labels);
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help, const std::vector<double>& bounds,
                                      const MetricLabels& labels) {
  std::lock_guard<std::mutex> lock(mutex_);
  Series& s = series(name, MetricType::histogram, help, labels);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(bounds);
  return *s.histogram;
}

MetricsRegistry::CollectorHandle MetricsRegistry::add_collector(Collector c) {
  std::lock_guard<std::mutex> lock(mutex_);
  int id = next_id_++;
  collectors_.emplace(id, std::move(c));
  return CollectorHandle(this, id);
}

std::string MetricsRegistry::scrape(MetricsText::Format format) const {
  MetricsText text(format);
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [name, f] : families_) {
    text.family(name, f.type, f.help);
    for (const auto& [labels, s] : f.series) {
      if (s.counter) text.sample("", labels, static_cast<double>(s.counter->value()));
      else if (s.gauge) text.sample("", labels, s.gauge->value());
      else if (s.histogram) text.histogram(labels, s.histogram->snapshot());
    }
  }
  for (const auto& [id, collect] : collectors_) collect(text);
  return text.finish();
}

MetricsRegistry& metrics() {
  static MetricsRegistry registry;
  return registry;
}

namespace {

// Fields of /proc/self/stat after the command's closing parenthesis.
std::vector<std::string> own_stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  auto paren = line.rfind(')');
  std::istringstream rest(paren == std::string::npos ? "" : line.substr(paren + 2));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;  // [0] is field 3 (state)
}

// When the machine booted, in seconds since the epoch: the wall clock less
// the time since boot (CLOCK_BOOTTIME), as /proc/stat's btime, which a
// unit's ProcSubset=pid hides.
double boot_time() {
  timespec wall{}, boot{};
  ::clock_gettime(CLOCK_REALTIME, &wall);
  ::clock_gettime(CLOCK_BOOTTIME, &boot);
  return static_cast<double>(wall.tv_sec - boot.tv_sec) + static_cast<double>(wall.tv_nsec - boot.tv_nsec) / 1e9;
}

double open_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  double n = 0;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // not the one reading the directory
}

}  // namespace

void write_process_metrics(MetricsText& text) {
  std::vector<std::string> stat = own_stat_fields();
  if (stat.size() < 22) return;
  double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  text.family("process_cpu_seconds", MetricType::counter, "User and system CPU time spent in seconds.");
  text.sample("", {}, (std::stod(stat[11]) + std::stod(stat[12])) / ticks);  // utime, stime
  text.family("process_start_time_seconds", MetricType::gauge, "Start time of the process since unix epoch in seconds.");
  text.sample("", {}, boot_time() + std::stod(stat[19]) / ticks);
  text.family("process_resident_memory_bytes", MetricType::gauge, "Resident memory size in bytes.");
  text.sample("", {}, std::stod(stat[21]) * page);  // rss, in pages
  text.family("process_open_fds", MetricType::gauge, "Number of open file descriptors.");
  text.sample("", {}, open_fds());
}

}  // namespace evt
