// What `eventsapi status` prints: the webhooks and nodes of the store, and
// per webhook the deliveries counted by every serve that reports (summed,
// the slowest node's latency), as Gluster's tables or as JSON.
#pragma once

#include <string>

#include "eventsapi/eventsapi_store.h"

namespace evt {

// The whole report; state_dir: where a local store's serve keeps what
// `redeliver` queued (counted even while serve is stopped).
std::string status_report(EventsapiStore& store, const std::string& state_dir, bool as_json_output);

}  // namespace evt
