#include "core/json_layout.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "core/ascii.h"
#include "core/json_cursor.h"
#include "core/json_text.h"

namespace evt {

void append_python_float(std::string& out, double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  if (!s.empty() && s.front() == '-') {
    out += '-';
    s.remove_prefix(1);
  }
  auto e = s.find('e');
  std::string digits;
  for (char c : s.substr(0, e))
    if (c != '.') digits += c;
  int exp = std::atoi(std::string(s.substr(e + 1)).c_str());
  int decpt = exp + 1;  // digits d1d2... stand for 0.d1d2... * 10^decpt
  auto n = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<size_t>(-decpt), '0');
      out += digits;
    } else if (decpt >= n) {
      out += digits;
      out.append(static_cast<size_t>(decpt - n), '0');
      out += ".0";
    } else {
      out.append(digits, 0, static_cast<size_t>(decpt));
      out += '.';
      out.append(digits, static_cast<size_t>(decpt));
    }
    return;
  }
  out += digits[0];
  if (n > 1) {
    out += '.';
    out.append(digits, 1);
  }
  out += exp < 0 ? "e-" : "e+";
  int a = std::abs(exp);
  if (a < 10) out += '0';
  out += std::to_string(a);
}

namespace {

// json.dumps(s, ensure_ascii=...) of a decoded UTF-8 string: without
// ensure_ascii, only '"', '\\' and control characters are escaped.
void append_python_string(std::string& out, std::string_view s, bool ensure_ascii) {
  auto u_escape = [&](unsigned unit) { append_u_escape(out, unit); };
  out += '"';
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c >= 0x20 && c < 0x7F) || (!ensure_ascii && c >= 0x7F)) {
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default: u_escape(c);
      }
      ++i;
      continue;
    }
    // Valid UTF-8 (it came out of a JSON string): one code point.
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    unsigned cp = c & (len == 4 ? 0x07 : len == 3 ? 0x0F : 0x1F);
    for (size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      u_escape(0xD800 + (cp >> 10));
      u_escape(0xDC00 + (cp & 0x3FF));
    } else {
      u_escape(cp);
    }
  }
  out += '"';
}

enum class Style { pretty, python };

// One pass over valid compact JSON text, writing as it goes. An object whose
// members must change order (sorted keys, or a key given twice) is written
// first as it comes, then rewritten in place in the order it needs.
class Layout {
 public:
  Layout(std::string& out, std::string_view text, Style style, int indent, bool sort_keys, bool ensure_ascii,
         const JsonColours* colours = nullptr)
      : out_(out), t_(text), style_(style), indent_(indent), sort_keys_(sort_keys), ensure_ascii_(ensure_ascii),
        colours_(colours) {}

  void value(int depth) {
    switch (at()) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return word(4);
      case 'f': return word(5);
      case 'n': return word(4);
      default: return number();
    }
  }

 private:
  char at() const { return p_ < t_.size() ? t_[p_] : '\0'; }

  void separator(int depth, bool first) {
    if (!first) out_ += style_ == Style::pretty ? "," : ", ";
    if (style_ == Style::pretty) {
      out_ += '\n';
      out_.append(static_cast<size_t>(indent_) * static_cast<size_t>(depth), ' ');
    }
  }

  void close(char c, int depth) {
    if (style_ == Style::pretty) {
      out_ += '\n';
      out_.append(static_cast<size_t>(indent_) * static_cast<size_t>(depth), ' ');
    }
    out_ += c;
  }

  void array(int depth) {
    ++p_;
    out_ += '[';
    if (at() == ']') {
      ++p_;
      out_ += ']';
      return;
    }
    for (bool first = true;; first = false) {
      separator(depth + 1, first);
      value(depth + 1);
      if (at() == ',') {
        ++p_;
        continue;
      }
      ++p_;  // ']'
      break;
    }
    close(']', depth);
  }

  struct Span {
    size_t begin, end;  // a member's "key": value in out_
  };

  void object(int depth) {
    JsonCursor c(t_, JsonCursor::Space::none, p_);
    c.enter_object();
    out_ += '{';
    size_t start = out_.size();
    JsonMembers<Span> members;
    bool reorder = false;
    std::string key;
    for (bool first = true; c.next_member(key); first = false) {
      separator(depth + 1, first);
      Span m{out_.size(), 0};
      member(c, key, depth);
      m.end = out_.size();
      if (sort_keys_ && members.size() && key < members.list().back().first) reorder = true;
      if (!members.set(key, m)) reorder = true;
    }
    p_ = c.pos();
    if (members.size() == 0) {
      out_ += '}';
      return;
    }
    if (reorder) rewrite(start, members.list(), depth);
    close('}', depth);
  }

  // "key": value, the cursor at the value.
  void member(JsonCursor& c, const std::string& key, int depth) {
    if (style_ == Style::python) append_python_string(out_, key, ensure_ascii_);
    else paint(colours_ ? &colours_->key : nullptr, c.key_token());
    out_ += ": ";
    const std::string* own = depth == 0 ? top_level_colour(key) : nullptr;
    if (own) {
      out_ += *own;
      plain_ = true;  // one colour for the whole value
    }
    p_ = c.pos();
    value(depth + 1);
    c.seek(p_);
    if (own) {
      out_ += reset;
      plain_ = false;
    }
  }

  // Rewrites the members written since start, in the order JsonMembers keeps
  // them (each key once, at its first place with its last value), or sorted.
  void rewrite(size_t start, const std::vector<std::pair<std::string, Span>>& members, int depth) {
    std::vector<const std::pair<std::string, Span>*> order;
    order.reserve(members.size());
    for (const auto& m : members) order.push_back(&m);
    if (sort_keys_)
      std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    std::string written = out_.substr(start);
    out_.resize(start);
    for (size_t i = 0; i < order.size(); ++i) {
      separator(depth + 1, i == 0);
      const Span& m = order[i]->second;
      out_.append(written, m.begin - start, m.end - m.begin);
    }
  }

  static constexpr std::string_view reset = "\x1b[0m";

  // text in colour (none: as it is).
  void paint(const std::string* colour, std::string_view text) {
    if (colour == nullptr || plain_) {
      out_ += text;
      return;
    }
    out_ += *colour;
    out_ += text;
    out_ += reset;
  }

  const std::string* top_level_colour(const std::string& key) const {
    if (colours_ == nullptr) return nullptr;
    for (const auto& [name, colour] : colours_->top_level)
      if (name == key) return &colour;
    return nullptr;
  }

  void string() {
    size_t start = p_;
    if (style_ == Style::pretty) {
      skip_string();
      paint(colours_ ? &colours_->string : nullptr, t_.substr(start, p_ - start));
      return;
    }
    std::string decoded;
    scan_json_string(t_, p_, decoded);
    append_python_string(out_, decoded, ensure_ascii_);
  }

  void skip_string() {
    ++p_;
    while (p_ < t_.size() && t_[p_] != '"') p_ += t_[p_] == '\\' ? 2 : 1;
    ++p_;
  }

  void word(size_t n) {
    std::string_view w = t_.substr(p_, std::min(n, t_.size() - p_));
    paint(colours_ && w == "null" ? &colours_->null : nullptr, w);
    p_ += n;
  }

  void number() {
    size_t start = p_;
    bool integer = true;
    while (p_ < t_.size() && std::string_view("+-0123456789.eE").find(t_[p_]) != std::string_view::npos) {
      if (t_[p_] == '.' || t_[p_] == 'e' || t_[p_] == 'E') integer = false;
      ++p_;
    }
    std::string_view token = t_.substr(start, p_ - start);
    if (style_ == Style::pretty) {
      out_ += token;
    } else if (integer) {
      out_ += token == "-0" ? std::string_view("0") : token;  // Python reads -0 as the int 0
    } else {
      double v = std::strtod(std::string(token).c_str(), nullptr);
      if (std::isfinite(v)) append_python_float(out_, v);
      else out_ += token;  // overflows a double: the token, not Python's Infinity
    }
  }

  std::string& out_;
  std::string_view t_;
  size_t p_ = 0;
  Style style_;
  int indent_;
  bool sort_keys_;
  bool ensure_ascii_;
  const JsonColours* colours_;
  bool plain_ = false;  // inside a value drawn in a colour of its own
};

}  // namespace

void append_pretty_json(std::string& out, std::string_view compact_text, int indent, const JsonColours* colours) {
  Layout(out, compact_text, Style::pretty, indent, false, false, colours).value(0);
}

void append_python_json(std::string& out, std::string_view compact_text, bool sort_keys, bool ensure_ascii) {
  Layout(out, compact_text, Style::python, 0, sort_keys, ensure_ascii).value(0);
}

}  // namespace evt
