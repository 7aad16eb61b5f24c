#include "core/json.h"

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/json_text.h"

#include "core/ascii.h"

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
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += len;
  }
  return true;
}

void append_json_string(std::string& out, std::string_view s) {
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
      default: out += "\\u00"; append_hex_byte(out, c);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

JsonText::JsonText(const json& value) : text_(value.dump()) {}

}  // namespace evt
