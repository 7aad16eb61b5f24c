#include "transport/transport_metrics.h"

namespace evt {

std::string transport_label(const Endpoint& endpoint) {
  const std::string& url = endpoint.url;
  if (endpoint.scheme == Scheme::stdio) return "stdio";
  auto colon = url.find(':');
  return colon == std::string::npos ? url : url.substr(0, colon);
}

TransportCounters transport_counters(const std::string& from, const std::string& to) {
  MetricsRegistry& m = metrics();
  return {m.counter("event_tools_events_received", "Events received, by the transport they came from.", {{"transport", from}}),
          m.counter("event_tools_events_emitted", "Events written out, by the transport they went to.", {{"transport", to}}),
          m.counter("event_tools_parse_errors", "Messages received that were not valid events, skipped.",
                    {{"transport", from}})};
}

}  // namespace evt
