// W3C Trace Context (www.w3.org/TR/trace-context) as event-tools carries it:
// the envelope's `traceparent` and `tracestate` members, set by event-fire
// from TRACEPARENT/TRACESTATE in its environment (OpenTelemetry's carrier
// for environment variables) and kept on every hop. Nothing here makes
// spans: the tools only pass the context on, to a step as TRACEPARENT and
// TRACESTATE, to a webhook as headers, on NATS as headers. What leaves the
// envelope that way is checked first (a header or a variable holds only a
// value of the spec's syntax); the members themselves are kept as they came,
// as every unknown member is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/event.h"

namespace evt {

// The longest values taken: what goes into a header or a step's environment
// stays far below what a web server takes in one header line (nginx: 8 KiB)
// and what execve takes in one variable (128 KiB). The spec asks that at
// least 512 characters of a tracestate be passed on.
constexpr size_t max_traceparent_bytes = 512;
constexpr size_t max_tracestate_bytes = 8000;

// "00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>", lower-case hex,
// ids not all zero. A later version (not ff) is taken as the spec says a
// receiver takes it: its first 55 characters as version 00, then nothing or
// '-' and more, visible ASCII (no space, no line break), max_traceparent_bytes
// in all.
bool valid_traceparent(std::string_view value);
// At most 32 comma-separated list-members (empty ones allowed, spaces and
// tabs around commas), each key=value with the spec's key and value
// characters: printable ASCII, so no line break reaches a header; at most
// max_tracestate_bytes.
bool valid_tracestate(std::string_view value);

struct TraceContext {
  std::string traceparent;  // empty: none
  std::string tracestate;   // empty: none (never set without traceparent)

  bool empty() const { return traceparent.empty(); }
};

// TRACEPARENT and TRACESTATE of this process's environment. One that does
// not hold the spec's syntax is left out, with one warning line each given
// to warn (report, log.h: as the spec's receiver ignores an invalid header
// and goes on); TRACESTATE counts only with a valid TRACEPARENT.
TraceContext trace_context_from_environment(void (*warn)(std::string_view));

// The event's own context, valid members only (a tracestate only beside a
// valid traceparent): what a step or a webhook is given.
TraceContext trace_context_of(const Event& event);

// Gives the event context's members, unless it has a traceparent of its
// own (then it keeps its own, tracestate included).
void apply_trace_context(Event& event, const TraceContext& context);

}  // namespace evt
