#include "handle/worker_slot.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <utility>

#include "core/error.h"
#include "core/io.h"
#include "core/log.h"

namespace evt {

WorkerSlot::WorkerSlot(const std::string& dir, const std::string& stream) {
  check_private_directory(dir, "worker directory", true);
  char hash[32];
  std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(stream));
  for (int n = 1; n <= 4096; ++n) {
    std::string path = dir + "/" + hash + "." + std::to_string(n) + ".lock";
    // Close-on-exec: a step that outlives us must not hold the slot.
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw usage_error("worker slot " + path + ": " + errno_text(errno));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      fd_ = std::move(fd);
      number_ = n;
      path_ = path;
      std::string text;
      if (read_file(path, text)) left_ = parse_groups(text);
      return;
    }
  }
  throw failed("no free worker slot in " + dir + " (4096 workers of one group on this node?)");
}

WorkerSlot::~WorkerSlot() {
  if (!fd_) return;
  // The supervisor ended every group before us; an empty record says so.
  groups_.clear();
  write_record();
}

std::vector<WorkerSlot::Ended> WorkerSlot::end_left_groups(double grace) {
  std::vector<Ended> ended;
  for (const auto& g : left_) {
    std::string how = end_group(g, grace);
    if (!how.empty()) ended.push_back({g, how});
  }
  left_.clear();
  write_record();
  return ended;
}

void WorkerSlot::group_started(pid_t pgid) {
  if (auto g = step_group(pgid)) {
    groups_[pgid] = *g;
    write_record();
  }
}

void WorkerSlot::group_gone(pid_t pgid) {
  if (groups_.erase(pgid) > 0) write_record();
}

// Rewrites the record in place. Not fsynced: it is about processes, which a
// power cut ends too. Groups a predecessor left stay in it until ended.
void WorkerSlot::write_record() {
  std::vector<StepGroup> all = left_;
  for (const auto& [pgid, g] : groups_) all.push_back(g);
  std::string text = format_groups(all);
  bool ok = ::pwrite(fd_.get(), text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()) &&
            ::ftruncate(fd_.get(), static_cast<off_t>(text.size())) == 0;
  if (ok || write_failed_) return;
  write_failed_ = true;
  report("worker slot " + path_ + ": cannot record the steps' process groups (" + errno_text(errno) +
         "); a worker taking this slot after a crash will not end what they leave running");
}

}  // namespace evt
