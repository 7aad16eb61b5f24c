// The core's side of the ZeroMQ plugin: find it, call its factories.
#include "plugin.h"
#include "zmq_transport.h"

namespace evt {

std::unique_ptr<Publisher> open_zmq_publisher(const Endpoint& endpoint, const TransportOptions& options) {
  auto open = reinterpret_cast<decltype(&evt_zmq_open_publisher)>(plugin_symbol("zmq", "evt_zmq_open_publisher"));
  return std::unique_ptr<Publisher>(open(&endpoint, &options));
}

std::unique_ptr<Subscriber> open_zmq_subscriber(const Endpoint& endpoint, const TransportOptions& options) {
  auto open = reinterpret_cast<decltype(&evt_zmq_open_subscriber)>(plugin_symbol("zmq", "evt_zmq_open_subscriber"));
  return std::unique_ptr<Subscriber>(open(&endpoint, &options));
}

}  // namespace evt
