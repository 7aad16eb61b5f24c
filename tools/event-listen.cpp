// event-listen: subscribe to an event bus and print the events that match.
#include "config.h"
#include "listen.h"
#include "tool_main.h"

int main(int argc, char** argv) {
  CLI::App app("Print the events whose tags match the patterns (no pattern: every event).\n"
               "  event-listen [OPTIONS] [PATTERN ...]",
               "event-listen");
  std::string url, id, match = "glob", output = "json", idle, timeout, ready_file, password_file;
  bool no_reconnect = false;
  std::vector<std::string> patterns, excludes;
  long count = 0;
  app.add_option("-u,--url", url, "Endpoint URL (default $EVENT_URL, else local:)");
  app.add_option("--match", match, "How patterns match tags: glob (default), prefix, regex, exact");
  app.add_option("-x,--exclude", excludes, "Skip tags matching this pattern (repeatable)")
      ->allow_extra_args(false);
  app.add_option("-n,--count", count, "Exit 0 after N events")->check(CLI::PositiveNumber);
  app.add_option("-w,--wait", idle, "Exit 1 when no event arrives for SECS");
  app.add_option("--timeout", timeout, "Exit 1 after SECS in all");
  app.add_option("-o,--output", output, "json (default), pretty, salt, data, or a template (%t %d %j %i %n PULL: a master minions fire to %T)");
  app.add_option("--ready-file", ready_file, "Create PATH once the subscription is live");
  app.add_option("--id", id, "This node's id, for events that arrive without one");
  app.add_option("--password-file", password_file, "Read the Redis password from FILE (- for stdin)");
  std::string frames = "json";
  evt::TransportOptions zmq;
  app.add_flag("--bind", zmq.bind, "ZeroMQ: bind (PULL: a master minions fire to) instead of connecting");
  app.add_option("--frames", frames, "ZeroMQ frames: json ([tag, envelope], default) or one (OpenNebula's [key, base64])");
  app.add_option("--curve-secret-key", zmq.curve_secret_key, "ZeroMQ CURVE: this side's secret key (file)");
  app.add_option("--curve-server-key", zmq.curve_server_key, "ZeroMQ CURVE: the server's public key (file), when connecting");
  app.add_option("--max-message", zmq.max_message, "ZeroMQ: the largest frame a peer may send, in bytes; a larger one disconnects it (default 1114112)")
      ->check(CLI::Range(256LL, 1LL << 31));
  app.add_option("--curve-clients", zmq.curve_clients, "ZeroMQ CURVE: the client public keys admitted (file), when binding");
  app.add_flag("--no-reconnect", no_reconnect, "Exit 3 when the endpoint is lost instead of reconnecting");
  app.add_option("patterns", patterns, "Tag patterns");

  return evt::run_tool(app, argc, argv, [&] {
    evt::Config config = evt::load_config();
    evt::ListenRequest r;
    r.url = evt::choose_url(url, config);
    r.transport.node = evt::choose_node(id, config);
    r.transport.filter = evt::TagFilter(evt::parse_match_kind(match), patterns, excludes);
    r.format = evt::OutputFormat::parse(output);
    r.count = count;
    if (!idle.empty()) r.idle_timeout = evt::parse_seconds("-w", idle);
    if (!timeout.empty()) r.timeout = evt::parse_seconds("--timeout", timeout);
    r.ready_file = ready_file;
    r.transport.password = evt::choose_password(password_file);
    r.transport.bind = zmq.bind;
    r.transport.frames = evt::parse_frames(frames);
    r.transport.curve_secret_key = zmq.curve_secret_key;
    r.transport.curve_server_key = zmq.curve_server_key;
    r.transport.curve_clients = zmq.curve_clients;
    r.transport.max_message = zmq.max_message;
    r.transport.reconnect = !no_reconnect;
    return static_cast<int>(evt::listen(r));
  });
}
