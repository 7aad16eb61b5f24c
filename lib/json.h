// JSON helpers shared by every module. ordered_json keeps object keys in the
// order they arrived, so an event's data passes through unchanged.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace evt {

using json = nlohmann::ordered_json;

// Deeper nesting than this is refused before parsing: nlohmann's dump()
// recurses, and a hostile line of ten million '[' must not crash a tool.
constexpr int max_json_depth = 512;

bool valid_utf8(std::string_view s);

// Appends s as a JSON string literal. s must be valid UTF-8.
void append_json_string(std::string& out, std::string_view s);

// Parses text as one JSON value; nullopt and a reason when it is not one.
std::optional<json> parse_json(std::string_view text, std::string* reason = nullptr);

// Compact JSON text ("," and ":" separators), as on the wire.
std::string compact(const json& value);

// Python's json.dumps(value) layout (", " and ": ", non-ASCII as \uXXXX), as
// salt-run state.event prints data.
std::string python_style(const json& value);

}  // namespace evt
