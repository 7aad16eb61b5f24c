// The core's side of the ZeroMQ plugin: work out what it needs, load it,
// call its factories.
#include <set>

#include "core/io.h"
#include "core/log.h"
#include "core/signals.h"
#include "transport/plugin.h"
#include "transport/zmq/zmq_plugin.h"

namespace evt {

static ZmqRequest request_for(const Endpoint& ep, const TransportOptions& o) {
  ZmqRequest r;
  r.address = ep.zmq_address();
  if (o.zmq.bind && ep.scheme == Scheme::zmq_tcp && ep.host == "*") r.address = "tcp://*:" + std::to_string(ep.port);
  r.node = o.node;
  r.timeout = o.timeout;
  r.reconnect = o.reconnect;
  r.max_message = o.max_message;
  r.options = o.zmq;
  r.host = {stop_requested, report, read_secret_file};
  return r;
}

std::unique_ptr<Publisher> open_zmq_publisher(const Endpoint& endpoint, const TransportOptions& options) {
  auto open = reinterpret_cast<decltype(&evt_zmq_open_publisher)>(plugin_symbol("zmq", "evt_zmq_open_publisher"));
  ZmqRequest r = request_for(endpoint, options);
  return std::unique_ptr<Publisher>(open(&r));
}

std::unique_ptr<Subscriber> open_zmq_subscriber(const Endpoint& endpoint, const TransportOptions& options,
                                                const TagFilter& filter) {
  auto open = reinterpret_cast<decltype(&evt_zmq_open_subscriber)>(plugin_symbol("zmq", "evt_zmq_open_subscriber"));
  ZmqRequest r = request_for(endpoint, options);
  // ZeroMQ filters on the tag's literal prefix; the exact match runs in the listener.
  std::set<std::string> prefixes;
  if (filter.patterns().empty()) prefixes.insert("");
  for (const auto& p : filter.patterns()) prefixes.insert(literal_prefix(filter.kind(), p));
  if (prefixes.count("")) prefixes = {""};
  r.prefixes.assign(prefixes.begin(), prefixes.end());
  return std::unique_ptr<Subscriber>(open(&r));
}

}  // namespace evt
