#include "transport/redis/stream_entry.h"

#include <cstdlib>

#include "core/error.h"
#include "core/trace_context.h"
#include "transport/redis/redis_connection.h"

namespace evt {

Event stream_entry_event(const std::string& id, const redisReply* fields, const std::string& node) {
  std::string tag, envelope, data;
  TraceContext trace;
  bool have_data = false;
  for (size_t f = 0; f + 1 < fields->elements; f += 2) {
    std::string name = reply_text(fields->element[f]);
    if (name == "envelope") envelope = reply_text(fields->element[f + 1]);
    else if (name == "tag") tag = reply_text(fields->element[f + 1]);
    else if (name == "traceparent") trace.traceparent = reply_text(fields->element[f + 1]);
    else if (name == "tracestate") trace.tracestate = reply_text(fields->element[f + 1]);
    else if (name == "data") {
      data = reply_text(fields->element[f + 1]);
      have_data = true;
    }
  }
  Event e;
  if (!envelope.empty()) {
    e = parse_envelope(envelope);
  } else if (!tag.empty()) {  // an entry added by hand: XADD key * tag T [data D]
    e = make_event(tag, have_data ? data_from_text(data) : JsonText(), node);
    e.ts = std::strtod(id.c_str(), nullptr) / 1000.0;
    // Its trace context, when it is of the spec's syntax (the envelope
    // above carries its own, which these fields only repeat).
    if (valid_traceparent(trace.traceparent)) {
      if (!valid_tracestate(trace.tracestate)) trace.tracestate.clear();
      apply_trace_context(e, trace);
    }
  } else {
    throw invalid_input("no \"envelope\" or \"tag\" field");
  }
  complete(e, node);
  return e;
}

}  // namespace evt
