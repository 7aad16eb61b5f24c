// Where event-handle's events come from (handle.h): a stream consumer gets
// its slot on the node first, and its name from it.
#include "core/endpoint.h"
#include "handle/handle.h"
#include "transport/transport.h"

namespace evt {

HandleSource open_handle_source(const std::string& url, const TransportOptions& options, const TagFilter& filter) {
  HandleSource source;
  Endpoint ep = parse_endpoint(url);
  // History reads no group: no consumer name, no slot.
  if (ep.scheme == Scheme::redis_stream && ep.stream.consumer.empty() && !options.history.wanted()) {
    source.slot = std::make_unique<WorkerSlot>(default_bus_dir() + "/workers", ep.host + ":" + std::to_string(ep.port) + "/" +
                                                                                   ep.path + "/" + std::to_string(ep.db) + "/" +
                                                                                   ep.key + "?group=" + ep.stream.group);
    ep.stream.consumer = options.node + "/" + std::to_string(source.slot->number());
  }
  TransportOptions o = options;
  o.http.answer_on_receipt = true;  // HTTP in: 202 once the event is in the queue
  source.subscriber = open_subscriber(ep, o, filter);
  return source;
}

}  // namespace evt
