#include "transport/listen_stats.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/io.h"
#include "core/json.h"
#include "core/text.h"

namespace evt {

namespace {

constexpr size_t top_n = 10;
constexpr std::string_view other = "(other)";

std::string number(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// The busiest patterns, most events first, then by name.
std::vector<std::pair<std::string, unsigned long long>> busiest(
    const std::map<std::string, unsigned long long, std::less<>>& counts) {
  std::vector<std::pair<std::string, unsigned long long>> top(counts.begin(), counts.end());
  auto order = [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; };
  size_t n = std::min(top_n, top.size());
  std::partial_sort(top.begin(), top.begin() + static_cast<long>(n), top.end(), order);
  top.resize(n);
  return top;
}

double per_second(unsigned long long n, double seconds) { return seconds > 0 ? static_cast<double>(n) / seconds : 0; }

// Writes what fd takes now, never waiting for it: a stderr that nobody reads
// (a full pipe, a stopped terminal) must not stall the events. Pieces of
// PIPE_BUF bytes, each once poll says there is room, so that a pipe takes
// each whole. Returns how many bytes went; fewer than text's on a failure
// (a full disk, a reader gone) or no room.
size_t write_now(int fd, std::string_view text) {
  size_t done = 0;
  while (done < text.size()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 0) != 1 || (p.revents & POLLOUT) == 0 || (p.revents & (POLLERR | POLLNVAL)) != 0) break;
    ssize_t n = ::write(fd, text.data() + done, std::min<size_t>(text.size() - done, PIPE_BUF));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace

ListenStats::Style ListenStats::style_for(int fd, int out_fd) {
  if (!::isatty(fd)) return Style::lines;
  struct stat err {
  }, out{};
  bool same = ::isatty(out_fd) && ::fstat(fd, &err) == 0 && ::fstat(out_fd, &out) == 0 && err.st_rdev == out.st_rdev;
  return same ? Style::fresh : Style::table;
}

ListenStats::ListenStats(double interval, int fd, Style style, Clock::time_point start)
    : interval_(seconds_duration(interval)), fd_(fd), style_(style), last_report_(start), next_report_(start + interval_) {}

std::string ListenStats::fold(std::string_view tag) {
  size_t first = tag.find('/');
  size_t second = first == std::string_view::npos ? first : tag.find('/', first + 1);
  if (second == std::string_view::npos) return std::string(tag);
  return std::string(tag.substr(0, second)) + "/*";
}

void ListenStats::count(std::string_view tag) {
  ++interval_events_;
  ++total_events_;
  // A tag longer than any valid one (a raw local-bus datagram's is not
  // checked) is no pattern of its own: the table stays small.
  std::string pattern = tag.size() > max_tag_bytes ? std::string(other) : fold(tag);
  auto it = counts_.find(pattern);
  if (it != counts_.end()) ++it->second;
  else if (counts_.size() < max_patterns) counts_.emplace(std::move(pattern), 1);
  else ++counts_[std::string(other)];
}

int ListenStats::wait_ms(Clock::time_point now) const { return static_cast<int>(ms_to_reach(next_report_, now)); }

void ListenStats::tick(Clock::time_point now, bool last) {
  if (!last && now < next_report_) return;
  if (last && interval_events_ == 0) return;  // nothing more to say
  double seconds = std::chrono::duration<double>(now - last_report_).count();
  std::string text = report(now_ts(), seconds);
  if (style_ == Style::table && drawn_lines_ > 0) text.insert(0, "\033[" + std::to_string(drawn_lines_) + "A\033[J");
  if (cut_line_) text.insert(0, "\n");  // the end of the one cut short before
  // A report stderr does not take now is dropped, not waited for (what was
  // on screen stays there); one cut short is ended by the next, and the
  // table drawn anew below it.
  if (size_t written = write_now(fd_, text); written == text.size()) {
    cut_line_ = false;
    drawn_lines_ = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  } else if (written > 0) {
    cut_line_ = true;
    drawn_lines_ = 0;
  }
  counts_.clear();
  interval_events_ = 0;
  last_report_ = now;
  // The next one SECS from the one due, or from now when the loop was late
  // by a whole interval (a reader stopping us): never a burst to catch up.
  next_report_ += interval_;
  if (next_report_ <= now) next_report_ = now + interval_;
}

std::string ListenStats::report(double ts, double seconds) const {
  return style_ == Style::lines ? json_line(ts, seconds) : table(seconds);
}

std::string ListenStats::json_line(double ts, double seconds) const {
  std::string out = "{\"ts\":" + format_ts(ts) + ",\"seconds\":" + number("%.6f", seconds) +
                    ",\"events\":" + std::to_string(interval_events_) +
                    ",\"rate\":" + number("%.2f", per_second(interval_events_, seconds)) +
                    ",\"total\":" + std::to_string(total_events_) + ",\"top\":[";
  bool first = true;
  for (const auto& [pattern, n] : busiest(counts_)) {
    out += first ? "{\"pattern\":" : ",{\"pattern\":";
    first = false;
    append_json_string(out, pattern);
    out += ",\"events\":" + std::to_string(n) + ",\"rate\":" + number("%.2f", per_second(n, seconds)) + "}";
  }
  out += "]}\n";
  return out;
}

std::string ListenStats::table(double seconds) const {
  auto right = [](const std::string& s) { return s.size() < 10 ? std::string(10 - s.size(), ' ') + s : s; };
  std::string out = "event-listen: " + number("%.1f", per_second(interval_events_, seconds)) + " events/s (" +
                    std::to_string(interval_events_) + " in " + number("%.2f", seconds) + " s; " + std::to_string(total_events_) +
                    " in all)\n" + "    RATE/S    EVENTS  PATTERN\n";
  for (const auto& [pattern, n] : busiest(counts_))
    out += right(number("%.1f", per_second(n, seconds))) + right(std::to_string(n)) + "  " + printable(pattern) + "\n";
  return out;
}

}  // namespace evt
