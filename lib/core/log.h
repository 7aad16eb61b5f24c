// Diagnostics on stderr: one line, prefixed with the program's name.
#pragma once

#include <string>
#include <string_view>

namespace evt {

void set_program_name(std::string_view name);

// Writes "<program>: <message>\n" to stderr in one write(2), so lines from
// concurrent processes sharing a terminal do not interleave. Control
// characters in message are escaped (text.h): it is one line, whatever it quotes.
void report(std::string_view message);

}  // namespace evt
