// A webhook's spool and serve's events.log with hostile ids: whatever the id
// (spaces, quotes, '#', '%', line breaks, bytes that are not UTF-8), the
// spool gives back the id and body it was given, through a real Spool on
// disk, and an events.log line is one JSON object whose id is that id
// (ids are UTF-8, as envelopes bring them), which redeliver reads back as
// it was written; any line at all is read without a crash. A trace context
// kept beside the body comes back as it went, whatever its text.
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "core/json.h"
#include "eventsapi/events_log.h"
#include "eventsapi/spool.h"
#include "eventsapi/spool_record.h"
#include "fuzz_main.h"

namespace {

const std::string& spool_dir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/fuzz-spool-XXXXXX";
    return std::string(::mkdtemp(tmpl));
  }();
  return dir;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

FUZZ_TARGET(std::string_view input) {
  // A hand-edited or cut events.log line, as redeliver reads it: never a crash.
  if (auto hostile = evt::parse_events_log_line(input)) check(!hostile->body.empty());
  // The id is what comes before the first 0xFF byte, the body's text after it.
  size_t cut = input.find('\xff');
  std::string id(input.substr(0, cut));
  std::string text(cut == std::string_view::npos ? std::string_view() : input.substr(cut + 1));
  if (!evt::valid_utf8(text)) text = "not UTF-8";  // bodies are JSON, which is
  std::string body = "{\"event\":";
  evt::append_json_string(body, text);
  body += "}";

  std::string line = evt::spool_record(id, 42, body);
  check(line.find('\n') == line.size() - 1);
  auto record = evt::parse_spool_record(std::string_view(line).substr(0, line.size() - 1));
  check(record && record->id == id && record->body == body && record->enqueued_ms == 42 && record->trace.empty());
  // With a trace context of any text (serve checks it before a header is made of it).
  line = evt::spool_record(id, 42, body, evt::TraceContext{id, text});
  record = evt::parse_spool_record(std::string_view(line).substr(0, line.size() - 1));
  check(line.find('\n') == line.size() - 1);
  check(record && record->id == id && record->body == body && record->trace.traceparent == id &&
        record->trace.tracestate == text);

  std::string path = spool_dir() + "/q";
  {
    evt::Spool spool(path);
    spool.append(id, body);
    spool.append("next", body);
  }
  evt::Spool spool(path);
  evt::Spool::Entry e;
  check(spool.take(e) && e.id == id && e.body == body);
  spool.done(e.offset);
  check(spool.take(e) && e.id == "next");
  spool.done(e.offset);
  check(!spool.take(e));
  spool.remove_files();

  // Ids reach serve as envelopes give them: UTF-8 (checked where they come in).
  if (!evt::valid_utf8(id)) return;
  std::string log_line = evt::events_log_line(id, body, {});
  check(log_line.find('\n') == log_line.size() - 1);
  auto j = nlohmann::json::parse(log_line);
  check(j.is_object() && j.size() == 2 && j["id"].get<std::string>() == id && j["event"]["event"] == text);
  // redeliver reads it back: the id, and the body byte for byte.
  auto back = evt::parse_events_log_line(std::string_view(log_line).substr(0, log_line.size() - 1));
  check(back && back->id == id && back->body == body && back->trace.empty());
  // With a trace context of any (UTF-8) text, read back as it was.
  log_line = evt::events_log_line(id, body, evt::TraceContext{text, id});
  check(log_line.find('\n') == log_line.size() - 1);
  back = evt::parse_events_log_line(std::string_view(log_line).substr(0, log_line.size() - 1));
  check(back && back->id == id && back->body == body && back->trace.traceparent == text && back->trace.tracestate == id);
}
