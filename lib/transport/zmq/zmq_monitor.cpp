#include "transport/zmq/zmq_monitor.h"

#include <atomic>
#include <cstring>
#include <zmq_addon.hpp>

#include "core/error.h"

namespace evt {

Monitor::Monitor(zmq::context_t& ctx, zmq::socket_t& sock, bool connecting, const PluginHost& host)
    : pair_(ctx, zmq::socket_type::pair), connecting_(connecting), host_(host) {
  static std::atomic<int> counter{0};
  std::string addr = "inproc://evt-monitor-" + std::to_string(counter++);
  int events = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_CONNECT_RETRIED |
               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
               ZMQ_EVENT_BIND_FAILED;
  if (zmq_socket_monitor(sock.handle(), addr.c_str(), events) != 0)
    throw failed("zmq_socket_monitor: " + std::string(zmq_strerror(zmq_errno())));
  pair_.connect(addr);
}

std::vector<Monitor::Seen> Monitor::take() {
  std::vector<Seen> out;
  for (;;) {
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(pair_, std::back_inserter(parts), zmq::recv_flags::dontwait)) break;
    if (parts.size() < 2 || parts[0].size() < 6) continue;
    uint16_t event;
    std::memcpy(&event, parts[0].data(), sizeof event);
    out.push_back({event, parts[1].to_string()});
  }
  return out;
}

Monitor::Meaning Monitor::explain(const Seen& s) {
  switch (s.event) {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
      if (lost_) host_.report("reconnected to " + s.address);
      lost_ = false;
      return Meaning::connected;
    case ZMQ_EVENT_CONNECTED: return Meaning::none;           // the handshake follows
    case ZMQ_EVENT_CONNECT_RETRIED: return Meaning::waiting;  // nobody there yet
    case ZMQ_EVENT_DISCONNECTED:
      if (!connecting_) return Meaning::none;
      lost_ = true;
      return Meaning::lost;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: host_.report(s.address + " refused this side's CURVE key"); return Meaning::refused;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      if (!handshake_reported_)
        host_.report("handshake with " + s.address + " failed (a CURVE key mismatch, or not a ZeroMQ peer)");
      handshake_reported_ = true;
      return Meaning::failed;
    default: return Meaning::none;
  }
}

}  // namespace evt
