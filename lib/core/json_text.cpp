#include "core/json_text.h"

#include <array>

#include "core/error.h"

namespace evt {

namespace {

bool fail(std::string& reason, std::string_view text, size_t pos, const char* what) {
  reason = "invalid JSON at byte " + std::to_string(pos + 1) + ": " + what;
  if (pos >= text.size()) reason = "invalid JSON: unexpected end";
  return false;
}

void skip_ws(std::string_view t, size_t& p) {
  while (p < t.size() && (t[p] == ' ' || t[p] == '\t' || t[p] == '\n' || t[p] == '\r')) ++p;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool read_hex4(std::string_view t, size_t p, unsigned& value) {
  if (p + 4 > t.size()) return false;
  value = 0;
  for (size_t i = p; i < p + 4; ++i) {
    int d = hex_digit(t[i]);
    if (d < 0) return false;
    value = value * 16 + static_cast<unsigned>(d);
  }
  return true;
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Length of the valid UTF-8 sequence starting at t[p] (a byte >= 0x80), or 0.
size_t utf8_length(std::string_view t, size_t p) {
  auto c = static_cast<unsigned char>(t[p]);
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (n == 0 || p + n > t.size()) return 0;
  return valid_utf8(t.substr(p, n)) ? n : 0;
}

// Scans a string literal; raw (if set) gets the literal as is, decoded (if
// set) its UTF-8 value.
bool string_literal(std::string_view t, size_t& p, std::string* raw, std::string* decoded, std::string& reason) {
  size_t start = p;
  ++p;  // the opening quote
  size_t run = p;
  auto flush = [&] {
    if (decoded) decoded->append(t.data() + run, p - run);
  };
  static constexpr auto plain = [] {
    std::array<bool, 256> a{};
    for (int c = 0x20; c < 0x80; ++c) a[static_cast<size_t>(c)] = c != '"' && c != '\\';
    return a;
  }();
  const char* d = t.data();
  const size_t n = t.size();
  while (p < n) {
    while (p < n && plain[static_cast<unsigned char>(d[p])]) ++p;  // the common case, 3 instructions a byte
    if (p >= n) break;
    auto c = static_cast<unsigned char>(d[p]);
    if (c == '"') {
      flush();
      ++p;
      if (raw) raw->append(t.data() + start, p - start);
      return true;
    }
    if (c < 0x20) return fail(reason, t, p, "control character in a string");
    if (c == '\\') {
      flush();
      if (p + 1 >= t.size()) return fail(reason, t, t.size(), "");
      char e = t[p + 1];
      const char* simple = nullptr;
      switch (e) {
        case '"': simple = "\""; break;
        case '\\': simple = "\\"; break;
        case '/': simple = "/"; break;
        case 'b': simple = "\b"; break;
        case 'f': simple = "\f"; break;
        case 'n': simple = "\n"; break;
        case 'r': simple = "\r"; break;
        case 't': simple = "\t"; break;
        case 'u': break;
        default: return fail(reason, t, p, "bad escape in a string");
      }
      if (simple != nullptr) {
        if (decoded) *decoded += simple;
        p += 2;
      } else {
        unsigned cp;
        if (!read_hex4(t, p + 2, cp)) return fail(reason, t, p, "bad \\u escape");
        p += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate needs its low half
          unsigned low;
          if (p + 1 >= t.size() || t[p] != '\\' || t[p + 1] != 'u' || !read_hex4(t, p + 2, low) || low < 0xDC00 ||
              low > 0xDFFF)
            return fail(reason, t, p, "lone surrogate in a \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          p += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return fail(reason, t, p - 6, "lone surrogate in a \\u escape");
        }
        if (decoded) append_utf8(*decoded, cp);
      }
      run = p;
      continue;
    }
    size_t len = utf8_length(t, p);
    if (len == 0) return fail(reason, t, p, "invalid UTF-8 in a string");
    p += len;
  }
  return fail(reason, t, t.size(), "");
}

bool number(std::string_view t, size_t& p, std::string* out, std::string& reason) {
  size_t start = p;
  if (p < t.size() && t[p] == '-') ++p;
  if (p < t.size() && t[p] == '0') {
    ++p;
  } else if (p < t.size() && t[p] >= '1' && t[p] <= '9') {
    while (p < t.size() && t[p] >= '0' && t[p] <= '9') ++p;
  } else {
    return fail(reason, t, p, "bad number");
  }
  if (p < t.size() && t[p] == '.') {
    ++p;
    if (p >= t.size() || t[p] < '0' || t[p] > '9') return fail(reason, t, p, "bad number");
    while (p < t.size() && t[p] >= '0' && t[p] <= '9') ++p;
  }
  if (p < t.size() && (t[p] == 'e' || t[p] == 'E')) {
    ++p;
    if (p < t.size() && (t[p] == '+' || t[p] == '-')) ++p;
    if (p >= t.size() || t[p] < '0' || t[p] > '9') return fail(reason, t, p, "bad number");
    while (p < t.size() && t[p] >= '0' && t[p] <= '9') ++p;
  }
  if (out) out->append(t.data() + start, p - start);
  return true;
}

// out: where the compact form goes, or null to validate only. strict: the
// text must be compact already (whitespace is an error).
bool value(std::string_view t, size_t& p, std::string* out, bool strict, std::string& reason, int depth) {
  auto ws = [&] {
    size_t before = p;
    skip_ws(t, p);
    return !(strict && p != before);
  };
  if (!ws()) return fail(reason, t, p, "not compact");
  if (p >= t.size()) return fail(reason, t, p, "");
  char c = t[p];
  switch (c) {
    case '{':
    case '[': {
      if (depth >= max_json_depth)
        return fail(reason, t, p, ("nested deeper than " + std::to_string(max_json_depth) + " levels").c_str());
      const char close = c == '{' ? '}' : ']';
      if (out) *out += c;
      ++p;
      if (!ws()) return fail(reason, t, p, "not compact");
      if (p < t.size() && t[p] == close) {
        if (out) *out += close;
        ++p;
        return true;
      }
      for (;;) {
        if (c == '{') {
          if (!ws()) return fail(reason, t, p, "not compact");
          if (p >= t.size() || t[p] != '"') return fail(reason, t, p, "expected a key");
          if (!string_literal(t, p, out, nullptr, reason)) return false;
          if (!ws()) return fail(reason, t, p, "not compact");
          if (p >= t.size() || t[p] != ':') return fail(reason, t, p, "expected ':'");
          ++p;
          if (out) *out += ':';
        }
        if (!value(t, p, out, strict, reason, depth + 1)) return false;
        if (!ws()) return fail(reason, t, p, "not compact");
        if (p < t.size() && t[p] == ',') {
          if (out) *out += ',';
          ++p;
          continue;
        }
        if (p < t.size() && t[p] == close) {
          if (out) *out += close;
          ++p;
          return true;
        }
        return fail(reason, t, p, c == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
    case '"': return string_literal(t, p, out, nullptr, reason);
    case 't':
    case 'f':
    case 'n': {
      std::string_view word = c == 't' ? "true" : c == 'f' ? "false" : "null";
      if (t.substr(p, word.size()) != word) return fail(reason, t, p, "unexpected word");
      if (out) *out += word;
      p += word.size();
      return true;
    }
    default:
      if (c == '-' || (c >= '0' && c <= '9')) return number(t, p, out, reason);
      return fail(reason, t, p, "unexpected character");
  }
}

}  // namespace

std::optional<std::string> scan_json(std::string_view text, size_t& pos, std::string& out) {
  // Most JSON on the wire is compact already: check it without copying byte
  // by byte, then append it whole.
  size_t end = pos;
  std::string reason;
  if (value(text, end, nullptr, true, reason, 0)) {
    out.append(text.data() + pos, end - pos);
    pos = end;
    return std::nullopt;
  }
  if (value(text, pos, &out, false, reason, 0)) return std::nullopt;
  return reason;
}

bool check_compact_json(std::string_view text, size_t& pos) {
  std::string reason;
  return value(text, pos, nullptr, true, reason, 0);
}

std::optional<std::string> scan_json_string(std::string_view text, size_t& pos, std::string& decoded) {
  std::string reason;
  skip_ws(text, pos);
  if (pos >= text.size() || text[pos] != '"') {
    fail(reason, text, pos, "expected a string");
    return reason;
  }
  if (string_literal(text, pos, nullptr, &decoded, reason)) return std::nullopt;
  return reason;
}

std::optional<std::string> string_member(std::string_view t, std::string_view key) {
  std::optional<std::string> found;
  size_t p = 1;
  if (t.empty() || t[0] != '{' || (t.size() > 1 && t[1] == '}')) return found;
  while (p < t.size()) {
    std::string name;
    if (scan_json_string(t, p, name) || p >= t.size() || t[p] != ':') return found;
    ++p;
    if (name == key) {
      std::string value;
      size_t q = p;
      if (!scan_json_string(t, q, value)) found = std::move(value);
      else found.reset();
    }
    if (!check_compact_json(t, p) || p >= t.size() || t[p] != ',') break;
    ++p;
  }
  return found;
}

JsonText JsonText::parse(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  if (auto why = scan_json(text, pos, out)) throw invalid_input(*why);
  skip_ws(text, pos);
  if (pos != text.size()) throw invalid_input("invalid JSON at byte " + std::to_string(pos + 1) + ": trailing characters");
  return JsonText(std::move(out));
}

JsonText JsonText::string(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_json_string(out, s);
  return JsonText(std::move(out));
}

JsonText JsonText::trusted(std::string compact_text) { return JsonText(std::move(compact_text)); }

}  // namespace evt
