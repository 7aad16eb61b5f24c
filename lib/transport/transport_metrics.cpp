#include "transport/transport_metrics.h"

namespace evt {

std::string transport_label(const Endpoint& endpoint) {
  const std::string& url = endpoint.url;
  if (endpoint.scheme == Scheme::stdio) return "stdio";
  auto colon = url.find(':');
  return colon == std::string::npos ? url : url.substr(0, colon);
}

Counter& events_received(const std::string& transport) {
  return metrics().counter("event_tools_events_received", "Events received, by the transport they came from.",
                           {{"transport", transport}});
}

Counter& events_emitted(const std::string& transport) {
  return metrics().counter("event_tools_events_emitted", "Events written out, by the transport they went to.",
                           {{"transport", transport}});
}

Counter& parse_errors(const std::string& transport) {
  return metrics().counter("event_tools_parse_errors", "Messages received that were not valid events, skipped.",
                           {{"transport", transport}});
}

void BacklogGauges::poll(Subscriber& source) {
  auto now = Clock::now();
  if (!on_ || now < due_) return;
  due_ = now + std::chrono::seconds(5);
  std::optional<GroupBacklog> b = source.backlog();
  if (!b) return;
  MetricsRegistry& m = metrics();
  m.gauge("event_tools_consumer_group_pending", "Entries handed to the consumer group and not yet acknowledged.")
      .set(static_cast<double>(b->pending));
  if (b->lag >= 0)
    m.gauge("event_tools_consumer_group_lag", "Entries of the stream not yet handed to the consumer group.")
        .set(static_cast<double>(b->lag));
}

TransportCounters transport_counters(const std::string& from, const std::string& to) {
  return {events_received(from), events_emitted(to), parse_errors(from)};
}

}  // namespace evt
