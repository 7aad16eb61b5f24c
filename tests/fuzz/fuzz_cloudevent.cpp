// A CloudEvent line, followed through: parse_envelope takes it (or refuses
// it) without crashing, and what it accepts goes out again as a CloudEvent
// in both modes, to a webhook, and back. The binary mode's headers hold
// printable ASCII only (no header of ours can be split or added to), what
// goes out reads back, and a second trip is a fixed point: once members no
// attribute carries are gone, nothing more changes.
#include <cstdlib>

#include "core/cloudevent.h"
#include "core/error.h"
#include "core/event.h"
#include "eventsapi/gluster.h"
#include "eventsapi/webhook_format.h"
#include "fuzz_main.h"
#include "fuzz_outputs.h"

namespace {

void check_header_text(std::string_view s, bool space_allowed) {
  for (char c : s)
    if (c < (space_allowed ? 0x20 : 0x21) || c > 0x7E) std::abort();
}

std::string cloudevent(const evt::Event& e, evt::DroppedMembers* dropped = nullptr) {
  std::string out;
  evt::append_cloudevent(out, e, dropped);
  return out;
}

}  // namespace

FUZZ_TARGET(std::string_view input) {
  std::optional<evt::Event> parsed = fuzz::envelope_of(input);
  if (!parsed) return;
  evt::Event& e = *parsed;
  evt::CloudEventRequest binary = evt::cloudevent_binary(e);
  for (const auto& [name, value] : binary.headers) {
    check_header_text(name, false);
    check_header_text(value, false);
  }
  check_header_text(binary.content_type, true);
  evt::webhook_payload(evt::WebhookFormat::cloudevents_binary, e.id, evt::webhook_body(e, "uuid"), "node");

  evt::DroppedMembers dropped;
  std::string once = cloudevent(e, &dropped);
  evt::Event back = evt::parse_envelope(once);  // what we write, we read: throws (a crash) if not
  evt::DroppedMembers again;
  std::string twice = cloudevent(back, &again);
  if (dropped.empty() && twice != once) std::abort();
  if (cloudevent(evt::parse_envelope(twice)) != twice) std::abort();
}
