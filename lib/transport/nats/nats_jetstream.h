// JetStream inside the NATS plugin: the stream made ready (checked, or
// created with ?create=1), a publisher that counts an event sent only once
// the stream acknowledged it (publishing again, with the same Nats-Msg-Id,
// what a leader election left unacknowledged), and a subscriber pulling from
// a durable consumer that acknowledges each event once it was dealt with.
#pragma once

#include <memory>

#include "transport/nats/nats_connection.h"

namespace evt {

// Throws a usage error when the stream is absent and not to be created,
// unreachable when JetStream does not answer.
void ensure_stream(jsCtx* js, const NatsRequest& r);

// A reader's JetStream context: requests bounded by the request's timeout
// (at least 1 s), the stream made ready.
JsCtxPtr reader_context(NatsConnection& conn, const NatsRequest& r);

Publisher* new_js_publisher(const NatsRequest& r);
Subscriber* new_js_subscriber(const NatsRequest& r);
// --since and --from-id (nats_js_history.cpp): an ordered consumer, no group.
Subscriber* new_js_history_subscriber(const NatsRequest& r);

}  // namespace evt
