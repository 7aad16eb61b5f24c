#include "transport/nats/nats_message.h"

#include <nlohmann/json.hpp>

#include "core/trace_context.h"
#include "core/when.h"
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
  if (const char* t = header("ce-time")) e.ts = parse_rfc3339(t).value_or(0);
  if (const char* source = header("ce-source"); source != nullptr && !name_problem(source, "node")) e.node = source;
  for (const char* key : {"traceparent", "tracestate"})
    if (const char* v = header(key)) e.set_extra(key, JsonText::string(v));
  if (const char* extra = header("Evt-Extra")) take_extra(e, extra);
  complete(e, node);
  return Message(std::move(e));
}

}  // namespace evt
