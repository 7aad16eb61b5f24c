#include "core/where_filter.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/json.h"
#include "core/json_text.h"
#include "core/tag_match.h"

namespace evt {

namespace {

using Step = WhereExpr::Step;
using Op = WhereExpr::Op;

[[noreturn]] void bad(std::string_view text, size_t pos, const std::string& what) {
  throw usage_error("--where '" + std::string(text) + "': column " + std::to_string(pos + 1) + ": " + what);
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

void skip_spaces(std::string_view t, size_t& p) {
  while (p < t.size() && (t[p] == ' ' || t[p] == '\t')) ++p;
}

Step key_step(std::string key) {
  Step s;
  s.key_literal.clear();
  append_json_string(s.key_literal, key);
  s.key_colon = s.key_literal + ":";
  s.key = std::move(key);
  return s;
}

// A name after '.': bare ([A-Za-z0-9_-]+) or a JSON string literal.
Step read_name(std::string_view t, size_t& p) {
  size_t start = p;
  if (p < t.size() && t[p] == '"') {
    std::string name;
    if (auto why = scan_json_string(t, p, name)) bad(t, start, "a quoted name that is not a JSON string (" + *why + ")");
    return key_step(std::move(name));
  }
  while (p < t.size() && name_char(t[p])) ++p;
  if (p == start) bad(t, start, "expected a name after '.' (letters, digits, _ and -, or \"quoted\")");
  return key_step(std::string(t.substr(start, p - start)));
}

// '[' N ']' or '[' "name" ']', p just past the '['.
Step read_bracket(std::string_view t, size_t& p) {
  Step s;
  if (p < t.size() && t[p] == '"') {
    s = read_name(t, p);
  } else {
    size_t start = p;
    while (p < t.size() && t[p] >= '0' && t[p] <= '9') ++p;
    if (p == start) bad(t, start, "expected an index (0, 1, ...) or a \"name\" in [ ]");
    auto [end, ec] = std::from_chars(t.data() + start, t.data() + p, s.index);
    if (ec != std::errc() || end != t.data() + p) bad(t, start, "index too large");
    s.is_index = true;
  }
  if (p >= t.size() || t[p] != ']') bad(t, p, "expected ']'");
  ++p;
  return s;
}

std::vector<Step> read_path(std::string_view t, size_t& p) {
  if (p >= t.size() || t[p] != '.') bad(t, p, "expected a path into the data, starting with '.' (.key, .a.b, .items[0])");
  ++p;
  std::vector<Step> path;
  if (p < t.size() && (name_char(t[p]) || t[p] == '"')) path.push_back(read_name(t, p));
  while (p < t.size()) {
    if (t[p] == '.') {
      ++p;
      path.push_back(read_name(t, p));
    } else if (t[p] == '[') {
      ++p;
      path.push_back(read_bracket(t, p));
    } else {
      break;
    }
  }
  return path;
}

Op read_op(std::string_view t, size_t& p) {
  static const std::pair<std::string_view, Op> ops[] = {{"==", Op::eq}, {"!=", Op::ne}, {"<=", Op::le}, {">=", Op::ge},
                                                        {"<", Op::lt},  {">", Op::gt},  {"~", Op::glob}};
  for (const auto& [name, op] : ops) {
    if (t.substr(p, name.size()) == name) {
      p += name.size();
      return op;
    }
  }
  if (t[p] == '=') bad(t, p, "'=' is written '=='");
  bad(t, p, "expected an operator (==, !=, <, <=, >, >=, ~) or the end");
}

bool is_number(char c) { return c == '-' || (c >= '0' && c <= '9'); }

int sign(int c) { return c < 0 ? -1 : c > 0 ? 1 : 0; }

// Two JSON number tokens: integers exactly at any size, others as doubles,
// and what a double cannot hold (1e999) by its text.
int compare_numbers(std::string_view a, std::string_view b) {
  auto integer = [](std::string_view s) {
    for (char c : s)
      if (c == '.' || c == 'e' || c == 'E') return false;
    return true;
  };
  if (integer(a) && integer(b)) {
    bool na = a[0] == '-', nb = b[0] == '-';
    std::string_view da = a.substr(na ? 1 : 0), db = b.substr(nb ? 1 : 0);
    if (da == "0") na = false;
    if (db == "0") nb = false;
    if (na != nb) return na ? -1 : 1;
    int c = da.size() != db.size() ? (da.size() < db.size() ? -1 : 1) : sign(da.compare(db));
    return na ? -c : c;
  }
  double x = std::strtod(std::string(a).c_str(), nullptr), y = std::strtod(std::string(b).c_str(), nullptr);
  if (std::isfinite(x) && std::isfinite(y)) return x < y ? -1 : x > y ? 1 : 0;
  return sign(a.compare(b));
}

bool key_is(std::string_view raw, bool escaped, const Step& s) {
  if (raw == s.key_literal) return true;
  if (!escaped) return false;  // written another way only with escapes
  std::string name;
  size_t p = 0;
  return !scan_json_string(raw, p, name) && name == s.key;
}

// Moves p past the string literal at t[p], to just after its closing
// quote; escaped (if set) tells whether it holds a backslash. False when it
// does not end. (A loop, not memchr: most strings in an envelope are a few
// bytes long.)
bool skip_string(std::string_view t, size_t& p, bool* escaped = nullptr) {
  const char* d = t.data();
  const size_t n = t.size();
  bool backslash = false;
  for (size_t q = p + 1; q < n; ++q) {
    if (d[q] == '"') {
      p = q + 1;
      if (escaped) *escaped = backslash;
      return true;
    }
    if (d[q] == '\\') {
      backslash = true;
      ++q;
    }
  }
  return false;
}

bool scalar_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' || c == 'E';
}

// Moves p past one compact JSON value, checking its structure only (brackets
// that pair up, no deeper than max_json_depth, strings that end): what a
// path only passes by need not be read closer, and the value compared is
// checked in full (compare). This is what keeps --where cheap.
bool skip_value(std::string_view t, size_t& p) {
  std::array<char, max_json_depth> open;
  size_t depth = 0;
  do {
    if (p >= t.size()) return false;
    char c = t[p];
    if (c == '"') {
      if (!skip_string(t, p)) return false;
    } else if (c == '{' || c == '[') {
      if (depth == open.size()) return false;
      open[depth++] = c == '{' ? '}' : ']';
      ++p;
      continue;
    } else if (c == '}' || c == ']') {
      if (depth == 0 || open[depth - 1] != c) return false;
      --depth;
      ++p;
    } else if (c == ',' || c == ':') {
      if (depth == 0) return false;
      ++p;
      continue;
    } else {
      size_t start = p;
      while (p < t.size() && scalar_char(t[p])) ++p;
      if (p == start) return false;
    }
  } while (depth > 0);
  return true;
}

// Whether text holds key_colon ("name":), found by its ':' (rarer in JSON
// than the quote it starts with).
bool holds_key_colon(std::string_view text, std::string_view key_colon) {
  for (size_t from = key_colon.size() - 1; from < text.size();) {
    const void* hit = std::memchr(text.data() + from, ':', text.size() - from);
    if (hit == nullptr) return false;
    size_t colon = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
    // The name's last byte first: most members differ there, and no call is made for them.
    if (text[colon - 2] == key_colon[key_colon.size() - 3] &&
        text.substr(colon + 1 - key_colon.size(), key_colon.size()) == key_colon)
      return true;
    from = colon + 1;
  }
  return false;
}

// The value of member s in a compact object (the last one, when the name is
// given twice, as parsers read it) into found. False: the text is not a
// compact object.
bool scan_members(std::string_view obj, const Step& s, std::optional<std::string_view>& found) {
  found.reset();
  if (obj.size() < 2 || obj[0] != '{') return false;
  if (obj[1] == '}') return obj.size() == 2;
  size_t p = 1;
  while (p < obj.size()) {
    size_t key_start = p;
    bool escaped = false;
    if (obj[p] != '"' || !skip_string(obj, p, &escaped)) return false;
    std::string_view raw = obj.substr(key_start, p - key_start);
    if (p >= obj.size() || obj[p] != ':') return false;
    size_t value_start = ++p;
    if (!skip_value(obj, p)) return false;
    if (key_is(raw, escaped, s)) {
      found = obj.substr(value_start, p - value_start);
      // No later member of that name can follow (what a later one needs,
      // "name": or an escape, is not in the rest): the rest is not read.
      std::string_view rest = obj.substr(p);
      if (rest.find('\\') == std::string_view::npos && !holds_key_colon(rest, s.key_colon)) return true;
    }
    if (p < obj.size() && obj[p] == ',') {
      ++p;
      continue;
    }
    return p + 1 == obj.size() && obj[p] == '}';
  }
  return false;
}

std::optional<std::string_view> element(std::string_view arr, size_t index) {
  if (arr.size() < 2 || arr[0] != '[' || arr[1] == ']') return std::nullopt;
  size_t p = 1;
  for (size_t i = 0;; ++i) {
    size_t start = p;
    if (!skip_value(arr, p)) return std::nullopt;
    if (i == index) return arr.substr(start, p - start);
    if (p >= arr.size() || arr[p] != ',') return std::nullopt;
    ++p;
  }
}

std::optional<std::string_view> step_into(std::string_view v, const Step& s) {
  if (s.is_index) return element(v, s.index);
  std::optional<std::string_view> found;
  if (!scan_members(v, s, found)) return std::nullopt;
  return found;
}

}  // namespace

WhereExpr WhereExpr::parse(std::string_view t) {
  WhereExpr e;
  e.text_ = t;
  size_t p = 0;
  skip_spaces(t, p);
  e.path_ = read_path(t, p);
  skip_spaces(t, p);
  if (p >= t.size()) return e;
  e.op_ = read_op(t, p);
  skip_spaces(t, p);
  size_t start = p;
  if (p >= t.size()) bad(t, p, "expected a value to compare with");
  if (t[p] == '\'') {  // 'text': a string, no escapes (a shell's quotes inside an expression)
    size_t close = t.find('\'', p + 1);
    if (close == std::string_view::npos) bad(t, p, "unterminated 'string'");
    e.decoded_ = t.substr(p + 1, close - p - 1);
    if (!valid_utf8(e.decoded_)) bad(t, p, "invalid UTF-8 in the string");
    append_json_string(e.literal_, e.decoded_);
    p = close + 1;
  } else if (auto why = scan_json(t, p, e.literal_)) {
    bad(t, start, "expected a JSON value (quote text: \"ok\" or 'ok'): " + *why);
  } else if (e.literal_[0] == '"') {
    size_t q = 0;
    scan_json_string(e.literal_, q, e.decoded_);
    e.literal_.clear();
    append_json_string(e.literal_, e.decoded_);  // one spelling of it, for the fast compare
  }
  skip_spaces(t, p);
  if (p < t.size()) bad(t, p, "unexpected text after the value");
  if (e.op_ == Op::glob && e.literal_[0] != '"') bad(t, start, "~ takes a glob in quotes ('gv*')");
  return e;
}

bool WhereExpr::holds(std::string_view data) const { return holds_at(data, true); }

bool WhereExpr::holds_at(std::string_view text, bool whole) const {
  std::string_view v = text;
  if (path_.empty()) {
    size_t end = 0;
    if (!skip_value(text, end) || (whole && end != text.size())) return false;
    v = text.substr(0, end);
  }
  for (const Step& s : path_) {
    auto next = step_into(v, s);
    if (!next) return false;
    v = *next;
  }
  return compare(v);
}

bool WhereExpr::compare(std::string_view v) const {
  size_t end = 0;
  if (!check_compact_json(v, end) || end != v.size()) return false;  // only its structure was checked on the way
  if (op_ == Op::present) return v != "null" && v != "false";
  std::string buffer;
  std::string_view text = v;  // a string's decoded bytes, else the value's text
  const bool is_string = v[0] == '"';
  if (is_string && v.find('\\') != std::string_view::npos) {
    size_t p = 0;
    scan_json_string(v, p, buffer);
    text = buffer;
  } else if (is_string) {
    text = v.substr(1, v.size() - 2);  // no escapes: its bytes are between the quotes
  }
  if (op_ == Op::glob) return v[0] != '{' && v[0] != '[' && glob_match(decoded_, text);
  int c;
  if (is_number(v[0]) && is_number(literal_[0])) c = compare_numbers(v, literal_);
  else if (is_string && literal_[0] == '"') c = sign(text.compare(decoded_));
  else if (op_ == Op::eq || op_ == Op::ne) c = v == literal_ ? 0 : 1;
  else return false;  // no order between different kinds
  switch (op_) {
    case Op::eq: return c == 0;
    case Op::ne: return c != 0;
    case Op::lt: return c < 0;
    case Op::le: return c <= 0;
    case Op::gt: return c > 0;
    case Op::ge: return c >= 0;
    default: return false;
  }
}

WhereFilter::WhereFilter(const std::vector<std::string>& expressions) {
  for (const auto& e : expressions) exprs_.push_back(WhereExpr::parse(e));
}

bool WhereFilter::matches_data(std::string_view data) const {
  for (const auto& e : exprs_)
    if (!e.holds(data)) return false;
  return true;
}

std::optional<bool> WhereFilter::matches_envelope(std::string_view envelope) const {
  if (exprs_.empty()) return true;
  // The envelope as event-fire writes it, {"tag":"…","data":…, with no
  // later "data" and no escape after it: the data starts there, and only as
  // much of it as the paths need is read.
  constexpr std::string_view head = "{\"tag\":\"", data_key = ",\"data\":";
  size_t p = head.size() - 1;
  bool escaped = true;
  if (envelope.substr(0, head.size()) == head && skip_string(envelope, p, &escaped) && !escaped &&
      envelope.substr(p, data_key.size()) == data_key) {
    std::string_view rest = envelope.substr(p + data_key.size());
    if (rest.find('\\') == std::string_view::npos && !holds_key_colon(rest, "\"data\":")) {
      for (const auto& e : exprs_)
        if (!e.holds_at(rest, false)) return false;
      return true;
    }
  }
  static const Step data_step = key_step("data");
  std::optional<std::string_view> data;
  if (!scan_members(envelope, data_step, data)) return std::nullopt;
  return data && matches_data(*data);
}

}  // namespace evt
