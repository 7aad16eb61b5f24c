// A point in time as a user writes it on the command line (`--since WHEN`):
// a duration back from now (90s, 15m, 2h, 1d, 1w), an RFC 3339 time
// (2026-12-06T01:00:00Z, with an offset or fraction), or a unix time
// (1765000000, 1765000000.5). One parser, so that every tool that takes
// WHEN reads it the same way.
#pragma once

#include <string_view>

namespace evt {

// WHEN as a unix time (seconds, fractions kept); durations count back from
// now. Throws a usage error naming what is wrong.
double parse_when(std::string_view when, double now);

}  // namespace evt
