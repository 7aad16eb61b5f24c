// Text shown to people. Text from outside (tags, ids, datagrams, a step's
// output) checked and shown safely: a control character in it could forge a
// log line, drive the terminal that reads stderr, or cut an environment
// variable short. And numbers of seconds, written one way everywhere.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace evt {

// True if s holds a C0 control character, DEL, or a C1 control (U+0080 to
// U+009F, which terminals obey as they obey ESC).
bool has_control_character(std::string_view s);

// s for a log or error line: control characters written as escapes (\n,
// \t, \x1b, \u009b) and bytes that are not UTF-8 as \xNN; the rest as is.
std::string printable(std::string_view s);

// The parts of text between the seps, empty ones kept ("a,,b" is three;
// "" is one, empty). Views into text.
std::vector<std::string_view> split_view(std::string_view text, char sep);

// A number of seconds as people write it: "5", "0.25", "1e+06" (%g).
std::string seconds_text(double seconds);

}  // namespace evt
