#include "transport/fire.h"

#include <poll.h>

#include "core/data_args.h"
#include "core/io.h"
#include "core/line_reader.h"
#include "core/log.h"
#include "transport/local_bus.h"

namespace evt {

Positionals read_positionals(const std::vector<std::string>& args) {
  Positionals p;
  if (args.size() == 3 && (args[0] == "fire" || args[0] == "fire_master")) {
    p.master = args[0] == "fire_master";
    p.data_args = {args[1]};
    p.tag = args[2];
    return p;
  }
  if (!args.empty()) {
    p.tag = args[0];
    p.data_args.assign(args.begin() + 1, args.end());
  }
  return p;
}

// --require-listener: one line, and exit 3, when some event reached no
// listener (where the transport can tell; see listener_check).
static Exit require_listener(const FireRequest& r, const Endpoint& endpoint, const Publisher& publisher, Exit status,
                             size_t fired) {
  size_t unheard = publisher.unheard();
  if (!r.require_listener || unheard == 0) return status;
  std::string where = endpoint.scheme == Scheme::local
                          ? "local:" + (endpoint.path.empty() ? default_bus_dir() : endpoint.path)
                          : endpoint.display();
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
        publisher.publish(e);
      } else {
        publisher.publish(make_event(*r.tag, data_from_text(line), r.transport.node));
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

  auto publisher = open_publisher(endpoint, r.transport);
  size_t fired = 0;
  if (r.input == FireRequest::Input::lines) {
    Exit status = fire_lines(r, *publisher, fired);
    return require_listener(r, endpoint, *publisher, status, fired);
  }
  publisher->publish(make_event(*r.tag, std::move(data), r.transport.node));
  return require_listener(r, endpoint, *publisher, publisher->finish(), 1);
}

}  // namespace evt
