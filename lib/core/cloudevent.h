// CloudEvents 1.0 (cloudevents/spec), both ways: an event as a CloudEvent in
// the JSON format (event-listen -o cloudevents, eventsapi --format
// cloudevents) or in the HTTP binding's binary mode (--format
// cloudevents-binary), and a CloudEvent's JSON back into an event, which
// parse_envelope hands here, so that a CloudEvent line is taken wherever an
// envelope line is. One mapping, so that a round trip keeps every attribute:
//
//   specversion  "1.0"
//   type         tag
//   id           id
//   time         ts, RFC 3339 in UTC with microseconds
//   source       the member "source" when the event has one (the ns8 source a
//                Redis listener adds, or a CloudEvent's own source), and then
//                the node as the extension "node"; else "/node/<node>" (the
//                node percent-encoded where a URI reference needs it)
//   datacontenttype  the member of that name, else "application/json"
//   data         data (omitted when null); the member "data_base64" instead,
//                for binary data that came in as such
//   subject, dataschema and the other members: attributes of the same name
//                where the name is one (a-z and 0-9, at most 20 characters)
//                and the value fits (subject and dataschema: strings);
//                strings, booleans and 32-bit integers as they are, any other
//                value as its JSON text in a string. Members no attribute can
//                carry (other names, "time", "type", "specversion") are
//                dropped, and the caller is told which.
//
// In: an object with a "specversion" and no "tag". specversion must be "1.0";
// id, source and type non-empty strings. time (RFC 3339, any offset) becomes
// ts; a source "/node/X" becomes the node X unless a "node" extension names it
// (then source is kept as the member "source"); datacontenttype is kept as a
// member unless it is "application/json"; data_base64 is decoded: JSON
// text under a JSON content type becomes the data, other UTF-8 text a string,
// and bytes that are no text stay in the member "data_base64" (data null).
// No data: data null. Every other attribute becomes a member as it is.
#pragma once

#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"

namespace evt {

// Lowercase ASCII letters and digits, 1 to 20 of them (the spec's naming rule).
bool is_cloudevent_attribute_name(std::string_view name);

// The members of an event that no attribute could carry.
using DroppedMembers = std::vector<std::string>;

// The event as one CloudEvent in the JSON format (compact, no newline).
void append_cloudevent(std::string& out, const Event& event, DroppedMembers* dropped = nullptr);

// The event in the HTTP binding's binary mode: ce-* headers (values
// percent-encoded as the binding says), Content-Type the datacontenttype, and
// the data as the body (a string's characters under a content type that is
// not JSON, the decoded bytes of data_base64, else the data's JSON text).
struct CloudEventRequest {
  std::vector<std::pair<std::string, std::string>> headers;  // ce-specversion, ce-id, ...
  std::string content_type;
  std::string body;
};
CloudEventRequest cloudevent_binary(const Event& event, DroppedMembers* dropped = nullptr);

// The structured mode's Content-Type.
constexpr std::string_view cloudevents_json_type = "application/cloudevents+json";

// JSON text whose top level has "specversion" and no "tag" (false for text
// that is not a JSON object).
bool looks_like_cloudevent(std::string_view text);

// One CloudEvent in the JSON format as an event. Throws invalid_input with
// the reason.
Event parse_cloudevent(std::string_view text);

// One CloudEvent in the HTTP binding's binary mode (HTTP in): its ce-*
// headers (names in lower case, values as sent: percent-decoded here) as
// attributes
// and its body as data (JSON under a JSON content type or none, else text),
// read by parse_cloudevent, so that one mapping reads both modes. Throws
// invalid_input with the reason.
Event parse_cloudevent_binary(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view content_type,
                              std::string_view body);

// Says, once per member name, that a member was dropped: what a stream of
// CloudEvents tells its user on stderr (say: log.h's report, say). The names
// are the publishers' to choose: after max_said of them, one line says that
// no further ones are said, and no more are kept.
class DroppedMemberNotices {
 public:
  explicit DroppedMemberNotices(std::function<void(const std::string&)> say);
  void operator()(const DroppedMembers& dropped);

 private:
  static constexpr size_t max_said = 100;
  std::function<void(const std::string&)> say_;
  std::mutex mutex_;
  std::set<std::string> said_;
};

}  // namespace evt
