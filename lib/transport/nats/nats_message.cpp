#include "transport/nats/nats_message.h"

#include <nlohmann/json.hpp>

#include "core/trace_context.h"
#include "transport/nats/nats_subject.h"

namespace evt {

namespace {

// Whether a member goes as a header of its own: the event's valid trace
// context (a header value must not hold what ends a header line).
bool in_header(const std::string& key, const TraceContext& trace) {
  return (key == "traceparent" && !trace.empty()) || (key == "tracestate" && !trace.tracestate.empty());
}

// The keys Evt-Extra carries, as one compact JSON object.
std::string extra_object(const Event& e, const TraceContext& trace) {
  bool any = false;
  for (const auto& [key, value] : e.extra) any = any || !in_header(key, trace);
  if (!any) return {};  // the usual case, without building a JSON object
  json extra = json::object();
  for (const auto& [key, value] : e.extra)
    if (!in_header(key, trace)) extra[key] = json::parse(value.text());
  return extra.empty() ? std::string() : extra.dump();
}

void take_extra(Event& e, const char* text) {
  json extra = json::parse(text, nullptr, false);
  if (!extra.is_object()) throw invalid_input("Evt-Extra is not a JSON object");
  for (auto& [key, value] : extra.items()) e.set_extra(key, JsonText(value));
}

}  // namespace

void to_nats(const Event& e, NatsWire& w) {
  // Into w's own strings: a publisher passes the same w for every event,
  // and the fixed five headers keep their room (no allocation per event).
  w.subject.clear();
  append_subject(w.subject, e.tag);
  w.payload.assign(e.data.text());
  if (w.headers.size() < 5)
    w.headers = {{"ce-specversion", "1.0"}, {"ce-type", {}}, {"ce-id", {}}, {"ce-time", {}}, {"ce-source", {}}};
  w.headers.resize(5);  // the optional ones of the event before go
  w.headers[1].second.assign(e.tag);
  w.headers[2].second.assign(e.id);
  w.headers[3].second.clear();
  append_iso_time(w.headers[3].second, e.ts);
  w.headers[4].second.assign(e.node);
  if (e.extra.empty()) return;  // the usual case
  TraceContext trace = trace_context_of(e);
  if (!trace.empty()) w.headers.emplace_back("traceparent", trace.traceparent);
  if (!trace.tracestate.empty()) w.headers.emplace_back("tracestate", trace.tracestate);
  std::string extra = extra_object(e, trace);
  if (!extra.empty()) w.headers.emplace_back("Evt-Extra", std::move(extra));
}

NatsWire to_nats(const Event& e) {
  NatsWire w;
  to_nats(e, w);
  return w;
}

Message from_nats(std::string_view subject, std::string_view payload, const HeaderLookup& header, const std::string& node) {
  Event e;
  // The subject, not ce-type: header values lose their edge spaces on the
  // wire, and OpenNebula's keys end in one.
  e.tag = subject_to_tag(subject);
  if (auto why = tag_problem(e.tag)) throw invalid_input("subject '" + std::string(subject) + "': " + *why);
  e.data = data_from_text(payload);
  if (const char* id = header("ce-id"); id != nullptr && !name_problem(id, "id")) e.id = id;
  if (const char* t = header("ce-time")) e.ts = parse_iso_time(t);
  if (const char* source = header("ce-source"); source != nullptr && !name_problem(source, "node")) e.node = source;
  for (const char* key : {"traceparent", "tracestate"})
    if (const char* v = header(key)) e.set_extra(key, JsonText::string(v));
  if (const char* extra = header("Evt-Extra")) take_extra(e, extra);
  complete(e, node);
  return Message(std::move(e));
}

double parse_iso_time(std::string_view s) {
  // By hand, not sscanf and timegm: a listener does this for every message.
  auto digits = [&s](size_t at, size_t n, long& out) {
    out = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  long y, mo, d, h, mi, sec;
  if (!digits(0, 4, y) || !digits(5, 2, mo) || !digits(8, 2, d) || !digits(11, 2, h) || !digits(14, 2, mi) ||
      !digits(17, 2, sec) || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return 0;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return 0;
  long micros = 0, scale = 100000;
  size_t i = 19;
  if (i < s.size() && s[i] == '.')
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10) micros += (s[i] - '0') * scale;
  if (i + 1 != s.size() || (s[i] != 'Z' && s[i] != 'z')) return 0;
  // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
  y -= mo <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  long days = era * 146097 + doe - 719468;
  // Whole microseconds, so the envelope's six decimals come back as they went.
  return static_cast<double>(days * 86400 + h * 3600 + mi * 60 + sec) + static_cast<double>(micros) / 1e6;
}

}  // namespace evt
