// The seam between a daemon and the metrics server of the HTTP plugin
// (event-tools-http.so): `--metrics ADDR:PORT` serves GET /metrics (the
// text of metrics_text.h) and GET /healthz (200 while the daemon's loops
// turn, 503 and the reason otherwise) from a thread of the plugin. The
// HTTP library (cpp-httplib, with OpenSSL) is loaded only when --metrics is
// given: without it there is no thread, no socket, and nothing mapped.
// What crosses is plain data and two callbacks into the host; the plugin's
// other entries (HTTP ingest, the HTTP client) have their own seams.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/daemon_lifecycle.h"
#include "core/listen_address.h"

namespace evt {

struct MetricsServerRequest {
  ListenAddress address;
  std::string option = "--metrics";  // how the address was given, for messages
  // The body for an Accept header, and its Content-Type; any thread.
  std::function<std::string(const std::string& accept, std::string& content_type)> scrape;
  // "" while healthy, else why not; any thread.
  std::function<std::string()> unhealthy;
  // Where the server's thread says why it stopped serving (the daemon goes on).
  std::function<void(const std::string&)> report;
};

// A server running; it stops (its threads joined) when deleted.
class MetricsServer {
 public:
  virtual ~MetricsServer() = default;
};

// The core's side (transport/http_loader.cpp): nullptr when address is ""
// (no --metrics); else the plugin loaded and the server listening, reading
// the process's registry (core/metrics.h, with the process metrics) and
// life's health, which from now on is watched. Throws a usage error for an
// address that does not parse or cannot be bound (in use, not ours).
std::unique_ptr<MetricsServer> serve_metrics(const std::string& address, DaemonLifecycle& life);

}  // namespace evt

// What the plugin exports for the metrics server. Throws a usage error when
// the address cannot be bound.
extern "C" {
evt::MetricsServer* evt_http_metrics_start(const evt::MetricsServerRequest* request);
}
