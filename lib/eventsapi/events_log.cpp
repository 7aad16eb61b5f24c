#include "eventsapi/events_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/error.h"
#include "core/io.h"
#include "core/json.h"
#include "core/json_text.h"

namespace evt {

void EventsLog::open() {
  // 0600 like the rest of the state: events may say more than their tags.
  fd_.reset(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd_) throw failed(path_ + ": " + errno_text(errno));
  struct stat st;
  size_ = ::fstat(fd_.get(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

std::string events_log_line(std::string_view id, std::string_view body) {
  std::string line = "{\"id\":";
  append_json_string(line, id);  // an id is any text: escaped, never a way out of its string
  line += ",\"event\":";
  line += body;
  line += "}\n";
  return line;
}

std::optional<EventsLogRecord> parse_events_log_line(std::string_view line) {
  constexpr std::string_view head = "{\"id\":", middle = ",\"event\":";
  if (line.substr(0, head.size()) != head) return std::nullopt;
  EventsLogRecord r;
  size_t pos = head.size();
  if (scan_json_string(line, pos, r.id) || line.substr(pos, middle.size()) != middle) return std::nullopt;
  pos += middle.size();
  size_t start = pos;
  std::string compact;
  if (scan_json(line, pos, compact) || pos + 1 != line.size() || line[pos] != '}') return std::nullopt;
  r.body = std::string(line.substr(start, pos - start));
  return r;
}

void EventsLog::write(std::string_view id, std::string_view body, uint64_t max_bytes) {
  std::string line = events_log_line(id, body);
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ && size_ > 0 && size_ + line.size() > max_bytes) {
    fd_.reset();
    if (::rename(path_.c_str(), (path_ + ".1").c_str()) != 0) throw failed("cannot rotate " + path_ + ": " + errno_text(errno));
  }
  if (!fd_) open();
  bool ok = false;
  int err = 0;
  try {
    ok = write_all(fd_.get(), line);
    err = ok ? 0 : EPIPE;
  } catch (const Error&) {
    err = errno;
  }
  if (!ok) {
    // No cut line is left for a reader of the log to stop at.
    if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0) fd_.reset();  // reopened, and measured, next time
    throw failed(path_ + ": " + errno_text(err));
  }
  size_ += line.size();
}

}  // namespace evt
