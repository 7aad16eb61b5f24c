#include "core/trace_context.h"

#include <cstdlib>

namespace evt {

namespace {

constexpr bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
constexpr bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool is_key_char(char c) {
  return is_lcalpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' || c == '/';
}
// The value's characters: printable ASCII but ',' and '='.
constexpr bool is_value_char(char c) { return c >= 0x20 && c <= 0x7e && c != ',' && c != '='; }
constexpr bool is_ows(char c) { return c == ' ' || c == '\t'; }

// n lower-case hex digits at s[at], not all zero.
bool hex_id(std::string_view s, size_t at, size_t n) {
  bool nonzero = false;
  for (size_t i = at; i < at + n; ++i) {
    if (!is_lower_hex(s[i])) return false;
    nonzero = nonzero || s[i] != '0';
  }
  return nonzero;
}

// simple-key: lcalpha 0*255(key chars); multi-tenant-key: tenant-id "@"
// system-id, tenant-id (lcalpha / DIGIT) 0*240(key chars), system-id lcalpha
// 0*13(key chars).
bool valid_key(std::string_view key) {
  auto run = [](std::string_view part, size_t max, bool digit_first) {
    if (part.empty() || part.size() > max) return false;
    if (!is_lcalpha(part[0]) && !(digit_first && part[0] >= '0' && part[0] <= '9')) return false;
    for (char c : part.substr(1))
      if (!is_key_char(c)) return false;
    return true;
  };
  size_t at = key.find('@');
  if (at == std::string_view::npos) return run(key, 256, false);
  return run(key.substr(0, at), 241, true) && run(key.substr(at + 1), 14, false);
}

bool valid_member(std::string_view member) {
  while (!member.empty() && is_ows(member.front())) member.remove_prefix(1);
  while (!member.empty() && is_ows(member.back())) member.remove_suffix(1);
  if (member.empty()) return true;  // empty list-members are allowed
  size_t eq = member.find('=');
  if (eq == std::string_view::npos || !valid_key(member.substr(0, eq))) return false;
  std::string_view value = member.substr(eq + 1);
  if (value.empty() || value.size() > 256) return false;
  for (char c : value)
    if (!is_value_char(c)) return false;
  return true;  // the trim above left no trailing space (nblk-chr last)
}

// The event's member key, or nullptr.
const JsonText* member(const Event& e, std::string_view key) {
  for (const auto& [k, v] : e.extra)
    if (k == key) return &v;
  return nullptr;
}

std::string string_value(const Event& e, std::string_view key) {
  const JsonText* v = member(e, key);
  std::string decoded;
  size_t pos = 0;
  if (v == nullptr || !v->is_string() || scan_json_string(v->text(), pos, decoded)) return {};
  return decoded;
}

}  // namespace

bool valid_traceparent(std::string_view s) {
  if (s.size() < 55 || !is_lower_hex(s[0]) || !is_lower_hex(s[1]) || s.substr(0, 2) == "ff") return false;
  if (s[2] != '-' || s[35] != '-' || s[52] != '-') return false;
  if (!hex_id(s, 3, 32) || !hex_id(s, 36, 16) || !is_lower_hex(s[53]) || !is_lower_hex(s[54])) return false;
  if (s.substr(0, 2) == "00") return s.size() == 55;
  if (s.size() > max_traceparent_bytes || (s.size() > 55 && s[55] != '-')) return false;
  // A later version: what follows is its own, but goes into a header too.
  for (char c : s.substr(55))
    if (c <= ' ' || c > '~') return false;
  return true;
}

bool valid_tracestate(std::string_view s) {
  if (s.size() > max_tracestate_bytes) return false;
  size_t members = 0, start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    if (++members > 32 || !valid_member(s.substr(start, comma == std::string_view::npos ? comma : comma - start))) return false;
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

TraceContext trace_context_from_environment(void (*warn)(std::string_view)) {
  TraceContext c;
  const char* parent = std::getenv("TRACEPARENT");
  if (parent == nullptr || *parent == '\0') return c;
  if (!valid_traceparent(parent)) {
    warn("warning: TRACEPARENT is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>): ignored");
    return c;
  }
  c.traceparent = parent;
  const char* state = std::getenv("TRACESTATE");
  if (state == nullptr || *state == '\0') return c;
  if (valid_tracestate(state)) c.tracestate = state;
  else warn("warning: TRACESTATE is not a W3C tracestate (key=value,...): ignored");
  return c;
}

TraceContext trace_context_of(const Event& e) {
  TraceContext c;
  if (e.extra.empty()) return c;  // the usual case
  c.traceparent = string_value(e, "traceparent");
  if (!valid_traceparent(c.traceparent)) return TraceContext{};
  c.tracestate = string_value(e, "tracestate");
  if (!c.tracestate.empty() && !valid_tracestate(c.tracestate)) c.tracestate.clear();
  return c;
}

void apply_trace_context(Event& e, const TraceContext& c) {
  if (c.empty() || member(e, "traceparent") != nullptr) return;
  e.set_extra("traceparent", JsonText::string(c.traceparent));
  if (!c.tracestate.empty()) e.set_extra("tracestate", JsonText::string(c.tracestate));
}

}  // namespace evt
