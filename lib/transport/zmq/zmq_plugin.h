// The seam between the tools and the ZeroMQ plugin (event-tools-zmq.so).
//
// The plugin is loaded only when an endpoint is tcp:// or ipc://, and it
// calls nothing in the executable: it carries its own hidden copy of the
// few pure core pieces it needs (frames, envelopes). So everything it is
// given crosses here as plain data, worked out by the core (the address,
// the SUB prefixes), and what must be one in the process comes as
// functions: the stop flag the executable's signal handler sets, where
// diagnostics go (with the program's name), and reading a key file.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transport/plugin.h"
#include "transport/transport.h"

namespace evt {

struct ZmqRequest {
  std::string address;                          // tcp://host:port, tcp://*:port (bind) or ipc://path
  std::string node;                             // for events that arrive without one
  double timeout = 5;                           // seconds: linger, and how long a send may wait
  bool reconnect = true;                        // a SUB that loses its publisher reconnects
  long long max_message = default_max_message;  // ZMQ_MAXMSGSIZE
  ZmqOptions options;
  std::vector<std::string> prefixes;  // SUB subscriptions: the tags' literal prefixes ("" for all)
  PluginHost host;
};

// The core's side: loads the plugin on first use and asks it.
std::unique_ptr<Publisher> open_zmq_publisher(const Endpoint& endpoint, const TransportOptions& options);
std::unique_ptr<Subscriber> open_zmq_subscriber(const Endpoint& endpoint, const TransportOptions& options,
                                                const TagFilter& filter);

}  // namespace evt

// What the plugin exports (its only visible symbols).
extern "C" {
evt::Publisher* evt_zmq_open_publisher(const evt::ZmqRequest* request);
evt::Subscriber* evt_zmq_open_subscriber(const evt::ZmqRequest* request);
}
