#include "transport/fire.h"

#include <poll.h>

#include "core/data_args.h"
#include "core/endpoint.h"
#include "core/io.h"
#include "core/line_reader.h"
#include "core/log.h"
#include "transport/local_bus.h"

namespace evt {

namespace {

// salt-call event.send's own arguments, which it does not put in the data
// as they are: sent as KEY=VALUE they would reach the master as other data.
void refuse_salt_call_options(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (!is_pair(arg)) continue;
    std::string key = arg.substr(0, arg.find('='));
    if (!key.empty() && key.back() == ':') key.pop_back();
    for (const char* own : {"with_env", "with_grains", "with_pillar", "with_env_opts", "preload"})
      if (key == own)
        throw usage_error("send: " + key +
                          "= is salt-call's own option, which event-fire does not take; "
                          "give those values as KEY=VALUE or KEY:=JSON");
  }
}

// Whether two URLs name the same Salt bus (the same sock_dir, the same ?id=).
bool same_salt_bus(const Endpoint& a, const Endpoint& b) {
  auto dir = [](std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
  };
  return a.scheme == Scheme::salt && b.scheme == Scheme::salt && dir(a.path) == dir(b.path) && a.minion == b.minion;
}

// Why data cannot go with send, or nullopt.
std::optional<std::string> send_data_problem(const FireRequest& r, const JsonText& data) {
  if (!r.object_data || data.is_object()) return std::nullopt;
  return "send takes an object (KEY=VALUE pairs or a JSON object): Salt's event.send drops other data";
}

}  // namespace

Positionals read_positionals(const std::vector<std::string>& args) {
  Positionals p;
  if (args.size() == 3 && (args[0] == "fire" || args[0] == "fire_master")) {
    p.master = args[0] == "fire_master";
    p.data_args = {args[1]};
    p.tag = args[2];
    return p;
  }
  if (args.size() >= 2 && args[0] == "send") {
    p.master = p.send = true;
    p.tag = args[1];
    p.data_args.assign(args.begin() + 2, args.end());
    refuse_salt_call_options(p.data_args);
    return p;
  }
  if (!args.empty()) {
    p.tag = args[0];
    p.data_args.assign(args.begin() + 1, args.end());
  }
  return p;
}

std::string fire_url(const std::string& url_option, bool to_master, const Config& config) {
  if (!to_master) return choose_url(url_option, config);
  std::string master = configured_master(config);
  if (url_option.empty()) {
    if (master.empty())
      throw usage_error(
          "no master endpoint: set $EVENT_MASTER or 'master:' in the config file, "
          "or give a Salt minion's bus with -u salt:DIR");
    return master;
  }
  Endpoint given = parse_endpoint(url_option);
  if (given.scheme != Scheme::salt)
    throw usage_error("--master and -u exclude each other: -u " + given.display() +
                      " is no Salt bus (only -u salt:DIR, a minion's bus, reaches the master with --master)");
  if (master.empty() || same_salt_bus(given, parse_endpoint(master))) return url_option;
  throw usage_error("-u " + given.display() + " and the master endpoint " + masked_url(master) +
                    " ($EVENT_MASTER or the config's master) disagree: give one of them");
}

// --require-listener: one line, and exit 3, when some event reached no
// listener (where the transport can tell; see listener_check).
static Exit require_listener(const FireRequest& r, const Endpoint& endpoint, const Publisher& publisher, Exit status,
                             size_t fired) {
  size_t unheard = publisher.unheard();
  if (!r.require_listener || unheard == 0) return status;
  std::string where = endpoint.scheme == Scheme::local ? "local:" + (endpoint.path.empty() ? default_bus_dir() : endpoint.path) :
                                                         endpoint.display();
  report((fired == 1 ? std::string("the event") : std::to_string(unheard) + " of " + std::to_string(fired) + " events") +
         " reached no listener at " + where + " (--require-listener)");
  return worse(status, Exit::unreachable);
}

static Exit fire_lines(const FireRequest& r, Publisher& publisher, size_t& fired) {
  LineReader reader(r.in_fd);
  size_t bad = 0;
  auto complain = [&](const std::string& why) {
    ++bad;
    report("line " + std::to_string(reader.line_number()) + ": " + why);
  };
  for (;;) {
    // Whatever is batched goes out before we may wait for more input.
    if (!reader.has_buffered_line()) publisher.flush();
    std::string_view line;
    auto status = reader.next(line);
    if (status == LineReader::Status::eof) break;
    if (status == LineReader::Status::again) {  // a non-blocking stdin we were given
      pollfd p{r.in_fd, POLLIN, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    if (status == LineReader::Status::too_long) {
      complain("longer than " + std::to_string(reader.max_line()) + " bytes; skipped");
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank lines carry nothing
    try {
      if (!r.tag) {
        Event e = parse_envelope(line);
        complete(e, r.transport.node);
        apply_trace_context(e, r.trace);
        publisher.publish(e);
      } else {
        JsonText data = data_from_text(line);
        if (auto why = send_data_problem(r, data)) throw invalid_input(*why);
        Event e = make_event(*r.tag, std::move(data), r.transport.node);
        apply_trace_context(e, r.trace);
        publisher.publish(e);
      }
      ++fired;
    } catch (const Error& e) {
      if (e.code() != Exit::invalid_input) throw;
      complain(e.what());
    }
  }
  Exit status = publisher.finish();
  return bad > 0 ? worse(status, Exit::invalid_input) : status;
}

Exit fire(const FireRequest& r) {
  if (r.input != FireRequest::Input::lines && !r.tag) throw usage_error("no TAG given");
  if (r.tag) {
    if (auto why = tag_problem(*r.tag)) throw usage_error("TAG: " + *why);
  }
  if (r.input != FireRequest::Input::args && !r.data_args.empty())
    throw usage_error("DATA arguments cannot be combined with -s or -l");
  Endpoint endpoint = parse_endpoint(r.url);
  if (r.require_listener && listener_check(endpoint, r.transport) == ListenerCheck::unsupported)
    throw usage_error("--require-listener: " + endpoint.display() + " cannot tell whether a listener took an event");

  // Read a one-shot event's data before connecting: bad input fails fast.
  JsonText data;
  if (r.input == FireRequest::Input::whole_stdin ||
      (r.input == FireRequest::Input::args && r.data_args.size() == 1 && r.data_args[0] == "-")) {
    std::string text = read_all(r.in_fd);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    data = data_from_text(text);
  } else if (r.input == FireRequest::Input::args) {
    data = data_from_args(r.data_args);
  }
  if (r.input != FireRequest::Input::lines) {
    if (auto why = send_data_problem(r, data)) throw usage_error(*why);
  }

  auto publisher = open_publisher(endpoint, r.transport);
  size_t fired = 0;
  if (r.input == FireRequest::Input::lines) {
    Exit status = fire_lines(r, *publisher, fired);
    return require_listener(r, endpoint, *publisher, status, fired);
  }
  Event e = make_event(*r.tag, std::move(data), r.transport.node);
  apply_trace_context(e, r.trace);
  publisher->publish(e);
  return require_listener(r, endpoint, *publisher, publisher->finish(), 1);
}

}  // namespace evt
