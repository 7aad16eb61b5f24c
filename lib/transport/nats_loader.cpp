// The core's side of the NATS plugin: work out what it needs (servers,
// credentials, subject filters), load it, call its factories.
#include <cstdlib>

#include "core/io.h"
#include "core/log.h"
#include "core/signals.h"
#include "transport/nats/nats_plugin.h"
#include "transport/nats/nats_subject.h"
#include "transport/plugin.h"

namespace evt {

static NatsRequest request_for(const Endpoint& ep, const TransportOptions& o) {
  NatsRequest r;
  r.name = ep.display();
  r.servers = ep.nats.servers;
  r.user = ep.user;
  r.password = ep.password;
  // nats://NAME@host with --password-file: NAME is the user (alone, a token).
  if (!o.password.empty()) {
    if (r.user.empty()) r.user = r.password;
    r.password = o.password;
  }
  r.creds = o.nats_creds;
  if (r.creds.empty()) {
    const char* env = std::getenv("NATS_CREDS");  // as natscli reads it
    if (env != nullptr) r.creds = env;
  }
  r.nkey = o.nats_nkey;
  r.tls = ep.tls;
  r.tls_options = o.tls;
  r.history = o.history;
  r.node = o.node;
  r.timeout = o.timeout;
  r.reconnect = o.reconnect;
  r.jetstream = ep.scheme == Scheme::nats_js;
  r.stream = ep.key;
  r.group = ep.stream.group;
  r.queue = ep.nats.queue;
  r.ack_wait = ep.stream.claim;
  r.create = ep.nats.create;
  r.replicas = ep.nats.replicas;
  r.stream_subjects = ep.nats.subjects;
  r.max_age = ep.nats.max_age;
  r.host = {stop_requested, report, read_secret_file};
  return r;
}

std::unique_ptr<Publisher> open_nats_publisher(const Endpoint& endpoint, const TransportOptions& options) {
  auto open = reinterpret_cast<decltype(&evt_nats_open_publisher)>(plugin_symbol("nats", "evt_nats_open_publisher"));
  NatsRequest r = request_for(endpoint, options);
  // A JetStream publish is waited for until the stream has it: 30 s unless told.
  if (r.jetstream && !options.timeout_set) r.timeout = 30;
  return std::unique_ptr<Publisher>(open(&r));
}

std::unique_ptr<Subscriber> open_nats_subscriber(const Endpoint& endpoint, const TransportOptions& options,
                                                 const TagFilter& filter) {
  auto open = reinterpret_cast<decltype(&evt_nats_open_subscriber)>(plugin_symbol("nats", "evt_nats_open_subscriber"));
  NatsRequest r = request_for(endpoint, options);
  r.filters = subject_filters(filter.kind(), filter.patterns());
  return std::unique_ptr<Subscriber>(open(&r));
}

}  // namespace evt
