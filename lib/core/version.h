// The version of event-tools: what every tool's --version prints and what
// eventsapi's User-Agent says.
#pragma once

namespace evt {

extern const char* const version;

}  // namespace evt
