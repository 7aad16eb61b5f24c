// event-handle: run NethServer-style handler steps for each event, read from
// stdin or, with -u, from an endpoint (a Redis stream durably).
#include <algorithm>
#include <optional>

#include "core/config.h"
#include "core/tool_main.h"
#include "handle/handle.h"
#include "handle/logger.h"
#include "transport/transport_options.h"

namespace {

// How each step runs: --env-file, --name-from, --timeout, --grace, as given.
struct StepFlags {
  std::string env_file, name_from, timeout, grace = "5";
};

void add_step_options(CLI::App& app, StepFlags& f) {
  app.add_option("--env-file", f.env_file, "KEY=VALUE lines added to every step's environment, read for each event");
  app.add_option("--name-from", f.name_from, "Take the handler name from the first capture group of REGEX (RE2) on the tag");
  app.add_option("--timeout", f.timeout, "Seconds a step may run before SIGTERM to its process group");
  app.add_option("--grace", f.grace, "Seconds from SIGTERM to SIGKILL, and for running steps at shutdown (default 5)");
}

void apply_steps(const StepFlags& f, evt::HandleRequest& r) {
  r.env_file = f.env_file;
  if (!f.name_from.empty()) r.name_from.emplace(f.name_from, "--name-from");
  if (!f.timeout.empty()) r.step_timeout = evt::parse_seconds("--timeout", f.timeout);
  r.grace = evt::parse_seconds("--grace", f.grace);
}

// Where messages go: --log, --syslog-socket, --journal-socket, as given.
struct LogFlags {
  std::string target = "syslog", syslog_socket = "/dev/log", journal_socket = "/run/systemd/journal/socket";

  void add(CLI::App& app) {
    app.add_option("--log", target, "Where step output and messages go: syslog (default), journal, stderr, none");
    app.add_option("--syslog-socket", syslog_socket, "The syslog socket (default /dev/log)");
    app.add_option("--journal-socket", journal_socket, "The journal's socket (default /run/systemd/journal/socket)");
  }

  evt::Logger open() const {
    auto t = evt::Logger::parse_target(target);
    return evt::Logger(t, t == evt::Logger::Target::journal ? journal_socket : syslog_socket, "event-handle");
  }
};

// Running as a daemon: --ready-file, --no-reconnect, --metrics, as given.
struct DaemonFlags {
  std::string ready_file, metrics;
  bool no_reconnect = false;

  void add(CLI::App& app) {
    app.add_option("--ready-file", ready_file, "Create PATH once the source is live");
    app.add_flag("--no-reconnect", no_reconnect, "Exit 3 when the endpoint is lost instead of reconnecting");
    evt::add_metrics_option(app, metrics);
  }

  void apply(evt::HandleRequest& r) const {
    r.ready_file = ready_file;
    r.metrics = metrics;
  }
};

// --retry, --retry-delay, --retry-max-delay and --dead-letter, as given.
struct RetryFlags {
  int retries = 0;
  std::string delay = "1", max_delay, dead_letter;
  std::optional<evt::DeadLetter> opened;  // the dead-letter endpoint, once checked
};

void add_retry_options(CLI::App& app, RetryFlags& f) {
  app.add_option("--retry", f.retries, "Run an aborted or timed-out handler again, up to N more times")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--retry-delay", f.delay, "Seconds before the first retry, doubled for each next, jittered (default 1)");
  app.add_option("--retry-max-delay", f.max_delay, "The longest wait between retries (default 300)");
  app.add_option("--dead-letter", f.dead_letter,
                 "Fire events given up to URL (redis+stream://, nats+js://, local:, -) with a dead_letter member");
}

// The retry settings into r, and the dead-letter endpoint, if any.
void apply_retry(RetryFlags& f, const evt::TransportOptions& options, evt::HandleRequest& r) {
  evt::RetrySettings& s = r.retry;
  s.retries = f.retries;
  s.delay = evt::parse_seconds("--retry-delay", f.delay);
  s.max_delay = f.max_delay.empty() ? std::max(300.0, s.delay) : evt::parse_seconds("--retry-max-delay", f.max_delay);
  if (!f.dead_letter.empty()) r.dead_letter = &f.opened.emplace(f.dead_letter, options);
}

}  // namespace

// Declaring the options throws only on a programming error (an option added
// twice) or no memory, before run_tool takes over every error.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app(
      "Run the handler steps of each event: read from stdin (one envelope a line), or with -u from an endpoint.\n"
      "  event-handle [OPTIONS] DIR...\n"
      "  event-handle -u URL [-p PATTERN]... [OPTIONS] DIR...",
      "event-handle");
  evt::TransportFlags transport;
  evt::HistoryFlags history;
  transport.url = "-";
  std::vector<std::string> dirs, patterns, excludes, wheres;
  std::string match = "glob", idle;
  int jobs = 1;
  StepFlags step;
  RetryFlags retry;
  long count = 0;
  bool dry_run = false;
  DaemonFlags daemon;
  evt::add_transport_options(app, transport, false);
  app.get_option("--url")->description("Where events come from (default -: envelope lines on stdin)");
  app.add_option("-p,--pattern", patterns, "Handle only events whose tags match PATTERN (repeatable)")->allow_extra_args(false);
  app.add_option("--match", match, "How patterns match tags: glob (default), prefix, regex (RE2), exact");
  app.add_option("-x,--exclude", excludes, "Pass over tags matching this pattern (repeatable)")->allow_extra_args(false);
  app.add_option("--where", wheres,
                 "Handle only events whose data EXPR holds for (.path OP JSON, .path ~ GLOB, .path; repeatable)")
      ->allow_extra_args(false);
  evt::add_history_options(app, history);
  app.add_option("-n,--count", count, "Exit 0 after N events handled")->check(CLI::PositiveNumber);
  app.add_option("-w,--wait", idle, "Exit 0 once no event arrived and none ran for SECS");
  daemon.add(app);
  add_step_options(app, step);
  add_retry_options(app, retry);
  app.add_option("-j,--jobs", jobs, "Events handled at once (default 1, in order)")->check(CLI::PositiveNumber);
  LogFlags log;
  log.add(app);
  app.add_flag("--dry-run", dry_run, "Print the steps that would run, run nothing");
  app.add_option("dirs", dirs, "Handler directories (a later one's step wins a name)")->required();
  return evt::run_tool(app, argc, argv, [&] {
    evt::Config config = evt::load_config();
    evt::HandleRequest r;
    r.dirs = dirs;
    apply_steps(step, r);
    r.jobs = jobs;
    r.dry_run = dry_run;
    r.filter = evt::TagFilter(evt::parse_match_kind(match), patterns, excludes);
    r.where = evt::WhereFilter(wheres);
    r.count = count;
    if (!idle.empty()) r.idle_timeout = evt::parse_seconds("-w", idle);
    daemon.apply(r);
    r.source = transport.url;
    evt::TransportOptions options = evt::transport_options(transport, config);
    options.reconnect = !daemon.no_reconnect;
    options.history = evt::history_options(history);
    r.node = options.node;
    apply_retry(retry, options, r);
    evt::Logger logger = log.open();
    evt::HandleSource source = evt::open_handle_source(transport.url, options, r.filter);
    r.slot = source.slot.get();
    return static_cast<int>(evt::handle_events(r, *source.subscriber, logger));
  });
}
