// What event-fire -u http(s)://URL sends for an event: a POST to the URL's
// path and query (as written), the event as a CloudEvent in binary mode (ce-*
// headers, the data as the body) or, with --ce-mode structured, the JSON
// format; signed as Standard Webhooks sign (webhook-id = the event's id,
// webhook-timestamp, webhook-signature) when a secret is given, and with
// Authorization: Bearer when a token is; the event's trace context as W3C's
// traceparent and tracestate headers. Pure: the plugin sends it.
#pragma once

#include <string>
#include <vector>

#include "transport/http/http_plugin.h"

namespace evt {

struct HttpOutConfig {
  std::string path = "/", query;  // the URL's, as written
  bool structured = false;        // --ce-mode structured
  std::string secret;             // --secret-file
  std::string bearer_token;       // --bearer-token-file
};

// dropped receives the members no CloudEvents extension could carry.
HttpRequestData http_out_request(const Event& e, const HttpOutConfig& c, long long now, std::vector<std::string>* dropped);

// "binary" or "structured"; throws a usage error for anything else.
bool structured_ce_mode(const std::string& mode);

}  // namespace evt
