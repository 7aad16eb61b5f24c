// event-listen: subscribe to an event bus and print the events that match.
#include <unistd.h>

#include "core/config.h"
#include "core/tool_main.h"
#include "transport/listen.h"
#include "transport/transport_options.h"

// Declaring the options throws only on a programming error (an option added
// twice) or no memory, before run_tool takes over every error.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app(
      "Print the events whose tags match the patterns (no pattern: every event).\n"
      "  event-listen [OPTIONS] [PATTERN ...]",
      "event-listen");
  evt::TransportFlags transport;
  evt::HistoryFlags history;
  std::string match = "glob", output = "json", idle, timeout, ready_file, color = "auto", stats, metrics;
  bool no_reconnect = false;
  std::vector<std::string> patterns, excludes, wheres;
  long count = 0;
  evt::add_transport_options(app, transport, false);
  app.add_option("--match", match, "How patterns match tags: glob (default), prefix, regex (RE2), exact");
  app.add_option("-x,--exclude", excludes, "Skip tags matching this pattern (repeatable)")->allow_extra_args(false);
  app.add_option("--where", wheres,
                 "Print only events whose data EXPR holds for (.path OP JSON, .path ~ GLOB, .path; repeatable)")
      ->allow_extra_args(false);
  evt::add_history_options(app, history);
  app.add_option("-n,--count", count, "Exit 0 after N events")->check(CLI::PositiveNumber);
  app.add_option("-w,--wait", idle, "Exit 1 when no event arrives for SECS");
  app.add_option("--timeout", timeout, "Exit 1 after SECS in all");
  app.add_option("-o,--output", output, "json (default), pretty, salt, data, or a template (%t %d %j %i %n %s %T)");
  app.add_option("--color", color, "Colours in -o pretty: auto (a terminal, no NO_COLOR), always, never");
  app.add_option("--ready-file", ready_file, "Create PATH once the subscription is live");
  app.add_option("--stats", stats, "Every SECS, events/s in all and of the busiest tag patterns on stderr");
  evt::add_metrics_option(app, metrics);
  app.add_flag("--no-reconnect", no_reconnect, "Exit 3 when the endpoint is lost instead of reconnecting");
  app.add_option("patterns", patterns, "Tag patterns");

  return evt::run_tool(app, argc, argv, [&] {
    evt::Config config = evt::load_config();
    evt::ListenRequest r;
    r.url = evt::transport_url(transport, config);
    r.transport = evt::transport_options(transport, config);
    r.transport.reconnect = !no_reconnect;
    r.transport.history = evt::history_options(history);
    r.filter = evt::TagFilter(evt::parse_match_kind(match), patterns, excludes);
    r.where = evt::WhereFilter(wheres);
    r.format = evt::OutputFormat::parse(output);
    r.format.use_colour(evt::OutputFormat::colour_wanted(color, STDOUT_FILENO));
    r.count = count;
    if (!idle.empty()) r.idle_timeout = evt::parse_seconds("-w", idle);
    if (!timeout.empty()) r.timeout = evt::parse_seconds("--timeout", timeout);
    r.ready_file = ready_file;
    if (!stats.empty()) {
      r.stats = evt::parse_seconds("--stats", stats);
      if (r.stats <= 0 || r.stats > 86400)
        throw evt::usage_error("--stats: '" + stats + "' is not a number of seconds above 0 (at most 86400)");
    }
    r.metrics = metrics;
    return static_cast<int>(evt::listen(r));
  });
}
