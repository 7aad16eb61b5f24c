// A line on event-listen's or event-handle's stdin (or an envelope from any
// transport) through to every output format.
#include "fuzz_main.h"
#include "fuzz_outputs.h"

FUZZ_TARGET(std::string_view input) {
  std::optional<evt::Event> parsed = fuzz::envelope_of(input);
  if (!parsed) return;
  evt::Event& e = *parsed;
  fuzz::check_outputs(e);
}
