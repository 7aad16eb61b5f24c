// Gluster's Events APIs on the wire: the event catalogue, the datagrams its
// daemons send (`<ts> <type> k=v;k=v`), and the JSON a webhook receives.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace evt {

// Type names in wire order (type N is entry N), without the "EVENT_" prefix.
const std::vector<std::string>& gluster_event_types();

// One datagram: Gluster's `<ts> <type> k=v;k=v` (type a number or a name),
// or an envelope (JSON). The event's tag is the Gluster event name (or the
// envelope's tag), its data the message. Throws invalid_input with the reason.
Event parse_gluster_datagram(std::string_view datagram, const std::string& node);

// The webhook body: {"event", "message", "nodeid", "ts"}, byte for byte as
// glustereventsd's json.dumps(message, sort_keys=True) writes it: keys
// sorted at every level, ", " and ": " separators, non-ASCII escaped.
std::string webhook_body(const Event& event, const std::string& nodeid);

}  // namespace evt
