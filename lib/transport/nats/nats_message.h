// An event as a plain NATS message, and back: the data alone as the payload
// (compact JSON, as Redis carries it), the envelope's fields in headers
// named as CloudEvents' NATS binding names them (ce-id, ce-time, ce-source,
// ce-type, ce-specversion), trace context as traceparent/tracestate, and
// any other envelope keys as one JSON object in Evt-Extra. The tag comes
// back from the subject (ce-type is for other clients: NATS trims header
// values). A message from any other client (no headers) is stamped here,
// as the Redis listener stamps a PUBLISH.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transport/transport.h"

namespace evt {

using NatsHeaders = std::vector<std::pair<std::string, std::string>>;

struct NatsWire {
  std::string subject;
  std::string payload;
  NatsHeaders headers;
};

NatsWire to_nats(const Event& event);
// The same into w, reusing its strings' room: what a publisher calls per event.
void to_nats(const Event& event, NatsWire& w);

// A header's value, or nullptr when the message has none.
using HeaderLookup = std::function<const char*(const char* name)>;

// The event a message carries. node: for events that arrive without one.
// Throws invalid_input for what no event can be made of.
Message from_nats(std::string_view subject, std::string_view payload, const HeaderLookup& header, const std::string& node);

}  // namespace evt
