// Redis transports over hiredis: Pub/Sub (redis://, redis+unix://), as
// NethServer modules and redis-cli use it, and Streams (redis+stream://),
// durable through a consumer group.
//
// Pub/Sub: the wire message is the data alone (compact JSON); the listener
// builds the envelope on receipt. Streams: each entry holds the fields
// "tag" and "envelope" (the whole envelope).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "transport/transport.h"

namespace evt {

std::unique_ptr<Publisher> open_redis_publisher(const Endpoint& endpoint, const TransportOptions& options);
// Streams read all tags (a filter would leave entries unacknowledged); the
// listener's filter then runs on what arrives.
std::unique_ptr<Subscriber> open_redis_subscriber(const Endpoint& endpoint, const TransportOptions& options,
                                                  const TagFilter& filter);
std::unique_ptr<Subscriber> open_pubsub_listener(const Endpoint& endpoint, const TransportOptions& options,
                                                 const TagFilter& filter);
std::unique_ptr<Subscriber> open_stream_listener(const Endpoint& endpoint, const TransportOptions& options);
// --since/--from-id: XREAD from that point, no group (stream_history.cpp).
std::unique_ptr<Subscriber> open_stream_history(const Endpoint& endpoint, const TransportOptions& options);

// The event a Pub/Sub message stands for: the channel is the tag, the
// message the data (JSON, else a string), ts the time it arrived, a new id,
// and "source", the part of the channel before "/event/" (NethServer's).
// Throws invalid_input for a channel that is not a tag or a message that is
// neither JSON nor UTF-8.
Event event_from_pubsub(std::string_view channel, std::string_view message, double ts, const std::string& node);

// The Redis PSUBSCRIBE pattern that selects at least the tags a pattern of
// this kind matches (the exact match then runs here): globs as they are,
// prefix and exact with Redis' glob characters escaped, regex everything.
std::string redis_pattern(MatchKind kind, const std::string& pattern);

}  // namespace evt
