// The metrics server of the HTTP plugin, on the plugin's HttpDaemon: one
// thread for every connection, so a client that connects and says nothing
// holds nothing: neither the health probes nor the daemon's stop wait for
// it; it is dropped after two seconds.
#include "transport/http/metrics_server.h"

#include "core/error.h"
#include "transport/http/http_daemon.h"

namespace evt {

namespace {

class HttpMetricsServer : public MetricsServer {
 public:
  explicit HttpMetricsServer(const MetricsServerRequest& r) : r_(r) {
    HttpDaemonConfig c;
    c.name = r_.option + " " + r_.address.text();
    c.bind_failure = Exit::usage;
    c.host = r_.address.host;
    c.port = r_.address.port;
    c.timeout_seconds = 2;
    c.max_body = 4096;  // a scrape has none
    daemon_ = std::make_unique<HttpDaemon>(c, [this](HttpExchange& x) { return answer(x.request); });
  }

 private:
  HttpReply answer(const HttpRequestData& req) {
    if (req.method != "GET" && req.method != "HEAD") {
      HttpReply no(405, "only GET\n");
      no.headers.emplace_back("Allow", "GET, HEAD");
      return no;
    }
    if (req.path == "/metrics") {
      HttpReply scrape;
      scrape.body = r_.scrape(std::string(header_value(req.headers, "accept")), scrape.content_type);
      return scrape;
    }
    if (req.path == "/healthz") {
      std::string why = r_.unhealthy();
      return why.empty() ? HttpReply(200, "ok\n") : HttpReply(503, why + "\n");
    }
    return HttpReply(404, "not found: /metrics and /healthz are served\n");
  }

  MetricsServerRequest r_;
  std::unique_ptr<HttpDaemon> daemon_;  // last: stopped first
};

}  // namespace

}  // namespace evt

extern "C" __attribute__((visibility("default"))) evt::MetricsServer* evt_http_metrics_start(
    const evt::MetricsServerRequest* request) {
  return new evt::HttpMetricsServer(*request);
}
