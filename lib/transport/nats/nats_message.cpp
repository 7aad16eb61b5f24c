#include "transport/nats/nats_message.h"

#include <cstdio>
#include <ctime>

#include "transport/nats/nats_subject.h"

namespace evt {

namespace {

bool is_trace_key(const std::string& key) { return key == "traceparent" || key == "tracestate"; }

// The keys Evt-Extra carries, as one compact JSON object.
std::string extra_object(const Event& e) {
  bool any = false;
  for (const auto& [key, value] : e.extra) any = any || !is_trace_key(key) || !value.is_string();
  if (!any) return {};  // the usual case, without building a JSON object
  json extra = json::object();
  for (const auto& [key, value] : e.extra)
    if (!is_trace_key(key) || !value.is_string()) extra[key] = json::parse(value.text());
  return extra.empty() ? std::string() : extra.dump();
}

void take_extra(Event& e, const char* text) {
  json extra = json::parse(text, nullptr, false);
  if (!extra.is_object()) throw invalid_input("Evt-Extra is not a JSON object");
  for (auto& [key, value] : extra.items()) e.set_extra(key, JsonText(value));
}

}  // namespace

NatsWire to_nats(const Event& e) {
  NatsWire w;
  w.subject = tag_to_subject(e.tag);
  w.payload = e.data.text();
  w.headers = {{"ce-specversion", "1.0"}, {"ce-type", e.tag}, {"ce-id", e.id}, {"ce-time", iso_time(e.ts)},
               {"ce-source", e.node}};
  for (const auto& [key, value] : e.extra)
    if (is_trace_key(key) && value.is_string()) w.headers.emplace_back(key, json::parse(value.text()).get<std::string>());
  std::string extra = extra_object(e);
  if (!extra.empty()) w.headers.emplace_back("Evt-Extra", std::move(extra));
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

double parse_iso_time(std::string_view text) {
  std::string s(text);
  int y, mo, d, h, mi, sec, used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6) return 0;
  double fraction = 0, scale = 0.1;
  size_t i = static_cast<size_t>(used);
  if (i < s.size() && s[i] == '.')
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10) fraction += (s[i] - '0') * scale;
  if (i >= s.size() || (s[i] != 'Z' && s[i] != 'z') || i + 1 != s.size()) return 0;
  tm t{};
  t.tm_year = y - 1900;
  t.tm_mon = mo - 1;
  t.tm_mday = d;
  t.tm_hour = h;
  t.tm_min = mi;
  t.tm_sec = sec;
  time_t whole = timegm(&t);
  // Whole microseconds, so the envelope's six decimals come back as they went.
  return static_cast<double>(whole) + static_cast<double>(static_cast<long>(fraction * 1e6 + 0.5)) / 1e6;
}

}  // namespace evt
