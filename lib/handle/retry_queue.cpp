#include "handle/retry_queue.h"

#include <algorithm>

namespace evt {

std::chrono::milliseconds RetryQueue::schedule(Job& j, Clock::time_point now) const {
  auto wait = policy_.delay_after(j.attempt);
  j.retry_at = now + wait;
  return wait;
}

void RetryQueue::hold_marked(Jobs& from) {
  for (auto it = from.begin(); it != from.end();) {
    auto next = std::next(it);
    if (it->retry_at) waiting_.splice(waiting_.end(), from, it);
    it = next;
  }
}

int RetryQueue::due_ms(Clock::time_point now) const {
  long long least = -1;
  for (const Job& j : waiting_) {
    long long left = ms_to_reach(*j.retry_at, now);
    if (least < 0 || left < least) least = left;
  }
  return least < 0 ? -1 : static_cast<int>(std::min<long long>(least, 1 << 30));
}

bool RetryQueue::take_due(Jobs& to, Clock::time_point now) {
  auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](const Job& j) { return *j.retry_at <= now; });
  if (it == waiting_.end()) return false;
  to.splice(to.end(), waiting_, it);
  to.back().reset_for_next_attempt();
  return true;
}

RetryQueue::Jobs RetryQueue::release() {
  Jobs out;
  out.splice(out.end(), waiting_);
  for (Job& j : out) j.retry_at.reset();
  return out;
}

}  // namespace evt
