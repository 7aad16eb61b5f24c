#include "eventsapi/webhook_format.h"

#include "core/cloudevent.h"
#include "core/error.h"
#include "core/json.h"
#include "eventsapi/gluster.h"

namespace evt {

std::optional<WebhookFormat> parse_webhook_format(std::string_view name) {
  if (name == "gluster") return WebhookFormat::gluster;
  if (name == "cloudevents") return WebhookFormat::cloudevents;
  if (name == "cloudevents-binary") return WebhookFormat::cloudevents_binary;
  return std::nullopt;
}

std::string format_name(WebhookFormat format) {
  switch (format) {
    case WebhookFormat::cloudevents: return "cloudevents";
    case WebhookFormat::cloudevents_binary: return "cloudevents-binary";
    case WebhookFormat::gluster: break;
  }
  return "gluster";
}

WebhookPayload webhook_payload(WebhookFormat format, const std::string& id, const std::string& stored_body,
                               const std::string& node, const TraceContext& trace) {
  WebhookPayload p;
  if (format == WebhookFormat::gluster) {
    p.body = stored_body;
    p.content_type = "application/json";
    return p;
  }
  Event e = make_event("TEST", JsonText(), node);
  try {
    if (!stored_body.empty()) e = webhook_body_event(stored_body);
  } catch (const Error&) {
    // A record no body of ours would be (a hand-edited spool): sent as
    // text, under a type that says so.
    e.tag = "UNKNOWN";
    e.data = valid_utf8(stored_body) ? JsonText::string(stored_body) : JsonText();
  }
  e.id = id;
  if (valid_traceparent(trace.traceparent)) {
    e.set_extra("traceparent", JsonText::string(trace.traceparent));
    if (!trace.tracestate.empty() && valid_tracestate(trace.tracestate))
      e.set_extra("tracestate", JsonText::string(trace.tracestate));
  }
  if (format == WebhookFormat::cloudevents) {
    append_cloudevent(p.body, e);
    p.content_type = cloudevents_json_type;
    return p;
  }
  CloudEventRequest r = cloudevent_binary(e);
  p.body = std::move(r.body);
  p.content_type = std::move(r.content_type);
  p.headers = std::move(r.headers);
  return p;
}

}  // namespace evt
