// event-handle: run NethServer-style handler steps for each event on stdin.
#include "core/config.h"
#include "handle/handle.h"
#include "handle/logger.h"
#include "core/tool_main.h"

int main(int argc, char** argv) {
  CLI::App app("Run the handler steps of each event read from stdin (one envelope a line).\n"
               "  event-handle [OPTIONS] DIR...",
               "event-handle");
  std::vector<std::string> dirs;
  std::string name_from, timeout, grace = "5", log = "syslog", syslog_socket = "/dev/log", id;
  int jobs = 1;
  bool dry_run = false;
  app.add_option("--name-from", name_from, "Take the handler name from the first capture group of REGEX on the tag");
  app.add_option("--timeout", timeout, "Seconds a step may run before SIGTERM to its process group");
  app.add_option("--grace", grace, "Seconds from SIGTERM to SIGKILL, and for running steps at shutdown (default 5)");
  app.add_option("-j,--jobs", jobs, "Events handled at once (default 1, in order)")->check(CLI::PositiveNumber);
  app.add_option("--log", log, "Where step output and messages go: syslog (default), stderr, none");
  app.add_option("--syslog-socket", syslog_socket, "The syslog socket (default /dev/log)");
  app.add_flag("--dry-run", dry_run, "Print the steps that would run, run nothing");
  app.add_option("--id", id, "This node's id, for result events");
  app.add_option("dirs", dirs, "Handler directories (a later one's step wins a name)")->required();

  return evt::run_tool(app, argc, argv, [&] {
    evt::HandleRequest r;
    r.dirs = dirs;
    if (!name_from.empty()) r.name_from.emplace(name_from, "--name-from");
    if (!timeout.empty()) r.step_timeout = evt::parse_seconds("--timeout", timeout);
    r.grace = evt::parse_seconds("--grace", grace);
    r.jobs = jobs;
    r.dry_run = dry_run;
    r.node = evt::choose_node(id, evt::load_config());
    evt::Logger logger(evt::Logger::parse_target(log), syslog_socket, "event-handle");
    evt::TransportOptions transport;
    transport.node = r.node;
    auto source = evt::open_subscriber(evt::parse_endpoint("-"), transport, evt::TagFilter());
    return static_cast<int>(evt::handle_events(r, *source, logger));
  });
}
