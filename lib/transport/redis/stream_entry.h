// One Redis stream entry read back as an event: what the group reader
// (stream_listener.cpp) and the history reader (stream_history.cpp) share,
// so that both take the same entries the same way.
#pragma once

#include <hiredis/hiredis.h>

#include <string>

#include "core/event.h"

namespace evt {

// The event an entry's fields ([field, value, ...]) hold: the "envelope"
// field as event-fire writes it, else "tag" and "data" as someone wrote by
// hand (XADD key * tag T [data D] [traceparent P [tracestate S]]; ts from
// the entry id; a trace context not of W3C syntax left out). Completed with
// node where it names none. Throws invalid_input.
Event stream_entry_event(const std::string& id, const redisReply* fields, const std::string& node);

}  // namespace evt
