#include "transport/http_out.h"

#include "core/cloudevent.h"
#include "core/standard_webhooks.h"
#include "core/trace_context.h"

namespace evt {

bool structured_ce_mode(const std::string& mode) {
  if (mode == "binary") return false;
  if (mode == "structured") return true;
  throw usage_error("--ce-mode: expected binary or structured, not '" + mode + "'");
}

HttpRequestData http_out_request(const Event& e, const HttpOutConfig& c, long long now, std::vector<std::string>* dropped) {
  HttpRequestData r;
  r.method = "POST";
  r.path = c.path;
  r.query = c.query;
  if (c.structured) {
    r.content_type = std::string(cloudevents_json_type) + "; charset=utf-8";
    append_cloudevent(r.body, e, dropped);
  } else {
    CloudEventRequest b = cloudevent_binary(e, dropped);
    r.headers = std::move(b.headers);
    r.content_type = std::move(b.content_type);
    r.body = std::move(b.body);
  }
  if (!c.secret.empty()) {
    r.headers.emplace_back("webhook-id", e.id);
    r.headers.emplace_back("webhook-timestamp", std::to_string(now));
    r.headers.emplace_back("webhook-signature", webhook_signature(c.secret, e.id, now, r.body));
  }
  // As eventsapi's webhooks get it: W3C's headers, for the receiver's tracing.
  TraceContext trace = trace_context_of(e);
  if (!trace.empty()) r.headers.emplace_back("traceparent", trace.traceparent);
  if (!trace.tracestate.empty()) r.headers.emplace_back("tracestate", trace.tracestate);
  if (!c.bearer_token.empty()) r.headers.emplace_back("authorization", "Bearer " + c.bearer_token);
  return r;
}

}  // namespace evt
