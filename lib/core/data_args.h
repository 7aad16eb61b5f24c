// event-fire's data arguments: DATA, or KEY=VALUE / KEY:=JSON pairs (httpie style).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/json_text.h"

namespace evt {

// True when arg is a KEY=VALUE or KEY:=JSON pair rather than DATA: it has a
// non-empty key before the first '=' and does not start like JSON.
bool is_pair(std::string_view arg);

// No arguments: {}. One DATA argument: JSON, or text as a string. Pairs: an
// object (VALUE a string, JSON parsed; a later key wins). Throws a usage
// error for a mix, several DATA arguments or a bad KEY:=JSON.
JsonText data_from_args(const std::vector<std::string>& args);

}  // namespace evt
