// Diagnostics on stderr: one line, prefixed with the program's name; and
// the severities every log line has (syslog's numbers).
#pragma once

#include <string>
#include <string_view>

namespace evt {

enum class Severity { err = 3, warning = 4, info = 6, debug = 7 };

// DEBUG, INFO, WARNING (or WARN) or ERROR, any case; info for anything else.
Severity parse_severity(std::string_view name);

void set_program_name(std::string_view name);

// Writes "<program>: <message>\n" to stderr in one write(2), so lines from
// concurrent processes sharing a terminal do not interleave. Control
// characters in message are escaped (text.h): it is one line, whatever it quotes.
void report(std::string_view message);

}  // namespace evt
