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
  if (name == "journal") return Target::journal;
  if (name == "stderr") return Target::stderr_lines;
  if (name == "none") return Target::none;
  throw usage_error("--log: expected syslog, journal, stderr or none, not '" + std::string(name) + "'");
}

Logger::Logger(Target target, std::string socket_path, std::string ident)
    : target_(target), socket_path_(std::move(socket_path)), ident_(std::move(ident)) {
  if (target_ == Target::syslog || target_ == Target::journal) open_socket();
}

void Logger::open_socket() {
  fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr;
  if (!fd_ || !unix_address(socket_path_, addr)) {
    fd_.reset();
    return;
  }
  if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fd_.reset();
}

namespace {

// One journal field, NAME=value: the values are printable (text.h), so
// never hold the newline that ends a field.
void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += '=';
  out += value;
  out += '\n';
}

}  // namespace

std::string Logger::syslog_line(Severity severity, std::string_view message) const {
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
  return line;
}

std::string Logger::journal_entry(Severity severity, std::string_view message, const LogContext& c) const {
  std::string entry;
  append_field(entry, "MESSAGE", printable(message));
  append_field(entry, "PRIORITY", std::to_string(static_cast<int>(severity)));
  append_field(entry, "SYSLOG_IDENTIFIER", ident_);
  append_field(entry, "SYSLOG_FACILITY", "3");
  if (!c.handler.empty()) append_field(entry, "EVENT_HANDLER", printable(c.handler));
  if (!c.step.empty()) append_field(entry, "EVENT_STEP", printable(c.step));
  if (!c.event_id.empty()) append_field(entry, "EVENT_ID", printable(c.event_id));
  if (!c.tag.empty()) append_field(entry, "EVENT_TAG", printable(c.tag));
  return entry;
}

void Logger::log(Severity severity, std::string_view message, const LogContext& context) {
  if (target_ == Target::none) return;
  if (target_ == Target::stderr_lines) {
    if (severity != Severity::debug) report(message);
    return;
  }
  if (!fd_) open_socket();  // the log daemon may have restarted
  if (!fd_) {
    // No syslog or journal here (a container?): say so once, then log to stderr.
    if (!warned_) report("cannot log to " + socket_path_ + " (" + errno_text(errno) + "); logging to stderr");
    warned_ = true;
    if (severity != Severity::debug) report(message);
    return;
  }
  std::string datagram = target_ == Target::journal ? journal_entry(severity, message, context) : syslog_line(severity, message);
  if (::send(fd_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL) < 0) {
    fd_.reset();
    open_socket();
    if (fd_) (void)!::send(fd_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL);
  }
}

}  // namespace evt
