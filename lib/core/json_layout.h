// JSON text laid out again: indented for people (-o pretty), and byte for
// byte as Python's json.dumps writes it (salt-run state.event's lines,
// glustereventsd's webhook bodies). It works on the compact text events
// carry, without building a DOM, so every number is written as the token it
// arrived as: 1e999 is valid JSON (RFC 8259 sets no range) and must reach
// every output as it was, never as inf, null or an exception.
#pragma once

#include <string>
#include <string_view>

namespace evt {

// Appends compact JSON text (as JsonText holds it) indented by indent
// spaces a level, "key": value, as jq and nlohmann's dump(4) lay it out.
// Strings and numbers are kept as they are; a key given twice keeps its
// first place and its last value, as every JSON parser reading it would.
void append_pretty_json(std::string& out, std::string_view compact_text, int indent = 4);

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
