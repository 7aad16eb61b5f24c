#include "core/log.h"

#include <unistd.h>

#include <cctype>

#include "core/text.h"

namespace evt {

static std::string& name_storage() {
  static std::string name = "event-tools";
  return name;
}

Severity parse_severity(std::string_view name) {
  std::string up;
  for (char c : name) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (up == "DEBUG") return Severity::debug;
  if (up == "WARNING" || up == "WARN") return Severity::warning;
  if (up == "ERROR") return Severity::err;
  return Severity::info;
}

void set_program_name(std::string_view name) { name_storage() = std::string(name); }

void report(std::string_view message) {
  std::string line = name_storage();
  line += ": ";
  line += printable(message);  // a message may quote input: it must not forge a line or drive the terminal
  line += '\n';
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;  // nowhere left to complain to
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace evt
