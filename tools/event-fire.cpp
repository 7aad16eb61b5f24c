// event-fire: publish an event (a tag and JSON data) on an event bus.
#include <unistd.h>

#include "config.h"
#include "fire.h"
#include "tool_main.h"

int main(int argc, char** argv) {
  CLI::App app("Publish an event: a tag and JSON data.\n"
               "  event-fire [OPTIONS] TAG [DATA | KEY=VALUE | KEY:=JSON ...]\n"
               "  event-fire [OPTIONS] fire|fire_master DATA TAG",
               "event-fire");
  std::string url, id, timeout = "5", password_file;
  bool master = false, whole_stdin = false, lines = false;
  std::vector<std::string> args;
  app.add_option("-u,--url", url, "Endpoint URL (default $EVENT_URL, else local:)");
  app.add_flag("--master", master, "Fire to the master endpoint ($EVENT_MASTER or the config's master)");
  app.add_option("--id", id, "This node's id (default the config's id, else the host name)");
  app.add_flag("-s,--stdin", whole_stdin, "All of stdin is the DATA");
  app.add_flag("-l,--lines", lines, "One event per stdin line: an envelope, or DATA when TAG is given");
  app.add_option("--timeout", timeout, "Seconds a delivery may wait (default 5)");
  app.add_option("--password-file", password_file, "Read the Redis password from FILE (- for stdin)");
  std::string frames = "json";
  evt::TransportOptions zmq;
  app.add_flag("--bind", zmq.bind, "ZeroMQ: bind (PUB: a publisher others subscribe to) instead of connecting");
  app.add_option("--frames", frames, "ZeroMQ frames: json ([tag, envelope], default) or one (OpenNebula's [key, base64])");
  app.add_option("--curve-secret-key", zmq.curve_secret_key, "ZeroMQ CURVE: this side's secret key (file)");
  app.add_option("--curve-server-key", zmq.curve_server_key, "ZeroMQ CURVE: the server's public key (file), when connecting");
  app.add_option("--max-message", zmq.max_message, "ZeroMQ: the largest frame a peer may send, in bytes; a larger one disconnects it (default 1114112)")
      ->check(CLI::Range(256LL, 1LL << 31));
  app.add_option("--curve-clients", zmq.curve_clients, "ZeroMQ CURVE: the client public keys admitted (file), when binding");
  app.add_option("args", args, "TAG and DATA, KEY=VALUE or KEY:=JSON");

  return evt::run_tool(app, argc, argv, [&] {
    if (whole_stdin && lines) throw evt::usage_error("-s and -l exclude each other");
    evt::Config config = evt::load_config();
    evt::Positionals p = evt::read_positionals(args);
    if ((master || p.master) && !url.empty()) throw evt::usage_error("--master and -u exclude each other");
    evt::FireRequest r;
    r.url = (master || p.master) ? evt::choose_master(config) : evt::choose_url(url, config);
    r.transport.node = evt::choose_node(id, config);
    r.transport.timeout = evt::parse_seconds("--timeout", timeout);
    r.transport.password = evt::choose_password(password_file);
    r.transport.bind = zmq.bind;
    r.transport.frames = evt::parse_frames(frames);
    r.transport.curve_secret_key = zmq.curve_secret_key;
    r.transport.curve_server_key = zmq.curve_server_key;
    r.transport.curve_clients = zmq.curve_clients;
    r.transport.max_message = zmq.max_message;
    r.input = lines         ? evt::FireRequest::Input::lines
              : whole_stdin ? evt::FireRequest::Input::whole_stdin
                            : evt::FireRequest::Input::args;
    r.tag = p.tag;
    r.data_args = p.data_args;
    r.in_fd = STDIN_FILENO;
    return static_cast<int>(evt::fire(r));
  });
}
