// What every transport offers event-fire and event-listen: a Publisher and
// a Subscriber, opened from an Endpoint.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "endpoint.h"
#include "error.h"
#include "event.h"
#include "tag_match.h"

namespace evt {

enum class Frames { tag_envelope, opennebula };  // ZeroMQ --frames json: [tag, envelope]; one: [key, base64]
Frames parse_frames(std::string_view name);

// About the local bus's largest record (1 MiB, Salt's max_event_size) and
// room for the envelope around the data.
constexpr long long default_max_message = (1 << 20) + (64 << 10);

struct TransportOptions {
  std::string node;            // this node's id, for events made here
  double timeout = 5;          // seconds a bounded wait may take
  bool bind = false;           // ZeroMQ: bind instead of connect
  Frames frames = Frames::tag_envelope;
  std::string password;        // Redis, from --password-file or REDISCLI_AUTH
  bool reconnect = true;       // listen: reconnect after a lost peer
  TagFilter filter;            // listen: what to subscribe to
  long stream_maxlen = 1000000;   // redis+stream: XADD MAXLEN ~ N (0: no trimming); URL maxlen=N
  long long max_message = default_max_message;  // ZeroMQ: the largest frame a peer may send us (ZMQ_MAXMSGSIZE)
  // ZeroMQ CURVE, as file paths. The side that binds is the CURVE server.
  std::string curve_secret_key;   // this side's secret key (Z85)
  std::string curve_server_key;   // client: the server's public key
  std::string curve_clients;      // server: the public keys it admits, one a line
};

// One received event. tag is always set; envelope is its compact JSON text;
// event is set when the transport had to build it anyway.
struct Message {
  std::string tag;
  std::string envelope;
  std::optional<Event> event;
  std::string cursor;  // where the transport keeps it (a Redis stream entry id)
};

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Sends or queues one event. Throws invalid_input for an event this
  // transport cannot carry, unreachable when the endpoint is gone.
  virtual void publish(const Event& event) = 0;
  // Sends what is queued. Streams call it before they may block on input.
  virtual void flush() = 0;
  // The end of the stream: flushes, waits as the transport needs, reports
  // what could not be delivered, and says how it went.
  virtual Exit finish() = 0;
};

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Waits up to timeout_ms (-1: no limit) and appends what arrived. Returns
  // false when the source has ended (end of stdin). Throws unreachable when
  // the endpoint is lost for good. Returns early when a signal arrives.
  virtual bool receive(std::vector<Message>& out, int timeout_ms) = 0;
  // Called once each message is written out (Redis Streams acknowledge here).
  virtual void delivered(const Message&) {}
  // True once the subscription is in place (a ZeroMQ SUB: once connected).
  virtual bool live() const { return true; }
  // Malformed messages reported and skipped so far.
  size_t invalid() const { return invalid_; }

 protected:
  size_t invalid_ = 0;
};

std::unique_ptr<Publisher> open_publisher(const Endpoint& endpoint, const TransportOptions& options);
std::unique_ptr<Subscriber> open_subscriber(const Endpoint& endpoint, const TransportOptions& options);

}  // namespace evt
