// event-fire: publish an event (a tag and JSON data) on an event bus.
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/tool_main.h"
#include "transport/fire.h"
#include "transport/transport_options.h"

// Declaring the options throws only on a programming error (an option added
// twice) or no memory, before run_tool takes over every error.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app(
      "Publish an event: a tag and JSON data.\n"
      "  event-fire [OPTIONS] TAG [DATA | KEY=VALUE | KEY:=JSON ...]\n"
      "  event-fire [OPTIONS] fire|fire_master DATA TAG\n"
      "  event-fire [OPTIONS] send TAG [DATA | KEY=VALUE | KEY:=JSON ...]",
      "event-fire");
  evt::TransportFlags transport;
  std::string timeout;
  bool master = false, whole_stdin = false, lines = false, allow_reserved = false, require_listener = false;
  std::vector<std::string> args;
  evt::add_transport_options(app, transport, true);
  app.add_flag("--master", master,
               "Fire to the master endpoint ($EVENT_MASTER or the config's master; or -u salt:DIR, a minion's bus)");
  app.add_flag("-s,--stdin", whole_stdin, "All of stdin is the DATA");
  app.add_flag("-l,--lines", lines, "One event per stdin line: an envelope, or DATA when TAG is given");
  app.add_option("--timeout", timeout, "Seconds a delivery may wait (default 5; 30 on nats+js://)");
  app.add_flag("--allow-reserved", allow_reserved,
               "salt: fire tags in Salt's own namespace (salt/) too, and fire_master* as a plain event");
  app.add_flag("--require-listener", require_listener, "Exit 3 when an event reached no listener");
  app.add_option("args", args, "TAG and DATA, KEY=VALUE or KEY:=JSON");

  return evt::run_tool(app, argc, argv, [&] {
    if (whole_stdin && lines) throw evt::usage_error("-s and -l exclude each other");
    evt::Config config = evt::load_config();
    evt::Positionals p = evt::read_positionals(args);
    evt::FireRequest r;
    r.url = evt::fire_url(transport.url, master || p.master, config);
    r.transport = evt::transport_options(transport, config);
    r.transport.to_master = master || p.master;
    r.transport.timeout_set = !timeout.empty();
    if (r.transport.timeout_set) r.transport.timeout = evt::parse_seconds("--timeout", timeout);
    r.transport.allow_reserved = allow_reserved;
    r.input = lines       ? evt::FireRequest::Input::lines :
              whole_stdin ? evt::FireRequest::Input::whole_stdin :
                            evt::FireRequest::Input::args;
    r.tag = p.tag;
    r.data_args = p.data_args;
    r.object_data = p.send;
    r.require_listener = require_listener;
    r.in_fd = STDIN_FILENO;
    r.trace = evt::trace_context_from_environment(evt::report);
    return static_cast<int>(evt::fire(r));
  });
}
