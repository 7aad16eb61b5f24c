// Kept apart from open_subscriber.cpp so that event-fire links no listener.
#include "transport/http/http_plugin.h"
#include "transport/local_bus.h"
#include "transport/nats/nats_plugin.h"
#include "transport/redis/redis.h"
#include "transport/salt/salt_bus.h"
#include "transport/stdio_transport.h"
#include "transport/transport.h"
#include "transport/zmq/zmq_plugin.h"

namespace evt {

std::unique_ptr<Publisher> open_publisher(const Endpoint& ep, const TransportOptions& o) {
  check_transport_options(ep, o);
  switch (ep.scheme) {
    case Scheme::local: return open_local_publisher(ep.path, o);
    case Scheme::stdio: return open_stdout_publisher();
    case Scheme::redis:
    case Scheme::redis_unix:
    case Scheme::redis_stream: return open_redis_publisher(ep, o);
    case Scheme::salt: return open_salt_publisher(ep, o);
    case Scheme::zmq_tcp:
    case Scheme::zmq_ipc: return open_zmq_publisher(ep, o);
    case Scheme::nats:
    case Scheme::nats_js: return open_nats_publisher(ep, o);
    case Scheme::http: return open_http_publisher(ep, o);
  }
  return nullptr;
}

}  // namespace evt
