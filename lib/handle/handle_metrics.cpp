#include "handle/handle_metrics.h"

namespace evt {

HandleMetrics::HandleMetrics(const std::string& source)
    : transport_(transport_counters(transport_label(parse_endpoint(source)), "stdio")) {}

void HandleMetrics::received(size_t n, size_t invalid_so_far) {
  if (n) transport_.received.inc(n);
  if (invalid_so_far > invalid_seen_) transport_.invalid.inc(invalid_so_far - invalid_seen_);
  invalid_seen_ = invalid_so_far;
}

void HandleMetrics::finished(const Job& j) {
  Outcome o = j.outcome.value_or(Outcome::completed);
  bool named = o != Outcome::skipped && o != Outcome::rejected;
  m_.counter("event_handle_runs", "Handlers run to their final outcome, by handler and status (as the result envelope's).",
             {{"handler", named ? j.handler : ""}, {"status", outcome_name(o)}})
      .inc();
  transport_.emitted.inc();
}

void HandleMetrics::step_ended(const std::string& handler, Clock::duration took) {
  m_.histogram("event_handle_step_duration_seconds", "How long each step ran, by handler.", duration_buckets(),
               {{"handler", handler}})
      .observe(std::chrono::duration<double>(took).count());
}

void HandleMetrics::retrying(const Job& j) {
  m_.counter("event_handle_retries", "Handlers run again after an aborted or timed-out run (--retry).", {{"handler", j.handler}})
      .inc();
}

void HandleMetrics::dead_letter(bool sent) {
  if (sent) m_.counter("event_handle_dead_letters", "Events given up and sent to --dead-letter.").inc();
  else m_.counter("event_handle_dead_letter_failures", "Events given up that could not be sent to --dead-letter.").inc();
}

}  // namespace evt
