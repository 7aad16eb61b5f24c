// Kept apart from open_publisher.cpp so that event-fire links no listener.
#include "transport/http/http_plugin.h"
#include "transport/local_bus.h"
#include "transport/nats/nats_plugin.h"
#include "transport/redis/redis.h"
#include "transport/salt/salt_bus.h"
#include "transport/stdio_transport.h"
#include "transport/transport.h"
#include "transport/zmq/zmq_plugin.h"

namespace evt {

std::unique_ptr<Subscriber> open_subscriber(const Endpoint& ep, const TransportOptions& o, const TagFilter& filter) {
  check_transport_options(ep, o);
  switch (ep.scheme) {
    case Scheme::local: return open_local_subscriber(ep.path, o);
    case Scheme::stdio: return open_stdin_subscriber(o);
    case Scheme::redis:
    case Scheme::redis_unix:
    case Scheme::redis_stream: return open_redis_subscriber(ep, o, filter);
    case Scheme::salt: return open_salt_subscriber(ep, o);
    case Scheme::zmq_tcp:
    case Scheme::zmq_ipc: return open_zmq_subscriber(ep, o, filter);
    case Scheme::nats:
    case Scheme::nats_js: return open_nats_subscriber(ep, o, filter);
    case Scheme::http: return open_http_subscriber(ep, o);
  }
  return nullptr;
}

}  // namespace evt
