#include "handle/dead_letter.h"

#include <nlohmann/json.hpp>

#include "core/endpoint.h"
#include "core/error.h"
#include "core/json.h"

namespace evt {

Event dead_letter_event(const Event& original, const DeadLetterRecord& why) {
  json record = json::object();
  record["handler"] = why.handler;
  record["step"] = why.step.empty() ? json(nullptr) : json(why.step);
  record["status"] = why.status;
  record["exit_code"] = why.exit_code ? json(*why.exit_code) : json(nullptr);
  record["attempts"] = why.attempts;
  record["time"] = why.time;
  Event e = original;
  e.set_extra("dead_letter", JsonText(record));
  return e;
}

namespace {

Endpoint whole_envelope_endpoint(const std::string& url) {
  Endpoint ep = parse_endpoint(url);
  switch (ep.scheme) {
    case Scheme::redis_stream:
    case Scheme::nats_js:
    case Scheme::local:
    case Scheme::stdio: return ep;
    default:
      throw usage_error("--dead-letter " + ep.display() +
                        ": a dead-letter endpoint must carry the whole envelope (redis+stream://, nats+js://, local:, -)");
  }
}

}  // namespace

DeadLetter::DeadLetter(const std::string& url, const TransportOptions& options)
    : endpoint_(whole_envelope_endpoint(url)), options_(options) {
  options_.zmq = {};  // the source's ZeroMQ options are not the dead-letter endpoint's
}

void DeadLetter::send(const Event& original, const DeadLetterRecord& why) {
  auto publisher = open_publisher(endpoint_, options_);
  publisher->publish(dead_letter_event(original, why));
  if (publisher->finish() != Exit::ok) throw failed("--dead-letter " + where() + ": the event was refused or not confirmed");
}

}  // namespace evt
