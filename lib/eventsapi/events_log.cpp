#include "eventsapi/events_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/error.h"
#include "core/io.h"

namespace evt {

EventsLog::~EventsLog() {
  if (fd_ >= 0) ::close(fd_);
}

void EventsLog::open() {
  // 0600 like the rest of the state: events may say more than their tags.
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) throw failed(path_ + ": " + errno_text(errno));
  struct stat st;
  size_ = ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

void EventsLog::write(std::string_view id, std::string_view body, uint64_t max_bytes) {
  std::string line = "{\"id\":\"";
  line += id;
  line += "\",\"event\":";
  line += body;
  line += "}\n";
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ >= 0 && size_ > 0 && size_ + line.size() > max_bytes) {
    ::close(fd_);
    fd_ = -1;
    if (::rename(path_.c_str(), (path_ + ".1").c_str()) != 0) throw failed("cannot rotate " + path_ + ": " + errno_text(errno));
  }
  if (fd_ < 0) open();
  try {
    if (!write_all(fd_, line)) throw failed("closed");
  } catch (const Error& e) {
    throw failed(path_ + ": " + e.what());
  }
  size_ += line.size();
}

}  // namespace evt
