#include "handle/logger.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/io.h"
#include "core/log.h"
#include "core/text.h"

namespace evt {

Logger::Target Logger::parse_target(std::string_view name) {
  if (name == "syslog") return Target::syslog;
  if (name == "stderr") return Target::stderr_lines;
  if (name == "none") return Target::none;
  throw usage_error("--log: expected syslog, stderr or none, not '" + std::string(name) + "'");
}

Logger::Logger(Target target, std::string socket_path, std::string ident)
    : target_(target), socket_path_(std::move(socket_path)), ident_(std::move(ident)) {
  if (target_ == Target::syslog) open_socket();
}

Logger::~Logger() {
  if (fd_ >= 0) ::close(fd_);
}

void Logger::open_socket() {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr;
  if (fd_ < 0 || !unix_address(socket_path_, addr)) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return;
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void Logger::log(Severity severity, std::string_view message) {
  if (target_ == Target::none) return;
  if (target_ == Target::stderr_lines) {
    if (severity != Severity::debug) report(message);
    return;
  }
  if (fd_ < 0) open_socket();  // syslogd may have restarted
  if (fd_ < 0) {
    // No syslog here (a container?): say so once, then log to stderr.
    if (!warned_) report("cannot log to " + socket_path_ + " (" + errno_text(errno) + "); logging to stderr");
    warned_ = true;
    if (severity != Severity::debug) report(message);
    return;
  }
  constexpr int facility_daemon = 3;
  char head[64];
  time_t now = ::time(nullptr);
  tm t;
  ::localtime_r(&now, &t);
  char stamp[32];
  ::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &t);
  std::snprintf(head, sizeof head, "<%d>%s ", facility_daemon * 8 + static_cast<int>(severity), stamp);
  std::string line = head;
  line += ident_;
  line += '[';
  line += std::to_string(::getpid());
  line += "]: ";
  line += printable(message);
  if (::send(fd_, line.data(), line.size(), MSG_NOSIGNAL) < 0) {
    ::close(fd_);
    fd_ = -1;
    open_socket();
    if (fd_ >= 0) (void)!::send(fd_, line.data(), line.size(), MSG_NOSIGNAL);
  }
}

}  // namespace evt
