// A message published on Redis (the first line is the channel, the rest
// the message) through the Pub/Sub listener's envelope to every output.
#include "fuzz_main.h"
#include "fuzz_outputs.h"
#include "transport/redis/redis.h"

FUZZ_TARGET(std::string_view input) {
  size_t nl = input.find('\n');
  std::string_view channel = input.substr(0, nl);
  std::string_view message = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  evt::Event e;
  try {
    e = evt::event_from_pubsub(channel, message, 1763789000.123456, "node");
  } catch (const evt::Error&) {
    return;
  }
  // What the listener writes is an envelope every tool reads back.
  std::string envelope = evt::to_envelope(e);
  evt::Event again;
  try {
    again = evt::parse_envelope(envelope);
  } catch (const evt::Error&) {
    std::abort();
  }
  if (evt::to_envelope(again) != envelope) std::abort();
  fuzz::check_outputs(again);
}
