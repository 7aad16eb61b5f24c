// A UDP datagram to eventsapi serve (Gluster's or an envelope) through to
// the webhook body it POSTs: valid JSON, whatever the datagram held.
#include "fuzz_main.h"
#include "fuzz_outputs.h"
#include "eventsapi/gluster.h"

FUZZ_TARGET(std::string_view input) {
  evt::Event e;
  try {
    e = evt::parse_gluster_datagram(input, "node");
  } catch (const evt::Error&) {
    return;
  }
  fuzz::require_json(evt::webhook_body(e, "00000000-0000-4000-8000-000000000000"));
  fuzz::check_outputs(e);
}
