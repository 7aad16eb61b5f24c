// NethServer-style handler directories: which handler an event names, and
// which step files of it run, in what order.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/user_regex.h"

namespace evt {

// The handler name of a tag: the part after its first "/event/", else the
// whole tag; with name_from, the first capture group of that regex instead.
// nullopt when name_from does not match.
std::optional<std::string> handler_name(const std::string& tag, const Regex* name_from);

// Why name cannot name a handler (nothing runs then), or nullopt. Each
// '/'-separated part must match ^[A-Za-z0-9_][A-Za-z0-9_.:@-]*$: no empty
// part, no "." or "..", no NUL or control character.
std::optional<std::string> handler_name_problem(const std::string& name);

// Whether a file name can be a step: the same pattern, and not a backup or
// package leftover (*~, *.swp, *.dpkg-*, *.rpmnew, *.rpmsave).
bool step_name_ok(const std::string& name);

struct Step {
  std::string name;
  std::string path;
};

struct StepList {
  bool found = false;                // some DIR has the handler directory
  std::vector<Step> steps;           // byte order; a later DIR's file wins a name
  std::vector<std::string> skipped;  // "path: why", for the debug log
};

// The steps of handler name under the handler directories dirs.
StepList find_steps(const std::vector<std::string>& dirs, const std::string& name);

// What a step runs with, as the NethServer 8 agent runs an event's steps.
// Its environment: base (event-handle's own), then the KEY=VALUE lines of
// the --env-file (the agent's ./environment), then AGENT_COMFD=2,
// AGENT_EVENT_NAME (the handler), AGENT_EVENT_SOURCE (the part of the tag
// before "/event/"), and EVENT_TAG, EVENT_NAME, EVENT_SOURCE, EVENT_ID,
// EVENT_TS, EVENT_NODE, EVENT_STEP and EVENT_ATTEMPT (1 for the first run,
// counting the runs of --retry and a durable source's deliveries), and
// TRACEPARENT and TRACESTATE when the event carries a valid trace context
// (trace_context.h; event-handle's own are never passed on); a later one of
// a name replaces an earlier one. The event's values come from validated names, so none holds
// a newline or a NUL that would cut it short.
std::vector<std::string> step_environment(const std::vector<std::string>& base, const std::vector<std::string>& env_file,
                                          const Event& event, const std::string& handler, const std::string& step,
                                          int attempt = 1);
// Its stdin: the data as the event carries it, as the agent passes the
// payload: a string's characters as they are, any other value its JSON
// text; no newline added.
std::string step_input(const Event& event);

// The KEY=VALUE lines of an environment file (others skipped, as the agent
// skips them). Throws failed when it cannot be read.
std::vector<std::string> read_env_file(const std::string& path);

}  // namespace evt
