// JSON kept as text: a single-pass validator that also strips insignificant
// whitespace. Events carry their data this way, so a stream pays neither for
// building a DOM nor for re-encoding it; the DOM is built only where its
// structure is needed (pretty output, Salt layout, webhook bodies).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"

namespace evt {

// Scans one JSON value at text[pos] (leading whitespace allowed), appends
// its compact form to out and moves pos past it. Returns why it is not one,
// or nullopt. Nesting deeper than max_json_depth is refused.
std::optional<std::string> scan_json(std::string_view text, size_t& pos, std::string& out);

// Checks that text[pos] starts one JSON value that is already compact (no
// whitespace outside strings), and moves pos past it. Writes nothing.
bool check_compact_json(std::string_view text, size_t& pos);

// Scans a JSON string literal at text[pos] and appends its decoded UTF-8 to
// decoded. Returns why it is not a valid literal, or nullopt.
std::optional<std::string> scan_json_string(std::string_view text, size_t& pos, std::string& decoded);

// The string value of key in a compact JSON object (the last one, when the
// key is given twice, as parsers read it), or nullopt: no such member, its
// value is no string, or the text is no object.
std::optional<std::string> string_member(std::string_view compact_object, std::string_view key);

// One JSON value as compact text.
class JsonText {
 public:
  JsonText() : text_("{}") {}
  // From JSON text: validated and compacted. Throws invalid_input.
  static JsonText parse(std::string_view text);
  // A JSON string holding s (valid UTF-8).
  static JsonText string(std::string_view s);
  // Text that is already valid compact JSON (from scan_json).
  static JsonText trusted(std::string compact_text);
  JsonText(const json& value);  // NOLINT: implicit, as a json converts (in json.cpp)

  const std::string& text() const { return text_; }
  bool is_string() const { return !text_.empty() && text_.front() == '"'; }
  bool is_object() const { return !text_.empty() && text_.front() == '{'; }

  bool operator==(const JsonText& other) const { return text_ == other.text_; }

 private:
  explicit JsonText(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace evt
