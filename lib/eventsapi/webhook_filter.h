// Which event types a webhook asks for (`--events VOLUME_*,PEER_ATTACH`):
// senders that post every type to every webhook make each receiver sort
// and drop; a filter keeps unwanted events off the wire and out of the
// spool. Patterns are Gluster's event names or globs over them, matched as
// event-listen matches tags (core/tag_match.h); no pattern means all.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace evt {

// "A,B*,C" as patterns; "" is none (all events). Throws a usage error for
// an empty pattern ("A,,B") or one with a space or control character.
std::vector<std::string> parse_event_patterns(std::string_view list);

// The patterns as the user wrote them: "A,B*,C".
std::string event_patterns_text(const std::vector<std::string>& patterns);

// Whether a webhook with these patterns gets the event named event.
bool event_wanted(const std::vector<std::string>& patterns, std::string_view event);

// The same for a webhook body (its "event" member): a body without one is
// sent only to webhooks without a filter.
bool body_wanted(const std::vector<std::string>& patterns, std::string_view body);

}  // namespace evt
