// event-fire's work: turn arguments or stdin into events and publish them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/error.h"
#include "core/trace_context.h"
#include "transport/transport.h"

namespace evt {

struct FireRequest {
  enum class Input {
    args,         // TAG [DATA | KEY=VALUE | KEY:=JSON ...]
    whole_stdin,  // -s: all of stdin is DATA
    lines,        // -l: one event per line (envelopes, or DATA when TAG is given)
  };

  std::string url;  // endpoint URL
  TransportOptions transport;
  Input input = Input::args;
  std::optional<std::string> tag;  // none: -l reads envelopes
  std::vector<std::string> data_args;
  bool object_data = false;       // send: the data must be an object, as Salt's event.send builds it
  bool require_listener = false;  // exit 3 when an event reached no listener
  TraceContext trace;             // for every event without a traceparent of its own (TRACEPARENT, TRACESTATE)
  int in_fd = 0;
};

// The positional arguments, Salt's forms included: "fire DATA TAG" and
// "fire_master DATA TAG" (data first) become tag and data; "send TAG
// [DATA...]" (salt-call event.send) tag and data for the master, an object.
// master is set for fire_master and send. Throws a usage error for what
// salt-call's event.send takes that event-fire does not (with_env=, ...).
struct Positionals {
  std::optional<std::string> tag;
  std::vector<std::string> data_args;
  bool master = false;
  bool send = false;
};
Positionals read_positionals(const std::vector<std::string>& args);

// The endpoint event-fire sends to. Not for the master: -u, else $EVENT_URL,
// else the config's url, else local:. For the master (--master, fire_master,
// send): the master endpoint ($EVENT_MASTER, else the config's master); -u
// only where it names a Salt bus (a minion's, which forwards to its master)
// and no other master endpoint is set, or the same one. Throws a usage error
// that names what conflicts.
std::string fire_url(const std::string& url_option, bool to_master, const Config& config);

// Publishes as asked. Bad lines of a stream are reported with their numbers
// and skipped. Returns the exit status; throws Error for what stops it.
Exit fire(const FireRequest& request);

}  // namespace evt
