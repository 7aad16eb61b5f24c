// Watching a ZeroMQ socket's connection events (zmq_socket_monitor), so that
// losses, reconnections and refused handshakes are said on stderr instead of
// passing in silence.
#pragma once

#include <string>
#include <vector>
#include <zmq.hpp>

#include "transport/plugin.h"

namespace evt {

class Monitor {
 public:
  // connecting: losses and reconnections are news; a bound socket's peers
  // come and go as they please.
  Monitor(zmq::context_t& ctx, zmq::socket_t& sock, bool connecting, const PluginHost& host);

  // Readable when events wait (for zmq_poll).
  zmq::socket_t& socket() { return pair_; }

  struct Seen {
    int event;
    std::string address;
  };

  // Events waiting now.
  std::vector<Seen> take();

  // One line on stderr for an event worth a human's attention; what it means.
  enum class Meaning { none, connected, waiting, lost, refused, failed };
  Meaning explain(const Seen& s);

 private:
  zmq::socket_t pair_;
  bool connecting_;
  const PluginHost& host_;
  bool lost_ = false;
  bool handshake_reported_ = false;
};

}  // namespace evt
