#include "transport/listen.h"

#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <optional>

#include "core/clock.h"
#include "core/daemon_lifecycle.h"
#include "core/io.h"
#include "core/log.h"
#include "core/signals.h"
#include "core/text.h"
#include "transport/listen_stats.h"
#include "transport/http/metrics_server.h"
#include "transport/transport_metrics.h"

namespace evt {

// The time limits (--timeout, -w): how long the next wait may take (-1: no
// limit), or nullopt once one has passed, which is said on stderr.
static std::optional<int> wait_allowed(const ListenRequest& r, Clock::time_point start, Clock::time_point last_event) {
  auto now = Clock::now();
  int wait_ms = -1;
  auto within = [&](double seconds, Clock::time_point from, const char* what, const char* option) {
    if (seconds <= 0) return true;
    auto deadline = from + seconds_duration(seconds);
    if (deadline <= now) {
      report(what + seconds_text(seconds) + "s (" + option + ")");
      return false;
    }
    wait_ms = shorter_wait(wait_ms, static_cast<int>(ms_to_reach(deadline, now)));
    return true;
  };
  if (!within(r.timeout, start, "timed out after ", "--timeout") || !within(r.idle_timeout, last_event, "no event for ", "-w"))
    return std::nullopt;
  return wait_ms;
}

// What a batch holds for the listener: the events the filters want, in the
// output format, appended to out, up to -n. Returns how many messages of the
// batch were dealt with (all, unless -n was reached: then done is set).
static size_t format_batch(const ListenRequest& r, std::vector<Message>& batch, std::string& out, long& printed, size_t& bad,
                           bool& done, ListenStats* stats) {
  const bool raw_json = r.format.kind() == OutputFormat::Kind::envelope;
  size_t handled = 0;
  for (Message& m : batch) {
    ++handled;
    try {
      if (!r.filter.matches(m.tag) || !where_holds(r.where, m)) continue;
    } catch (const Error& e) {
      ++bad;
      report("skipped a malformed event: " + std::string(e.what()));
      continue;
    }
    if (raw_json && !m.envelope.empty()) {
      out += m.envelope;  // as it arrived: no parse, no re-encoding
      out += '\n';
    } else {
      try {
        r.format.append(out, m.event(), m.envelope);
      } catch (const Error& e) {
        ++bad;
        report("skipped a malformed event: " + std::string(e.what()));
        continue;
      }
    }
    ++printed;
    if (stats) stats->count(m.tag);
    if (r.count > 0 && printed >= r.count) {
      done = true;
      break;
    }
  }
  return handled;
}

// What a turn saw, into the --metrics counters: a few relaxed adds per batch.
static void count_turn(TransportCounters& c, size_t received, long emitted, size_t invalid) {
  if (received) c.received.inc(received);
  if (emitted) c.emitted.inc(static_cast<unsigned long long>(emitted));
  if (invalid) c.invalid.inc(invalid);
}

namespace {

// What is written out, turn by turn: the main loop's batches, or a source's
// single events written in the thread they arrived in (deliver_inline), one
// turn at a time under mu. Outlives the source.
struct Turns {
  Turns(const ListenRequest& request, TransportCounters& counters, Clock::time_point start)
      : r(request), counted(counters), last_event(start) {
    if (r.stats > 0) stats.emplace(r.stats, 2, ListenStats::style_for(2, r.out_fd), start);
  }

  // A batch written out; how many of its messages were dealt with. Under mu.
  size_t turn(std::vector<Message>& b) {
    out.clear();
    long printed_before = printed;
    size_t bad_before = bad;
    size_t handled = format_batch(r, b, out, printed, bad, done, stats ? &*stats : nullptr);
    count_turn(counted, b.size(), printed - printed_before, bad - bad_before);
    if (!out.empty() && !write_all(r.out_fd, out)) gone = done = true;  // the reader is gone: end quietly
    if (stats) stats->tick(Clock::now());
    // -w counts time spent waiting for input, never time blocked on a slow
    // reader of stdout: the wait starts once that is done.
    if (!out.empty()) last_event = Clock::now();
    return gone ? 0 : handled;
  }

  // Inline: the event written no later than the main loop would have. A
  // write that fails (a full disk) ends the listener as in the main loop:
  // kept for it to throw (refused wakes it).
  InlineResult sink(Message& m) {
    std::lock_guard<std::mutex> lock(mu);
    if (done) return InlineResult::refused;
    one.clear();
    one.push_back(std::move(m));
    try {
      if (turn(one) == 0) return InlineResult::refused;
    } catch (...) {
      failure = std::current_exception();
      done = true;
      return InlineResult::refused;
    }
    return done ? InlineResult::written_last : InlineResult::written;
  }

  const ListenRequest& r;
  TransportCounters& counted;
  Clock::time_point last_event;
  std::optional<ListenStats> stats;
  std::mutex mu;
  std::string out;
  std::vector<Message> one;
  long printed = 0;
  size_t bad = 0;
  bool done = false;           // -n reached, or the loop ended: nothing more is taken
  bool gone = false;           // stdout's reader is gone
  std::exception_ptr failure;  // what an inline write threw
};

}  // namespace

Exit listen(const ListenRequest& r) {
  Endpoint endpoint = parse_endpoint(r.url);
  bool said_ready = false;  // READY=1's status names the endpoint; later ones count too
  Turns* turns_seen = nullptr;
  // Under systemd (a master's listener): readiness, status, watchdog.
  DaemonLifecycle life(r.ready_file, [&] {
    return "listening on " + endpoint.display() + (said_ready ? "; " + std::to_string(turns_seen->printed) + " event(s)" : "");
  });
  life.remove_stale_ready_file();
  auto metrics_server = serve_metrics(r.metrics, life);
  TransportCounters counted = transport_counters(transport_label(endpoint), "stdio");
  size_t invalid_counted = 0;
  BacklogGauges backlog(metrics_server != nullptr);
  auto start = Clock::now();
  Turns t(r, counted, start);
  turns_seen = &t;
  // Declared after t, so that it (and its threads, which may call t.sink) ends first.
  auto subscriber = open_subscriber(endpoint, r.transport, r.filter);
  subscriber->deliver_inline([&t](Message& m) { return t.sink(m); });
  auto say_ready = [&] {
    if (subscriber->live()) life.ready();
    said_ready = life.is_ready();
  };
  std::unique_lock<std::mutex> lock(t.mu);
  say_ready();

  std::vector<Message> batch;
  while (!stop_requested() && !t.done) {
    auto allowed = wait_allowed(r, start, t.last_event);
    if (!allowed) {
      if (t.stats) t.stats->tick(Clock::now(), true);
      t.done = true;
      return Exit::failed;
    }
    batch.clear();
    int wait_ms = life.wait_ms(t.stats ? shorter_wait(*allowed, t.stats->wait_ms(Clock::now())) : *allowed);
    life.tick();
    backlog.poll(*subscriber);
    lock.unlock();
    bool more = subscriber->receive(batch, wait_ms);
    lock.lock();
    if (t.failure) std::rethrow_exception(t.failure);
    say_ready();
    size_t handled = t.done ? 0 : t.turn(batch);
    if (t.gone) return Exit::ok;
    count_turn(counted, 0, 0, subscriber->invalid() - invalid_counted);
    invalid_counted = subscriber->invalid();
    for (size_t i = 0; i < handled; ++i) subscriber->delivered(batch[i]);
    if (!more) break;
  }
  t.done = true;
  if (t.stats) t.stats->tick(Clock::now(), true);
  life.stopping();
  return subscriber->invalid() + t.bad > 0 ? Exit::invalid_input : Exit::ok;
}

}  // namespace evt
