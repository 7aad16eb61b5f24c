// CURVE for the ZeroMQ plugin: keys read from files (Z85, as zmq's
// certificates write them), applied to a socket as a CURVE server (the side
// that binds, admitting only the listed client keys through a ZAP handler)
// or a client (the side that connects, knowing the server's key).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "core/daemon_thread.h"
#include "transport/plugin.h"
#include "transport/transport.h"

namespace evt {

// Every 40-character Z85 token in text, in order (comments after '#' at the
// start of a line are skipped; quotes around keys are allowed, as in zmq's
// certificate files).
std::vector<std::string> z85_keys(const std::string& text);

// Answers ZeroMQ's authentication requests (ZAP) for a CURVE server: only
// the listed client keys get in. It runs until the context shuts down.
class ZapHandler {
 public:
  ZapHandler(zmq::context_t& ctx, std::set<std::string> allowed, const PluginHost& host);
  // The context's shutdown ends the handler's thread; join then.
  void join() { thread_.join(); }

 private:
  void run();

  zmq::socket_t sock_;
  std::set<std::string> allowed_;
  DaemonThread thread_;
};

// Applies the CURVE options to sock, as a server (binding) or client; the
// ZAP handler a server needs, which must outlive the socket. Throws a usage
// error for options that do not fit the role, or a key file without a key.
std::unique_ptr<ZapHandler> apply_curve(zmq::context_t& ctx, zmq::socket_t& sock, const ZmqOptions& options, bool server,
                                        const PluginHost& host);

}  // namespace evt
