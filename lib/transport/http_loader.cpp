// The core's side of the HTTP plugin (event-tools-http.so): load it only
// when asked (--metrics), hand it what it serves.
#include "core/log.h"
#include "core/metrics.h"
#include "transport/http/metrics_server.h"
#include "transport/plugin.h"

namespace evt {

std::unique_ptr<MetricsServer> serve_metrics(const std::string& address, DaemonLifecycle& life) {
  if (address.empty()) return nullptr;
  MetricsServerRequest r;
  r.address = parse_listen_address("--metrics", address);  // a bad one is said before the plugin loads
  r.scrape = [](const std::string& accept, std::string& content_type) {
    MetricsText::Format format = MetricsText::format_for(accept);
    content_type = MetricsText::content_type(format);
    return metrics().scrape(format);
  };
  r.unhealthy = [&life] { return life.unhealthy(); };
  r.report = [](const std::string& m) { report(m); };
  static auto process = metrics().add_collector(write_process_metrics);
  auto start = reinterpret_cast<decltype(&evt_http_metrics_start)>(plugin_symbol("http", "evt_http_metrics_start"));
  std::unique_ptr<MetricsServer> server(start(&r));
  life.watch_health();
  return server;
}

}  // namespace evt
