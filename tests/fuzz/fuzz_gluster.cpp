// eventsapi's UDP datagrams, Gluster's and envelopes, and the webhook body.
#include "core/error.h"
#include "fuzz_main.h"
#include "eventsapi/gluster.h"

FUZZ_TARGET(std::string_view input) {
  try {
    evt::Event e = evt::parse_gluster_datagram(input, "node");
    evt::webhook_body(e, "00000000-0000-4000-8000-000000000000");
  } catch (const evt::Error&) {
  }
}
