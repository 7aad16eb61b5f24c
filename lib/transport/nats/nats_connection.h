// A connection to a NATS cluster, and the handles of libnats owned as
// values: what every part of the plugin opens its subjects and streams on.
//
// The connection knows every server it was given and reconnects to any of
// them on its own (libnats does); losses and recoveries are said on stderr
// from libnats's threads, whose callbacks never throw.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <memory>
#include <string>

#include "transport/nats/nats_plugin.h"

namespace evt {

template <typename T, void (*destroy)(T*)>
struct NatsDeleter {
  void operator()(T* p) const { destroy(p); }
};
using NatsMsgPtr = std::unique_ptr<natsMsg, NatsDeleter<natsMsg, natsMsg_Destroy>>;
using NatsSubPtr = std::unique_ptr<natsSubscription, NatsDeleter<natsSubscription, natsSubscription_Destroy>>;
using JsCtxPtr = std::unique_ptr<jsCtx, NatsDeleter<jsCtx, jsCtx_Destroy>>;

// The plugin's copies of the executable's functions (nats_plugin.h).
namespace nats_host {
void set(const PluginHost& host);
bool stop_requested();
void report(std::string_view message);  // never throws
}  // namespace nats_host

// libnats's words for s, with its last error's detail.
std::string nats_text(natsStatus s);

// A natsMsg of w (nats_message.h), headers set.
NatsMsgPtr make_nats_msg(const struct NatsWire& w);
// A received message as an event (from_nats, with its headers); node: for one
// that arrives without one. Throws invalid_input for one that is malformed.
Message message_of(natsMsg* msg, const std::string& node);

class NatsConnection {
 public:
  // Connects to one of r.servers within r.timeout; throws unreachable.
  explicit NatsConnection(const NatsRequest& r);
  ~NatsConnection();
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  natsConnection* get() const { return nc_; }
  const std::string& name() const { return name_; }
  // True once libnats gave up reconnecting: the endpoint is lost for good.
  bool closed() const { return closed_; }
  // A JetStream context on this connection; api_wait_ms bounds its API calls.
  JsCtxPtr jetstream(jsOptions* options) const;

 private:
  static void on_disconnected(natsConnection* nc, void* self);
  static void on_reconnected(natsConnection* nc, void* self);
  static void on_closed(natsConnection* nc, void* self);
  static void on_error(natsConnection* nc, natsSubscription* sub, natsStatus err, void* self);

  std::string name_;
  bool reconnect_;
  natsConnection* nc_ = nullptr;
  std::atomic<bool> closed_{false};
  std::atomic<bool> closing_{false};
};

}  // namespace evt
