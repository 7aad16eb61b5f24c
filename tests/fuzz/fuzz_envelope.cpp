// The envelope decoder: never crashes, and what it accepts round-trips.
#include <cstdlib>

#include "core/error.h"
#include "core/event.h"
#include "fuzz_main.h"

FUZZ_TARGET(std::string_view input) {
  evt::Event e;
  try {
    e = evt::parse_envelope(input);
  } catch (const evt::Error&) {
    return;
  }
  evt::complete(e, "node");  // as every tool does before writing: ts, id and node filled in
  std::string once = evt::to_envelope(e);
  std::string twice = evt::to_envelope(evt::parse_envelope(once));
  if (once != twice) std::abort();
}
