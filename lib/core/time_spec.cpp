#include "core/time_spec.h"

#include <cctype>
#include <cmath>
#include <ctime>
#include <optional>
#include <string>

#include "core/error.h"

namespace evt {

namespace {

bool digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return false;
  for (size_t i = pos; i < pos + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

int number(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

// Digits with at most one '.', nothing else: the number, or nullopt.
std::optional<double> plain_number(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return std::nullopt;
  size_t dots = 0;
  for (char c : s) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  if (dots > 1) return std::nullopt;
  return std::stod(std::string(s));
}

// 90s 15m 2h 1d 1w: seconds, or nullopt when it is no duration.
std::optional<double> duration(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  double unit = 0;
  switch (s.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return std::nullopt;
  }
  auto n = plain_number(s.substr(0, s.size() - 1));
  if (!n) return std::nullopt;
  return *n * unit;
}

// The zone part of an RFC 3339 time ("Z", "+01:00"): seconds east of UTC.
std::optional<long> zone_offset(std::string_view z) {
  if (z == "Z" || z == "z") return 0;
  if (z.size() != 6 || (z[0] != '+' && z[0] != '-') || !digits(z, 1, 2) || z[3] != ':' || !digits(z, 4, 2))
    return std::nullopt;
  int h = number(z, 1, 2), m = number(z, 4, 2);
  if (h > 23 || m > 59) return std::nullopt;
  long off = h * 3600L + m * 60L;
  return z[0] == '-' ? -off : off;
}

// YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM), 'T' or ' ' between date and time.
std::optional<double> rfc3339(std::string_view s) {
  if (!digits(s, 0, 4) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2)) return std::nullopt;
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2) || s[13] != ':' || !digits(s, 14, 2) ||
      s[16] != ':' || !digits(s, 17, 2))
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = number(s, 0, 4) - 1900;
  tm.tm_mon = number(s, 5, 2) - 1;
  tm.tm_mday = number(s, 8, 2);
  tm.tm_hour = number(s, 11, 2);
  tm.tm_min = number(s, 14, 2);
  tm.tm_sec = number(s, 17, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  size_t p = 19;
  double fraction = 0;
  if (p < s.size() && s[p] == '.') {
    size_t start = ++p;
    while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
    if (p == start) return std::nullopt;
    fraction = std::stod("0." + std::string(s.substr(start, p - start)));
  }
  auto offset = zone_offset(s.substr(p));
  if (!offset) return std::nullopt;
  std::tm check = tm;
  time_t t = ::timegm(&tm);
  if (tm.tm_mday != check.tm_mday && check.tm_sec != 60) return std::nullopt;  // 31 February
  return static_cast<double>(t - *offset) + fraction;
}

}  // namespace

double parse_when(std::string_view when, double now) {
  if (auto d = duration(when)) return now - *d;
  if (auto t = plain_number(when)) return *t;
  if (auto t = rfc3339(when)) return *t;
  throw usage_error("not a time: '" + std::string(when) +
                    "' (a duration such as 90s, 15m, 2h, 1d; an RFC 3339 time such as 2026-12-06T01:00:00Z; or a unix time)");
}

}  // namespace evt
