#include "json.h"

#include <array>
#include <cstdio>

namespace evt {

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p < len) return false;
    for (int i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    p += len;
  }
  return true;
}

void append_json_string(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  static constexpr auto plain = [] {
    std::array<bool, 256> a{};
    for (int c = 0x20; c < 256; ++c) a[static_cast<size_t>(c)] = c != '"' && c != '\\';
    return a;
  }();
  const char* d = s.data();
  const size_t n = s.size();
  size_t i = 0;
  while (i < n && plain[static_cast<unsigned char>(d[i])]) ++i;
  if (i == n) {  // nothing to escape: the usual case
    out.reserve(out.size() + n + 2);
    out += '"';
    out.append(d, n);
    out += '"';
    return;
  }
  out += '"';
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (; i < n; ++i) {
    auto c = static_cast<unsigned char>(d[i]);
    if (plain[c]) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

static bool too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_json_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

std::optional<json> parse_json(std::string_view text, std::string* reason) {
  if (too_deep(text)) {
    if (reason) *reason = "JSON nested deeper than " + std::to_string(max_json_depth) + " levels";
    return std::nullopt;
  }
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    if (reason) {
      // nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1, column 2: ".
      std::string what = e.what();
      auto pos = what.find("] ");
      *reason = "invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2));
    }
    return std::nullopt;
  }
}

std::string compact(const json& value) { return value.dump(); }

static void python_dump(std::string& out, const json& v) {
  switch (v.type()) {
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        python_dump(out, json(it.key()));
        out += ": ";
        python_dump(out, it.value());
      }
      out += '}';
      break;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ", ";
        first = false;
        python_dump(out, item);
      }
      out += ']';
      break;
    }
    case json::value_t::string: {
      // ensure_ascii: escape everything outside ASCII as UTF-16 \u escapes.
      std::string ascii = v.dump(-1, ' ', true);
      out += ascii;
      break;
    }
    default:
      out += v.dump();
  }
}

std::string python_style(const json& value) {
  std::string out;
  python_dump(out, value);
  return out;
}

}  // namespace evt
