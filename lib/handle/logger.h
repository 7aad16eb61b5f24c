// Where event-handle's log goes: syslog (ident event-handle, facility
// daemon), stderr, or nowhere. The syslog client writes RFC 3164 datagrams
// to /dev/log, or to another socket (so tests read exactly what reached it).
#pragma once

#include <string>
#include <string_view>

#include "core/log.h"

namespace evt {

class Logger {
 public:
  enum class Target { syslog, stderr_lines, none };

  // Throws a usage error for an unknown target name.
  static Target parse_target(std::string_view name);

  Logger(Target target, std::string socket_path, std::string ident);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void log(Severity severity, std::string_view message);

 private:
  void open_socket();

  Target target_;
  std::string socket_path_;
  std::string ident_;
  int fd_ = -1;
  bool warned_ = false;
};

}  // namespace evt
