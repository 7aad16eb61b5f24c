// ASCII classes and hex digits, in one place: JSON's \u escapes, %XX in
// URLs, spool ids and NATS subjects, \xXX in text shown to people and in
// Python's repr of bytes, hex digests.
#pragma once

#include <string>
#include <string_view>

namespace evt {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// What JSON allows between tokens (RFC 8259: space, tab, LF, CR).
constexpr bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Python's bytes.isspace(): JSON's four and VT, FF.
constexpr bool is_python_space(char c) { return is_json_space(c) || c == '\v' || c == '\f'; }

// text with A-Z as a-z and every other byte as it is: HTTP header names,
// media types, words compared in any case (never the locale's).
inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The value of a hex digit in either case, or -1.
constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The hex digit of the low four bits of v.
enum class HexCase { lower, upper };
constexpr char hex_digit(unsigned v, HexCase letters = HexCase::lower) {
  return (letters == HexCase::lower ? "0123456789abcdef" : "0123456789ABCDEF")[v & 15];
}

// Appends a byte as two hex digits.
inline void append_hex_byte(std::string& out, unsigned char c, HexCase letters = HexCase::lower) {
  out += hex_digit(c >> 4, letters);
  out += hex_digit(c, letters);
}

// Appends "\uXXXX" for a code unit below 0x10000, as JSON and Python write it.
inline void append_u_escape(std::string& out, unsigned unit) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += hex_digit(unit >> shift);
}

// The value of the %XX at s[i] ('%' and two hex digits), or -1.
inline int percent_value(std::string_view s, size_t i) {
  if (i + 2 >= s.size() || s[i] != '%') return -1;
  int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

}  // namespace evt
