#include "eventsapi/spool_record.h"

#include <charconv>

#include "core/ascii.h"
#include "core/endpoint.h"
#include "core/error.h"

namespace evt {

namespace {

constexpr std::string_view header_prefix = "#base ";

bool needs_escape(unsigned char c, bool first) { return c <= ' ' || c == 0x7f || c == '%' || (first && c == '#'); }

void append_escaped(std::string& out, std::string_view id) {
  for (size_t i = 0; i < id.size(); ++i) {
    auto c = static_cast<unsigned char>(id[i]);
    if (!needs_escape(c, i == 0)) {
      out += static_cast<char>(c);
      continue;
    }
    out += '%';
    append_hex_byte(out, c, HexCase::upper);
  }
}

}  // namespace

std::string spool_record(std::string_view id, long long enqueued_ms, std::string_view body, const TraceContext& trace) {
  if (body.find_first_of("\r\n") != std::string_view::npos) throw failed("a webhook body with a line break cannot be spooled");
  std::string line;
  line.reserve(id.size() + body.size() + 24);
  append_escaped(line, id);
  line += ' ';
  line += std::to_string(enqueued_ms);
  line += ' ';
  if (!trace.empty()) {
    line += "traceparent=";
    append_escaped(line, trace.traceparent);
    line += ' ';
  }
  if (!trace.tracestate.empty()) {
    line += "tracestate=";
    append_escaped(line, trace.tracestate);
    line += ' ';
  }
  line += body;
  line += '\n';
  return line;
}

std::optional<SpoolRecord> parse_spool_record(std::string_view line) {
  if (line.empty() || line[0] == '#') return std::nullopt;
  SpoolRecord r;
  size_t space = line.find(' ');
  r.id = url_decode(line.substr(0, space));
  std::string_view rest = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  // "<ms> <body>"; a line of an older spool is "<body>" alone.
  size_t second = rest.find(' ');
  if (second != std::string_view::npos && second > 0) {
    long long ms = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + second, ms);
    if (ec == std::errc() && end == rest.data() + second) {
      r.enqueued_ms = ms;
      rest.remove_prefix(second + 1);
    }
  }
  // The trace context's fields, when there are: no body starts so.
  for (auto [name, field] : {std::pair{std::string_view("traceparent="), &r.trace.traceparent},
                             std::pair{std::string_view("tracestate="), &r.trace.tracestate}}) {
    size_t end = rest.find(' ');
    if (rest.substr(0, name.size()) != name || end == std::string_view::npos) continue;
    *field = url_decode(rest.substr(name.size(), end - name.size()));
    rest.remove_prefix(end + 1);
  }
  r.body.assign(rest);
  return r;
}

std::string spool_header(unsigned long long base) { return std::string(header_prefix) + std::to_string(base) + "\n"; }

std::optional<unsigned long long> parse_spool_header(std::string_view line) {
  if (line.substr(0, header_prefix.size()) != header_prefix) return std::nullopt;
  line.remove_prefix(header_prefix.size());
  unsigned long long base = 0;
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), base);
  if (ec != std::errc() || end != line.data() + line.size()) return std::nullopt;
  return base;
}

}  // namespace evt
