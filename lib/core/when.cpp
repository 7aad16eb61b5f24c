#include "core/when.h"

#include <cmath>
#include <cstdlib>

#include "core/error.h"

namespace evt {

namespace {

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

// The n digits at pos as a number, or -1.
long number_at(std::string_view t, size_t pos, size_t n) {
  if (pos + n > t.size()) return -1;
  long out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (t[i] < '0' || t[i] > '9') return -1;
    out = out * 10 + (t[i] - '0');
  }
  return out;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
long long days_from_civil(long y, long m, long d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<long long>(era) * 146097 + doe - 719468;
}

long days_in_month(long y, long m) {
  static const long days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap_year = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap_year ? 29 : days[m - 1];
}

}  // namespace

// YYYY-MM-DD[T ]HH:MM:SS[.frac](Z|±HH:MM). By hand, no copy and no timegm:
// a NATS listener reads one for every message (ce-time).
std::optional<double> parse_rfc3339(std::string_view t) {
  long y = number_at(t, 0, 4), mo = number_at(t, 5, 2), d = number_at(t, 8, 2);
  long h = number_at(t, 11, 2), mi = number_at(t, 14, 2), sec = number_at(t, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || t.size() < 20 || t[4] != '-' || t[7] != '-' ||
      (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || t[13] != ':' || t[16] != ':')
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  // A leap second (23:59:60) is, as POSIX time, the second after 23:59:59.
  double seconds = static_cast<double>(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec);
  size_t p = 19;
  if (t[p] == '.') {
    // Whole microseconds and beyond as one integer over its scale: the
    // envelope's six decimals come back as they went.
    size_t start = ++p;
    long long fraction = 0, scale = 1;
    for (; p < t.size() && t[p] >= '0' && t[p] <= '9'; ++p)
      if (scale < 1000000000000LL) fraction = fraction * 10 + (t[p] - '0'), scale *= 10;
    if (p == start) return std::nullopt;
    seconds += static_cast<double>(fraction) / static_cast<double>(scale);
  }
  if (p + 1 == t.size() && (t[p] == 'Z' || t[p] == 'z')) return seconds;
  if (p + 6 != t.size() || (t[p] != '+' && t[p] != '-') || t[p + 3] != ':') return std::nullopt;
  long hours = number_at(t, p + 1, 2), minutes = number_at(t, p + 4, 2);
  if (hours < 0 || minutes < 0 || hours > 23 || minutes > 59) return std::nullopt;  // time-numoffset: an hour and a minute
  long offset = hours * 3600 + minutes * 60;
  return t[p] == '+' ? seconds - static_cast<double>(offset) : seconds + static_cast<double>(offset);
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
