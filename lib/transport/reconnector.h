// When a listener that lost its peer tries again: after 100 ms, doubling to
// 5 s while the peer stays away, back to 100 ms once it answers. Shared by
// the Redis listeners and the Salt bus.
#pragma once

#include <algorithm>
#include <chrono>

#include "core/clock.h"

namespace evt {

class Reconnector {
 public:
  bool due() const { return Clock::now() >= next_; }
  // Milliseconds until due, at most cap (-1: no cap).
  int wait_ms(int cap) const {
    auto left = ms_until(next_);
    return cap < 0 ? static_cast<int>(left) : std::min(cap, static_cast<int>(left));
  }
  void failed() {
    next_ = Clock::now() + delay_;
    delay_ = std::min(delay_ * 2, std::chrono::milliseconds(5000));
  }
  void succeeded() { delay_ = std::chrono::milliseconds(100); }

 private:
  Clock::time_point next_{};
  std::chrono::milliseconds delay_{100};
};

}  // namespace evt
