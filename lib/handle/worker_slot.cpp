#include "handle/worker_slot.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>

#include "core/error.h"
#include "core/io.h"

namespace evt {

WorkerSlot::WorkerSlot(const std::string& dir, const std::string& stream) {
  check_private_directory(dir, "worker directory", true);
  char hash[32];
  std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(stream));
  for (int n = 1; n <= 4096; ++n) {
    std::string path = dir + "/" + hash + "." + std::to_string(n) + ".lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw usage_error("worker slot " + path + ": " + errno_text(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      fd_ = fd;
      number_ = n;
      return;
    }
    ::close(fd);
  }
  throw failed("no free worker slot in " + dir + " (4096 workers of one group on this node?)");
}

WorkerSlot::~WorkerSlot() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace evt
