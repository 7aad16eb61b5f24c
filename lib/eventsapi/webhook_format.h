// What a webhook is sent (webhook-add/-mod --format): Gluster's body, byte
// for byte (the default, and what a store without a format means), or the
// event as a CloudEvent (core/cloudevent.h): structured (the JSON format,
// Content-Type application/cloudevents+json) or binary (ce-* headers, the
// data as the body). The spool, events.log and failed.log keep Gluster's
// body whatever the format; the request is made from it when it is sent, so
// a format changed applies to what is pending too.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/trace_context.h"

namespace evt {

enum class WebhookFormat { gluster, cloudevents, cloudevents_binary };

// gluster, cloudevents or cloudevents-binary; nullopt for anything else.
std::optional<WebhookFormat> parse_webhook_format(std::string_view name);
std::string format_name(WebhookFormat format);

struct WebhookPayload {
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type
};

// The request for one stored body (Gluster's: its event, message, nodeid and
// ts make the CloudEvent's type, data, source and time; id its id). An empty
// body is webhook-test's: Gluster's test is empty, a CloudEvent one has the
// type "TEST", as Gluster's JWT calls it, and node as its source. The
// event's trace context (kept in the spool beside the body) becomes the
// CloudEvent's traceparent and tracestate: CloudEvents' distributed tracing
// extension.
WebhookPayload webhook_payload(WebhookFormat format, const std::string& id, const std::string& stored_body,
                               const std::string& node, const TraceContext& trace = {});

}  // namespace evt
