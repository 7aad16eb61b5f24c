// Where event-handle sends what it gives up on (--dead-letter URL): the
// event as it came, its id kept, with one member added, "dead_letter":
// {handler, step, status, exit_code, attempts, time}. Only transports that
// carry the whole envelope keep an event whole, so only they are taken:
// redis+stream://, nats+js:// (the other keys in a header), local:, and "-"
// (stdout).
//
// Sending one back: `event-listen -u DLQ | jq -c 'del(.dead_letter)' |
// event-fire -l -u SOURCE`.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/event.h"
#include "transport/transport.h"

namespace evt {

// Why an event was given up.
struct DeadLetterRecord {
  std::string handler;
  std::string step;              // the step that failed last (empty: none ran)
  std::string status;            // aborted, timeout, rejected
  std::optional<int> exit_code;  // of that step (none: killed, or none ran)
  int attempts = 1;              // runs it had
  double time = 0;               // when it was given up (seconds since the epoch)
};

// The event to send: the original with "dead_letter" set.
Event dead_letter_event(const Event& original, const DeadLetterRecord& why);

class DeadLetter {
 public:
  // Throws a usage error (exit 2) for a URL whose transport does not carry
  // the whole envelope.
  DeadLetter(const std::string& url, const TransportOptions& options);

  // Publishes the event and waits until the transport has taken it (a
  // connection for each: dead letters are rare, and a connection lost
  // meanwhile costs nothing). Throws Error when it did not go.
  void send(const Event& original, const DeadLetterRecord& why);
  std::string where() const { return endpoint_.display(); }

 private:
  Endpoint endpoint_;
  TransportOptions options_;
};

}  // namespace evt
