#include "core/tag_match.h"

#include "core/error.h"

namespace evt {

MatchKind parse_match_kind(std::string_view name) {
  if (name == "glob") return MatchKind::glob;
  if (name == "prefix") return MatchKind::prefix;
  if (name == "regex") return MatchKind::regex;
  if (name == "exact") return MatchKind::exact;
  throw usage_error("--match: expected glob, prefix, regex or exact, not '" + std::string(name) + "'");
}

// Matches a [...] class at pattern[p] (just past '['). Sets p past the class.
// Returns false with p unchanged if the class is not closed (then '[' is literal).
static bool class_match(std::string_view pattern, size_t& p, unsigned char c, bool& matched) {
  size_t i = p;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool hit = false;
  bool first = true;
  while (i < pattern.size() && (pattern[i] != ']' || first)) {
    first = false;
    unsigned char lo = static_cast<unsigned char>(pattern[i]);
    if (lo == '\\' && i + 1 < pattern.size()) lo = static_cast<unsigned char>(pattern[++i]);
    unsigned char hi = lo;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      hi = static_cast<unsigned char>(pattern[i + 2]);
      if (hi == '\\' && i + 3 < pattern.size()) hi = static_cast<unsigned char>(pattern[++i + 2]);
      i += 2;
    }
    if (lo <= c && c <= hi) hit = true;
    ++i;
  }
  if (i >= pattern.size()) return false;
  p = i + 1;
  matched = hit != negate;
  return true;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point (the last '*'): linear in
  // practice, no recursion, so hostile patterns cannot blow the stack.
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '*') {
        while (p < pattern.size() && pattern[p] == '*') ++p;
        if (p == pattern.size()) return true;
        star_p = p;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        size_t q = p + 1;
        bool matched = false;
        if (class_match(pattern, q, static_cast<unsigned char>(text[t]), matched)) {
          if (matched) {
            p = q;
            ++t;
            continue;
          }
        } else if (text[t] == '[') {
          ++p;
          ++t;
          continue;
        }
      } else {
        if (pc == '\\' && p + 1 < pattern.size()) {
          if (pattern[p + 1] == text[t]) {
            p += 2;
            ++t;
            continue;
          }
        } else if (pc == text[t]) {
          ++p;
          ++t;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string literal_prefix(MatchKind kind, std::string_view pattern) {
  switch (kind) {
    case MatchKind::prefix:
    case MatchKind::exact: return std::string(pattern);
    case MatchKind::regex: return {};
    case MatchKind::glob: {
      std::string out;
      for (size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        if (c == '*' || c == '?' || c == '[') break;
        if (c == '\\') {
          if (i + 1 >= pattern.size()) break;
          c = pattern[++i];
        }
        out += c;
      }
      return out;
    }
  }
  return {};
}

}  // namespace evt
