#include "transport/redis/redis.h"

namespace evt {

std::unique_ptr<Subscriber> open_redis_subscriber(const Endpoint& ep, const TransportOptions& o, const TagFilter& filter) {
  if (ep.scheme == Scheme::redis_stream) return o.history.wanted() ? open_stream_history(ep, o) : open_stream_listener(ep, o);
  return open_pubsub_listener(ep, o, filter);
}

}  // namespace evt
