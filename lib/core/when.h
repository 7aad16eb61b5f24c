// A point in time as a user writes it for --since (kcat's -o s@TS, natscli's
// --since, eventsapi redeliver --since): how far back from now (90s, 15m,
// 2h, 1d, 1w, or a sum: 1h30m), an
// RFC 3339 time (2026-12-06T01:00:00Z, a fraction and an offset allowed, a
// space for the T), or seconds since the epoch. A bare number is a time, not
// a duration: durations always carry their unit.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace evt {

// Seconds since the epoch; now is the current time (a test hands its own).
// Throws a usage error naming option.
double parse_when(const std::string& option, const std::string& text, double now);

// An RFC 3339 time alone (a CloudEvent's time): seconds since the epoch, or
// nullopt when text is none.
std::optional<double> parse_rfc3339(std::string_view text);

}  // namespace evt
