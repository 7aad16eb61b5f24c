// Where event-handle's log goes: syslog (ident event-handle, facility
// daemon), the systemd journal, stderr, or nowhere. The syslog client writes
// RFC 3164 datagrams to /dev/log; the journal client writes journald's native
// datagrams (MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and the event's handler,
// step, id and tag as fields) to /run/systemd/journal/socket. Either socket
// can be another (so tests read exactly what reached it).
#pragma once

#include <string>
#include <string_view>

#include "core/log.h"
#include "core/unique_fd.h"

namespace evt {

// What a line is about: journal fields EVENT_HANDLER, EVENT_STEP, EVENT_ID
// and EVENT_TAG (empty ones are left out). Syslog and stderr lines say it in
// their text.
struct LogContext {
  std::string_view handler, step, event_id, tag;
};

class Logger {
 public:
  enum class Target { syslog, journal, stderr_lines, none };

  // Throws a usage error for an unknown target name.
  static Target parse_target(std::string_view name);

  Logger(Target target, std::string socket_path, std::string ident);

  void log(Severity severity, std::string_view message, const LogContext& context = {});

 private:
  void open_socket();
  std::string syslog_line(Severity severity, std::string_view message) const;
  std::string journal_entry(Severity severity, std::string_view message, const LogContext& context) const;

  Target target_;
  std::string socket_path_;
  std::string ident_;
  UniqueFd fd_;
  bool warned_ = false;
};

}  // namespace evt
