// Gluster's Events APIs on the wire: the event catalogue, the datagrams its
// daemons send (`<ts> <type> k=v;k=v`), and the JSON a webhook receives.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace evt {

// Type names in wire order (type N is entry N), without the "EVENT_" prefix.
const std::vector<std::string>& gluster_event_types();

// One datagram: Gluster's `<ts> <type> k=v;k=v`, or an envelope (JSON).
// The event's tag is the Gluster event name (or the envelope's tag), its
// data the message, the same JSON value glustereventsd makes of it: the
// datagram stripped of whitespace at both ends, ts and type read as
// Python's int() reads them (a negative type counts from the end of the
// list), force, push-pem and no-verify made booleans ("1", "on", "true",
// "yes", any case), ssh-port an integer when it is one, and VOLUME_SET's
// "options=,k1,v1,k2,v2" made [["k1","v1"],["k2","v2"]].
//
// Where glustereventsd drops a datagram, this delivers it: a type given by
// its name ("VOLUME_CREATE" or "EVENT_VOLUME_CREATE"); no detail (an empty
// message); an empty part after a value (a trailing ';': the value keeps
// the ';'); a part with no '=' (the rest of the value before it, which held
// a ';', or before any key, a key with an empty value); a part with more
// than one '=' (split at the first). Throws invalid_input with the
// reason for what is not a datagram at all (no type, an unknown type, a ts
// that is not a number, bytes that are not UTF-8).
Event parse_gluster_datagram(std::string_view datagram, const std::string& node);

// The node's UUID as Gluster knows it, the UUID= line of
// WORKDIR/glusterd.info, or nullopt when there is none.
std::optional<std::string> glusterd_uuid(const std::string& workdir);

// What Gluster's JWT says of an event: the "event" and "ts" of its webhook
// body; nullopt for a body without them (webhook-test's empty one).
struct WebhookBodyHead {
  std::string event;
  long long ts = 0;
};
std::optional<WebhookBodyHead> webhook_body_head(std::string_view body);

// The webhook body: {"event", "message", "nodeid", "ts"}, byte for byte as
// glustereventsd's json.dumps(message, sort_keys=True) writes it: keys
// sorted at every level, ", " and ": " separators, non-ASCII escaped.
std::string webhook_body(const Event& event, const std::string& nodeid);

// The event a webhook body tells (its event, message, nodeid and ts as tag,
// data, node and ts; no id): what a webhook of another format is sent.
// Throws invalid_input for a body without an event.
Event webhook_body_event(std::string_view body);

}  // namespace evt
