// The envelope decoder: never crashes, and what it accepts round-trips.
#include <cstdlib>

#include "core/error.h"
#include "core/event.h"
#include "fuzz_main.h"
#include "fuzz_outputs.h"

FUZZ_TARGET(std::string_view input) {
  std::optional<evt::Event> parsed = fuzz::envelope_of(input);
  if (!parsed) return;
  evt::Event& e = *parsed;
  std::string once = evt::to_envelope(e);
  std::string twice = evt::to_envelope(evt::parse_envelope(once));
  if (once != twice) std::abort();
}
