#include "core/json_text.h"

#include <array>

#include "core/ascii.h"
#include "core/error.h"
#include "core/json_cursor.h"

namespace evt {

namespace {

bool fail(std::string& reason, std::string_view text, size_t pos, const char* what) {
  reason = "invalid JSON at byte " + std::to_string(pos + 1) + ": " + what;
  if (pos >= text.size()) reason = "invalid JSON: unexpected end";
  return false;
}

using Space = JsonCursor::Space;

bool read_hex4(std::string_view t, size_t p, unsigned& value) {
  if (p + 4 > t.size()) return false;
  value = 0;
  for (size_t i = p; i < p + 4; ++i) {
    int d = hex_value(t[i]);
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

// The character a one-letter escape stands for, or nullptr.
const char* simple_escape(char e) {
  switch (e) {
    case '"': return "\"";
    case '\\': return "\\";
    case '/': return "/";
    case 'b': return "\b";
    case 'f': return "\f";
    case 'n': return "\n";
    case 'r': return "\r";
    case 't': return "\t";
    default: return nullptr;
  }
}

// One scan of JSON text from p: the scanner behind scan_json and JsonCursor.
// out: where the compact form goes, or null to validate only. space: what may
// stand between tokens (none: the text must be compact already).
struct Scan {
  std::string_view t;
  size_t p;
  std::string* out;
  Space space;
  std::string& reason;
  size_t key_begin = 0, key_end = 0;  // the key member() read

  bool fail(const char* what) { return evt::fail(reason, t, p, what); }
  bool fail_at(size_t pos, const char* what) { return evt::fail(reason, t, pos, what); }
  char at() const { return p < t.size() ? t[p] : '\0'; }
  void put(char c) {
    if (out) *out += c;
  }

  // Moves past the space before a token; false (an error) for space in compact text.
  bool skip_space() {
    size_t q = p;
    if (space == Space::python_space) {
      while (q < t.size() && is_python_space(t[q])) ++q;
    } else {
      while (q < t.size() && is_json_space(t[q])) ++q;
    }
    if (space == Space::none && q != p) return fail("not compact");
    p = q;
    return true;
  }

  // A string literal; raw (if set) gets the literal as is, decoded (if set) its UTF-8 value.
  bool string_literal(std::string* raw, std::string* decoded) {
    static constexpr auto plain = [] {
      std::array<bool, 256> a{};
      for (int c = 0x20; c < 0x80; ++c) a[static_cast<size_t>(c)] = c != '"' && c != '\\';
      return a;
    }();
    const char* d = t.data();
    const size_t n = t.size();
    size_t start = p, q = p + 1, run = q;  // q: a local, so the hot loop stays in registers
    while (q < n) {
      while (q < n && plain[static_cast<unsigned char>(d[q])]) ++q;  // the common case, 3 instructions a byte
      if (q >= n) break;
      auto c = static_cast<unsigned char>(d[q]);
      if (c == '"') {
        if (decoded) decoded->append(d + run, q - run);
        p = q + 1;
        if (raw) raw->append(d + start, p - start);
        return true;
      }
      p = q;
      if (c < 0x20) return fail("control character in a string");
      if (c == '\\') {
        if (decoded) decoded->append(d + run, q - run);
        if (!escape(decoded)) return false;
        q = run = p;
        continue;
      }
      size_t len = utf8_length(t, q);
      if (len == 0) return fail("invalid UTF-8 in a string");
      q += len;
    }
    return fail_at(n, "");
  }

  // The escape at p (a backslash).
  bool escape(std::string* decoded) {
    if (p + 1 >= t.size()) return fail_at(t.size(), "");
    if (t[p + 1] == 'u') return unicode_escape(decoded);
    const char* simple = simple_escape(t[p + 1]);
    if (simple == nullptr) return fail("bad escape in a string");
    if (decoded) *decoded += simple;
    p += 2;
    return true;
  }

  bool unicode_escape(std::string* decoded) {
    unsigned cp;
    if (!read_hex4(t, p + 2, cp)) return fail("bad \\u escape");
    p += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate needs its low half
      unsigned low;
      if (p + 1 >= t.size() || t[p] != '\\' || t[p + 1] != 'u' || !read_hex4(t, p + 2, low) || low < 0xDC00 || low > 0xDFFF)
        return fail("lone surrogate in a \\u escape");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      p += 6;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return fail_at(p - 6, "lone surrogate in a \\u escape");
    }
    if (decoded) append_utf8(*decoded, cp);
    return true;
  }

  bool digits() {
    if (!is_digit(at())) return fail("bad number");
    while (is_digit(at())) ++p;
    return true;
  }

  bool number() {
    size_t start = p;
    if (at() == '-') ++p;
    if (at() == '0') {
      ++p;
    } else if (at() < '1' || at() > '9' || !digits()) {
      return fail("bad number");
    }
    if (at() == '.') {
      ++p;
      if (!digits()) return false;
    }
    if (at() == 'e' || at() == 'E') {
      ++p;
      if (at() == '+' || at() == '-') ++p;
      if (!digits()) return false;
    }
    if (out) out->append(t.data() + start, p - start);
    return true;
  }

  bool word(std::string_view w) {
    if (t.substr(p, w.size()) != w) return fail("unexpected word");
    if (out) *out += w;
    p += w.size();
    return true;
  }

  bool value(int depth) {
    if (!skip_space()) return false;
    switch (at()) {
      case '{':
      case '[': return container(depth);
      case '"': return string_literal(out, nullptr);
      case 't': return word("true");
      case 'f': return word("false");
      case 'n': return word("null");
      case '\0':
        if (p >= t.size()) return fail("");
        [[fallthrough]];
      default:
        if (at() == '-' || is_digit(at())) return number();
        return fail("unexpected character");
    }
  }

  bool container(int depth) {
    if (depth >= max_json_depth) return fail(("nested deeper than " + std::to_string(max_json_depth) + " levels").c_str());
    char open = t[p];
    put(open);
    ++p;
    if (open == '[') return array(depth);
    bool first = true;
    int step;
    while ((step = member(first, nullptr)) > 0)
      if (!value(depth + 1)) return false;
    return step == 0;
  }

  bool array(int depth) {
    if (!skip_space()) return false;
    if (at() == ']') return put(']'), ++p, true;
    for (;;) {
      if (!value(depth + 1) || !skip_space()) return false;
      char c = at();
      if (c != ',' && c != ']') return fail("expected ',' or ']'");
      put(c);
      ++p;
      if (c == ']') return true;
    }
  }

  // The one walk over an object's members, its '{' behind: steps past the ','
  // before a member (not the first), its key (raw to out, decoded to key) and
  // the ':'. 1 at a member's value, 0 past the closing '}', -1 on an error.
  int member(bool& first, std::string* key) {
    if (!skip_space()) return -1;
    char c = at();
    if (c == '}' || !first) {
      if (c != ',' && c != '}') return fail("expected ',' or '}'"), -1;
      put(c);
      ++p;
      if (c == '}') return 0;
      if (!skip_space()) return -1;
    }
    first = false;
    if (at() != '"') return fail("expected a string"), -1;
    key_begin = p;
    if (!string_literal(out, key)) return -1;
    key_end = p;
    if (!skip_space()) return -1;
    if (at() != ':') return fail("expected ':'"), -1;
    put(':');
    ++p;
    return 1;
  }
};

// What stands between the tokens inside a value.
Space inner(Space space) { return space == Space::python_space ? Space::json_space : space; }

}  // namespace

char JsonCursor::peek() {
  auto space = space_ == Space::python_space ? is_python_space : space_ == Space::json_space ? is_json_space : nullptr;
  if (space)
    while (p_ < t_.size() && space(t_[p_])) ++p_;
  return p_ < t_.size() ? t_[p_] : '\0';
}

bool JsonCursor::at_end() {
  peek();
  return p_ >= t_.size();
}

bool JsonCursor::enter_object() {
  if (peek() != '{') return false;
  ++p_;
  first_ = true;
  return true;
}

bool JsonCursor::next_member(std::string& key) {
  key.clear();
  Scan s{t_, p_, nullptr, space_, reason_};
  int step = s.member(first_, &key);
  key_begin_ = s.key_begin;
  key_end_ = s.key_end;
  if (step > 0 && space_ != Space::none) s.skip_space();
  p_ = s.p;
  return step > 0;
}

bool JsonCursor::next_member_is(std::string_view key) {
  size_t q = p_;
  if (!first_ && (q >= t_.size() || t_[q++] != ',')) return false;
  if (t_.size() - q < key.size() + 3 || t_[q] != '"' || t_.compare(q + 1, key.size(), key) != 0 ||
      t_[q + key.size() + 1] != '"' || t_[q + key.size() + 2] != ':')
    return false;
  key_begin_ = q;
  key_end_ = q + key.size() + 2;
  p_ = key_end_ + 1;
  first_ = false;
  return true;
}

bool JsonCursor::skip_value() {
  Scan s{t_, p_, nullptr, inner(space_), reason_};
  bool ok = s.value(0);
  p_ = s.p;
  return ok;
}

bool JsonCursor::scan_value(std::string& out) {
  if (space_ != Space::none) {
    auto why = scan_json(t_, p_, out);
    if (why) reason_ = std::move(*why);
    return !why;
  }
  Scan s{t_, p_, &out, Space::none, reason_};
  bool ok = s.value(0);
  p_ = s.p;
  return ok;
}

bool JsonCursor::read_string(std::string& decoded) {
  Scan s{t_, p_, nullptr, inner(space_), reason_};
  bool ok = s.skip_space() && (s.at() == '"' || s.fail("expected a string")) && s.string_literal(nullptr, &decoded);
  p_ = s.p;
  return ok;
}

std::optional<std::string> scan_json(std::string_view text, size_t& pos, std::string& out) {
  // Most JSON on the wire is compact already: check it without copying byte
  // by byte, then append it whole.
  std::string reason;
  Scan compact{text, pos, nullptr, Space::none, reason};
  if (compact.value(0)) {
    out.append(text.data() + pos, compact.p - pos);
    pos = compact.p;
    return std::nullopt;
  }
  Scan s{text, pos, &out, Space::json_space, reason};
  bool ok = s.value(0);
  pos = s.p;
  if (ok) return std::nullopt;
  return reason;
}

bool check_compact_json(std::string_view text, size_t& pos) {
  JsonCursor c(text, Space::none, pos);
  bool ok = c.skip_value();
  pos = c.pos();
  return ok;
}

std::optional<std::string> scan_json_string(std::string_view text, size_t& pos, std::string& decoded) {
  JsonCursor c(text, Space::json_space, pos);
  bool ok = c.read_string(decoded);
  pos = c.pos();
  if (ok) return std::nullopt;
  return c.reason();
}

std::optional<std::string> string_member(std::string_view t, std::string_view key) {
  std::optional<std::string> found;
  JsonCursor c(t, Space::none);
  if (!c.enter_object()) return found;
  std::string name;
  while (c.next_member(name)) {
    if (name == key) {  // the last one given wins
      std::string value;
      if (JsonCursor(t, Space::none, c.pos()).read_string(value)) found = std::move(value);
      else found.reset();
    }
    if (!c.skip_value()) break;
  }
  return found;
}

JsonText JsonText::parse(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  if (auto why = scan_json(text, pos, out)) throw invalid_input(*why);
  JsonCursor rest(text, Space::json_space, pos);
  if (!rest.at_end()) throw invalid_input("invalid JSON at byte " + std::to_string(rest.pos() + 1) + ": trailing characters");
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
