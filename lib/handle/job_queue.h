// event-handle's jobs and where each stands: received and waiting for a
// -j slot (pending), in a slot (running, until its result is out), or
// waiting to run again outside the slots (retries, retry_queue.h). -j and
// -n are its limits. As ninja's Plan: what is to run and what may start;
// the runner starts it.
#pragma once

#include <deque>
#include <list>
#include <vector>

#include "handle/job.h"
#include "handle/retry_queue.h"

namespace evt {

class JobQueue {
 public:
  using Jobs = std::list<Job>;

  // slots: -j; count: -n (0: no limit).
  JobQueue(int slots, long count, const RetryPolicy& policy)
      : slots_(static_cast<size_t>(slots)), count_(count), retries_(policy) {}

  // How many more the source may hand over: free slots, within what -n leaves.
  size_t free_slots() const;
  // -n events were taken.
  bool counted_out() const { return count_ > 0 && taken_ >= static_cast<size_t>(count_); }
  bool slot_free() const { return running_.size() < slots_; }

  // A message from the source, to wait for a slot.
  void take(Message m);
  // The first pending message in a free slot, as a new job; nullptr when
  // none waits or no slot is free.
  Job* start_pending();
  // A job whose wait to run again is over, in a free slot for its next
  // attempt; nullptr when none is due or no slot is free.
  Job* start_due_retry(Clock::time_point now);
  // Milliseconds until a retry is due (-1: none waits, or no slot would take it).
  int retry_due_ms(Clock::time_point now) const { return slot_free() ? retries_.due_ms(now) : -1; }
  // j waits to run again: returns the policy's wait. It leaves its slot at take_finished().
  std::chrono::milliseconds schedule_retry(Job& j, Clock::time_point now) { return retries_.schedule(j, now); }
  // The jobs that wait to run again, out of the queue (event-handle stops).
  Jobs release_retries() { return retries_.release(); }
  // A job whose result is still to be written (one given up while it waited).
  void add_finished(Job j) { running_.push_back(std::move(j)); }

  // Each job whose outcome is final, handed to f, then out of its slot;
  // those scheduled to run again go to the retries first.
  template <typename F>
  void take_finished(F f) {
    retries_.hold_marked(running_);
    for (auto it = running_.begin(); it != running_.end();) {
      if (!it->outcome) {
        ++it;
        continue;
      }
      f(*it);
      it = running_.erase(it);
    }
  }

  Job* job_of(pid_t pid);
  // The messages still ours: in a slot unfinished, or waiting to run again.
  std::vector<const Message*> held() const;

  size_t running() const { return running_.size(); }
  bool nothing_running() const { return running_.empty(); }
  bool nothing_pending() const { return pending_.empty(); }
  bool no_retries() const { return retries_.empty(); }

 private:
  size_t slots_;
  long count_;
  size_t taken_ = 0;  // events taken from the source, for -n
  std::deque<Message> pending_;
  Jobs running_;
  RetryQueue retries_;  // aborted, to run again once their time comes; they hold no slot
};

}  // namespace evt
