// Tags and NATS subjects, both ways: what event-fire publishes is a plain
// NATS message on a subject other clients can name, and what they publish
// arrives with the tag a subject spells.
//
// A tag's '/'-separated tokens become the subject's '.'-separated ones.
// What a subject token cannot hold is escaped as %XX: '.', space, '%', a
// token that is exactly '*' or '>', and an empty token (%00, which no tag
// can otherwise hold). So `nats pub module.traefik1.event.test` arrives as
// module/traefik1/event/test, and OpenNebula's "EVENT STATE VM/ACTIVE/RUNNING/5 "
// goes out as EVENT%20STATE%20VM.ACTIVE.RUNNING.5%20 and comes back whole.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/tag_match.h"

namespace evt {

std::string tag_to_subject(std::string_view tag);
void append_subject(std::string& out, std::string_view tag);  // the same, onto out
// The inverse of tag_to_subject; any subject maps to some tag.
std::string subject_to_tag(std::string_view subject);

// The NATS subscription subjects for these patterns, as narrow as subjects
// allow ('*' in a glob may cross '/', so what follows a wildcard becomes
// '>'); none covered by another, so no message arrives twice. The exact
// match runs in the tool.
std::vector<std::string> subject_filters(MatchKind kind, const std::vector<std::string>& patterns);

// True when every subject filter a matches is also matched by filter b.
bool subject_covers(std::string_view b, std::string_view a);

}  // namespace evt
