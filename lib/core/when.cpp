#include "core/when.h"

#include <cmath>
#include <cstdlib>
#include <ctime>

#include "core/error.h"

namespace evt {

namespace {

bool digits(const std::string& t, size_t pos, size_t n) {
  if (pos + n > t.size()) return false;
  for (size_t i = pos; i < pos + n; ++i)
    if (t[i] < '0' || t[i] > '9') return false;
  return true;
}

int number_at(const std::string& t, size_t pos, size_t n) { return std::atoi(t.substr(pos, n).c_str()); }

// 90s, 15m, 2h, 1d, 1h30m: seconds, or -1 when text is no duration.
double duration(const std::string& t) {
  double total = 0;
  size_t p = 0;
  while (p < t.size()) {
    char* end = nullptr;
    double n = std::strtod(t.c_str() + p, &end);
    size_t used = static_cast<size_t>(end - (t.c_str() + p));
    if (used == 0 || t[p] == '-' || t[p] == '+' || p + used >= t.size() || !std::isfinite(n)) return -1;
    p += used;
    switch (t[p++]) {
      case 's': total += n; break;
      case 'm': total += n * 60; break;
      case 'h': total += n * 3600; break;
      case 'd': total += n * 86400; break;
      case 'w': total += n * 7 * 86400; break;
      default: return -1;
    }
  }
  return p == 0 ? -1 : total;
}

}  // namespace

// YYYY-MM-DD[T ]HH:MM:SS[.frac](Z|±HH:MM).
std::optional<double> parse_rfc3339(std::string_view text) {
  std::string t(text);
  if (!digits(t, 0, 4) || t.size() < 20 || t[4] != '-' || !digits(t, 5, 2) || t[7] != '-' || !digits(t, 8, 2) ||
      (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || !digits(t, 11, 2) || t[13] != ':' || !digits(t, 14, 2) || t[16] != ':' ||
      !digits(t, 17, 2))
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = number_at(t, 0, 4) - 1900;
  tm.tm_mon = number_at(t, 5, 2) - 1;
  tm.tm_mday = number_at(t, 8, 2);
  tm.tm_hour = number_at(t, 11, 2);
  tm.tm_min = number_at(t, 14, 2);
  tm.tm_sec = number_at(t, 17, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  // A leap second (23:59:60) is, as POSIX time, the second after 23:59:59:
  // counted from :59, so that the day it ends is no day rolled over.
  bool leap = tm.tm_sec == 60;
  if (leap) tm.tm_sec = 59;
  std::tm asked = tm;
  double seconds = static_cast<double>(::timegm(&tm)) + (leap ? 1 : 0);
  if (tm.tm_mday != asked.tm_mday || tm.tm_mon != asked.tm_mon) return std::nullopt;  // February 31st is no day
  size_t p = 19;
  if (p < t.size() && t[p] == '.') {
    size_t start = ++p;
    while (p < t.size() && t[p] >= '0' && t[p] <= '9') ++p;
    if (p == start) return std::nullopt;
    seconds += std::strtod(t.substr(start - 1, p - start + 1).c_str(), nullptr);
  }
  if (p + 1 == t.size() && (t[p] == 'Z' || t[p] == 'z')) return seconds;
  if (p + 6 != t.size() || (t[p] != '+' && t[p] != '-') || !digits(t, p + 1, 2) || t[p + 3] != ':' || !digits(t, p + 4, 2))
    return std::nullopt;
  int hours = number_at(t, p + 1, 2), minutes = number_at(t, p + 4, 2);
  if (hours > 23 || minutes > 59) return std::nullopt;  // time-numoffset: an hour and a minute
  int offset = hours * 3600 + minutes * 60;
  return t[p] == '+' ? seconds - offset : seconds + offset;
}

double parse_when(const std::string& option, const std::string& text, double now) {
  if (double back = duration(text); back >= 0) return std::max(0.0, now - back);
  if (auto at = parse_rfc3339(text)) return *at;
  char* end = nullptr;
  double epoch = std::strtod(text.c_str(), &end);
  if (!text.empty() && text[0] >= '0' && text[0] <= '9' && text.back() != '.' && *end == '\0' && std::isfinite(epoch))
    return epoch;
  throw usage_error(
      option + ": '" + text +
      "' is not a time: neither a duration (90s, 15m, 2h, 1d, 1w), an RFC 3339 time (2026-12-06T01:00:00Z) nor epoch seconds");
}

}  // namespace evt
