#include "eventsapi/webhook_request.h"

#include <ctime>

#include "core/config.h"
#include "core/error.h"
#include "core/text.h"
#include "core/version.h"
#include "eventsapi/gluster.h"
#include "eventsapi/webhook_signature.h"

namespace evt {

namespace {

struct CurlInit {
  CurlInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

void ensure_curl() { static CurlInit once; }

curl_slist* request_headers(const Webhook& hook, const std::string& id, const std::string& body, const WebhookPayload& payload,
                            const TraceContext& trace) {
  curl_slist* h = nullptr;
  h = curl_slist_append(h, ("Content-Type: " + payload.content_type).c_str());
  for (const auto& [name, value] : payload.headers) h = curl_slist_append(h, (name + ": " + value).c_str());
  h = curl_slist_append(h, (std::string("User-Agent: eventsapi/") + version).c_str());
  h = curl_slist_append(h, "Expect:");  // no 100-continue round trip
  long long now = static_cast<long long>(std::time(nullptr));
  bool gluster_secret = !hook.secret.empty() && !standard_webhooks_secret(hook.secret);
  if (gluster_secret) {
    // Gluster's: the secret wins over a token, and signs a JWT made now (it
    // expires in 60 s, so each attempt gets its own). webhook-test's empty
    // body is its "TEST" event.
    auto head = webhook_body_head(body);
    std::string jwt = head ? gluster_jwt(hook.secret, head->event, head->ts, now) : gluster_jwt(hook.secret, "TEST", now, now);
    h = curl_slist_append(h, ("Authorization: Bearer " + jwt).c_str());
  } else if (!hook.token.empty()) {
    h = curl_slist_append(h, ("Authorization: Bearer " + hook.token).c_str());
  }
  // webhook-id always: delivery is at least once, and it is how a receiver
  // drops a repeat. A whsec_ secret signs them.
  h = curl_slist_append(h, ("webhook-id: " + id).c_str());
  h = curl_slist_append(h, ("webhook-timestamp: " + std::to_string(now)).c_str());
  if (!hook.secret.empty() && !gluster_secret)
    h = curl_slist_append(h, ("webhook-signature: " + webhook_signature(hook.secret, id, now, payload.body)).c_str());
  // Checked again: a spool line is read back from disk.
  if (valid_traceparent(trace.traceparent)) {
    h = curl_slist_append(h, ("traceparent: " + trace.traceparent).c_str());
    if (!trace.tracestate.empty() && valid_tracestate(trace.tracestate))
      h = curl_slist_append(h, ("tracestate: " + trace.tracestate).c_str());
  }
  return h;
}

void set_request(CURL* easy, const std::string& url, const Webhook& hook, const std::string& body, curl_slist* headers,
                 const EventsapiConfig& config) {
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config.connect_timeout() * 1000));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(config.timeout() * 1000));
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is a failure (Standard Webhooks)
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, hook.insecure ? 0L : 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, hook.insecure ? 0L : 2L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  // HTTP/2 where the receiver speaks it: over TLS by ALPN, over cleartext
  // only when told (--h2c: prior knowledge). Requests in flight then share
  // one connection; PIPEWAIT makes a new request wait for it rather than
  // open another.
  bool tls = url.rfind("https://", 0) == 0;
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
                   tls      ? CURL_HTTP_VERSION_2TLS :
                   hook.h2c ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE :
                              CURL_HTTP_VERSION_1_1);
  // libcurl before 7.89 breaks a prior-knowledge connection it reuses or
  // joins ("Error in the HTTP2 framing layer", curl/curl#10634, fixed by
  // #10643): there, each h2c request gets a connection of its own.
  static const bool h2c_reuse_broken = curl_version_info(CURLVERSION_NOW)->version_num < 0x075900;
  bool own_connection = hook.h2c && !tls && h2c_reuse_broken;
  curl_easy_setopt(easy, CURLOPT_PIPEWAIT, own_connection ? 0L : 1L);
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, own_connection ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, own_connection ? 1L : 0L);
  // The receiver's answer is not ours to keep.
  curl_easy_setopt(
      easy, CURLOPT_WRITEFUNCTION, +[](char*, size_t size, size_t n, void*) { return size * n; });
}

void ResponseWatch::attach(CURL* easy) {
  text[0] = '\0';
  header_bytes = 0;
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, text);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(
      easy, CURLOPT_HEADERFUNCTION, +[](char*, size_t size, size_t n, void* self) -> size_t {
        auto* watch = static_cast<ResponseWatch*>(self);
        watch->header_bytes += size * n;
        return watch->header_bytes > max_header_bytes ? 0 : size * n;  // 0: curl stops the transfer
      });
}

std::string ResponseWatch::reason(CURLcode code) const {
  if (header_bytes > max_header_bytes)
    return "the response headers are larger than " + std::to_string(max_header_bytes >> 10) + " KiB";
  if (text[0]) return printable(text);
  // libcurl 7.88 returns this, and says nothing more, for a header line
  // longer than its buffer (100 KiB): by far the likelier reason.
  if (code == CURLE_OUT_OF_MEMORY) return "a response header line too long for curl (over 100 KiB), or out of memory";
  return curl_easy_strerror(code);
}

PostResult result_of(CURL* easy, CURLcode code, const ResponseWatch& watch) {
  PostResult r;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
  curl_off_t after = -1;
  if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0) r.retry_after = after;
  if (code != CURLE_OK) {
    r.error = watch.reason(code);
    r.status = 0;
  }
  r.ok = code == CURLE_OK && r.status >= 200 && r.status < 300;
  return r;
}

PostResult post_once(const std::string& url, const Webhook& hook, const std::string& id, const std::string& body,
                     const EventsapiConfig& config) {
  ensure_curl();
  CURL* easy = curl_easy_init();
  WebhookPayload payload = webhook_payload(hook.format, id, body, host_name());
  curl_slist* headers = request_headers(hook, id, body, payload);
  set_request(easy, url, hook, payload.body, headers, config);
  ResponseWatch watch;
  watch.attach(easy);
  CURLcode code = curl_easy_perform(easy);
  PostResult r = result_of(easy, code, watch);
  curl_slist_free_all(headers);
  curl_easy_cleanup(easy);
  return r;
}

}  // namespace evt
