// The consumer name an event-handle worker takes in a Redis stream's group
// when the URL gives none: NODE/N, where N is the lowest slot no live worker
// on this node holds for that stream and group. Two live workers never
// share a name (each holds its slot's lock), and a worker restarted after a
// crash gets its old name back, so it re-reads its own pending entries at
// once instead of waiting for another worker to claim them. The slots are
// lock files in the runtime directory; the kernel frees a dead worker's.
#pragma once

#include <string>

namespace evt {

class WorkerSlot {
 public:
  // Takes the lowest free slot for stream (the server, key and group, as one
  // string) under dir, a private directory made if missing.
  WorkerSlot(const std::string& dir, const std::string& stream);
  ~WorkerSlot();
  WorkerSlot(const WorkerSlot&) = delete;
  WorkerSlot& operator=(const WorkerSlot&) = delete;

  int number() const { return number_; }

 private:
  int fd_ = -1;
  int number_ = 0;
};

}  // namespace evt
