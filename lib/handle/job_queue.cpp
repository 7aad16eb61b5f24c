#include "handle/job_queue.h"

#include <algorithm>

namespace evt {

size_t JobQueue::free_slots() const {
  size_t busy = running_.size() + pending_.size();
  size_t free = busy >= slots_ ? 0 : slots_ - busy;
  if (count_ > 0) free = std::min(free, static_cast<size_t>(count_) - std::min(taken_, static_cast<size_t>(count_)));
  return free;
}

void JobQueue::take(Message m) {
  ++taken_;
  pending_.push_back(std::move(m));
}

Job* JobQueue::start_pending() {
  if (pending_.empty() || !slot_free()) return nullptr;
  Job& j = running_.emplace_back();
  j.message = std::move(pending_.front());
  pending_.pop_front();
  j.attempt = std::max(1, j.message.deliveries);
  return &j;
}

Job* JobQueue::start_due_retry(Clock::time_point now) {
  if (!slot_free() || !retries_.take_due(running_, now)) return nullptr;
  return &running_.back();
}

Job* JobQueue::job_of(pid_t pid) {
  for (Job& j : running_)
    if (j.running == pid) return &j;
  return nullptr;
}

std::vector<const Message*> JobQueue::held() const {
  std::vector<const Message*> held;
  for (const Job& j : running_)
    if (!j.outcome || j.retry_at) held.push_back(&j.message);
  for (const Job& j : retries_.jobs()) held.push_back(&j.message);  // waiting to run again: still ours
  return held;
}

}  // namespace evt
