// The seam between the tools and the NATS plugin (event-tools-nats.so).
//
// As the ZeroMQ plugin: loaded only when an endpoint is nats:// or
// nats+js://, so libnats (and the threads it starts) is paid for only by
// those who use it. The plugin calls nothing in the executable; what it is
// given crosses here as plain data worked out by the core (servers, subject
// filters), and what must be one in the process comes as functions.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transport/plugin.h"
#include "transport/transport.h"

namespace evt {

struct NatsRequest {
  std::string name;                  // the endpoint as messages show it (no password)
  std::vector<std::string> servers;  // nats://host:port or tls://host:port
  std::string user, password;
  std::string creds;  // --creds or $NATS_CREDS: a credentials file (JWT and seed)
  std::string nkey;   // --nkey: a user's NKey seed file
  bool tls = false;
  TlsOptions tls_options;  // --cacert, --cert, --key, --sni, --insecure
  std::string node;        // for events that arrive without one
  double timeout = 5;      // seconds: connecting, a flush; nats+js publishing: until acknowledged
  bool reconnect = true;   // a subscriber that loses every server keeps trying
  bool jetstream = false;
  std::string stream, group, queue;  // nats+js: stream and durable consumer; nats: a queue group
  double ack_wait = 30;              // nats+js: the consumer's AckWait, from claim=
  bool create = false;               // nats+js: add the stream when absent
  int replicas = 1;
  std::vector<std::string> stream_subjects;  // for a stream created here
  double max_age = 0;
  std::vector<std::string> filters;  // subscription subjects (subject_filters)
  HistoryOptions history;            // nats+js: --since, --from-id (a stream sequence), -e
  PluginHost host;
};

// The core's side: loads the plugin on first use and asks it.
std::unique_ptr<Publisher> open_nats_publisher(const Endpoint& endpoint, const TransportOptions& options);
std::unique_ptr<Subscriber> open_nats_subscriber(const Endpoint& endpoint, const TransportOptions& options,
                                                 const TagFilter& filter);

}  // namespace evt

// What the plugin exports (its only visible symbols).
extern "C" {
evt::Publisher* evt_nats_open_publisher(const evt::NatsRequest* request);
evt::Subscriber* evt_nats_open_subscriber(const evt::NatsRequest* request);
}
