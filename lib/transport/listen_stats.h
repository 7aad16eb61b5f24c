// event-listen --stats SECS: what flows, on standard error, every SECS:
// events per second in all and for the ten busiest tag patterns, a tag
// folded to its first two levels ("a/b/c/d" counts as "a/b/*") so that ids
// in tags cannot grow the table without end. On a terminal a table redrawn
// in place; into a pipe or a file one JSON line per interval, for programs.
// No thread: the listener's loop asks how long it may wait (wait_ms) and
// calls tick() after each turn.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace evt {

class ListenStats {
 public:
  enum class Style {
    table,  // a terminal: the table redrawn in place
    fresh,  // a terminal that standard output writes to as well: each table below the events
    lines,  // a pipe or a file: one JSON object a line
  };
  // How fd (stderr) is written to, out_fd being where events go.
  static Style style_for(int fd, int out_fd);

  // Distinct patterns counted in one interval; more are counted as "(other)".
  static constexpr size_t max_patterns = 1000;

  ListenStats(double interval, int fd, Style style, Clock::time_point start);

  // "a/b/c" -> "a/b/*"; a tag of two levels or fewer as it is.
  static std::string fold(std::string_view tag);

  // An event shown.
  void count(std::string_view tag);
  // Milliseconds until the next report is due.
  int wait_ms(Clock::time_point now) const;
  // The report, once its time has come; with last, the one for what is
  // left of the interval when the listener ends (none when nothing came in
  // it). Never waits for stderr: a report it does not take at once (a full
  // pipe, a stopped terminal) or refuses (a full disk) is dropped.
  void tick(Clock::time_point now, bool last = false);

  // The report of an interval as written (for the unit test): ts is the
  // wall clock, seconds how long the interval was.
  std::string report(double ts, double seconds) const;

 private:
  std::string json_line(double ts, double seconds) const;
  std::string table(double seconds) const;

  Clock::duration interval_;
  int fd_;
  Style style_;
  Clock::time_point last_report_, next_report_;
  std::map<std::string, unsigned long long, std::less<>> counts_;  // this interval's, by pattern
  unsigned long long interval_events_ = 0, total_events_ = 0;
  int drawn_lines_ = 0;    // the table on screen, for the redraw
  bool cut_line_ = false;  // the last report was cut short: the next ends its line first
};

}  // namespace evt
