// A line on event-listen's or event-handle's stdin (or an envelope from any
// transport) through to every output format.
#include "fuzz_main.h"
#include "fuzz_outputs.h"

FUZZ_TARGET(std::string_view input) {
  evt::Event e;
  try {
    e = evt::parse_envelope(input);
  } catch (const evt::Error&) {
    return;
  }
  evt::complete(e, "node");
  fuzz::check_outputs(e);
}
