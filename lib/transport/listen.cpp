#include "transport/listen.h"

#include <unistd.h>

#include <chrono>
#include <cmath>

#include "core/io.h"
#include "core/log.h"
#include "core/service_manager.h"
#include "core/signals.h"
#include "core/text.h"

namespace evt {

using Clock = std::chrono::steady_clock;

static Clock::time_point after(Clock::time_point t, double seconds) {
  return t + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Appends m to out as r asks, or returns false when it is not wanted.
// Throws invalid_input for a malformed event.
static bool print(const ListenRequest& r, Message& m, std::string& out) {
  if (!r.filter.matches(m.tag) || !where_holds(r.where, m)) return false;
  if (r.format.kind() == OutputFormat::Kind::envelope && !m.envelope.empty()) {
    out += m.envelope;  // as it arrived: no parse, no re-encoding
    out += '\n';
  } else {
    r.format.append(out, m.event(), m.envelope);
  }
  return true;
}

// Prints the wanted events of a batch into out, counting them in printed
// and the malformed ones in bad. Returns how many messages were dealt with
// (those after -n's last are not: they stay unacknowledged).
static size_t print_batch(const ListenRequest& r, std::vector<Message>& batch, std::string& out, long& printed,
                          size_t& bad) {
  size_t handled = 0;
  for (Message& m : batch) {
    ++handled;
    try {
      if (!print(r, m, out)) continue;
    } catch (const Error& e) {
      ++bad;
      report("skipped a malformed event: " + std::string(e.what()));
      continue;
    }
    if (++printed == r.count) break;
  }
  return handled;
}

// The shorter of two waits in milliseconds, -1 being none.
static int shorter(int wait_ms, long long ms) { return wait_ms < 0 || ms < wait_ms ? static_cast<int>(ms) : wait_ms; }

// Whether --timeout or -w has run out (and says so); if not, shortens
// wait_ms to when one of them would.
static bool out_of_time(const ListenRequest& r, Clock::time_point start, Clock::time_point last_event, int& wait_ms) {
  auto now = Clock::now();
  auto limit = [&](Clock::time_point deadline, const std::string& what) {
    if (deadline <= now) {
      report(what);
      return true;
    }
    wait_ms = shorter(wait_ms, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1);
    return false;
  };
  return (r.timeout > 0 && limit(after(start, r.timeout), "timed out after " + seconds_text(r.timeout) + "s (--timeout)")) ||
         (r.idle_timeout > 0 &&
          limit(after(last_event, r.idle_timeout), "no event for " + seconds_text(r.idle_timeout) + "s (-w)"));
}

Exit listen(const ListenRequest& r) {
  Endpoint endpoint = parse_endpoint(r.url);
  if (!r.ready_file.empty()) ::unlink(r.ready_file.c_str());  // a stale file must not say "ready"
  ServiceManager service;  // under systemd (a master's listener): readiness, status, watchdog
  auto subscriber = open_subscriber(endpoint, r.transport, r.filter);
  bool ready_written = false, ready_said = false;
  auto say_ready = [&] {
    if (!subscriber->live()) return;
    if (!ready_said) service.ready("listening on " + endpoint.display());
    ready_said = true;
    if (!ready_written && !r.ready_file.empty()) {
      write_ready_file(r.ready_file);
      ready_written = true;
    }
  };
  say_ready();

  auto start = Clock::now(), last_event = start, last_status = start;
  long printed = 0;
  size_t bad = 0;
  std::vector<Message> batch;
  std::string out;

  while (!stop_requested()) {
    int wait_ms = -1;
    if (out_of_time(r, start, last_event, wait_ms)) return Exit::failed;

    batch.clear();
    if (!ready_said || (!ready_written && !r.ready_file.empty())) wait_ms = shorter(wait_ms, 100);
    if (int keep = service.keep_alive_ms(); keep >= 0) wait_ms = shorter(wait_ms, keep);
    service.keep_alive();
    if (service.notifying() && Clock::now() - last_status >= std::chrono::seconds(1)) {
      service.status("listening on " + endpoint.display() + "; " + std::to_string(printed) + " event(s)");
      last_status = Clock::now();
    }
    bool more = subscriber->receive(batch, wait_ms);
    say_ready();
    out.clear();
    size_t handled = print_batch(r, batch, out, printed, bad);
    bool done = r.count > 0 && printed >= r.count;
    if (!out.empty()) {
      last_event = Clock::now();
      if (!write_all(r.out_fd, out)) return Exit::ok;  // the reader is gone: end quietly
    }
    for (size_t i = 0; i < handled; ++i) subscriber->delivered(batch[i]);
    if (done || !more) break;
  }
  service.stopping();
  return subscriber->invalid() + bad > 0 ? Exit::invalid_input : Exit::ok;
}

}  // namespace evt
