// One line of a webhook's spool: "<id> <enqueued unix ms> <body>", or with
// the event's trace context (trace_context.h), which goes to the webhook as
// headers: "<id> <ms> traceparent=<value> [tracestate=<value>] <body>" (no
// JSON body starts with a letter and '='; the tracestate escaped as ids
// are, its spaces included). The id
// comes from outside (a datagram, a stream entry, a line on stdin) and may
// hold any text: it is written percent-escaped (space, '%', control
// characters, DEL, and a leading '#', which marks the file's header line),
// so that no id can end the field or the line early. Lines of older spools
// ("<id> <body>", ids without those characters) read the same.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/trace_context.h"

namespace evt {

struct SpoolRecord {
  std::string id;
  long long enqueued_ms = 0;  // 0: not known (an older line)
  std::string body;
  TraceContext trace;
};

// The line, its newline included. Throws failed when body holds a newline
// (webhook bodies are compact JSON, which never does).
std::string spool_record(std::string_view id, long long enqueued_ms, std::string_view body, const TraceContext& trace = {});

// A line without its newline; nullopt for the header line or a blank one.
std::optional<SpoolRecord> parse_spool_record(std::string_view line);

// The file's first line once its done front was dropped: "#base N".
std::string spool_header(unsigned long long base);
std::optional<unsigned long long> parse_spool_header(std::string_view line);

}  // namespace evt
