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

std::string events_log_line(std::string_view id, std::string_view body, const TraceContext& trace) {
  std::string line = "{\"id\":";
  append_json_string(line, id);  // an id is any text: escaped, never a way out of its string
  line += ",\"event\":";
  line += body;
  if (!trace.traceparent.empty()) {
    line += ",\"traceparent\":";
    append_json_string(line, trace.traceparent);
  }
  if (!trace.tracestate.empty()) {
    line += ",\"tracestate\":";
    append_json_string(line, trace.tracestate);
  }
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
  if (scan_json(line, pos, compact)) return std::nullopt;
  r.body = std::string(line.substr(start, pos - start));
  for (auto [name, field] : {std::pair{std::string_view(",\"traceparent\":"), &r.trace.traceparent},
                             std::pair{std::string_view(",\"tracestate\":"), &r.trace.tracestate}}) {
    if (line.substr(pos, name.size()) != name) continue;
    pos += name.size();
    if (scan_json_string(line, pos, *field)) return std::nullopt;
  }
  if (pos + 1 != line.size() || line[pos] != '}') return std::nullopt;
  return r;
}

void EventsLog::write(std::string_view id, std::string_view body, const TraceContext& trace, uint64_t max_bytes) {
  std::string line = events_log_line(id, body, trace);
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
