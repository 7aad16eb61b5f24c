// JSON text laid out again: indented for people (-o pretty), and byte for
// byte as Python's json.dumps writes it (salt-run state.event's lines,
// glustereventsd's webhook bodies). It works on the compact text events
// carry, without building a DOM, so every number is written as the token it
// arrived as: 1e999 is valid JSON (RFC 8259 sets no range) and must reach
// every output as it was, never as inf, null or an exception.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evt {

// Appends compact JSON text (as JsonText holds it) indented by indent
// spaces a level, "key": value, as jq and nlohmann's dump(4) lay it out.
// Strings and numbers are kept as they are; a key given twice keeps its
// first place and its last value, as every JSON parser reading it would.
// Terminal colours for append_pretty_json, as jq draws JSON: keys blue,
// strings green, null grey; the members of the top-level object named in
// top_level have their values in a colour of their own (the envelope's tag
// and time).
struct JsonColours {
  std::string key = "\x1b[34;1m";
  std::string string = "\x1b[32m";
  std::string null = "\x1b[1;30m";
  std::vector<std::pair<std::string, std::string>> top_level;
};

void append_pretty_json(std::string& out, std::string_view compact_text, int indent = 4, const JsonColours* colours = nullptr);

// Appends compact JSON text as Python's json.dumps(value, sort_keys=...,
// ensure_ascii=...) writes it: ", " and ": " separators, floats in Python's
// repr (1e5 as 100000.0), integers of any size as they are; with
// ensure_ascii (Python's default, glustereventsd's bodies) non-ASCII and DEL
// as \uXXXX, without it (Salt's json.dumps, state.event's lines) as they
// are. A number that overflows a double is written as its token, where
// Python would write Infinity, which is not JSON.
void append_python_json(std::string& out, std::string_view compact_text, bool sort_keys, bool ensure_ascii);

// Appends Python's repr of a finite double: the shortest digits that read
// back the same, fixed notation for exponents -4 to 16, else d.ddde+XX.
void append_python_float(std::string& out, double v);

}  // namespace evt
