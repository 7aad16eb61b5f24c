// An event as a CloudEvent 1.0 (cloudevents/spec: the JSON format, the HTTP
// binding's binary and structured modes), and a CloudEvent as an event: what
// Knative, Argo Events, Dapr and Azure Event Grid send and take.
//
// The mapping: type = tag, id = id, time = ts (RFC 3339, microseconds),
// source = the envelope's "source" (a NethServer module) or "/node/<node>",
// data = data (datacontenttype application/json; a string's characters as
// text/plain). Other members become extensions where their name may be one
// (a-z, 0-9, at most 20 characters), their value as a string (a string's
// characters, anything else its JSON text); the others are dropped and
// named. Back, "/node/X" is the node, another source the member "source",
// and extensions members of the envelope.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"

namespace evt {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A CloudEvent in HTTP's binary mode: ce-* headers, Content-Type, the data as the body.
struct BinaryCloudEvent {
  HeaderList headers;  // ce-specversion, ce-id, ce-source, ce-type, ce-time, ce-<extension>
  std::string content_type;
  std::string body;
};

// dropped, when given, receives the names of members no extension can carry.
BinaryCloudEvent binary_cloudevent(const Event& e, std::vector<std::string>* dropped = nullptr);
// The structured mode's body (the JSON format, one compact object).
std::string structured_cloudevent(const Event& e, std::vector<std::string>* dropped = nullptr);
constexpr const char* cloudevents_json_type = "application/cloudevents+json";

// A CloudEvent received. Throws invalid_input with the reason (no type, a
// bad time, a body that is not its JSON). header finds a request header by
// its lower-case name (empty when absent).
Event event_from_structured(std::string_view body);
Event event_from_binary(const HeaderList& lower_case_headers, std::string_view content_type, std::string_view body);

// The value of a header named (lower case) name, or "".
std::string_view header_value(const HeaderList& headers, std::string_view name);

}  // namespace evt
