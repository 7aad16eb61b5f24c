// What a request to event-listen -u http://ADDR:PORT/PREFIX (or event-handle
// -u) becomes, decided here and not in the plugin, so that the rules are
// one pure function (unit-tested, fuzzable) and the plugin only does I/O.
//
// In order: a path outside PREFIX is 404; a missing or wrong bearer token
// (--bearer-token-file) or signature (--secret-file: Standard Webhooks'
// headers, else GitHub's X-Hub-Signature-256) is 401; then the request
// becomes an event:
//  - ?form=salt-api: what salt-api's /hook makes: tag
//    salt/netapi/hook/<path below PREFIX>, data {"body": the body as text,
//    "post": the body parsed (JSON, or a form's fields; {} when empty),
//    "headers": {Title-Case name: value}};
//  - a structured CloudEvent (Content-Type application/cloudevents+json) or
//    a binary one (a ce-specversion header): as it says (core/cloudevent.h);
//  - anything else: the tag is the path below PREFIX (percent-decoded), the
//    data the body (JSON, else a string).
// The id is webhook-id, X-GitHub-Delivery or ce-id when one is sent, the
// node this listener's; W3C's traceparent and tracestate headers become
// the event's trace context unless it has its own. A path with an empty, "." or ".." segment, a body
// that is not UTF-8 and an event that is not one are 400.
#pragma once

#include <string>

#include "transport/http/http_plugin.h"

namespace evt {

struct IngestConfig {
  std::string prefix = "/";  // the URL's path: requests below it are events
  std::string secret;        // --secret-file, empty: no signature asked
  std::string bearer_token;  // --bearer-token-file, empty: none asked
  std::string node;          // this listener's node id
};

class HttpIngestRules final : public IngestRules {
 public:
  explicit HttpIngestRules(IngestConfig config);
  IngestVerdict judge(const HttpRequestData& request) const override;
  // The same with the clock given (the timestamp tolerance), for tests.
  IngestVerdict judge_at(const HttpRequestData& request, long long now) const;

 private:
  IngestConfig c_;
};

}  // namespace evt
