#include "transport/transport.h"


namespace evt {

Frames parse_frames(std::string_view name) {
  if (name == "json") return Frames::tag_envelope;
  if (name == "one") return Frames::opennebula;
  throw usage_error("--frames: expected json or one, not '" + std::string(name) + "'");
}

void check_transport_options(const Endpoint& ep, const TransportOptions& o) {
  const ZmqOptions& z = o.zmq;
  if (o.allow_reserved && ep.scheme != Scheme::salt) throw usage_error("--allow-reserved applies to salt: endpoints only");
  if ((!o.nats_creds.empty() || !o.nats_nkey.empty()) && !ep.is_nats())
    throw usage_error("--creds and --nkey apply to NATS endpoints (nats://, nats+js://) only");
  if (ep.is_zmq()) {
    if (ep.scheme == Scheme::zmq_tcp && ep.host == "*" && !z.bind)
      throw usage_error(ep.display() + ": '*' is for --bind; connect to a host");
    return;
  }
  if (z.bind) throw usage_error("--bind applies to ZeroMQ endpoints (tcp://, ipc://) only");
  if (z.frames != Frames::tag_envelope) throw usage_error("--frames applies to ZeroMQ endpoints (tcp://, ipc://) only");
  if (!z.curve_secret_key.empty() || !z.curve_server_key.empty() || !z.curve_clients.empty())
    throw usage_error("CURVE keys apply to ZeroMQ endpoints (tcp://, ipc://) only");
}

}  // namespace evt
