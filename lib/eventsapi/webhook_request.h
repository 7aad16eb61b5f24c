// One webhook request as libcurl makes it: the headers (a Bearer token,
// Gluster's JWT, Standard Webhooks' signature, always a webhook-id), the
// transfer's options (timeouts, TLS verification, HTTP/2 by ALPN or h2c,
// no redirects), and what came of it, named truthfully. Used for each
// request of the delivery loop and for webhook-test's one blocking POST.
#pragma once

#include <curl/curl.h>

#include <string>

#include "core/trace_context.h"
#include "eventsapi/eventsapi_config.h"
#include "eventsapi/eventsapi_store.h"
#include "eventsapi/webhook_format.h"

namespace evt {

struct PostResult {
  bool ok = false;             // a 2xx status
  long status = 0;             // HTTP status, 0 if none came
  std::string error;           // curl's reason when no status came
  long long retry_after = -1;  // seconds, from Retry-After
};

// A blocking POST (webhook-test): body may be empty, as Gluster's test is.
PostResult post_once(const std::string& url, const Webhook& hook, const std::string& id, const std::string& body,
                     const EventsapiConfig& config);

void ensure_curl();  // curl_global_init, once

// The headers of a request for id: the payload's (its Content-Type, a
// CloudEvent's ce-*), signed as the webhook asks (Gluster's JWT tells the
// stored body's event, a Standard Webhooks signature covers the payload's
// body), with the event's trace context as traceparent and tracestate (W3C
// Trace Context's HTTP headers; only values of its syntax); the caller
// frees them (curl_slist_free_all) once the request is done.
curl_slist* request_headers(const Webhook& hook, const std::string& id, const std::string& stored_body,
                            const WebhookPayload& payload, const TraceContext& trace = {});

// easy set up to POST body (which must outlive the request) with headers.
void set_request(CURL* easy, const std::string& url, const Webhook& hook, const std::string& body, curl_slist* headers,
                 const EventsapiConfig& config);

// What went wrong with a request, in curl's own words where it has them
// (its error buffer says more than the code's generic text), and the
// response headers measured: curl 7.88 calls headers too large "Out of
// memory", so serve stops them itself and says what they were.
struct ResponseWatch {
  static constexpr size_t max_header_bytes = 100 << 10;
  char text[CURL_ERROR_SIZE] = {};
  size_t header_bytes = 0;

  // Set on easy before each transfer.
  void attach(CURL* easy);
  std::string reason(CURLcode code) const;
};

// What came of a request: its status, Retry-After, or the reason none came.
PostResult result_of(CURL* easy, CURLcode code, const ResponseWatch& watch);

}  // namespace evt
