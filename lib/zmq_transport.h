// ZeroMQ transports (tcp://, ipc://). The implementation is the plugin
// event-tools-zmq.so; these entry points load it on first use.
//
// event-fire: PUSH connects (a one-shot is delivered or fails within
// --timeout); --bind: an XPUB publisher that waits for its first subscriber
// and applies backpressure to slow ones. event-listen: SUB connects with
// prefix subscriptions (exact match after); --bind: PULL, a Salt-style master.
#pragma once

#include <memory>

#include "transport.h"

namespace evt {

// High-water marks, in messages, on every ZeroMQ socket: large enough to ride
// out bursts, bounded so a dead peer cannot eat memory.
constexpr int zmq_high_water_mark = 100000;

std::unique_ptr<Publisher> open_zmq_publisher(const Endpoint& endpoint, const TransportOptions& options);
std::unique_ptr<Subscriber> open_zmq_subscriber(const Endpoint& endpoint, const TransportOptions& options);

}  // namespace evt

// What the plugin exports.
extern "C" {
evt::Publisher* evt_zmq_open_publisher(const evt::Endpoint* endpoint, const evt::TransportOptions* options);
evt::Subscriber* evt_zmq_open_subscriber(const evt::Endpoint* endpoint, const evt::TransportOptions* options);
}
