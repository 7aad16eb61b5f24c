// The counters every daemon keeps of its source, by transport (the URL's
// scheme: local, redis, redis+stream, nats+js, ...; never a host, a key or
// a tag): events received, events emitted (what it wrote on: event-listen's
// output lines, event-handle's result envelopes), and messages that were
// not events. Looked up once per daemon; a turn of its loop adds what it saw.
#pragma once

#include <string>

#include "core/endpoint.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "transport/transport.h"

namespace evt {

struct TransportCounters {
  Counter& received;
  Counter& emitted;
  Counter& invalid;
};

// Every few seconds (while --metrics serves), a source's consumer-group
// backlog (Subscriber::backlog) into the gauges event_tools_consumer_group_lag
// and event_tools_consumer_group_pending; a source without one sets none.
class BacklogGauges {
 public:
  explicit BacklogGauges(bool on) : on_(on) {}
  void poll(Subscriber& source);

 private:
  bool on_;
  Clock::time_point due_{};
};

// The transport label of an endpoint: its scheme as written ("-" is stdio).
std::string transport_label(const Endpoint& endpoint);

// Each counter of a transport (labels as transport_label).
Counter& events_received(const std::string& transport);
Counter& events_emitted(const std::string& transport);
Counter& parse_errors(const std::string& transport);
// The three: reading from `from` and writing to `to`.
TransportCounters transport_counters(const std::string& from, const std::string& to);

}  // namespace evt
