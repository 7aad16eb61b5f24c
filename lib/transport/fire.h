// event-fire's work: turn arguments or stdin into events and publish them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "transport/transport.h"

namespace evt {

struct FireRequest {
  enum class Input {
    args,         // TAG [DATA | KEY=VALUE | KEY:=JSON ...]
    whole_stdin,  // -s: all of stdin is DATA
    lines,        // -l: one event per line (envelopes, or DATA when TAG is given)
  };

  std::string url;   // endpoint URL
  TransportOptions transport;
  Input input = Input::args;
  std::optional<std::string> tag;  // none: -l reads envelopes
  std::vector<std::string> data_args;
  bool require_listener = false;  // exit 3 when an event reached no listener
  int in_fd = 0;
};

// The positional arguments, Salt's forms included: "fire DATA TAG" and
// "fire_master DATA TAG" (data first) become tag and data; master is set
// for fire_master.
struct Positionals {
  std::optional<std::string> tag;
  std::vector<std::string> data_args;
  bool master = false;
};
Positionals read_positionals(const std::vector<std::string>& args);

// Publishes as asked. Bad lines of a stream are reported with their numbers
// and skipped. Returns the exit status; throws Error for what stops it.
Exit fire(const FireRequest& request);

}  // namespace evt
