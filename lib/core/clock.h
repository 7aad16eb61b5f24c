// The one clock of lib/ (monotonic: waits, deadlines, timeouts) and the
// arithmetic every wait needs: how long until a deadline, in milliseconds,
// as poll(2) and the transports' receive() take it.
#pragma once

#include <algorithm>
#include <chrono>
#include <climits>

namespace evt {

using Clock = std::chrono::steady_clock;

// A duration given in seconds (an option such as -w 2.5), as the clock's.
inline Clock::duration seconds_duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// A timeout in seconds (--timeout) as poll(2) and the transports take it:
// whole milliseconds, at least 1, and at most INT_MAX (24.8 days) however
// many seconds were given (a cast would wrap to 1 ms or less).
inline int seconds_to_ms(double seconds) {
  double ms = seconds * 1000;
  if (!(ms >= 1)) return 1;
  return ms >= static_cast<double>(INT_MAX) ? INT_MAX : static_cast<int>(ms);
}

// Whole milliseconds left until deadline, 0 once it has passed: the most a
// bounded wait may take (it may end just before the deadline).
inline long long ms_until(Clock::time_point deadline, Clock::time_point now) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
  return left < 0 ? 0 : left;
}
inline long long ms_until(Clock::time_point deadline) { return ms_until(deadline, Clock::now()); }

// The wait, in milliseconds, that reaches deadline (one more than ms_until,
// so that a timer is due when it ends), 0 once it has passed.
inline long long ms_to_reach(Clock::time_point deadline, Clock::time_point now) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
  return left < 0 ? 0 : left + 1;
}
inline long long ms_to_reach(Clock::time_point deadline) { return ms_to_reach(deadline, Clock::now()); }

// The wall clock: milliseconds since the epoch (when an event was queued, for latencies).
inline long long epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The shorter of two waits in milliseconds, -1 meaning none.
inline int shorter_wait(int a, int b) {
  if (a < 0) return b;
  if (b < 0) return a;
  return std::min(a, b);
}

}  // namespace evt
