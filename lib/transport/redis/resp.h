// Commands in the Redis protocol (RESP), written straight into a buffer so
// a stream of them can be pipelined without a round trip each.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace evt {

// Appends one command (its arguments as bulk strings) to out.
void append_resp(std::string& out, std::initializer_list<std::string_view> args);
void append_resp(std::string& out, const std::vector<std::string_view>& args);

}  // namespace evt
