#include "transport.h"

#include "local_bus.h"
#include "redis.h"
#include "stdio_transport.h"

namespace evt {

Frames parse_frames(std::string_view name) {
  if (name == "json") return Frames::tag_envelope;
  if (name == "one") return Frames::opennebula;
  throw usage_error("--frames: expected json or one, not '" + std::string(name) + "'");
}

static void check_options(const Endpoint& ep, const TransportOptions& o) {
  if (o.bind && !ep.is_zmq()) throw usage_error("--bind applies to ZeroMQ endpoints (tcp://, ipc://) only");
}

[[noreturn]] static void not_built(const Endpoint& ep) {
  throw usage_error("the transport for " + ep.display() + " is not built yet");
}

std::unique_ptr<Publisher> open_publisher(const Endpoint& ep, const TransportOptions& o) {
  check_options(ep, o);
  switch (ep.scheme) {
    case Scheme::local: return open_local_publisher(ep.path, o);
    case Scheme::stdio: return open_stdout_publisher();
    case Scheme::redis:
    case Scheme::redis_unix:
    case Scheme::redis_stream: return open_redis_publisher(ep, o);
    default: not_built(ep);
  }
}

std::unique_ptr<Subscriber> open_subscriber(const Endpoint& ep, const TransportOptions& o) {
  check_options(ep, o);
  switch (ep.scheme) {
    case Scheme::local: return open_local_subscriber(ep.path, o);
    case Scheme::stdio: return open_stdin_subscriber(o);
    case Scheme::redis:
    case Scheme::redis_unix:
    case Scheme::redis_stream: return open_redis_subscriber(ep, o);
    default: not_built(ep);
  }
}

}  // namespace evt
