#include "transport.h"

#include "local_bus.h"
#include "redis.h"
#include "zmq_transport.h"
#include "stdio_transport.h"

namespace evt {

Frames parse_frames(std::string_view name) {
  if (name == "json") return Frames::tag_envelope;
  if (name == "one") return Frames::opennebula;
  throw usage_error("--frames: expected json or one, not '" + std::string(name) + "'");
}

static void check_options(const Endpoint& ep, const TransportOptions& o) {
  if (ep.is_zmq()) {
    if (ep.scheme == Scheme::zmq_tcp && ep.host == "*" && !o.bind)
      throw usage_error(ep.display() + ": '*' is for --bind; connect to a host");
    return;
  }
  if (o.bind) throw usage_error("--bind applies to ZeroMQ endpoints (tcp://, ipc://) only");
  if (o.frames != Frames::tag_envelope) throw usage_error("--frames applies to ZeroMQ endpoints (tcp://, ipc://) only");
  if (!o.curve_secret_key.empty() || !o.curve_server_key.empty() || !o.curve_clients.empty())
    throw usage_error("CURVE keys apply to ZeroMQ endpoints (tcp://, ipc://) only");
}

std::unique_ptr<Publisher> open_publisher(const Endpoint& ep, const TransportOptions& o) {
  check_options(ep, o);
  switch (ep.scheme) {
    case Scheme::local: return open_local_publisher(ep.path, o);
    case Scheme::stdio: return open_stdout_publisher();
    case Scheme::redis:
    case Scheme::redis_unix:
    case Scheme::redis_stream: return open_redis_publisher(ep, o);
    case Scheme::zmq_tcp:
    case Scheme::zmq_ipc: return open_zmq_publisher(ep, o);
  }
  return nullptr;
}

std::unique_ptr<Subscriber> open_subscriber(const Endpoint& ep, const TransportOptions& o) {
  check_options(ep, o);
  switch (ep.scheme) {
    case Scheme::local: return open_local_subscriber(ep.path, o);
    case Scheme::stdio: return open_stdin_subscriber(o);
    case Scheme::redis:
    case Scheme::redis_unix:
    case Scheme::redis_stream: return open_redis_subscriber(ep, o);
    case Scheme::zmq_tcp:
    case Scheme::zmq_ipc: return open_zmq_subscriber(ep, o);
  }
  return nullptr;
}

}  // namespace evt
