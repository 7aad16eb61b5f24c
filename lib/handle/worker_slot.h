// The consumer name an event-handle worker takes in a Redis stream's group
// when the URL gives none: NODE/N, where N is the lowest slot no live worker
// on this node holds for that stream and group. Two live workers never
// share a name (each holds its slot's lock), and a worker restarted after a
// crash gets its old name back, so it re-reads its own pending entries at
// once instead of waiting for another worker to claim them. The slots are
// lock files in the runtime directory; the kernel frees a dead worker's.
//
// The lock file also records the process groups of the steps the worker
// runs (step_groups.h): the next worker to take the slot ends what a killed
// one left running before it handles those entries again.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/unique_fd.h"
#include "handle/step_groups.h"

namespace evt {

class WorkerSlot : public GroupLedger {
 public:
  // Takes the lowest free slot for stream (the server, key and group, as one
  // string) under dir, a private directory made if missing.
  WorkerSlot(const std::string& dir, const std::string& stream);
  ~WorkerSlot() override;
  WorkerSlot(const WorkerSlot&) = delete;
  WorkerSlot& operator=(const WorkerSlot&) = delete;

  int number() const { return number_; }

  // A step group the previous holder of the slot left, and how it was ended.
  struct Ended {
    StepGroup group;
    std::string how;  // "SIGTERM" or "SIGKILL"
  };
  // Ends the step groups the previous holder left running (SIGTERM, SIGKILL
  // after grace seconds), only those still its own, and clears the record.
  std::vector<Ended> end_left_groups(double grace);

  void group_started(pid_t pgid) override;
  void group_gone(pid_t pgid) override;

 private:
  void write_record();

  UniqueFd fd_;
  int number_ = 0;
  std::string path_;
  std::vector<StepGroup> left_;        // read from the file when the slot was taken
  std::map<pid_t, StepGroup> groups_;  // this worker's running step groups
  bool write_failed_ = false;          // said once
};

}  // namespace evt
