// The events event-handle waits to run again (--retry): each holds no -j
// slot while it waits, so that others flow meanwhile.
#pragma once

#include <list>

#include "handle/job.h"
#include "handle/retry_policy.h"

namespace evt {

class RetryQueue {
 public:
  using Jobs = std::list<Job>;

  explicit RetryQueue(const RetryPolicy& policy) : policy_(policy) {}

  bool empty() const { return waiting_.empty(); }
  const Jobs& jobs() const { return waiting_; }

  // Sets j's time to run again, the policy's wait after its attempt, and
  // returns that wait. The job stays where it is until hold_marked().
  std::chrono::milliseconds schedule(Job& j, Clock::time_point now) const;
  // Moves the jobs of from that schedule() marked here.
  void hold_marked(Jobs& from);
  // Milliseconds until the next one is due (-1: none waits).
  int due_ms(Clock::time_point now) const;
  // Moves the first job whose time has come to the end of to, ready for
  // its next attempt. False when none is due.
  bool take_due(Jobs& to, Clock::time_point now);
  // All of them, out of the queue (event-handle stops).
  Jobs release();

 private:
  const RetryPolicy& policy_;
  Jobs waiting_;
};

}  // namespace evt
