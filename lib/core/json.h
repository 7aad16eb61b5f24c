// JSON helpers shared by every module. ordered_json keeps object keys in the
// order they arrived, so an event's data passes through unchanged. Only its
// name here: a file that builds or reads a json includes <nlohmann/json.hpp>,
// so that the many that only pass events around do not compile it.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace evt {

using json = nlohmann::ordered_json;

// Deeper nesting than this is refused by the scanner (json_text.h): every
// layout of JSON text recurses, and a hostile line of ten million '[' must
// not crash a tool.
constexpr int max_json_depth = 512;

bool valid_utf8(std::string_view s);

// Appends s as a JSON string literal. s must be valid UTF-8.
void append_json_string(std::string& out, std::string_view s);

}  // namespace evt
